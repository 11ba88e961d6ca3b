"""Reading a release: the one reader that load, check, diff and export share.

A release is read from its manifest: only the files it lists are data (a stray file dropped into
``events/`` is reported by ``evtk release check`` as R105, never read), and its codebook is the
snapshot in ``codebook/``. :mod:`toolkit.release` (build) and :mod:`toolkit.release_checks`
(check) both import from here, never from each other at import time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
import polars.selectors as cs

from toolkit import semver
from toolkit.codebook import Codebook, codebook_from_sources
from toolkit.errors import InputError, UsageError
from toolkit.progress import NULL, Progress
from toolkit.schema import EVENT_COLUMNS, RETRACTION_COLUMNS
from toolkit.textio import decode, plain


# --------------------------------------------------------------------------- discovery / reading
def is_release(path: Path) -> bool:
    return path.is_dir() and not path.name.startswith(".") and (path / "manifest.json").is_file()


def release_containing(path: Path) -> Path | None:
    """The release (or unfinished build) folder that ``path`` lies in, if any: outputs are never
    written into a release."""
    try:
        here = path.resolve()
    except OSError:
        return None
    for folder in [here, *here.parents]:
        if re.fullmatch(r"\.tmp-.+-\d+", folder.name):
            return folder
        if (folder / "manifest.json").is_file():
            try:
                manifest = read_manifest(folder)
            except InputError:
                continue  # some other project's manifest.json
            if "resources" in manifest and "version" in manifest:
                return folder
    return None


def refuse_output_in_release(path: Path, option: str = "--out") -> None:
    found = release_containing(path)
    if found is not None:
        raise UsageError(
            f"{option} {plain(str(path))} is inside the release {plain(str(found))}: a release is never "
            "edited after its build; write the output somewhere else"
        )


def list_releases(parent: Path) -> list[Path]:
    """Published releases in ``parent``, oldest first (hidden temporary folders are never releases)."""
    if not parent.is_dir():
        return []
    found = [p for p in parent.iterdir() if is_release(p) and semver.is_valid(p.name)]
    return sorted(found, key=lambda p: semver.parse(p.name))


def previous_release(release_dir: Path) -> Path | None:
    version = release_dir.name
    older = [
        p
        for p in list_releases(release_dir.parent)
        if semver.is_valid(version) and semver.parse(p.name) < semver.parse(version)
    ]
    return older[-1] if older else None


# --------------------------------------------------------------------------- containment
#: Default limits; each has an option to raise it (see docs/security.md).
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_FILE_BYTES = 64 * 1024**3
MAX_RESOURCES = 100_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafePath(Exception):
    """A path a release names that is never opened (outside the folder, a link, not a file)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def shown(rel: object) -> str:
    """A path as findings show it: control characters escaped, so it can never forge output lines."""
    return plain(rel if isinstance(rel, str) else repr(rel))


def member(root: Path, rel: object) -> Path:
    """The file ``rel`` names inside release ``root``, or :class:`UnsafePath`.

    ``rel`` must be a relative POSIX path without ``.``/``..`` parts or control characters; no part
    of it may be a symbolic link, and it must name a regular file. The file is never opened here.
    A missing file raises :class:`FileNotFoundError`."""
    if not isinstance(rel, str) or not rel:
        raise UnsafePath("is not a path (the manifest must give a string)")
    if _CONTROL.search(rel) or "\\" in rel:
        raise UnsafePath("has control characters or backslashes")
    if rel.startswith("/"):
        raise UnsafePath("is an absolute path, outside the release")
    parts = rel.split("/")
    if ".." in parts:
        raise UnsafePath("leaves the release folder (..)")
    if any(p in ("", ".") for p in parts):
        raise UnsafePath("is not a plain relative path (empty or . parts)")
    path = root
    for i, part in enumerate(parts):
        path = path / part
        st = os.lstat(path)  # FileNotFoundError: missing, reported by the caller
        if stat.S_ISLNK(st.st_mode):
            raise UnsafePath(
                "is a symbolic link" if i == len(parts) - 1 else "passes through a symbolic link"
            )
        if i < len(parts) - 1 and not stat.S_ISDIR(st.st_mode):
            raise FileNotFoundError(path)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePath("is not a regular file")
    return path


