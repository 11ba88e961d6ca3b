"""Versioned releases: build, check, diff and load.

A release is a folder ``<out>/<VERSION>/`` holding:

- ``events.parquet`` (or ``events/year=YYYY/part-0.parquet``, Hive-partitioned by event year when
  the release has more than ``partition_threshold`` events, 1,000,000 by default),
- ``articles.parquet`` and ``sentences.parquet``,
- ``retractions.csv`` (events withdrawn since earlier releases, with reasons),
- ``codebook/`` (a snapshot of the codebook the events were validated against, with its event codes
  and actor code parts as flat tables ``event_codes.parquet`` and ``actor_codes.parquet``),
- ``manifest.json`` (datapackage-style: versions, and each file's sha256, bytes and rows),
- ``README.md`` (the dataset card) and ``CHANGES.md`` (against the previous release),
- ``report.html`` (one self-contained page of charts and coverage, :mod:`toolkit.report`).

Builds are atomic (written to a hidden sibling folder, then renamed) and never overwrite a version.
The only timestamp is the build time: ``SOURCE_DATE_EPOCH`` when it is set, else the current UTC
time. With ``SOURCE_DATE_EPOCH`` set, the same inputs give byte-identical files (``release verify``
and ``make demo`` set it from the release's own ``created`` time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from toolkit import __version__, fields, semver
from toolkit import findings as F
from toolkit.agreement.codings import coding_expr, release_selection
from toolkit.codebook import Codebook, load_codebook
from toolkit.config import config_path, load_config
from toolkit.errors import InputError, ReleaseError, UsageError
from toolkit.fields import to_release_events
from toolkit.progress import NULL, Progress
from toolkit.release_io import (  # noqa: F401  (reading a release; re-exported for the public API)
    CheckOptions,
    DriftThresholds,
    code_tables,
    event_file_of,
    events_path,
    is_release,
    list_releases,
    load,
    previous_release,
    read_manifest,
    refuse_output_in_release,
    resolve_release,
    scan_events,
    sha256_file,
)
from toolkit.report import page as report_page
from toolkit.rules import RULES
from toolkit.rules import get as get_rule
from toolkit.schema import EVENT_COLUMNS, METHODS, RETRACTION_COLUMNS, SCHEMA_VERSION, column_table

DATASET_NAME = "evtk-events"
PARTITION_THRESHOLD = 1_000_000
ROW_GROUP_SIZE = 262_144
META_KEYS = ("evtk.dataset", "evtk.version", "evtk.codebook_version", "evtk.schema_version")


class CodingUnresolved(ReleaseError):
    """Articles coded by two or more coders, with no adjudicated file and no primary coder among
    them: a release cannot choose, and never takes two codings."""

    exit_code = 1

    def __init__(self, stuck: pl.DataFrame, primary: str | None, config: Path) -> None:
        first = stuck.row(0, named=True)
        article, coders = first["article_id"], ", ".join(first["coders"])
        more = f" (and {stuck.height - 1} more article(s))" if stuck.height > 1 else ""
        how = (
            f'the primary coder "{primary}" did not code it'
            if primary
            else f'or name the primary coder in {config.as_posix()} ([coders] primary = "NAME")'
        )
        super().__init__(
            f"not built: article {article} is coded by {coders}{more} and has no adjudicated file: "
            f"run `evtk adjudicate {article}` and resolve it, "
            + (f"or code it as {primary} ({how})" if primary else how)
        )
        self.stuck = stuck


class BuildBlocked(ReleaseError):
    """Validation found errors: the release is not built. Carries the report for the CLI."""

    exit_code = 1

    def __init__(self, report: F.Report) -> None:
        super().__init__(
            f"not built: the data has {report.errors} error(s); fix them (evtk validate) and rebuild"
        )
        self.report = report


def read_retractions(data_dir: Path) -> pl.DataFrame:
    path = data_dir / "retractions.csv"
    if not path.is_file():
        return pl.DataFrame(schema=RETRACTION_COLUMNS)
    from toolkit.rules.releases import read_retractions_csv

    frame = read_retractions_csv(path).drop("_line")
    if "since" not in frame.columns:
        frame = frame.with_columns(since=pl.lit(None, dtype=pl.String))
    blank = frame.filter(pl.col("reason").is_null() | (pl.col("reason").str.strip_chars() == ""))
    if blank.height:
        raise InputError(
            f"retraction of {blank['event_id'][0]} has no reason: every retraction says why", path
        )
    return frame.select(list(RETRACTION_COLUMNS)).unique("event_id", keep="first").sort("event_id")


def build_epoch() -> int:
    """The build time in seconds since 1970 (UTC): ``SOURCE_DATE_EPOCH`` when it is set (a
    reproducible build), else now."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env:
        if not env.isdigit():
            raise UsageError(
                f"SOURCE_DATE_EPOCH={env!r} is not a number of seconds since 1970-01-01 UTC: "
                "set it to e.g. $(date +%s), or unset it"
            )
        return int(env)
    return int(dt.datetime.now(dt.UTC).timestamp())


def _check_models(events: pl.DataFrame | None, articles: pl.DataFrame, sentences: pl.DataFrame) -> None:
    """The last safety net before writing: every table against its pandera model (the events
    chunk by chunk, as they are written)."""
    from toolkit.models import ArticlesTable, EventsTable, SentencesTable, failures

    tables: list[tuple[str, Any, pl.DataFrame | None]] = [
        ("events", EventsTable, events),
        ("articles", ArticlesTable, articles),
        ("sentences", SentencesTable, sentences),
    ]
    for name, model, frame in tables:
        if frame is None:
            continue
        bad = failures(model, frame)
        if not bad.is_empty():
            first = bad.row(0, named=True)
            raise ReleaseError(
                f"not built: {bad.height} value(s) of the {name} table fail its schema, e.g. "
                f"column {first.get('column')} {first.get('check')} for {first.get('failure_case')!r}"
            )


