"""Reading a release: the one reader that load, check, diff and export share.

A release is read from its manifest: only the files it lists are data (a stray file dropped into
``events/`` is reported by ``evtk release check`` as R105, never read), and its codebook is the
snapshot in ``codebook/``. :mod:`toolkit.release` (build) and :mod:`toolkit.release_checks`
(check) both import from here, never from each other at import time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, overload

import polars as pl
import polars.selectors as cs

from toolkit import semver
from toolkit.codebook import Codebook, codebook_from_sources
from toolkit.errors import InputError, LimitError, UsageError
from toolkit.progress import NULL, Progress
from toolkit.schema import EVENT_COLUMNS, RETRACTION_COLUMNS, conform
from toolkit.textio import decode, plain

#: flat code tables a release carries beside its codebook snapshot (derived from it; R116)
CODE_TABLES = ("codebook/event_codes.parquet", "codebook/actor_codes.parquet")


def code_tables(cb: Codebook) -> dict[str, pl.DataFrame]:
    """The flat code tables of codebook ``cb``, by release path: every event code with its name,
    hierarchy and derived values, and every actor code part with its table."""
    events = cb.events.select(
        "code",
        "name",
        "description",
        "root_code",
        "parent",
        "level",
        "quad_class",
        "goldstein",
        "replaced_by",
    ).sort("code")
    actors = cb.actors.select("code", "name", "kind", "table").sort("table", "code", "name")
    return {CODE_TABLES[0]: events, CODE_TABLES[1]: actors}


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
#: events partitions (``events/year=YYYY/``) a manifest may list: each is a file scan of its own
MAX_PARTITIONS = 1_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafePath(Exception):
    """A path a release names that is never opened (outside the folder, a link, not a file)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def shown(rel: object) -> str:
    """A path as findings show it: control characters escaped, so it can never forge output lines."""
    return plain(rel if isinstance(rel, str) else repr(rel))


def check_rel(rel: object) -> list[str]:
    """The parts of ``rel`` when it is a plain relative POSIX path inside a release (no ``.``/``..``
    parts, no control characters or backslashes, not absolute); else :class:`UnsafePath`."""
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
    return parts


def member(root: Path, rel: object) -> Path:
    """The file ``rel`` names inside release ``root``, or :class:`UnsafePath`.

    ``rel`` must be a relative POSIX path without ``.``/``..`` parts or control characters; no part
    of it may be a symbolic link, and it must name a regular file. The file is never opened here.
    A missing file raises :class:`FileNotFoundError`."""
    parts = check_rel(rel)
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
        """The codebook snapshot's source files (the flat code tables are derived from them)."""
        return sorted(r for r in self.entries if r.startswith("codebook/") and r not in CODE_TABLES)

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


def listed_resources(manifest: dict[str, Any], max_resources: int, where: Path | str) -> list[Any] | None:
    """The manifest's ``resources`` list (None when it is not a list); :class:`LimitError` over
    ``max_resources`` entries, before any is looked at."""
    resources = manifest.get("resources")
    if not isinstance(resources, list):
        return None
    if len(resources) > max_resources:
        raise LimitError(
            f"manifest.json lists {len(resources)} files, over the limit of {max_resources} "
            "(raise it with --max-resources)",
            where,
        )
    return resources


