"""Releases (R101-R116 integrity, R201-R207 release to release, R208-R209 retractions, which
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
    "R109",
    "unsafe-path",
    "error",
    "Every path stays inside the release",
    "{file} {detail}: refused, not read",
    "A release names only regular files inside its own folder, by plain relative paths. Absolute "
    "paths, `..`, symbolic links (anywhere in the release), devices and FIFOs are refused and never "
    "opened, so a hostile release cannot make the check read, or disclose anything about, a file "
    "outside it. See docs/security.md.",
)
rule(
    "R110",
    "limit-exceeded",
    "error",
    "Files stay within the size limits",
    "{file}: {detail}",
    "A file is read for at most the bytes its manifest entry gives, and no entry may give more than "
    "`--max-file-bytes`; raise the limit for releases that really are that large.",
)
rule(
    "R111",
    "unreadable-file",
    "error",
    "Every file reads as its format",
    "{file}: cannot be read as {kind} ({detail})",
    "A file with the right checksum that still does not parse (a broken Parquet footer, a CSV that "
    "is not UTF-8, a partition folder that is not `year=YYYY`) was built broken or by another tool.",
)
rule(
    "R112",
    "bad-event-id",
    "error",
    "Event ids are file#local_id of their row",
    "event {id}: the id is not {expected}, the file#local_id of its own row",
    "An event id is derived from the event's file and local id; one that is not was edited after the "
    "build, to make one event pass for another.",
)
rule(
    "R113",
    "codebook-changed",
    "error",
    "The codebook snapshot is the codebook of its version",
    "codebook/{file}: differs from codebook {version} at {reference}{detail}",
    "A version names one codebook. A snapshot whose content differs from the codebook of the same "
    "version (e.g. 042 moved to quad class 4 while the snapshot still says 1.0.0) was edited: rebuild "
    "the release from the published codebook, or publish the changed codebook as a new version. The "
    "snapshot is compared with `--codebook` (default: the usual codebook look-up) when its version is "
    "the same; otherwise a note says it was not compared.",
)
rule(
    "R114",
    "bad-signature",
    "error",
    "The manifest carries a valid signature",
    "manifest.json.sig: {detail}",
    "With `release check --key KEY.pub`, `manifest.json.sig` must be a valid `ssh-keygen -Y` signature "
    "of `manifest.json` by that key (made with `evtk release sign`). The manifest holds every file's "
    "sha256, so the signature covers the whole release; resealed checksums no longer pass.",
)
rule(
    "R115",
    "not-reproduced",
    "error",
    "The release rebuilds from its inputs",
    "{file}: {detail}",
    "`evtk release verify DIR --data DATA` builds the same version from the data in a temporary folder "
    "and compares every file's sha256 with the release: a release edited and resealed after its build "
    "does not reproduce.",
)
rule(
    "R116",
    "code-table-mismatch",
    "error",
    "The flat code tables are the codebook snapshot's",
    "{file}: does not match the codebook snapshot in codebook/ ({detail})",
    "`codebook/event_codes.parquet` and `codebook/actor_codes.parquet` are the snapshot's event codes "
    "and actor code parts as flat tables, for readers without evtk. One that says something else (a "
    "renamed code, a changed Goldstein value) was edited after the build: rebuild the release. Releases "
    "built before evtk wrote the tables do not have them; their absence is a note, not an error.",
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
    "R205",
    "previous-release",
    "error",
    "The previous release is the one the manifest names, and intact",
    "previous release {previous}: {detail}",
    "The previous release is found by the version the manifest names (`previous_version`), never by "
    "folder names, and must pass its own integrity checks before anything is compared with it. A "
    "manifest that names none while older releases sit next to it, or a `--previous` of another "
    "version, is reported. When nothing is compared the report says so in a note.",
)
rule(
    "R206",
    "reused-id",
    "error",
    "An event id keeps its text",
    "event {id} points at other text than in {previous}: {what} changed ({old} -> {new})",
    "An id names one event of one article sentence. An id whose article or sentence changed is "
    "another event under an old name: give it a new id and retract the old one. `release build` "
    "refuses such a release. A sentence that only got another number, its text the same (an article "
    "re-segmented with `evtk articles add --replace --remap`), is the same sentence.",
)
rule(
    "R210",
    "requoted",
    "warning",
    "A quote that changed under a kept id is reported",
    "event {id} quotes other words of its sentence than in {previous} ({old} -> {new}): right for a "
    "corrected quote; if it is another event of the sentence, give it a new id and retract the old one",
    "A corrected or extended quote in the same sentence is an edit (`release diff` and `CHANGES.md` list "
    "it), so it does not fail the check; it is reported because the same id with other words can also "
    "be another event of the sentence under an old name.",
)
rule(
    "R207",
    "broken-chain",
    "error",
    "The release names its predecessor's manifest",
    "manifest.json: {detail}",
    "Each manifest records the sha256 of the previous release's `manifest.json` "
    "(`previous_manifest_sha256`), so releases form a chain: a previous release that was rewritten, "
    "or swapped for another, no longer matches.",
)
rule(
    "R204",
    "stale-retraction",
    "warning",
    "Retractions name events that existed",
    "retraction of {id}: no such event in {previous}",
    "A retraction that names no previous event is probably a typo.",
)
R208 = rule(
    "R208",
    "bad-retraction",
    "error",
    "Retractions name an event and a reason",
    "retraction of {id} has no reason: say why the event was withdrawn",
    "`evtk validate` checks `retractions.csv` like any other input, line by line: every retraction names "
    "an event id and says why it was withdrawn.",
    variants={"no-id": "retraction without an event id: name the event_id of the withdrawn event"},
)
R209 = rule(
    "R209",
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
    """R208 and R209 for the ``retractions.csv`` at ``path`` (named ``rel`` in findings).

    ``events(ids)`` gives ``event_id, _file`` of the data's events among ``ids`` (the data is read for
    them only when there are retractions). A file that cannot be read raises :class:`InputError`."""
    from toolkit import findings as F

    frame = read_retractions_csv(path)
    blank = {c: pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in ("event_id", "reason")}
    lf = frame.lazy().with_columns(_line=pl.col("_line").cast(pl.Int64))
    out = [
        F.make(
            lf.filter(blank["event_id"]),
            "R208",
            R208.expr("no-id"),
            file=pl.lit(rel),
            line=pl.col("_line"),
            column="event_id",
        ).collect(),
        F.make(
            lf.filter(~blank["event_id"] & blank["reason"]),
            "R208",
            R208.expr(id=pl.col("event_id")),
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
                "R209",
                R209.expr(id=pl.col("event_id"), file=pl.col("_file")),
                file=pl.lit(rel),
                line=pl.col("_line"),
                column="event_id",
                event_id=pl.col("event_id"),
            ).collect()
        )
    return out
