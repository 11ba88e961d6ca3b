"""``toolkit.validate``: read a data folder (articles + coded events), run every event check.

Layout of a data folder: ``articles/`` (texts), ``coded/`` and any other folder with event files,
``releases/`` (ignored here), ``retractions.csv`` (used by releases). Paths given explicitly may
be single event files; their articles are then looked up in the nearest ``articles/`` folder above.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from toolkit import findings as F
from toolkit.articles import Articles, load_articles
from toolkit.checks import events as checks
from toolkit.checks.events import event_id
from toolkit.codebook import Codebook, load_codebook
from toolkit.errors import InputError
from toolkit.events_io import UnknownFields, discover, raw_schema, read_events
from toolkit.progress import NULL, Progress
from toolkit.schema import EVENT_COLUMNS, INPUT_FIELDS

SKIP_DIRS = {"articles", "releases"}


@dataclass
class Validation:
    """What validation saw and found. ``events`` are in release columns, ready for a build
    (computed on first use: a plain `evtk validate` never needs them)."""

    report: F.Report
    prepared: pl.DataFrame
    articles: Articles
    codebook: Codebook
    unreadable: int = 0

    @property
    def exit_code(self) -> int:
        return 2 if self.unreadable else self.report.exit_code

    @functools.cached_property
    def events(self) -> pl.DataFrame:
        return to_release_events(self.prepared, self.codebook)

    def take_events(self) -> pl.DataFrame:
        """The release columns, releasing the (much wider) prepared frame: a build needs the
        memory for partitioning and writing."""
        events = self.events
        self.prepared = self.prepared.clear()
        return events


def find_data_root(path: Path) -> Path | None:
    for candidate in [path, *path.resolve().parents]:
        if candidate.is_dir() and (candidate / "articles").is_dir():
            return candidate
    return None


def _event_files(paths: list[Path]) -> list[tuple[Path, Path]]:
    """(file, base it is reported relative to)."""
    out: list[tuple[Path, Path]] = []
    for p in paths:
        if p.is_dir():
            # Releases and codebook copies inside a data folder are not event files, whatever
            # their folder is called.
            foreign = {m.parent for name in ("manifest.json", "codebook.yaml") for m in p.rglob(name)}
            for f in discover([p]):
                rel_parts = f.relative_to(p).parts[:-1]
                if SKIP_DIRS.intersection(rel_parts) or any(d in foreign for d in f.parents):
                    continue
                if f.name == "retractions.csv":
                    continue
                out.append((f, p))
        else:
            out.extend((f, f.parent) for f in discover([p]))
    return out


def _rel(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def validate(
    paths: list[Path] | None = None,
    *,
    articles_dir: Path | None = None,
    codebook: Codebook | Path | str | None = None,
    encoding: str = "utf-8",
    max_examples: int | None = None,
    progress: Progress = NULL,
) -> Validation:
    """Validate event files (and the articles they point at). Never raises for bad data:
    unreadable files become ``E000`` findings and ``exit_code`` 2."""
    paths = paths or [Path("data")]
    for p in paths:
        if not p.exists():
            raise InputError("no such file or directory", p)
        if p.is_dir() and (p / "manifest.json").is_file():
            raise InputError("is a release, not a data folder: check it with `evtk release check`", p)
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    if articles_dir is None:
        roots = {r for r in (find_data_root(p if p.is_dir() else p.parent) for p in paths) if r is not None}
        art_dirs = sorted(r / "articles" for r in roots)
    else:
        art_dirs = [articles_dir]
    # Articles are always UTF-8 (`evtk articles add` writes them so); --encoding is for event files.
    articles = load_articles(art_dirs, root=Path.cwd()) if art_dirs else Articles.empty()
    progress.stage(f"read {articles.articles.height:,} articles")

    unknown = UnknownFields()
    frames: list[pl.LazyFrame] = []
    problems: list[pl.DataFrame] = [articles.findings]
    files = _event_files(paths)
    for path, base in files:
        rel = _rel(path, base)
        root = find_data_root(path.parent) or base
        try:
            src = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            src = path.name
        try:
            # _key: the stable part of event ids (path below the data folder, without extension).
            key = src.rsplit(".", 1)[0] if "." in Path(src).name else src
            frames.append(
                read_events(path, rel, encoding, unknown).with_columns(_src=pl.lit(src), _key=pl.lit(key))
            )
        except InputError as exc:
            problems.append(F.single("E000", exc.message, file=rel, line=exc.line))
    # Per-field line columns exist only for YAML; adding them as nulls to a machine file of
    # millions of rows would cost gigabytes, so a column is added only where some file has it.
    full = {**raw_schema(with_field_lines=True), "_src": pl.String, "_key": pl.String}
    present = {name for f in frames for name in f.collect_schema().names()}
    wanted = {c: t for c, t in full.items() if not c.startswith("_line_") or c in present}
    raw = (
        pl.concat(
            [
                f.with_columns(
                    *[
                        pl.lit(None, dtype=t).alias(c)
                        for c, t in wanted.items()
                        if c not in f.collect_schema().names()
                    ]
                ).select(list(wanted))
                for f in frames
            ],
            how="vertical",
        )
        if frames
        else pl.DataFrame(schema=wanted).lazy()
    )
    have_articles = bool(art_dirs)
    # One row per article id: a duplicated id (A103) must not duplicate the events that name it.
    published = (
        articles.articles.select("article_id", "published").unique(
            "article_id", keep="first", maintain_order=True
        )
        if have_articles
        else None
    )
    try:
        prepared = checks.prepare(raw, cb, published).collect()
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"cannot read event data: {str(exc).splitlines()[0]}") from None
    progress.stage("read and parsed events", prepared.height)

    parts: list[pl.DataFrame | pl.LazyFrame] = [*problems]
    parts += checks.check_rows(prepared, cb, have_articles)
    parts += checks.check_actors(prepared, cb)
    parts += checks.check_duplicates(prepared)
    if have_articles:
        parts += checks.check_text(prepared, articles.sentences)
    parts += _field_notes(unknown)
    no_text = prepared.filter(~pl.col("_known_article") & (pl.col("_method") == "import"))
    if no_text.height:
        by_file = no_text.group_by("_file").len().sort("_file")
        parts.append(
            F.make(
                by_file,
                "E304",
                pl.format(
                    "{} imported events have no article text: sentence and quote checks were skipped for them",
                    pl.col("len"),
                ),
                file=pl.col("_file"),
            )
        )
    found = F.concat(parts)
    progress.stage("checked events", prepared.height)
    progress.done()
    counts = {"files": len(files), "events": prepared.height, "articles": articles.articles.height}
    report = F.Report.build(found, counts, max_examples)
    unreadable = int(report.rule_counts.get("E000", 0))
    return Validation(report, prepared, articles, cb, unreadable)


def _field_notes(unknown: UnknownFields) -> list[pl.DataFrame]:
    import difflib

    out = []
    for field, line, file in unknown:
        close = difflib.get_close_matches(field, list(INPUT_FIELDS) + ["location", "events"], n=1)
        hint = f": did you mean {close[0]!r}?" if close else f": known fields are {', '.join(INPUT_FIELDS)}"
        out.append(
            F.single("E003", f"unknown field {field!r} is ignored{hint}", file=file, line=line, column=field)
        )
    for column, file in unknown.missing:
        out.append(
            F.single(
                "E001",
                f"the header has no {column!r} column: every event needs one",
                file=file,
                line=1,
                column=column,
            )
        )
    return out


def to_release_events(prepared: pl.DataFrame, cb: Codebook) -> pl.DataFrame:
    """Events in release columns; derived fields come from the codebook, not from the file."""
    c = pl.col
    return prepared.select(
        event_id(),
        c("_src").alias("file"),
        c("_id").alias("local_id"),
        c("_article").alias("article_id"),
        c("_sentence").cast(pl.Int32).alias("sentence"),
        c("quote").alias("quote"),
        c("_date").alias("event_date"),
        c("_precision").alias("date_precision"),
        c("_date").dt.year().cast(pl.Int32).alias("year"),
        c("_source").alias("source_actor"),
        c("_target").alias("target_actor"),
        c("_code").alias("event_code"),
        c("_cb_root").alias("root_code"),
        c("_cb_quad").cast(pl.Int8).alias("quad_class"),
        c("_cb_goldstein").alias("goldstein"),
        c("location_country"),
        c("location_place"),
        c("_lat").alias("latitude"),
        c("_lon").alias("longitude"),
        c("coder"),
        c("_method").alias("method"),
        c("rule_id"),
        c("source_event_id"),
        c("source_story_id"),
        c("url").alias("source_url"),
        c("publisher").alias("source_name"),
        pl.lit(cb.version).alias("codebook_version"),
        c("note"),
    ).cast(EVENT_COLUMNS)  # type: ignore[arg-type]