def open_release(
    release_dir: Path,
    *,
    max_manifest_bytes: int = MAX_MANIFEST_BYTES,
    max_resources: int = MAX_RESOURCES,
    max_partitions: int = MAX_PARTITIONS,
) -> Release:
    """Read ``release_dir``'s manifest and resolve every file it names, opening none of them.

    A manifest listing more than ``max_resources`` files or ``max_partitions`` events partitions is
    refused (:class:`LimitError`) before any path is resolved."""
    if not release_dir.is_dir():
        raise InputError("no such release folder", release_dir)
    manifest = read_manifest(release_dir, max_manifest_bytes)
    rel_ = Release(release_dir, manifest)
    resources = listed_resources(manifest, max_resources, release_dir / "manifest.json")
    if resources is None:
        return rel_
    paths = pl.Series(
        [
            r.get("path") if isinstance(r, dict) and isinstance(r.get("path"), str) else None
            for r in resources
        ],
        dtype=pl.String,
    )
    partitions = paths.str.extract(r"^events/(year=[^/]*)/").drop_nulls().n_unique()
    if partitions > max_partitions:
        raise LimitError(
            f"manifest.json lists {partitions:,} events partitions, over the limit of {max_partitions:,} "
            "(raise it with --max-partitions)",
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
        lf = pl.scan_parquet(files[0])
    else:
        # the partition key read as the schema's type, so a predicate on it prunes whole partitions
        lf = pl.scan_parquet(files, hive_partitioning=True, hive_schema={"year": pl.Int32})
    # columns of an older schema's release filled; in schema order, other columns after (check reports
    # gaps and strangers)
    return conform(lf).select(
        cs.by_name(*EVENT_COLUMNS, require_all=False), ~cs.by_name(*EVENT_COLUMNS, require_all=False)
    )


def event_file_of(release_dir: Path, ids: list[str]) -> dict[str, str]:
    """For each of ``ids``, the events file (relative to the release) that holds it."""
    rel = open_release(release_dir)
    found: dict[str, str] = {}
    if not ids:
        return found
    for name in rel.event_files():  # one scan per file, never per event
        hits = pl.scan_parquet(rel.path(name)).select("event_id").filter(pl.col("event_id").is_in(ids))
        found.update(dict.fromkeys(hits.collect()["event_id"].to_list(), name))
    return found


def resolve_release(path_or_version: str | Path, releases_dir: Path | None = None) -> Path:
    """A release folder for a path, a version in ``releases_dir`` (``latest``: the highest), or a
    URI of a release in an object store (``s3://``, ``gs://``, ...; fetched through its manifest
    into a temporary copy that lasts until the process ends, :mod:`toolkit.remote`)."""
    from toolkit import remote

    if isinstance(path_or_version, str) and remote.is_remote(path_or_version):
        return remote.fetch_release(path_or_version)
    p = Path(path_or_version)
    if is_release(p):
        return p
    base = releases_dir or Path("data/releases")
    if semver.is_valid(str(path_or_version)) and is_release(base / str(path_or_version)):
        return base / str(path_or_version)
    if str(path_or_version) == "latest" and list_releases(base):
        return list_releases(base)[-1]
    raise InputError(
        f"no release {str(path_or_version)!r}: not a release folder (no manifest.json), nor a release "
        f"version in {base}; give a release folder or a version such as 0.2.0"
    )


#: the natural key each table is sorted by when loaded (the same order whatever the layout)
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "events": ("event_id",),
    "articles": ("article_id",),
    "sentences": ("article_id", "sentence"),
    "retractions": ("event_id",),
}
_ACTOR_PART = r"[A-Z]{3}|[a-z]{3}"


@overload
def load(
    path_or_version: str | Path,
    table: str = ...,
    *,
    releases_dir: Path | None = ...,
    labels: bool = ...,
    start: dt.date | str | None = ...,
    end: dt.date | str | None = ...,
    countries: str | Sequence[str] | None = ...,
    codes: str | Sequence[str] | None = ...,
    as_pandas: Literal[False] = ...,
) -> pl.LazyFrame: ...


@overload
def load(
    path_or_version: str | Path,
    table: str = ...,
    *,
    releases_dir: Path | None = ...,
    labels: bool = ...,
    start: dt.date | str | None = ...,
    end: dt.date | str | None = ...,
    countries: str | Sequence[str] | None = ...,
    codes: str | Sequence[str] | None = ...,
    as_pandas: Literal[True],
) -> Any: ...


def load(
    path_or_version: str | Path,
    table: str = "events",
    *,
    releases_dir: Path | None = None,
    labels: bool = False,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    countries: str | Sequence[str] | None = None,
    codes: str | Sequence[str] | None = None,
    as_pandas: bool = False,
) -> pl.LazyFrame | Any:
    """A release table as a polars LazyFrame: ``events``, ``articles``, ``sentences`` or ``retractions``.

    ``path_or_version`` is a release folder, a version in ``releases_dir`` (default
    ``data/releases``) or ``"latest"``. Rows come sorted by the table's key (:data:`TABLE_KEYS`:
    events by ``event_id``), with the same columns and types whether the events are one file or
    partitioned by year.

    Event filters, pushed down to the Parquet scan (a partitioned release reads only the years in
    range): ``start`` and ``end`` (inclusive dates, ``YYYY-MM-DD``) on ``event_date``;
    ``countries`` (country or region codes) keeps events located in one of them or whose source or
    target actor's first part is one; ``codes`` (event codes) keeps events whose code is one of
    them or below one in the hierarchy (``"04"`` keeps 040-046 and their children). Codes are
    checked against the release's own codebook.

    ``labels=True`` adds names from the release's codebook snapshot: ``event_name``,
    ``root_name``, ``quad_name``, and for each actor ``source_country_name`` (its first part) and
    ``source_actor_name`` (every part, ``"Russia / Government"``), likewise for the target.

    ``as_pandas=True`` collects into a pandas DataFrame: dates are ``datetime64[ms]``, integer
    columns pandas' nullable ``Int8``/``Int32`` (the same dtypes whether a column has nulls or not).
    """
    rel = open_release(resolve_release(path_or_version, releases_dir))
    if table not in TABLE_KEYS:
        raise UsageError(f"unknown table {table!r}: use events, articles, sentences or retractions")
    filters = {"start": start, "end": end, "countries": countries, "codes": codes}
    if table != "events" and (labels or any(v is not None for v in filters.values())):
        given = [k for k, v in filters.items() if v is not None] + (["labels"] if labels else [])
        raise UsageError(f"{', '.join(given)} filter or label events only, not the {table} table")
    if table == "events":
        lf = scan_events(rel)
        if any(v is not None for v in filters.values()) or labels:
            cb = rel.codebook()
            lf = _filter_events(lf, cb, start, end, countries, codes)
            if labels:
                lf = _label_events(lf, cb)
    elif table == "retractions":
        lf = read_retractions_csv(rel.path("retractions.csv")).lazy()
    else:
        lf = pl.scan_parquet(rel.path(f"{table}.parquet"))
    lf = lf.sort(list(TABLE_KEYS[table]), maintain_order=True)
    return to_pandas(lf.collect()) if as_pandas else lf


