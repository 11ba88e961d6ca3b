"""Binding a release to its data and its predecessor: the manifest chain, detached signatures
(ssh-keygen -Y) and ``release verify`` (rebuild and compare). Each test is an attack that a
resealed manifest alone would let through."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from test_release import SEED_PREFIX, _release_meta, _rewrite_events, make_data, read_manifest, write_manifest

from toolkit.release import CheckOptions, build_release, check_release, verify_release

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen not on PATH")


@pytest.fixture(autouse=True)
def _no_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("chain")
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        data = make_data(root)
        a = build_release("0.1.0", data, root / "releases").path
        b = build_release("0.1.1", data, root / "releases").path
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return data, a, b


@pytest.fixture
def copy(chain: tuple[Path, Path, Path], tmp_path: Path) -> tuple[Path, Path, Path]:
    data, a, b = chain
    out = tmp_path / "releases"
    return (
        Path(shutil.copytree(data, tmp_path / "data")),
        Path(shutil.copytree(a, out / a.name)),
        Path(shutil.copytree(b, out / b.name)),
    )


def reseal_events(release: Path) -> None:
    """The resealing attack: change an event, then recompute the manifest's checksums."""
    path = release / "events.parquet"
    target = f"{SEED_PREFIX}#e2"
    events = pl.read_parquet(path).with_columns(
        target_actor=pl.when(pl.col("event_id") == target)
        .then(pl.lit("USAGOV"))
        .otherwise(pl.col("target_actor"))
    )
    _rewrite_events(release, events, _release_meta(path))


def test_manifest_names_the_previous_manifest(chain: tuple[Path, Path, Path]) -> None:
    _, a, b = chain
    assert read_manifest(a)["previous_manifest_sha256"] is None
    digest = hashlib.sha256((a / "manifest.json").read_bytes()).hexdigest()
    assert read_manifest(b)["previous_manifest_sha256"] == digest
    assert check_release(b).rule_counts == {}


def test_rewritten_previous_breaks_the_chain(copy: tuple[Path, Path, Path], evtk: Callable[..., Any]) -> None:
    _, a, b = copy
    reseal_events(a)
    assert check_release(a).errors == 0  # resealed: its own checksums pass
    r = evtk("release", "check", b)
    assert r.code == 1, r.output
    assert "R207 broken-chain" in r.out and "the previous release was rewritten or swapped" in r.out


def test_previous_given_explicitly_is_held_to_the_chain(
    copy: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, a, b = copy
    other = Path(shutil.copytree(a, tmp_path / "elsewhere" / "0.1.0"))
    reseal_events(other)
    assert "R207" in check_release(b, CheckOptions(previous=other)).rule_counts
    assert "R207" not in check_release(b, CheckOptions(previous=a)).rule_counts


def test_manifest_without_the_chain_is_reported(copy: tuple[Path, Path, Path]) -> None:
    _, _, b = copy
    m = read_manifest(b)
    del m["previous_manifest_sha256"]
    write_manifest(b, m)
    messages = check_release(b).findings.filter(rule="R207")["message"].to_list()
    assert messages == [
        "manifest.json: it records no previous_manifest_sha256 for 0.1.0: rebuild it with this evtk"
    ]


def test_verify_reproduces_a_faithful_release(
    copy: tuple[Path, Path, Path], evtk: Callable[..., Any]
) -> None:
    data, _, b = copy
    r = evtk("release", "verify", b, "--data", data, "--quiet")
    assert r.code == 0, r.output
    assert verify_release(b, data).rule_counts == {}


def test_verify_finds_a_resealed_release(copy: tuple[Path, Path, Path], evtk: Callable[..., Any]) -> None:
    data, _, b = copy
    reseal_events(b)
    assert check_release(b).errors == 0  # checksums alone cannot tell
    r = evtk("release", "verify", b, "--data", data, "--quiet")
    assert r.code == 1, r.output
    assert "events.parquet: error R115 not-reproduced" in r.out
    assert set(verify_release(b, data).findings["file"]) == {"events.parquet"}


def _keypair(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key


def test_signed_release_verifies(
    copy: tuple[Path, Path, Path], evtk: Callable[..., Any], tmp_path: Path
) -> None:
    _, a, _ = copy
    key = _keypair(tmp_path, "k1")
    r = evtk("release", "sign", a, "--key", key)
    assert r.code == 0, r.output
    assert (a / "manifest.json.sig").read_text(encoding="utf-8").startswith("-----BEGIN SSH SIGNATURE-----")
    report = check_release(a, CheckOptions(key=key.with_suffix(".pub")))
    assert report.rule_counts == {}  # the signature file is no R105 stray


def test_resealed_signed_release_fails(
    copy: tuple[Path, Path, Path], evtk: Callable[..., Any], tmp_path: Path
) -> None:
    _, a, _ = copy
    key = _keypair(tmp_path, "k1")
    assert evtk("release", "sign", a, "--key", key).code == 0
    reseal_events(a)
    r = evtk("release", "check", a, "--key", key.with_suffix(".pub"))
    assert r.code == 1, r.output
    assert "R114 bad-signature" in r.out and "does not verify" in r.out


def test_other_key_or_no_signature_fails(
    copy: tuple[Path, Path, Path], evtk: Callable[..., Any], tmp_path: Path
) -> None:
    _, a, _ = copy
    mine, theirs = _keypair(tmp_path, "mine"), _keypair(tmp_path, "theirs")
    r = evtk("release", "check", a, "--key", mine.with_suffix(".pub"))
    assert r.code == 1 and "not signed" in r.out
    assert evtk("release", "sign", a, "--key", theirs).code == 0
    r = evtk("release", "check", a, "--key", mine.with_suffix(".pub"))
    assert r.code == 1 and "does not verify" in r.out
    bad = tmp_path / "private.pub"
    bad.write_text(mine.read_text(encoding="utf-8"), encoding="utf-8")
    r = evtk("release", "check", a, "--key", bad)
    assert r.code == 2 and "not one OpenSSH public key line" in r.err


def test_signature_link_is_refused(copy: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, a, _ = copy
    key = _keypair(tmp_path, "k1")
    outside = tmp_path / "sig"
    outside.write_text("x", encoding="utf-8")
    (a / "manifest.json.sig").symlink_to(outside)
    report = check_release(a, CheckOptions(key=key.with_suffix(".pub")))
    assert "R109" in report.rule_counts and not report.valid
    assert json.dumps(report.to_dict())  # serialisable as ever
