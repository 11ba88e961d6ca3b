"""Releases in object stores and on HDFS: ``s3://`` (also ``s3a://``, ``s3n://``), ``gs://``,
``hdfs://``, ``abfs://``/``abfss://``.

A remote release is read the way a local one is, through its manifest: ``manifest.json`` first
(at most ``--max-manifest-bytes``), then only the files it lists, each at most the size its
manifest entry states (plus one byte, so a file that grew shows as a size mismatch instead of
being downloaded whole), and never a path outside the release. They are copied into a private
temporary folder that is removed when the command ends, and every check then runs on that copy
as on a local release: the same rules, findings and exit codes. The previous release the manifest
names is fetched beside it, from the same parent folder, so the chain and the change are checked
too.

The file systems are pyarrow's (``pyarrow.fs``, part of evtk's base dependencies), with their usual
configuration: AWS credentials and ``AWS_ENDPOINT_URL`` from the environment or ``~/.aws`` for S3,
Google's application default credentials for GCS, ``HADOOP_HOME``/``CLASSPATH`` for HDFS (libhdfs),
``AZURE_STORAGE_ACCOUNT_NAME`` and a key or Azure's default credentials for ABFS.
``EVTK_FETCH_DIR`` names the folder the copies go under (default: the system's temporary folder);
on a Spark cluster it must be a path every node sees.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from toolkit.errors import InputError, UsageError

#: the schemes evtk fetches releases from, and pyarrow's name for each
SCHEMES = {
    "s3": "s3",
    "s3a": "s3",
    "s3n": "s3",
    "gs": "gs",
    "gcs": "gs",
    "hdfs": "hdfs",
    "viewfs": "hdfs",
    "abfs": "abfs",
    "abfss": "abfss",
}
_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://(.*)$")
_CHUNK = 1 << 20
_FOLDERS: list[str] = []
_ORIGINS: dict[str, str] = {}  # local copy -> the URI it was fetched from
_FETCHED: dict[tuple[object, ...], Path] = {}  # (URI, options) -> its local copy


def scheme_of(uri: str) -> str | None:
    match = _URI.match(uri)
    return match.group(1).lower() if match else None


def is_remote(uri: str) -> bool:
    return scheme_of(uri) in SCHEMES


def shown(path: Path | str) -> str:
    """``path`` as the user named it: the URI of a fetched copy, else the path itself."""
    return _ORIGINS.get(str(path), str(path))


def _cleanup() -> None:
    for folder in _FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)
    _FOLDERS.clear()
    _FETCHED.clear()


def _workdir() -> Path:
    base = os.environ.get("EVTK_FETCH_DIR") or None
    if base is not None and not Path(base).is_dir():
        raise UsageError(f"EVTK_FETCH_DIR {base} is not a folder: create it, or unset it")
    folder = tempfile.mkdtemp(prefix="evtk-fetch-", dir=base)
    if not _FOLDERS:
        atexit.register(_cleanup)
    _FOLDERS.append(folder)
    return Path(folder)


def _filesystem(uri: str) -> tuple[Any, str]:
    """pyarrow's file system for ``uri`` and the path inside it; a clear error when it cannot be had."""
    import pyarrow.fs as pafs

    scheme = scheme_of(uri)
    assert scheme is not None
    rest = _URI.match(uri).group(2)  # type: ignore[union-attr]
    normalised = f"{SCHEMES[scheme]}://{rest}".rstrip("/")
    try:
        fs, path = pafs.FileSystem.from_uri(normalised)
    except (OSError, ValueError, ImportError) as exc:
        raise InputError(f"cannot open this {scheme}:// location: {_first_line(exc)}", uri) from None
    return fs, path.rstrip("/")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def _reading(uri: str, what: str) -> Iterator[None]:
    """File-system errors (no credentials, no such bucket, access denied, a path it cannot name) as
    one clear :class:`InputError` naming ``what`` could not be read."""
    import pyarrow as pa

    try:
        yield
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"cannot read {what}: {_first_line(exc)}", uri) from None