def open_member(path: Path, max_bytes: int) -> BinaryIO:
    """Open a release file for reading: never through a link, only a regular file, at most ``max_bytes``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnsafePath(f"cannot be opened ({exc.strerror})") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnsafePath("is not a regular file")
    if st.st_size > max_bytes:
        os.close(fd)
        raise UnsafePath("is larger than its manifest entry allows")
    return os.fdopen(fd, "rb")


def read_member(path: Path, max_bytes: int) -> bytes:
    with open_member(path, max_bytes) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnsafePath("is larger than its manifest entry allows")
    return data


def sha256_member(path: Path, max_bytes: int) -> str:
    h = hashlib.sha256()
    seen = 0
    with open_member(path, max_bytes) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            seen += len(chunk)
            if seen > max_bytes:
                raise UnsafePath("grew while it was read")
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- the manifest
def read_manifest(release_dir: Path, max_bytes: int = MAX_MANIFEST_BYTES) -> dict[str, Any]:
    """The manifest as a dict; :class:`InputError` when it is missing, a link, too large or not JSON."""
    path = release_dir / "manifest.json"
    try:
        data = read_member(member(release_dir, "manifest.json"), max_bytes)
    except FileNotFoundError:
        raise InputError("not a release: manifest.json is missing", release_dir) from None
    except UnsafePath as exc:
        raise InputError(
            f"manifest.json {exc.detail} (limit {max_bytes} bytes, --max-manifest-bytes): not read", path
        ) from None
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"manifest.json is not valid JSON: {exc}", path) from None
    except RecursionError:
        raise InputError("manifest.json is nested too deeply to be a manifest", path) from None
    except ValueError as exc:  # e.g. a 5000-digit integer
        raise InputError(
            f"manifest.json has a value out of range: {str(exc).splitlines()[0]}", path
        ) from None
    if not isinstance(parsed, dict):
        raise InputError("manifest.json must be a JSON object", path)
    return parsed


@dataclass
class Release:
    """A release folder read through its manifest: ``files`` holds the listed files that exist
    inside the folder as regular files (never through a link); ``refused`` the listed paths that
    were not (path -> why), ``missing`` those that do not exist, ``malformed`` resource entries
    that are not objects with a string path."""

    root: Path
    manifest: dict[str, Any]
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)

    def limit(self, rel: str, max_file_bytes: int = MAX_FILE_BYTES) -> int:
        """The most bytes ``rel`` may be read for: its manifest size, capped by ``max_file_bytes``."""
        declared = self.entries[rel].get("bytes")
        if isinstance(declared, int) and not isinstance(declared, bool) and 0 <= declared:
            return min(declared, max_file_bytes)
        return 0

    def path(self, rel: str) -> Path:
        """A listed, safe file whose size is the manifest's; else :class:`InputError`."""
        if rel in self.refused:
            raise InputError(f"{shown(rel)} {self.refused[rel]}: refused, not read", self.root)
        if rel not in self.files:
            raise InputError(
                f"{rel} is not in the release (missing, or not listed in manifest.json): "
                "run evtk release check",
                self.root,
            )
        path = self.files[rel]
        if path.stat().st_size != self.entries[rel].get("bytes"):
            raise InputError(f"{rel} does not have its manifest size: run evtk release check", self.root)
        return path

    def event_files(self) -> list[str]:
        return sorted(
            r
            for r in self.entries
            if (r == "events.parquet" or r.startswith("events/")) and r.endswith(".parquet")
        )

    def codebook_files(self) -> list[str]:
        return sorted(r for r in self.entries if r.startswith("codebook/"))

    def codebook(self, max_file_bytes: int = MAX_FILE_BYTES) -> Codebook:
        """The codebook snapshot, from the files the manifest lists under ``codebook/`` only."""
        sources: dict[str, str] = {}
        for rel in self.codebook_files():
            if rel not in self.files:
                continue
            try:
                data = read_member(self.files[rel], self.limit(rel, max_file_bytes))
            except UnsafePath as exc:
                raise InputError(f"{rel} {exc.detail}: refused, not read", self.root) from None
            sources[rel.removeprefix("codebook/")] = decode(data, self.files[rel])
        return codebook_from_sources(self.root / "codebook", sources)


def open_release(
    release_dir: Path, *, max_manifest_bytes: int = MAX_MANIFEST_BYTES, max_resources: int = MAX_RESOURCES
) -> Release:
    """Read ``release_dir``'s manifest and resolve every file it names, opening none of them."""
    if not release_dir.is_dir():
        raise InputError("no such release folder", release_dir)
    manifest = read_manifest(release_dir, max_manifest_bytes)
    rel_ = Release(release_dir, manifest)
    resources = manifest.get("resources")
    if not isinstance(resources, list):
        return rel_
    if len(resources) > max_resources:
        raise InputError(
            f"manifest.json lists {len(resources)} files, over the limit of {max_resources} "
            "(raise it with --max-resources)",
            release_dir / "manifest.json",
        )
    for i, res in enumerate(resources):
        if not isinstance(res, dict) or not isinstance(res.get("path"), str):
            rel_.malformed.append(f"resource {i + 1} is not an object with a string path")
            continue
        rel = res["path"]
        if rel in rel_.entries:
            rel_.malformed.append(f"resource {i + 1} lists {shown(rel)} a second time")
            continue
        rel_.entries[rel] = res
        try:
            rel_.files[rel] = member(release_dir, rel)
        except UnsafePath as exc:
            rel_.refused[rel] = exc.detail
        except (FileNotFoundError, NotADirectoryError):
            rel_.missing.append(rel)
        except OSError as exc:
            rel_.refused[rel] = f"cannot be looked at ({exc.strerror})"
    return rel_