def _write_parquet(frame: pl.DataFrame | pl.LazyFrame, path: Path, meta: dict[str, str]) -> None:
    """A release's Parquet file; a lazy frame is streamed to disk (one partition of a build)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {
        "compression": "zstd",
        "compression_level": 3,
        "statistics": True,
        "row_group_size": ROW_GROUP_SIZE,
        "metadata": meta,
    }
    if isinstance(frame, pl.LazyFrame):
        frame.sink_parquet(path, maintain_order=True, **options)
    else:
        frame.write_parquet(path, **options)


# --------------------------------------------------------------------------- build
#: fields whose change makes an event "edited" (code, actors and date have kinds of their own; the
#: derived fields follow the code, the year the date, the codebook version the codebook)
EDIT_FIELDS = (
    "article_id",
    "sentence",
    "quote",
    "location_country",
    "location_place",
    "latitude",
    "longitude",
    "coder",
    "method",
    "rule_id",
    "source_event_id",
    "source_story_id",
    "source_url",
    "source_name",
    "source_location_country",
    "source_actor1_code",
    "source_actor2_code",
    "note",
)
DIFF_COLUMNS = [
    "event_id",
    "event_code",
    "source_actor",
    "target_actor",
    "event_date",
    "date_precision",
    "file",
    *EDIT_FIELDS,
]
PARTITION = "year"


class _EventWriter:
    """The build's sink: each validated chunk, in release columns, goes to a staging file per
    event year (``_seq`` keeps the input order); :meth:`finish` writes the release's event files
    from them one partition at a time, so memory holds one chunk, never the release."""

    def __init__(self, staging: Path, cb: Codebook) -> None:
        self.staging, self.cb = staging, cb
        self.rows = 0
        self.bad_models: pl.DataFrame | None = None
        self.codings: list[pl.DataFrame] = []  # (article_id, coding, rows) per chunk
        self.drop: pl.DataFrame | None = None  # (article_id, coding) a release does not take

    def __call__(self, chunk: pl.DataFrame, index: int) -> None:
        from toolkit.models import EventsTable, failures

        events = (
            to_release_events(chunk, self.cb)
            .with_columns(_seq=pl.int_range(pl.len(), dtype=pl.UInt64) + (index << 32))
            .collect()
        )
        self.rows += events.height
        self.codings.append(
            events.group_by(pl.col("article_id"), coding=coding_expr())
            .agg(rows=pl.len())
            .filter(pl.col("coding").is_not_null())
        )
        if self.bad_models is None:
            bad = failures(EventsTable, events.drop("_seq"))
            if not bad.is_empty():
                self.bad_models = bad
        for (year,), part in events.partition_by(PARTITION, as_dict=True, maintain_order=True).items():
            folder = "__HIVE_DEFAULT_PARTITION__" if year is None else str(year)
            path = self.staging / folder / f"chunk-{index:06d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            part.write_parquet(path, compression="lz4", statistics=False)

    def check_models(self) -> None:
        if self.bad_models is not None:
            first = self.bad_models.row(0, named=True)
            raise ReleaseError(
                f"not built: {self.bad_models.height} value(s) of the events table fail its schema, e.g. "
                f"column {first.get('column')} {first.get('check')} for {first.get('failure_case')!r}"
            )

    def coding_table(self) -> pl.DataFrame:
        """(article_id, coding, rows) of every coding seen."""
        if not self.codings:
            return pl.DataFrame(schema={"article_id": pl.String, "coding": pl.String, "rows": pl.UInt32})
        return (
            pl.concat(self.codings)
            .group_by("article_id", "coding")
            .agg(pl.col("rows").sum())
            .sort("article_id", "coding")
        )

    def select_codings(self, primary: str | None, config: Path) -> None:
        """One coding per article (see :func:`toolkit.agreement.codings.release_selection`); an
        article coded twice with neither an adjudicated file nor the primary coder stops the build."""
        table = self.coding_table()
        kept, stuck = release_selection(table.select("article_id", "coding"), primary)
        if stuck.height:
            raise CodingUnresolved(stuck, primary, config)
        drop = table.join(kept, on=["article_id", "coding"], how="anti")
        if drop.height:
            self.drop = drop.select("article_id", "coding")
            self.rows -= int(drop["rows"].sum())

    def staged(self) -> pl.LazyFrame:
        """Every staged event (all codings), with ``_seq``."""
        files = [f for _, fs in self._parts() for f in fs]
        return pl.scan_parquet(files) if files else pl.LazyFrame()

    def _taken(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        if self.drop is None:
            return lf
        return (
            lf.with_columns(_coding=coding_expr())
            .join(
                self.drop.lazy(),
                left_on=["article_id", "_coding"],
                right_on=["article_id", "coding"],
                how="anti",
            )
            .drop("_coding")
        )

    def _parts(self) -> list[tuple[str, list[Path]]]:
        if not self.staging.is_dir():
            return []
        folders = sorted(
            (d for d in self.staging.iterdir() if d.is_dir()),
            key=lambda d: (
                d.name == "__HIVE_DEFAULT_PARTITION__",
                int(d.name) if d.name.lstrip("-").isdigit() else 0,
            ),
        )
        return [(d.name, sorted(d.glob("chunk-*.parquet"))) for d in folders]

    def finish(self, root: Path, partitioned: bool, meta: dict[str, str]) -> None:
        parts = self._parts()
        if partitioned:
            for folder, files in parts:
                _write_parquet(
                    self._taken(pl.scan_parquet(files)).drop("_seq", PARTITION),
                    root / "events" / f"year={folder}" / "part-0.parquet",
                    meta,
                )
        else:
            files = [f for _, fs in parts for f in fs]
            frame = (
                self._taken(pl.scan_parquet(files)).sort("_seq").drop("_seq").collect()
                if files
                else to_release_events(pl.DataFrame(schema=_prepared_schema(self.cb)), self.cb).collect()
            )
            _write_parquet(frame, root / "events.parquet", meta)
        shutil.rmtree(self.staging, ignore_errors=True)


def _prepared_schema(cb: Codebook) -> dict[str, Any]:
    from toolkit.events_io import raw_schema

    raw = pl.LazyFrame(schema={**raw_schema(), "_src": pl.String, "_key": pl.String})
    return dict(fields.prepare(raw, cb, None).collect_schema())


def scan_written(root: Path) -> pl.LazyFrame:
    """The events of a release being built (before it has a manifest)."""
    single = root / "events.parquet"
    if single.exists():
        return pl.scan_parquet(single)
    files = sorted((root / "events").glob("year=*/*.parquet"))
    return (
        pl.scan_parquet(files, hive_partitioning=True)
        .with_columns(pl.col("year").cast(pl.Int32))
        .select(list(EVENT_COLUMNS))
    )


@dataclass
class BuildResult:
    path: Path
    manifest: dict[str, Any]
    report: F.Report
    diff: dict[str, Any] | None = None
    #: what the build wants said but that does not stop it (e.g. no licence in evtk.toml)
    warnings: list[str] = field(default_factory=list)


class BuildRefused(ReleaseError):
    """``release check`` would reject the release: refused before it is written (exit 1)."""

    exit_code = 1


_RANK = {"patch": 0, "minor": 1, "major": 2}


def _next_version(old: str, kind: str) -> str:
    a, b, c = semver.parse(old)
    return {"major": f"{a + 1}.0.0", "minor": f"{a}.{b + 1}.0", "patch": f"{a}.{b}.{c + 1}"}[kind]


def _needed_bump(prev_manifest: dict[str, Any], cb: Codebook, removed: int) -> tuple[str, str]:
    """The smallest bump after ``prev_manifest`` that ``release check`` (R202) accepts, and why."""
    old_schema = str(prev_manifest.get("schema_version", "")).split(".")[0]
    if old_schema != SCHEMA_VERSION.split(".")[0]:
        return "major", "the events schema changed (major)"
    if (prev_manifest.get("codebook") or {}).get("version") != cb.version:
        return "minor", "the codebook version changed (at least minor)"
    if removed:
        return "minor", f"{removed} event(s) were retracted (at least minor)"
    return "patch", "only events were added or edited"


def _refuse_version(version: str, out_dir: Path, cb: Codebook, retractions: pl.DataFrame) -> None:
    """R202 before anything is built: a version at or below the latest published one."""
    published = list_releases(out_dir)
    if not published or semver.parse(version) > semver.parse(published[-1].name):
        return
    latest = published[-1].name
    # retractions.csv is cumulative: only those the latest release does not have yet ask for a minor bump
    known = published[-1] / "retractions.csv"
    old = (
        pl.read_csv(known, infer_schema=False)["event_id"]
        if known.is_file()
        else pl.Series([], dtype=pl.String)
    )
    new = retractions.filter(~pl.col("event_id").is_in(old.implode())).height
    kind, _why = _needed_bump(read_manifest(published[-1]), cb, new)
    raise BuildRefused(
        "R202 "
        + RULES["R202"].text(
            version=version,
            previous=latest,
            detail=f": {latest} is published, so the new version must be greater; build "
            f"{_next_version(latest, kind)} ({kind} bump)",
        )
    )


def _removal_hint(prev: Path, events: pl.LazyFrame, event_id: str) -> str:
    """What to do about a removed event; when its article is now taken from another coding (an
    adjudicated file, another primary coder), say so: the old coding's events need retracting."""
    default = ": add them to data/retractions.csv with a reason, or restore them"
    old = scan_events(prev).filter(pl.col("event_id") == event_id).select("article_id", "file").collect()
    if not old.height or old["article_id"][0] is None:
        return default
    article, old_file = old.row(0)
    now = (
        events.filter(pl.col("article_id") == article).select("file").unique().sort("file").collect()["file"]
    )
    if not now.len() or old_file in now.to_list():
        return default
    return (
        f": article {article} is now taken from {now[0]} instead of {old_file}; list the events of "
        f'{old_file} in data/retractions.csv with a reason (e.g. "superseded by adjudication"), or '
        "restore them"
    )


