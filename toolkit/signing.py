"""Detached signatures of a release's manifest, with OpenSSH's ``ssh-keygen -Y`` (its ``sshsig``
format): ``evtk release sign DIR --key KEY`` writes ``manifest.json.sig``; ``evtk release check DIR
--key KEY.pub`` verifies it. The manifest holds every file's sha256 (and the previous manifest's), so
one signature covers the release and its place in the chain.

The key is any OpenSSH key (``ssh-keygen -t ed25519``); evtk keeps no keys and only calls
``ssh-keygen``, which must be on PATH. Signatures use the namespace ``evtk-release``, so a signature
made for another purpose (git commits, files) never verifies as a release signature.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from toolkit.atomic import write_bytes_atomic
from toolkit.errors import InputError, UsageError
from toolkit.release_io import MAX_MANIFEST_BYTES, Release, UnsafePath, member, open_release, read_member

NAMESPACE = "evtk-release"
SIGNATURE = "manifest.json.sig"
IDENTITY = "evtk-release-signer"


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise UsageError("ssh-keygen (OpenSSH) is not on PATH: install OpenSSH to sign or verify releases")
    return found


def _manifest_bytes(release: Release) -> bytes:
    return read_member(member(release.root, "manifest.json"), MAX_MANIFEST_BYTES)


def sign_release(release_dir: Path, key: Path) -> Path:
    """Write ``manifest.json.sig`` next to the manifest, signed with the private ``key``."""
    release = open_release(release_dir)
    if not key.is_file():
        raise InputError("no such key file", key)
    proc = subprocess.run(
        [_ssh_keygen(), "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE],
        input=_manifest_bytes(release),
        capture_output=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout.startswith(b"-----BEGIN SSH SIGNATURE-----"):
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"ssh-keygen could not sign: {why[-1] if why else 'no output'}", key)
    target = release.root / SIGNATURE
    write_bytes_atomic(target, proc.stdout)
    return target


def verify_signature(release: Release, public_key: Path) -> str | None:
    """None when ``manifest.json.sig`` is a valid signature of the manifest by ``public_key``;
    otherwise what is wrong."""
    from toolkit.textio import read_bytes

    try:
        key_text = read_bytes(public_key, 1_000_000).decode("utf-8").strip()  # one key line
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the public key ({exc})", public_key) from None
    if not key_text or "\n" in key_text or "PRIVATE KEY" in key_text:
        raise UsageError(f"{public_key} is not one OpenSSH public key line (KEY.pub)")
    try:
        sig = read_member(member(release.root, SIGNATURE), 64 * 1024)
    except FileNotFoundError:
        return "missing: the release is not signed (evtk release sign)"
    except UnsafePath as exc:
        return f"{exc.detail}: refused, not read"
    with tempfile.TemporaryDirectory(prefix="evtk-verify-") as tmp:
        allowed = Path(tmp) / "allowed_signers"
        allowed.write_text(f'{IDENTITY} namespaces="{NAMESPACE}" {key_text}\n', encoding="utf-8")
        sig_path = Path(tmp) / SIGNATURE
        sig_path.write_bytes(sig)
        proc = subprocess.run(
            [
                _ssh_keygen(),
                "-Y",
                "verify",
                "-f",
                str(allowed),
                "-I",
                IDENTITY,
                "-n",
                NAMESPACE,
                "-s",
                str(sig_path),
            ],
            input=_manifest_bytes(release),
            capture_output=True,
            timeout=120,
            check=False,
        )
    if proc.returncode == 0:
        return None
    return "does not verify with the given key: the manifest changed after signing, or another key signed it"
