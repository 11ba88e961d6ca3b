"""Reading a release: the one reader that load, check, diff and export share.

A release is read from its manifest: only the files it lists are data (a stray file dropped into
``events/`` is reported by ``evtk release check`` as R105, never read), and its codebook is the
snapshot in ``codebook/``. :mod:`toolkit.release` (build) and :mod:`toolkit.release_checks`
(check) both import from here, never from each other at import time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from toolkit import semver
from toolkit.codebook import load_codebook
from toolkit.errors import InputError, UsageError
from toolkit.progress import NULL, Progress
from toolkit.schema import EVENT_COLUMNS, RETRACTION_COLUMNS


# --------------------------------------------------------------------------- discovery / reading
def is_release(path: Path) -> bool:
    return path.is_dir() and not path.name.startswith(".") and (path / "manifest.json").is_file()


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


def read_manifest(release_dir: Path) -> dict[str, Any]:
    path = release_dir / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("not a release: manifest.json is missing", release_dir) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"manifest.json is not valid JSON: {exc}", path) from None
    if not isinstance(data, dict):
        raise InputError("manifest.json must be a JSON object", path)
    return data


def events_path(release_dir: Path) -> Path:
    single = release_dir / "events.parquet"
    return single if single.exists() else release_dir / "events"


def scan_events(release_dir: Path) -> pl.LazyFrame:
    """The events table. A partitioned release is read from the files its manifest lists, so a
    stray file dropped into ``events/`` is never mistaken for data."""
    path = events_path(release_dir)
    if path.is_dir():
        try:
            listed = [
                release_dir / str(r["path"])
                for r in read_manifest(release_dir).get("resources", [])
                if str(r.get("path", "")).startswith("events/") and str(r["path"]).endswith(".parquet")
            ]
        except (InputError, TypeError, KeyError, AttributeError):
            listed = []
        source: Any = sorted(listed) if listed else path / "**" / "*.parquet"
        return (
            pl.scan_parquet(source, hive_partitioning=True)
            .with_columns(pl.col("year").cast(pl.Int32))
            .select(list(EVENT_COLUMNS))
        )
    return pl.scan_parquet(path)


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
    rel = resolve_release(path_or_version, releases_dir)
    if table == "events":
        lf = scan_events(rel)
        if labels:
            cb = load_codebook(rel / "codebook")
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
        return pl.scan_parquet(rel / f"{table}.parquet")
    if table == "retractions":
        return pl.scan_csv(rel / "retractions.csv", schema=RETRACTION_COLUMNS)
    raise UsageError(f"unknown table {table!r}: use events, articles, sentences or retractions")


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