def _refuse_change(
    version: str,
    prev: Path,
    events: pl.LazyFrame,
    retractions: pl.DataFrame,
    cb: Codebook,
    new_sentences: pl.LazyFrame | None = None,
) -> None:
    """What ``release check --previous`` rejects (R201 removals without a retraction, R206 an id that
    names another article or sentence, R202 a bump too small for the change), refused before the
    release is written, naming the rule and the fix. ``new_sentences`` (:func:`sentence_keys`) tell a
    renumbered sentence from another one."""
    old = scan_events(prev).select("event_id")
    removed = old.join(events.select("event_id"), on="event_id", how="anti").collect()["event_id"]
    unexplained = removed.filter(~removed.is_in(retractions["event_id"].implode()))
    if unexplained.len():
        first = unexplained.sort()[0]
        raise BuildRefused(
            f"R201 {unexplained.len()} event(s) of {prev.name} are gone without a retraction; the first: "
            + RULES["R201"].text(id=first, previous=prev.name, hint=_removal_hint(prev, events, first))
        )
    from toolkit.release_checks import reused_ids, sentence_texts

    moved = reused_ids(scan_events(prev), events, sentence_texts(prev), new_sentences).filter("moved")
    counted = moved.select(pl.len(), pl.col("event_id").min()).collect().row(0)
    if counted[0]:
        first = moved.filter(pl.col("event_id") == counted[1]).collect().row(0, named=True)
        what = "article_id" if first["moved_article"] else "sentence"
        raise BuildRefused(
            f"R206 {counted[0]} event id(s) of {prev.name} now name another article or sentence; the first: "
            + RULES["R206"].text(
                id=first["event_id"], previous=prev.name, what=what, old=first[what], new=first[f"{what}_new"]
            )
            + ": give the event a new id (and retract the old one in data/retractions.csv), or put it back "
            "under its article and sentence"
        )
    kind, why = _needed_bump(read_manifest(prev), cb, removed.len())
    got = semver.bump_kind(prev.name, version)
    if got is not None and _RANK[got] < _RANK[kind]:
        raise BuildRefused(
            "R202 "
            + RULES["R202"].text(
                version=version,
                previous=prev.name,
                detail=f" is a {got} bump but {why}: build {_next_version(prev.name, kind)}",
            )
        )


