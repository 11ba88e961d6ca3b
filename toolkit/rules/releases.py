"""Releases (R101-R108 integrity, R201-R204 release to release, R205-R206 retractions, which
``evtk validate`` checks in the data folder)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from toolkit.errors import InputError
from toolkit.rules import rule

rule(
    "R101",
    "checksum-mismatch",
    "error",
    "Files match their checksums",
    "{file}: sha256 {actual} does not match the manifest's {expected}",
    "A file changed after the release was built.",
)
rule(
    "R102",
    "size-mismatch",
    "error",
    "Files match their sizes",
    "{file}: {actual} bytes, the manifest says {expected}",
    "A file was truncated or replaced.",
)
rule(
    "R103",
    "row-count-mismatch",
    "error",
    "Tables match their row counts",
    "{file}: {actual} rows, the manifest says {expected}",
    "Rows were added or removed after the build.",
)
rule(
    "R104",
    "missing-file",
    "error",
    "Every manifest file exists",
    "{file} is {detail}",
    "A release is complete or it is not a release.",
)
rule(
    "R105",
    "extra-file",
    "warning",
    "No files outside the manifest",
    "{file} is not listed in the manifest{hint}",
    "Stray files are not covered by checksums.",
)
rule(
    "R106",
    "schema-mismatch",
    "error",
    "Parquet schema matches the schema version",
    "{file}: {detail}",
    "The events table has exactly the columns and types of the schema version in the manifest.",
)
rule(
    "R107",
    "bad-manifest",
    "error",
    "The manifest is readable and complete",
    "manifest.json: {detail}",
    "`manifest.json` must parse and carry name, version, schema and codebook versions and resources.",
)
rule(
    "R108",
    "metadata-mismatch",
    "error",
    "Parquet metadata agrees with the manifest",
    "{file}: {key} is {actual}, the manifest says {expected}",
    "Each Parquet file names the dataset, codebook and schema versions of its release.",
)
rule(
    "R201",
    "unexplained-removal",
    "error",
    "Removed events are retracted",
    "event {id} was in {previous} and is gone without a retraction{hint}",
    "Events never silently disappear: list them in `data/retractions.csv` with a reason.",
)
rule(
    "R202",
    "bad-version-bump",
    "error",
    "The version bump matches the change",
    "version {version} after {previous}{detail}",
    "Schema change: major. Codebook change or retractions: at least minor. Only additions or edits: "
    "minor or patch. The new version must be greater than the previous one.",
)
rule(
    "R203",
    "drift",
    "warning",
    "No large drift between releases",
    "{metric} moved from {old} to {new} (threshold {threshold})",
    "Large shifts in quad-class shares, duplicate rate or events per source deserve a look before "
    "publishing; thresholds are configurable.",
)
rule(
    "R204",
    "stale-retraction",
    "warning",
    "Retractions name events that existed",
    "retraction of {id}: no such event in {previous}",
    "A retraction that names no previous event is probably a typo.",
)
R205 = rule(
    "R205",
    "bad-retraction",
    "error",
    "Retractions name an event and a reason",
    "retraction of {id} has no reason: say why the event was withdrawn",
    "`evtk validate` checks `retractions.csv` like any other input, line by line: every retraction names "
    "an event id and says why it was withdrawn.",
    variants={"no-id": "retraction without an event id: name the event_id of the withdrawn event"},
)
R206 = rule(
    "R206",
    "retracted-event-present",
    "error",
    "Retracted events are gone",
    "event {id} is retracted in retractions.csv but is still in {file}: remove the event, or the retraction",
    "A retraction says that an event was withdrawn from the dataset; an event that is still in the data "
    "cannot be both.",
)


def read_retractions_csv(path: Path) -> pl.DataFrame:
    """``retractions.csv`` as strings with its ``_line`` numbers; :class:`InputError` when it cannot be
    read or lacks the event_id and reason columns."""
    try:
        frame = pl.read_csv(path, infer_schema=False).with_row_index("_line", offset=2)
    except Exception as exc:  # noqa: BLE001 - any CSV failure is unreadable input
        raise InputError(f"cannot read retractions: {str(exc).splitlines()[0]}", path) from None
    missing = {"event_id", "reason"} - set(frame.columns)
    if missing:
        raise InputError(
            f"retractions.csv needs columns event_id and reason (missing: {', '.join(sorted(missing))})",
            path,
            1,
        )
    return frame


def retraction_findings(
    path: Path, rel: str, events: Callable[[pl.Series], pl.DataFrame]
) -> list[pl.DataFrame]:
    """R205 and R206 for the ``retractions.csv`` at ``path`` (named ``rel`` in findings).

    ``events(ids)`` gives ``event_id, _file`` of the data's events among ``ids`` (the data is read for
    them only when there are retractions). A file that cannot be read raises :class:`InputError`."""
    from toolkit import findings as F

    frame = read_retractions_csv(path)
    blank = {c: pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in ("event_id", "reason")}
    lf = frame.lazy().with_columns(_line=pl.col("_line").cast(pl.Int64))
    out = [
        F.make(
            lf.filter(blank["event_id"]),
            "R205",
            R205.expr("no-id"),
            file=pl.lit(rel),
            line=pl.col("_line"),
            column="event_id",
        ).collect(),
        F.make(
            lf.filter(~blank["event_id"] & blank["reason"]),
            "R205",
            R205.expr(id=pl.col("event_id")),
            file=pl.lit(rel),
            line=pl.col("_line"),
            column="reason",
            event_id=pl.col("event_id"),
        ).collect(),
    ]
    ids = frame.filter(~blank["event_id"])["event_id"].str.strip_chars().unique()
    if ids.len():
        present = events(ids)
        hits = frame.lazy().with_columns(pl.col("event_id").str.strip_chars(), pl.col("_line").cast(pl.Int64))
        hits = hits.join(present.lazy().unique("event_id", keep="first"), on="event_id", how="inner")
        out.append(
            F.make(
                hits,
                "R206",
                R206.expr(id=pl.col("event_id"), file=pl.col("_file")),
                file=pl.lit(rel),
                line=pl.col("_line"),
                column="event_id",
                event_id=pl.col("event_id"),
            ).collect()
        )
    return out