def _copy(fs: Any, src: str, dest: Path, cap: int, uri: str) -> int:
    """Copy at most ``cap`` bytes of ``src`` to ``dest``; returns the bytes copied, or -1 when the
    manifest's paths collide (``a`` and ``a/b``: one of them is not copied, and the check says so)."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        out = dest.open("xb", buffering=0)  # unbuffered: a full disk fails the write, not the close
    except (FileExistsError, NotADirectoryError):
        return -1
    except OSError as exc:
        raise _no_room(dest, exc) from None
    copied = 0
    with out, _reading(uri, src.rsplit("/", 1)[-1]), fs.open_input_stream(src) as fh:
        while copied < cap:
            chunk = fh.read(min(_CHUNK, cap - copied))
            if not chunk:
                break
            view = memoryview(chunk)
            try:
                while view:  # an unbuffered write may take part of the chunk
                    view = view[out.write(view) or 0 :]
            except OSError as exc:
                raise _no_room(dest, exc) from None  # an InputError: not taken for a read error
            copied += len(chunk)
    return copied


def _no_room(dest: Path, exc: OSError) -> InputError:
    """The local copy cannot be written (a full disk, a read-only temporary folder)."""
    folder = Path(_FOLDERS[-1]).parent if _FOLDERS else dest.parent
    return InputError(
        f"cannot write the local copy of the release: {exc.strerror or exc}; set EVTK_FETCH_DIR to a "
        "folder with room for it",
        folder,
    )


def _kind(fs: Any, path: str, uri: str) -> Any:
    with _reading(uri, "this location"):
        return fs.get_file_info(path).type


def _fetch_one(
    fs: Any,
    base: str,
    uri: str,
    local: Path,
    max_manifest_bytes: int,
    max_file_bytes: int,
    max_resources: int,
) -> dict[str, Any]:
    import pyarrow.fs as pafs

    from toolkit.release_io import UnsafePath, check_rel, listed_resources

    manifest_path = f"{base}/manifest.json"
    kind = _kind(fs, manifest_path, uri)
    if kind == pafs.FileType.NotFound:
        what = "no such release folder" if _kind(fs, base, uri) == pafs.FileType.NotFound else "not a release"
        raise InputError(f"{what}: manifest.json is missing", uri)
    if kind != pafs.FileType.File:
        raise InputError("manifest.json is not a file", uri)
    local.mkdir(parents=True)
    got = _copy(fs, manifest_path, local / "manifest.json", max_manifest_bytes + 1, uri)
    if got > max_manifest_bytes:
        raise InputError(
            f"manifest.json is larger than {max_manifest_bytes} bytes (--max-manifest-bytes): not read", uri
        )
    try:
        manifest = json.loads((local / "manifest.json").read_bytes().decode("utf-8"))
    except (ValueError, RecursionError):
        return {}  # the check reports it, on the copy, with its usual message
    if not isinstance(manifest, dict):
        return {}
    resources = listed_resources(manifest, max_resources, uri)
    if resources is None:
        return manifest
    for res in resources:
        rel = res.get("path") if isinstance(res, dict) else None
        try:
            check_rel(rel)
        except UnsafePath:
            continue  # never fetched: the check refuses it by name
        assert isinstance(res, dict) and isinstance(rel, str)
        if rel == "manifest.json" or (local / rel).exists():
            continue  # the manifest itself, or a path listed twice: copied once
        declared = res.get("bytes")
        limit = (
            declared if isinstance(declared, int) and not isinstance(declared, bool) and declared >= 0 else 0
        )
        if _kind(fs, f"{base}/{rel}", uri) != pafs.FileType.File:
            continue  # missing: the check reports it
        # one byte over the stated size shows a file that grew, without downloading all of it
        _copy(fs, f"{base}/{rel}", local / rel, min(limit, max_file_bytes) + 1, uri)
    return manifest


def fetch_release(
    uri: str,
    *,
    with_previous: bool = False,
    max_manifest_bytes: int = 64 * 1024**2,
    max_file_bytes: int = 64 * 1024**3,
    max_resources: int = 100_000,
) -> Path:
    """A local copy of the release at ``uri`` (its manifest and the files it lists), and of the
    previous release its manifest names when that sits beside it; removed when the process ends.
    A release fetched before in this process (with the same options) is not fetched again:
    releases are never changed in place once published."""
    from toolkit import semver

    key = (uri.rstrip("/"), with_previous, max_manifest_bytes, max_file_bytes, max_resources)
    if key in _FETCHED and _FETCHED[key].is_dir():
        return _FETCHED[key]
    fs, base = _filesystem(uri)
    name = base.rsplit("/", 1)[-1]
    if not name or name in (".", ".."):
        raise UsageError("name the release folder itself (…/releases/VERSION)", uri)
    work = _workdir()
    local = work / name
    manifest = _fetch_one(fs, base, uri, local, max_manifest_bytes, max_file_bytes, max_resources)
    _ORIGINS[str(local)] = uri
    previous = manifest.get("previous_version")
    if with_previous and isinstance(previous, str) and semver.is_valid(previous) and previous != name:
        parent = base.rsplit("/", 1)[0]
        sibling = f"{parent}/{previous}"
        import pyarrow.fs as pafs

        if "/" in base and _kind(fs, f"{sibling}/manifest.json", uri) == pafs.FileType.File:
            shown = uri.rstrip("/").rsplit("/", 1)[0] + "/" + previous
            _fetch_one(fs, sibling, shown, work / previous, max_manifest_bytes, max_file_bytes, max_resources)
    _FETCHED[key] = local
    return local