def build_release(
    version: str,
    data_dir: Path = Path("data"),
    out_dir: Path | None = None,
    *,
    codebook: Codebook | Path | None = None,
    partition_threshold: int = PARTITION_THRESHOLD,
    name: str = DATASET_NAME,
    encoding: str = "utf-8",
    progress: Progress = NULL,
    primary_coder: str | None = None,
    previous: Path | None = None,
) -> BuildResult:
    """Validate ``data_dir`` and write release ``version`` into ``out_dir`` (default ``data_dir/releases``).

    The previous release is the latest lower version in ``out_dir``, or ``previous`` when given.
    An article coded by several coders contributes one coding: its adjudicated file, else the
    primary coder's (``primary_coder``, default ``[coders] primary`` of ``evtk.toml``); the
    agreement between the coders goes into the manifest and the dataset card."""
    from toolkit.validate import validate

    semver.parse(version)
    if not data_dir.is_dir():
        raise InputError("data folder not found", data_dir)
    out_dir = out_dir or data_dir / "releases"
    target = out_dir / version
    if target.exists():
        raise ReleaseError(
            f"release {version} already exists at {target}: published releases are never "
            "overwritten; choose a new version"
        )
    refuse_output_in_release(out_dir)
    epoch = build_epoch()
    config = load_config(data_dir)
    dataset, warnings = _dataset_info(config.dataset, version, config_path(data_dir))
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    try:
        early = read_retractions(data_dir)
    except InputError:  # validation reports what is wrong with the file, with its lines (R208)
        early = pl.DataFrame(schema=RETRACTION_COLUMNS)
    _refuse_version(version, out_dir, cb, early)
    meta = {
        "evtk.dataset": name,
        "evtk.version": version,
        "evtk.codebook_version": cb.version,
        "evtk.schema_version": SCHEMA_VERSION,
    }
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(out_dir)
    tmp = out_dir / f".tmp-{version}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        tmp.mkdir()
        # Validation streams every checked chunk to disk: the events are never all in memory.
        writer = _EventWriter(tmp / ".staging", cb)
        result = validate([data_dir], codebook=cb, encoding=encoding, progress=progress, sink=writer)
        if result.exit_code == 2 or not result.report.valid:
            raise BuildBlocked(result.report)
        writer.check_models()
        primary = primary_coder if primary_coder is not None else config.primary_coder
        writer.select_codings(primary, config_path(data_dir))
        agreement = _agreement(writer, primary)
        retractions = read_retractions(data_dir)
        articles = result.articles.articles.sort("article_id")
        sentences = result.articles.sentences.sort("article_id", "sentence")
        _check_models(None, articles, sentences)
        partitioned = writer.rows > partition_threshold
        # Input order is kept (files in path order, rows in file order); a sort by event id would
        # add nothing to reproducibility and costs more than the rest of the build.
        writer.finish(tmp, partitioned, meta)
        events = scan_written(tmp)
        _write_parquet(articles, tmp / "articles.parquet", meta)
        _write_parquet(sentences, tmp / "sentences.parquet", meta)
        (tmp / "retractions.csv").write_text(retractions.write_csv(), encoding="utf-8")
        for rel, text in sorted(cb.sources.items()):
            dest = tmp / "codebook" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
        for rel, table in code_tables(cb).items():
            _write_parquet(table, tmp / rel, meta)
        prev = previous if previous is not None else previous_release(target)
        try:
            prev_version = _release_version(prev) if prev else None
            if prev is not None:
                from toolkit.release_checks import sentence_keys

                _refuse_change(
                    version,
                    prev,
                    events,
                    retractions,
                    cb,
                    sentence_keys(sentences.lazy()),
                )
            diff = (
                diff_releases(
                    prev, None, new_events=events.select(DIFF_COLUMNS).collect(), retractions=retractions
                )
                if prev
                else None
            )
        except InputError as exc:
            assert prev is not None
            raise ReleaseError(
                f"not built: the previous release {prev} cannot be read ({exc.message}); repair it "
                "(evtk release check), or name the previous release with --previous DIR"
            ) from None
        manifest = _manifest(
            tmp,
            name,
            version,
            cb,
            events,
            articles,
            sentences,
            retractions,
            epoch,
            (prev_version or prev.name, sha256_file(prev / "manifest.json")) if prev else None,
            partitioned,
            partition_threshold,
        )
        manifest["dataset"] = dataset
        if agreement is not None:
            manifest["agreement"] = agreement
        (tmp / "CHANGES.md").write_text(render_changes(version, prev_version, diff), encoding="utf-8")
        (tmp / "README.md").write_text(render_card(manifest, coverage(events, cb)), encoding="utf-8")
        # The release report (one self-contained HTML page), listed in the manifest like every file.
        (tmp / "report.html").write_text(
            report_page(manifest, scan_written(tmp), cb, tmp / "CHANGES.md"), encoding="utf-8"
        )
        manifest["resources"] = _resources(tmp)
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        for path in sorted(tmp.rglob("*"), reverse=True):
            os.utime(path, (epoch, epoch))
        _fsync_tree(tmp)  # every byte on disk before the release becomes visible
        if target.exists():
            raise ReleaseError(f"release {version} appeared at {target} while building: not overwritten")
        os.rename(tmp, target)
        _fsync_dir(out_dir)
        progress.stage(f"wrote release {version}", writer.rows)
        progress.done()
    except BaseException:
        # One Ctrl-C during a polars query can raise KeyboardInterrupt twice: the second one must
        # not stop the clean-up half-way.
        try:
            shutil.rmtree(tmp, ignore_errors=True)
        except KeyboardInterrupt:
            shutil.rmtree(tmp, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # only if nothing else is in it
        raise
    return BuildResult(target, manifest, result.report, diff, warnings)


def _dataset_info(
    given: dict[str, str], version: str, config: Path
) -> tuple[dict[str, str | None], list[str]]:
    """The dataset card's title, licence, citation and url from ``[dataset]`` of ``evtk.toml``
    (``{version}`` in the citation is the release's version), and a warning for each one missing."""
    from toolkit.config import DATASET_KEYS

    info: dict[str, str | None] = {k: given.get(k) for k in DATASET_KEYS}
    if info["citation"] is not None:
        info["citation"] = info["citation"].replace("{version}", version)
    missing = [k for k in DATASET_KEYS if info[k] is None]
    warnings = (
        [
            f"{config.as_posix()}: [dataset] has no {', '.join(missing)}: the dataset card says "
            f'"not stated"; add them, e.g. licence = "CC-BY-4.0"'
        ]
        if missing
        else []
    )
    return info, warnings


MANIFEST_AGREEMENT_KEYS = (
    "articles",
    "coders",
    "primary_coder",
    "events",
    "units",
    "paired",
    "unpaired",
    "found_by_all",
    "alpha",
)


def _agreement(writer: _EventWriter, primary: str | None) -> dict[str, Any] | None:
    """The agreement between coders over the build's multiply coded articles (None when there is
    none), and which coding the release took for each of them."""
    from toolkit.agreement.codings import multiply_coded
    from toolkit.agreement.measure import measure

    table = writer.coding_table()
    multi = multiply_coded(table).collect()
    if multi.is_empty():
        return None
    events = (
        writer.staged()
        .join(multi.lazy().select("article_id"), on="article_id", how="semi")
        .sort("_seq")
        .with_columns(coding=coding_expr(), _ord=pl.int_range(pl.len(), dtype=pl.UInt32))
        .collect()
    )
    result = measure(events, primary)
    no_drop = pl.DataFrame(schema={"article_id": pl.String, "coding": pl.String})
    dropped = writer.drop if writer.drop is not None else no_drop
    taken = (
        table.join(multi.select("article_id"), on="article_id", how="semi")
        .join(dropped, on=["article_id", "coding"], how="anti")
        .sort("article_id")
    )
    out = {k: result[k] for k in MANIFEST_AGREEMENT_KEYS}
    keys = ("coders", "articles", "paired", "unpaired", "alpha")
    out["pairs"] = [{k: p[k] for k in keys} for p in result["pairs"]]
    out["taken"] = taken.select("article_id", "coding").to_dicts()
    return out


STALE_BUILD = re.compile(r"\.tmp-(.+)-(\d+)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's live process (or not a pid we can ask about): leave it
    return True


def remove_stale_builds(out_dir: Path) -> list[Path]:
    """Remove ``.tmp-VERSION-PID`` folders of builds whose process is gone (killed with SIGKILL,
    or a power cut); a live build's folder is left alone. Returns what was removed."""
    removed = []
    for path in sorted(out_dir.iterdir()) if out_dir.is_dir() else []:
        m = STALE_BUILD.fullmatch(path.name)
        if m and path.is_dir() and not path.is_symlink() and int(m.group(2)) != os.getpid():
            if not _alive(int(m.group(2))):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(Path(folder))


def _release_version(path: Path) -> str:
    version = read_manifest(path).get("version")
    return version if isinstance(version, str) else path.name


def _resources(root: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json"):
        rel = path.relative_to(root).as_posix()
        entry: dict[str, Any] = {"path": rel, "bytes": path.stat().st_size, "sha256": sha256_file(path)}
        if path.suffix == ".parquet":
            entry["format"] = "parquet"
            entry["rows"] = pl.scan_parquet(path).select(pl.len()).collect().item()
        elif path.suffix == ".csv":
            entry["format"] = "csv"
            entry["rows"] = max(0, path.read_text(encoding="utf-8").count("\n") - 1)
        else:
            entry["format"] = path.suffix.lstrip(".") or "file"
        out.append(entry)
    return out


def _counts(events: pl.LazyFrame) -> dict[str, Any]:
    def tally(col: str) -> dict[str, int]:
        counted = events.group_by(col).len().sort(col, nulls_last=True).collect()
        return {str(k): int(v) for k, v in counted.iter_rows()}

    return {
        "events": events.select(pl.len()).collect().item(),
        "by_root_code": tally("root_code"),
        "by_quad_class": tally("quad_class"),
        "by_method": tally("method"),
        "by_date_precision": tally("date_precision"),
        "by_year": tally("year"),
    }


def _manifest(
    root: Path,
    name: str,
    version: str,
    cb: Codebook,
    events: pl.LazyFrame,
    articles: pl.DataFrame,
    sentences: pl.DataFrame,
    retractions: pl.DataFrame,
    epoch: int,
    previous: tuple[str, str] | None,
    partitioned: bool,
    threshold: int,
) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "profile": "data-package",
        "created": dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "schema_version": SCHEMA_VERSION,
        "codebook": {"name": cb.name, "version": cb.version},
        "toolkit": {"name": "evtk", "version": __version__},
        "previous_version": previous[0] if previous else None,
        # the chain: a release names its predecessor's manifest, which names every file's sha256
        "previous_manifest_sha256": previous[1] if previous else None,
        "events_layout": {
            "partitioned": partitioned,
            "partition_by": "year" if partitioned else None,
            "partition_threshold": threshold,
        },
        "counts": {
            **_counts(events),
            "articles": articles.height,
            "sentences": sentences.height,
            "retractions": retractions.height,
        },
        "resources": [],
    }


# --------------------------------------------------------------------------- diff
DIFF_KINDS = ("added", "removed", "recoded", "reactored", "redated", "moved", "edited")
#: every field a diff compares, for the per-field counts
DIFF_FIELDS = ("event_code", "source_actor", "target_actor", "event_date", "date_precision", *EDIT_FIELDS)


def _events_of(release: Path | None, frame: pl.DataFrame | None) -> pl.DataFrame:
    if frame is not None:
        return frame
    assert release is not None
    lf = scan_events(release)
    try:
        got = lf.collect_schema()
        wrong = [c for c in DIFF_COLUMNS if c not in got or got[c] != EVENT_COLUMNS[c]]
        if wrong:
            c = wrong[0]
            what = f"is {got[c]}, expected {EVENT_COLUMNS[c]}" if c in got else "is missing"
            raise InputError(f"events column {c} {what}: run evtk release check on it", release)
        return lf.select(DIFF_COLUMNS).collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"the events table cannot be read ({first}): run evtk release check on it", release
        ) from None


def diff_releases(
    old: Path | None,
    new: Path | None,
    *,
    new_events: pl.DataFrame | None = None,
    retractions: pl.DataFrame | None = None,
    examples: int = 20,
) -> dict[str, Any]:
    """What changed between two releases, by event id."""
    a = _events_of(old, None)
    b = _events_of(new, new_events)
    if retractions is None:
        retractions = (
            load(new, "retractions").collect() if new is not None else pl.DataFrame(schema=RETRACTION_COLUMNS)
        )
    cols = ["event_id", *DIFF_FIELDS]
    joined = (
        a.select(cols)
        .with_columns(_a=pl.lit(True))
        .join(
            b.select(cols).with_columns(_b=pl.lit(True)),
            on="event_id",
            how="full",
            suffix="_new",
            coalesce=True,
        )
        .with_columns(pl.col("_a").fill_null(False), pl.col("_b").fill_null(False))
    )
    both = joined.filter(pl.col("_a") & pl.col("_b"))
    added = joined.filter(~pl.col("_a") & pl.col("_b"))
    removed = joined.filter(pl.col("_a") & ~pl.col("_b")).join(
        retractions.select("event_id", "reason"), on="event_id", how="left"
    )
    recoded = both.filter(pl.col("event_code") != pl.col("event_code_new"))
    reactored = both.filter(
        ~pl.col("source_actor").eq_missing(pl.col("source_actor_new"))
        | ~pl.col("target_actor").eq_missing(pl.col("target_actor_new"))
    )
    redated = both.filter(
        ~pl.col("event_date").eq_missing(pl.col("event_date_new"))
        | ~pl.col("date_precision").eq_missing(pl.col("date_precision_new"))
    )

    # an id that now names another article or sentence (check reports it as R206); a quote changed
    # within the sentence is an edit (R210 warns of it)
    moved = both.filter(
        ~pl.col("article_id").eq_missing(pl.col("article_id_new"))
        | ~pl.col("sentence").eq_missing(pl.col("sentence_new"))
    )
    changed = {f: ~pl.col(f).eq_missing(pl.col(f"{f}_new")) for f in DIFF_FIELDS}
    edited = both.filter(pl.any_horizontal(*(changed[f] for f in EDIT_FIELDS)))
    by_field = both.select(*(changed[f].sum().alias(f) for f in DIFF_FIELDS)).row(0, named=True)
    # one row per (event, field) edited: "quote: 'a' -> 'b'"
    edits = (
        edited.sort("event_id")
        .head(examples)
        .select(
            "event_id",
            pl.concat_list(
                pl.when(changed[f]).then(
                    pl.format(
                        "{}: {} -> {}",
                        pl.lit(f),
                        pl.col(f).cast(pl.String).fill_null("(empty)"),
                        pl.col(f"{f}_new").cast(pl.String).fill_null("(empty)"),
                    )
                )
                for f in EDIT_FIELDS
            )
            .list.drop_nulls()
            .list.join("; ")
            .alias("changes"),
        )
    )

    def ex(frame: pl.DataFrame, fields: list[str]) -> list[dict[str, Any]]:
        return frame.sort("event_id").head(examples).select(fields).to_dicts()

    return {
        "old": old.name if old else None,
        "new": new.name if new else None,
        "counts": {
            "added": added.height,
            "removed": removed.height,
            "recoded": recoded.height,
            "reactored": reactored.height,
            "redated": redated.height,
            "moved": moved.height,
            "edited": edited.height,
            "unexplained_removals": removed.filter(pl.col("reason").is_null()).height,
        },
        "changed_fields": {f: int(n) for f, n in by_field.items() if n},
        "added": ex(added, ["event_id", "event_code_new"]),
        "removed": ex(removed, ["event_id", "event_code", "reason"]),
        "recoded": ex(recoded, ["event_id", "event_code", "event_code_new"]),
        "reactored": ex(
            reactored, ["event_id", "source_actor", "target_actor", "source_actor_new", "target_actor_new"]
        ),
        "redated": ex(
            redated, ["event_id", "event_date", "date_precision", "event_date_new", "date_precision_new"]
        ),
        "moved": ex(moved, ["event_id", "article_id", "sentence", "article_id_new", "sentence_new"]),
        "edited": edits.to_dicts(),
    }


def public_diff(diff: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in diff.items() if not k.startswith("_")}


def render_diff_text(diff: dict[str, Any]) -> str:
    c = diff["counts"]
    lines = [f"{diff['old']} -> {diff['new'] or '(new)'}: " + ", ".join(f"{c[k]} {k}" for k in DIFF_KINDS)]
    if diff.get("changed_fields"):
        lines.append("  fields changed: " + ", ".join(f"{k} {v}" for k, v in diff["changed_fields"].items()))
    for kind in DIFF_KINDS:
        for row in diff[kind]:
            detail = ", ".join(f"{k}={_shown(k, v)}" for k, v in row.items() if k != "event_id")
            lines.append(f"  {kind:<9} {row['event_id']}  {detail}")
    return "\n".join(lines)


#: kinds of change whose event is in the new release's events (a removal is in retractions.csv)
_IN_EVENTS = tuple(k for k in DIFF_KINDS if k != "removed")


def render_diff_github(diff: dict[str, Any], new: Path, examples: int) -> str:
    """A diff as GitHub notices: each change shown on the file of the new release that holds it
    (the events file for an event, retractions.csv for a retracted one, manifest.json for what
    is about the release), then the totals, and what was left out and how to see it."""
    root = str(new)
    ids = sorted({row["event_id"] for kind in _IN_EVENTS for row in diff[kind]})
    holder = event_file_of(new, ids)
    retracted = set(load(new, "retractions").select("event_id").collect()["event_id"].to_list())
    lines: list[str] = []
    for kind in DIFF_KINDS:
        for row in diff[kind]:
            eid = row["event_id"]
            if kind == "removed":
                name = "retractions.csv" if eid in retracted else "manifest.json"
            else:
                name = holder.get(eid, "manifest.json")
            detail = ", ".join(f"{k}={_shown(k, v)}" for k, v in row.items() if k != "event_id")
            where = F.gh_location({"file": name}, root, "manifest.json")
            lines.append(F.gh_command("notice", where, f"evtk diff: {kind}", f"{eid} {detail}".strip()))
    manifest = F.gh_location({}, root, "manifest.json")
    lines.append(F.gh_command("notice", manifest, "evtk diff", render_diff_text(diff).splitlines()[0]))
    left = diff_left_out(diff)
    if left:
        message = f"{left} change(s) not shown (raise --max-examples above {examples} to see them)"
        lines.append(F.gh_command("notice", manifest, "evtk diff", message))
    return "\n".join(lines)


def diff_left_out(diff: dict[str, Any]) -> int:
    """How many changes the diff counts but shows no example of."""
    return sum(max(0, int(diff["counts"][k]) - len(diff[k])) for k in DIFF_KINDS)


def _shown(key: str, value: Any) -> str:
    """A diff value for people: a removal without a reason says so, an empty value is '(empty)'."""
    if value is None:
        return "none: not retracted (R201)" if key == "reason" else "(empty)"
    return str(value)


def render_changes(version: str, previous: str | None, diff: dict[str, Any] | None) -> str:
    lines = [f"# Changes in {version}", ""]
    if diff is None or previous is None:
        lines.append("First release: every event is new.")
        return "\n".join(lines) + "\n"
    c = diff["counts"]
    lines.append(f"Against {previous}: " + ", ".join(f"{c[k]} {k}" for k in DIFF_KINDS) + ".")
    if diff.get("changed_fields"):
        lines += [
            "",
            "Fields changed: " + ", ".join(f"{k} ({v})" for k, v in diff["changed_fields"].items()) + ".",
        ]
    for kind in DIFF_KINDS:
        if diff[kind]:
            lines += ["", f"## {kind.capitalize()} ({c[kind]})", ""]
            for row in diff[kind]:
                detail = ", ".join(f"{k}: {_shown(k, v)}" for k, v in row.items() if k != "event_id")
                lines.append(f"- `{row['event_id']}` {detail}")
            if c[kind] > len(diff[kind]):
                lines.append(f"- ... and {c[kind] - len(diff[kind])} more (`evtk release diff`)")
    return "\n".join(lines) + "\n"


#: the most rows a coverage table of the dataset card lists (the rest are summed in one line)
CARD_ROWS = 30
NOT_STATED = "not stated"


def coverage(events: pl.LazyFrame, cb: Codebook) -> dict[str, Any]:
    """What the dataset card says about coverage: events per year (with the months they span),
    per location country and per source actor country, per coder and per method. Tallies are
    sorted by count, then key; a missing value is the key ``None``."""
    names = cb.actor_parts.select(pl.col("code").alias("key"), pl.col("name"))

    def tally(expr: pl.Expr, named: bool = False) -> list[dict[str, Any]]:
        lf = events.group_by(expr.alias("key")).agg(events=pl.len())
        if named:
            lf = lf.join(names.lazy(), on="key", how="left")
        out = lf.sort(["events", "key"], descending=[True, False], nulls_last=True).collect()
        return out.to_dicts()

    years = (
        events.group_by("year")
        .agg(
            events=pl.len(),
            first=pl.col("event_date").min(),
            last=pl.col("event_date").max(),
            months=pl.col("event_date").dt.strftime("%Y-%m").n_unique(),
        )
        .sort("year", nulls_last=True)
        .collect()
    )
    span = events.select(first=pl.col("event_date").min(), last=pl.col("event_date").max()).collect()
    return {
        "first": span["first"][0],
        "last": span["last"][0],
        "by_year": years.to_dicts(),
        "by_location_country": tally(pl.col("location_country"), named=True),
        "by_source_country": tally(pl.col("source_actor").str.slice(0, 3), named=True),
        "by_coder": tally(pl.col("coder")),
        "by_method": _every_method(tally(pl.col("method"))),
    }


def _every_method(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The method tally with every method of the schema, those without events as 0."""
    seen = {r["key"] for r in rows}
    return rows + [{"key": m, "events": 0} for m in METHODS if m not in seen]


def _tally_table(rows: list[dict[str, Any]], what: str, *, named: bool = False) -> str:
    """A coverage tally as a Markdown table of at most :data:`CARD_ROWS` rows."""

    def key(row: dict[str, Any]) -> str:
        if row["key"] is None:
            return "(none)"
        shown = f"`{row['key']}`"
        return f"{shown} {row['name']}" if named and row.get("name") else shown

    lines = [f"| {what} | events |", "|---|---|"]
    lines += [f"| {key(r)} | {r['events']} |" for r in rows[:CARD_ROWS]]
    if len(rows) > CARD_ROWS:
        rest = rows[CARD_ROWS:]
        lines.append(f"| {len(rest)} more | {sum(r['events'] for r in rest)} |")
    return "\n".join(lines)


def _card_coverage(cov: dict[str, Any]) -> str:
    def day(value: Any) -> str:
        return value.isoformat() if isinstance(value, dt.date) else "(none)"

    years = "\n".join(
        f"| {r['year'] if r['year'] is not None else '(none)'} | {r['events']} | {r['months']} | "
        f"{day(r['first'])} | {day(r['last'])} |"
        for r in cov["by_year"]
    )
    span = (
        f"Events dated from {day(cov['first'])} to {day(cov['last'])} (by `event_date`; see `date_precision`)."
        if cov["first"] is not None
        else "The release has no events."
    )
    return f"""## Coverage

{span}

| year | events | months with events | first | last |
|---|---|---|---|---|
{years}

By country where the event took place (`location_country`):

{_tally_table(cov["by_location_country"], "country", named=True)}

By country (first part) of the source actor (`source_actor`):

{_tally_table(cov["by_source_country"], "country", named=True)}

By coder and by method (`coder`, `method`):

{_tally_table(cov["by_coder"], "coder")}

{_tally_table(cov["by_method"], "method")}

"""


def render_card(manifest: dict[str, Any], cov: dict[str, Any]) -> str:
    c = manifest["counts"]
    info = manifest.get("dataset") or {}

    def stated(key: str) -> str:
        value = info.get(key)
        return str(value).replace("|", "\\|").replace("\n", " ") if value else NOT_STATED

    quad = ", ".join(f"{k}: {v}" for k, v in c["by_quad_class"].items())
    partitioned = manifest["events_layout"]["partitioned"]
    layout = (
        "`events/year=YYYY/part-0.parquet` (Hive-partitioned by event year)"
        if partitioned
        else "`events.parquet`"
    )
    scan = (
        'pl.scan_parquet("events/**/*.parquet", hive_partitioning=True)'
        if partitioned
        else 'pl.scan_parquet("events.parquet")'
    )
    pandas = (
        'pd.read_parquet("events")                   # year= folders become a column'
        if partitioned
        else 'pd.read_parquet("events.parquet")'
    )
    sql = (
        "read_parquet('events/*/*.parquet', hive_partitioning = true)" if partitioned else "'events.parquet'"
    )
    title = info.get("title") or manifest["name"]
    return f"""# {title} {manifest["version"]}

Event data coded with the CAMEO codebook, validated and packaged by evtk {manifest["toolkit"]["version"]}.

| | |
|---|---|
| dataset | {manifest["name"]} |
| version | {manifest["version"]} (previous: {manifest["previous_version"] or "none"}) |
| licence | {stated("licence")} |
| citation | {stated("citation")} |
| url | {stated("url")} |
| codebook | {manifest["codebook"]["name"]} {manifest["codebook"]["version"]} (snapshot in `codebook/`) |
| schema | {manifest["schema_version"]} |
| events | {c["events"]} |
| articles | {c["articles"]} ({c["sentences"]} sentences) |
| retractions | {c["retractions"]} |
| events by quad class | {quad} |
| built | {manifest["created"]} |

## Files

- {layout}: one row per event.
- `articles.parquet`, `sentences.parquet`: the texts and their frozen sentence segmentation.
- `retractions.csv`: events withdrawn since earlier releases, with the reason.
- `codebook/`: the codebook every event was validated against; `codebook/event_codes.parquet` and
  `codebook/actor_codes.parquet` are its event codes and actor code parts as flat tables.
- `manifest.json`: checksums, sizes and row counts of every file; `evtk release check` verifies them.
- `CHANGES.md`: what changed against the previous release.
- `report.html`: charts of the same coverage, one self-contained page.

## Event ids

`event_id` is `<file>#<local id>`: the coded-event file's path below the data folder, without
its extension, and the event's id within that file. An event keeps its id across releases as long
as its file, article and local id are unchanged, whatever else about it is edited (code, actors,
date). Events are never removed silently: a removal is listed in `retractions.csv` with a reason.

## Dates

`event_date` is the first day of the period the source gives, and `date_precision` says which
period: `day`, `month` (e.g. "in January") or `year` ("last year"). Filter on precision before
daily analyses.

{_card_coverage(cov)}## Loading

From this folder:

```python
import toolkit                                 # evtk: sorted by event_id, filters, labels
events = toolkit.load(".", start="{cov["first"] or "2000-01-01"}", labels=True).collect()

import polars as pl
events = {scan}.collect()

import pandas as pd
events = {pandas}

import duckdb
duckdb.sql("SELECT root_code, count(*) FROM {sql} GROUP BY ALL ORDER BY 1")
```

R reads the same files with the arrow package (`arrow::open_dataset`).

{_card_agreement(manifest.get("agreement"))}## Event columns

{column_table()}"""


def _card_agreement(agreement: dict[str, Any] | None) -> str:
    """The dataset card's section on agreement between coders (empty when nothing is double coded)."""
    if not agreement:
        return ""
    alpha = agreement["alpha"]

    def fmt(v: float | None) -> str:
        return "undefined" if v is None else f"{v:.3f}"

    counts: dict[str, int] = {}
    for t in agreement["taken"]:
        counts[t["coding"]] = counts.get(t["coding"], 0) + 1
    taken = "; ".join(f"{n} article(s) from {coding}" for coding, n in sorted(counts.items()))
    rows = "\n".join(f"| {level} | {fmt(v)} |" for level, v in alpha.items())
    return f"""## Agreement between coders

{agreement["articles"]} article(s) were coded by more than one coder ({", ".join(agreement["coders"])}).
Of their {agreement["events"]} events, {agreement["paired"]} were paired across coders and
{agreement["unpaired"]} were found by one coder only. The release takes one coding per article, the
adjudicated one, else the primary coder's: {taken} (`taken` in `manifest.json`).

Krippendorff's alpha per level (nominal; `hierarchical` weighs a disagreement by how far apart the
codes are in the hierarchy of the codebook in `codebook/`):

| level | alpha |
|---|---|
{rows}

"""


# --------------------------------------------------------------------------- check
def check_release(release_dir: Path, options: CheckOptions | None = None) -> F.Report:
    """Verify a release: integrity, schema, every event rule, and the change against the previous one."""
    from toolkit.release_checks import run_checks

    return _at_release(run_checks(release_dir, options or CheckOptions()), release_dir)


def _at_release(report: F.Report, release_dir: Path) -> F.Report:
    """File names in a release report are relative to the release; what names no file (or a file
    not there) is about the release as a whole, and so about its manifest."""
    from toolkit.remote import shown

    report.root = shown(release_dir)  # a release fetched from an object store: its URI
    report.anchor = "manifest.json"
    return report


# --------------------------------------------------------------------------- verify
def verify_release(
    release_dir: Path,
    data_dir: Path,
    *,
    codebook: Codebook | Path | None = None,
    encoding: str = "utf-8",
    progress: Progress = NULL,
) -> F.Report:
    """Rebuild ``release_dir``'s version from ``data_dir`` in a temporary folder and compare every
    file's sha256 with the release (R115 for each difference). The rebuild uses the release's own
    ``created`` time, partition threshold and previous release, so a faithful release reproduces
    byte for byte."""
    import tempfile

    from toolkit.release_checks import _siblings
    from toolkit.release_io import open_release, shown

    release = open_release(release_dir)
    m = release.manifest
    version = m.get("version")
    if not isinstance(version, str) or not semver.is_valid(version):
        raise InputError("manifest.json has no valid version to rebuild", release_dir)
    raw_layout = m.get("events_layout")
    layout: dict[str, Any] = raw_layout if isinstance(raw_layout, dict) else {}
    threshold = layout.get("partition_threshold", PARTITION_THRESHOLD)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
        threshold = PARTITION_THRESHOLD
    named = m.get("previous_version")
    previous = _siblings(release).get(named) if isinstance(named, str) else None
    if isinstance(named, str) and previous is None:
        raise InputError(
            f"the manifest names previous release {shown(named)}, which is not next to it: the rebuild "
            "needs it for CHANGES.md and the chain",
            release_dir,
        )
    try:
        created = dt.datetime.strptime(str(m.get("created")), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise InputError(
            "manifest.json has no valid created time (YYYY-MM-DDTHH:MM:SSZ)", release_dir
        ) from None
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(created.timestamp()))
    out = F.Bounded(None)
    try:
        with tempfile.TemporaryDirectory(prefix=".evtk-verify-") as tmp:
            rebuilt = build_release(
                version,
                data_dir,
                Path(tmp) / "releases",
                codebook=codebook,
                partition_threshold=threshold,
                name=str(m.get("name", DATASET_NAME)),
                encoding=encoding,
                progress=progress,
                previous=previous,
            ).path
            fresh = open_release(rebuilt)
            want = {r: str(e.get("sha256")) for r, e in fresh.entries.items()}
            have = {r: str(e.get("sha256")) for r, e in release.entries.items()}
            for rel in sorted(set(want) | set(have)):
                if rel not in have:
                    detail = "the rebuild has this file, the release does not"
                elif rel not in want:
                    detail = "the release has this file, the rebuild does not"
                elif want[rel] != have[rel]:
                    detail = f"sha256 {shown(have[rel])[:12]}... in the release, {want[rel][:12]}... rebuilt"
                else:
                    continue
                text = get_rule("R115").text(file=shown(rel), detail=detail)
                out.add(F.single("R115", text, file=shown(rel)))
            if not out.counts and sha256_file(rebuilt / "manifest.json") != sha256_file(
                release_dir / "manifest.json"
            ):
                text = get_rule("R115").text(file="manifest.json", detail="differs from the rebuilt manifest")
                out.add(F.single("R115", text, file="manifest.json"))
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return _at_release(out.report({"files": len(release.entries)}), release_dir)