def events_path(release_dir: Path) -> Path:
    single = release_dir / "events.parquet"
    return single if single.exists() else release_dir / "events"


def scan_events(release_dir: Path | Release) -> pl.LazyFrame:
    """The events table, read from the files the manifest lists (never a stray file dropped into
    ``events/``, never a path outside the release or through a link)."""
    rel = release_dir if isinstance(release_dir, Release) else open_release(release_dir)
    files = [rel.path(r) for r in rel.event_files()]
    if not files:
        raise InputError("the manifest lists no events file (events.parquet or events/)", rel.root)
    if len(files) == 1 and files[0].name == "events.parquet" and files[0].parent == rel.root:
        return pl.scan_parquet(files[0])
    return (
        pl.scan_parquet(files, hive_partitioning=True)
        .with_columns(pl.col("year").cast(pl.Int32))
        .select(cs.by_name(*EVENT_COLUMNS, require_all=False))  # in schema order; check reports gaps
    )


def resolve_release(path_or_version: str | Path, releases_dir: Path | None = None) -> Path:
    p = Path(path_or_version)
    if is_release(p):
        return p
    base = releases_dir or Path("data/releases")
    if semver.is_valid(str(path_or_version)) and is_release(base / str(path_or_version)):
        return base / str(path_or_version)
    if str(path_or_version) == "latest" and list_releases(base):
        return list_releases(base)[-1]
    raise InputError(
        f"no release {str(path_or_version)!r} (looked for a folder with manifest.json, and in {base})"
    )


def load(
    path_or_version: str | Path,
    table: str = "events",
    *,
    releases_dir: Path | None = None,
    labels: bool = False,
) -> pl.LazyFrame:
    """A release table as a polars LazyFrame: ``events``, ``articles``, ``sentences`` or ``retractions``.

    ``path_or_version`` is a release folder, a version in ``releases_dir`` (default
    ``data/releases``) or ``"latest"``. With ``labels=True`` the events get ``event_name`` and
    ``quad_name`` from the release's own codebook snapshot.
    """
    rel = open_release(resolve_release(path_or_version, releases_dir))
    if table == "events":
        lf = scan_events(rel)
        if labels:
            cb = rel.codebook()
            names = cb.events.select(pl.col("code").alias("event_code"), pl.col("name").alias("event_name"))
            quads = pl.DataFrame(
                {"quad_class": list(cb.quad_names), "quad_name": list(cb.quad_names.values())},
                schema={"quad_class": pl.Int8, "quad_name": pl.String},
            )
            lf = lf.join(names.lazy(), on="event_code", how="left").join(
                quads.lazy(), on="quad_class", how="left"
            )
        return lf
    if table in ("articles", "sentences"):
        return pl.scan_parquet(rel.path(f"{table}.parquet"))
    if table == "retractions":
        return read_retractions_csv(rel.path("retractions.csv")).lazy()
    raise UsageError(f"unknown table {table!r}: use events, articles, sentences or retractions")


def read_retractions_csv(path: Path) -> pl.DataFrame:
    """A release's ``retractions.csv`` in :data:`RETRACTION_COLUMNS` (extra columns ignored)."""
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"cannot read retractions: {str(exc).splitlines()[0]}", path) from None
    missing = [c for c in RETRACTION_COLUMNS if c not in frame.columns]
    if missing and frame.height:
        raise InputError(f"retractions.csv has no column {missing[0]}", path, 1)
    return frame.select(
        [pl.col(c) if c in frame.columns else pl.lit(None, pl.String).alias(c) for c in RETRACTION_COLUMNS]
    ).cast(RETRACTION_COLUMNS)  # type: ignore[arg-type]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- check options
@dataclass
class DriftThresholds:
    quad_share: float = 0.10
    duplicate_rate: float = 0.05
    source_share: float = 0.20


@dataclass
class CheckOptions:
    previous: Path | None = None
    find_previous: bool = True
    drift: DriftThresholds = field(default_factory=DriftThresholds)
    max_examples: int | None = 50
    progress: Progress = NULL
    max_file_bytes: int = MAX_FILE_BYTES
    max_manifest_bytes: int = MAX_MANIFEST_BYTES
    max_resources: int = MAX_RESOURCES
    key: Path | None = None  # a public key: verify manifest.json.sig with it
    codebook: Path | None = None  # the codebook to compare the snapshot with (default: the usual look-up)
    engine: str = "polars"  # "spark": event rules as Spark tasks (toolkit.spark_engine)
    spark_master: str = "local[*]"