def _day(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(
            f'{name}={value!r} is not a date: write YYYY-MM-DD, e.g. {name}="2023-02-07"'
        ) from None


def _names(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _filter_events(
    lf: pl.LazyFrame,
    cb: Codebook,
    start: dt.date | str | None,
    end: dt.date | str | None,
    countries: str | Sequence[str] | None,
    codes: str | Sequence[str] | None,
) -> pl.LazyFrame:
    """The event filters of :func:`load`, as predicates polars pushes into the Parquet scan (the
    ``year`` bounds let a year-partitioned release skip whole partitions)."""
    first, last = _day(start, "start"), _day(end, "end")
    if first is not None and last is not None and first > last:
        raise UsageError(f"start {first} is after end {last}: no event can match")
    preds: list[pl.Expr] = []
    if first is not None:
        preds += [pl.col("year") >= first.year, pl.col("event_date") >= first]
    if last is not None:
        preds += [pl.col("year") <= last.year, pl.col("event_date") <= last]
    places = _names(countries)
    if places is not None:
        known = set(cb.actor_parts["code"].to_list())
        unknown = [c for c in places if c not in known]
        if unknown:
            raise UsageError(
                f"countries: {unknown[0]!r} is not an actor code part of codebook {cb.version}: look it up "
                "with `evtk codebook search`"
            )
        preds.append(
            pl.col("location_country").is_in(places)
            | pl.col("source_actor").str.slice(0, 3).is_in(places)
            | pl.col("target_actor").str.slice(0, 3).is_in(places)
        )
    wanted = _names(codes)
    if wanted is not None:
        known = set(cb.events["code"].to_list())
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise UsageError(
                f"codes: {unknown[0]!r} is not an event code of codebook {cb.version} (codes are strings "
                'such as "042"): look it up with `evtk codebook search`'
            )
        if not wanted:
            preds.append(pl.lit(False))
        else:
            preds.append(pl.any_horizontal(*(pl.col("event_code").str.starts_with(c) for c in wanted)))
    return lf.filter(*preds) if preds else lf


def _label_events(lf: pl.LazyFrame, cb: Codebook) -> pl.LazyFrame:
    """Names from the codebook beside the codes (every look-up a hash replace, no join)."""
    ev, parts = cb.events, cb.actor_parts
    quads = pl.Series(list(cb.quad_names), dtype=pl.Int8)
    cols = [
        pl.col("event_code").replace_strict(ev["code"], ev["name"], default=None).alias("event_name"),
        pl.col("root_code").replace_strict(ev["code"], ev["name"], default=None).alias("root_name"),
        pl.col("quad_class")
        .replace_strict(quads, pl.Series(list(cb.quad_names.values()), dtype=pl.String), default=None)
        .alias("quad_name"),
    ]
    for side in ("source", "target"):
        actor = pl.col(f"{side}_actor")
        cols += [
            actor.str.slice(0, 3)
            .replace_strict(parts["code"], parts["name"], default=None)
            .alias(f"{side}_country_name"),
            actor.str.extract_all(_ACTOR_PART)
            .list.eval(pl.element().replace(parts["code"], parts["name"]))
            .list.join(" / ")
            .alias(f"{side}_actor_name"),
        ]
    return lf.with_columns(cols)


def to_pandas(frame: pl.DataFrame) -> Any:
    """``frame`` as a pandas DataFrame with fixed dtypes: dates ``datetime64[ms]``, integers
    pandas' nullable integer types (never float64 because a column happens to hold a null)."""
    try:
        import pandas as pd
        import pyarrow as pa
    except ImportError:
        raise UsageError("as_pandas=True needs pandas: pip install pandas") from None
    ints = {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.uint32(): pd.UInt32Dtype(),
        pa.uint64(): pd.UInt64Dtype(),
    }
    return frame.to_pandas(types_mapper=ints.get)


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
    max_partitions: int = MAX_PARTITIONS
    key: Path | None = None  # a public key: verify manifest.json.sig with it
    codebook: Path | None = None  # the codebook to compare the snapshot with (default: the usual look-up)
    engine: str = "polars"  # "spark": event rules as Spark tasks (toolkit.spark_engine)
    spark_master: str = "local[*]"
