"""``toolkit.validate``: read a data folder (articles + coded events), run every event check.

Layout of a data folder: ``articles/`` (texts), ``coded/`` and any other folder with event files,
``releases/`` (ignored here), ``retractions.csv`` (used by releases). Paths given explicitly may
be single event files; their articles are then looked up in the nearest ``articles/`` folder above.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from toolkit import engine
from toolkit import fields as checks
from toolkit import findings as F
from toolkit.articles import Articles, load_articles
from toolkit.codebook import Codebook, load_codebook
from toolkit.engine import Sink
from toolkit.errors import InputError
from toolkit.events_io import (
    CSV_MAX_COLUMNS,
    UnknownFields,
    event_files,
    raw_schema,
    read_events,
    unread_files,
)
from toolkit.fields import to_release_events
from toolkit.progress import NULL, Progress
from toolkit.rules import files as file_rules
from toolkit.rules.coders import unresolved
from toolkit.rules.common import Context
from toolkit.rules.files import field_notes, unreadable
from toolkit.rules.releases import retraction_findings


@dataclass
class Validation:
    """What validation saw and found. :attr:`events` are the events in release columns (read
    again from the files on first use: a plain `evtk validate` never needs them, and a build
    streams them to disk through ``validate(sink=...)`` instead)."""

    report: F.Report
    articles: Articles
    codebook: Codebook
    source: FileSource
    unreadable: int = 0
    events_checked: int = 0

    @property
    def exit_code(self) -> int:
        return 2 if self.unreadable else self.report.exit_code

    @functools.cached_property
    def events(self) -> pl.DataFrame:
        frames = [to_release_events(chunk, self.codebook) for chunk in self.source.chunks()]
        return (
            pl.concat(frames).collect()
            if frames
            else to_release_events(pl.DataFrame(schema=self.source.empty_schema()), self.codebook).collect()
        )


def find_data_root(path: Path) -> Path | None:
    for candidate in [path, *path.resolve().parents]:
        if candidate.is_dir() and (candidate / "articles").is_dir():
            return candidate
    return None


def _rel(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


class FileSource:
    """The event files of a validation as prepared chunks of at most ``chunk_rows`` rows.

    Small files are gathered into one chunk; large ones are cut into slices (Parquet without
    reading the rest). :meth:`chunk` reads chunk ``i`` again (for the duplicate confirmation)."""

    def __init__(
        self,
        files: list[tuple[Path, Path]],
        cb: Codebook,
        published: pl.DataFrame | None,
        encoding: str,
        chunk_rows: int,
        max_columns: int = CSV_MAX_COLUMNS,
    ) -> None:
        self.cb, self.published, self.encoding, self.chunk_rows = cb, published, encoding, chunk_rows
        self.max_columns = max_columns
        self.entries = [_entry(path, base) for path, base in files]
        self.unknown = UnknownFields()
        self.problems: list[pl.DataFrame] = []
        self._specs: list[list[tuple[int, int, int]]] = []  # (entry, offset, length)
        self._scanned = False

    def empty_schema(self) -> dict[str, pl.DataType]:
        raw = pl.DataFrame(schema={**raw_schema(), "_src": pl.String, "_key": pl.String}).lazy()
        return dict(checks.prepare(raw, self.cb, self.published).collect_schema())

    def _read(self, i: int, unknown: UnknownFields, rows: tuple[int, int] | None = None) -> pl.LazyFrame:
        path, rel, src, key = self.entries[i]
        lf = read_events(path, rel, self.encoding, unknown, rows, self.max_columns)
        return lf.with_columns(_src=pl.lit(src), _key=pl.lit(key))

    def _parquet(self, i: int) -> bool:
        return self.entries[i][0].suffix.lower() == ".parquet"

    def _plan(self, pieces: list[pl.LazyFrame]) -> pl.LazyFrame:
        raw = pl.concat(pieces, how="diagonal") if len(pieces) > 1 else pieces[0]
        return checks.prepare(raw, self.cb, self.published)

    def _prepare(self, pieces: list[pl.DataFrame]) -> pl.DataFrame:
        try:
            raw = pl.concat(pieces, how="diagonal") if len(pieces) > 1 else pieces[0]
            return self._plan([raw.lazy()]).collect()
        except pl.exceptions.PolarsError as exc:
            raise InputError(f"cannot read event data: {str(exc).splitlines()[0]}") from None

    def chunks(self) -> Iterator[pl.DataFrame]:
        if self._scanned:
            for i in range(len(self._specs)):
                yield self.chunk(i).collect()
            return
        for buffer in self._scan():
            yield self._prepare(buffer)
        self._scanned = True

    def plan(self) -> int:
        """Cut the files into chunks without preparing them (the Spark engine prepares and checks
        chunk ``i`` in a task through :meth:`chunk`); returns the number of chunks. Paths become
        absolute: tasks run in another working directory (findings keep the names as given)."""
        self.entries = [(path.absolute(), rel, src, key) for path, rel, src, key in self.entries]
        if not self._scanned:
            for _ in self._scan(materialize=False):
                pass
            self._scanned = True
        return len(self._specs)

    def _scan(self, materialize: bool = True) -> Iterator[list[pl.DataFrame]]:
        """The raw pieces of every chunk, in order; records the chunk specs and unreadable files.
        Without ``materialize`` (planning for Spark) Parquet slices are only counted, never read:
        their rows are read by the tasks."""
        buffer: list[pl.DataFrame] = []
        spec: list[tuple[int, int, int]] = []
        rows = 0
        for i, (_, rel, _, _) in enumerate(self.entries):
            try:
                lf = self._read(i, self.unknown)
                # Parquet is sliced without reading the rest; people's formats are read whole.
                frame = None if self._parquet(i) else lf.collect()
            except InputError as exc:
                self.problems.append(unreadable(exc, rel))
                continue
            except pl.exceptions.PolarsError as exc:
                self.problems.append(unreadable(InputError(f"cannot read: {str(exc).splitlines()[0]}"), rel))
                continue
            height = frame.height if frame is not None else lf.select(pl.len()).collect().item()
            offset = 0
            while offset < height or (height == 0 and offset == 0):
                take = min(self.chunk_rows - rows, height - offset)
                if frame is not None:
                    buffer.append(frame.slice(offset, take))
                elif materialize:
                    buffer.append(self._read(i, UnknownFields(), (offset, take)).collect())
                spec.append((i, offset, take))
                rows += take
                offset += take
                if rows >= self.chunk_rows:
                    self._specs.append(spec)
                    yield buffer
                    buffer, spec, rows = [], [], 0
                if height == 0:
                    break
        if spec:  # (a planned Parquet chunk has specs but no rows read)
            self._specs.append(spec)
            yield buffer

    def chunk(self, index: int) -> pl.LazyFrame:
        """Chunk ``index`` again, lazily (Parquet is read for the columns the plan needs only)."""
        pieces = []
        for i, offset, take in self._specs[index]:
            if self._parquet(i):
                pieces.append(self._read(i, UnknownFields(), (offset, take)))
            else:
                pieces.append(self._read(i, UnknownFields()).slice(offset, take).collect().lazy())
        return self._plan(pieces)


def _entry(path: Path, base: Path) -> tuple[Path, str, str, str]:
    """(path, name in findings, path below the data folder, stable key of its event ids)."""
    rel = _rel(path, base)
    root = find_data_root(path.parent) or base
    try:
        src = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        src = path.name
    # _key: the stable part of event ids (path below the data folder, without extension).
    key = src.rsplit(".", 1)[0] if "." in Path(src).name else src
    return path, rel, src, key


CHUNK_ROWS = 1_000_000


def _events_among(source: FileSource, ids: pl.Series) -> pl.DataFrame:
    """``event_id, _file`` of the events whose release id is in ``ids`` (chunk by chunk)."""
    wanted = ids.implode()
    found = [
        chunk.lazy()
        .select(checks.event_id(), pl.col("_file"))
        .filter(pl.col("event_id").is_in(wanted))
        .collect()
        for chunk in source.chunks()
    ]
    return pl.concat(found) if found else pl.DataFrame(schema={"event_id": pl.String, "_file": pl.String})


def validate(
    paths: list[Path] | None = None,
    *,
    articles_dir: Path | None = None,
    codebook: Codebook | Path | str | None = None,
    encoding: str = "utf-8",
    max_examples: int | None = None,
    progress: Progress = NULL,
    sink: Sink | None = None,
    chunk_rows: int = CHUNK_ROWS,
    max_columns: int = CSV_MAX_COLUMNS,
    engine_name: str = "polars",
    spark_master: str = "local[*]",
) -> Validation:
    """Validate event files (and the articles they point at). Never raises for bad data:
    unreadable files become ``E000`` findings and ``exit_code`` 2 (so does a CSV file whose header
    has more than ``max_columns`` columns).

    Events are checked in chunks of at most ``chunk_rows`` (memory does not grow with the
    input); ``sink(chunk, index)`` receives every prepared chunk (``release build`` writes them).
    ``engine_name="spark"`` checks the chunks as Spark tasks on ``spark_master``
    (:mod:`toolkit.spark_engine`; same findings)."""
    paths = paths or [Path("data")]
    for p in paths:
        if not p.exists():
            raise InputError("no such file or directory", p)
        if p.is_dir() and (p / "manifest.json").is_file():
            raise InputError("is a release, not a data folder: check it with `evtk release check`", p)
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    skipped_note = None
    if articles_dir is None:
        roots = {r for r in (find_data_root(p if p.is_dir() else p.parent) for p in paths) if r is not None}
        if not roots and Path("data/articles").is_dir():
            roots = {Path("data")}  # files outside the data folder, run from the project's root
        art_dirs = sorted(r / "articles" for r in roots)
        if not art_dirs:
            skipped_note = (
                "no articles/ folder above the files, nor data/articles here: the article, sentence, "
                "quote and date-after-publication checks were skipped; pass --articles DIR"
            )
    else:
        if not articles_dir.is_dir():
            raise InputError("no such articles folder (--articles)", articles_dir)
        art_dirs = [articles_dir]
    # Articles are always UTF-8 (`evtk articles add` writes them so); --encoding is for event files.
    articles = load_articles(art_dirs, root=Path.cwd()) if art_dirs else Articles.empty()
    progress.stage(f"read {articles.articles.height:,} articles")
    # One row per article id: a duplicated id (A103) must not duplicate the events that name it.
    published = (
        articles.articles.select("article_id", "published").unique(
            "article_id", keep="first", maintain_order=True
        )
        if art_dirs
        else None
    )
    files = event_files(paths)
    source = FileSource(files, cb, published, encoding, chunk_rows, max_columns)
    ctx = Context(cb, published, articles.sentences if art_dirs else None)
    collector = F.Bounded(max_examples)
    if engine_name == "spark":
        from toolkit import spark_engine

        if sink is not None:
            raise InputError("the Spark engine checks data; it does not write releases (use --engine polars)")
        spark_engine.session(spark_master)  # no pyspark or no Java: exit 2 before any reading
        events, _ = spark_engine.run(
            source, source.plan(), ctx, collector, master=spark_master, extra=[articles.findings]
        )
    else:
        events, _ = engine.run(
            source,
            ctx,
            collector,
            sink=sink,
            extra=[articles.findings],
            on_chunk=lambda n: progress.stage("checked events", n),
            keep_rows=chunk_rows,
        )
    if skipped_note is not None:
        collector.notes.append(skipped_note)
    collector.add(source.problems)
    collector.add(field_notes(source.unknown, source.unknown.missing))
    unread = unread_files(paths, frozenset(file_rules.UNREAD_SUFFIXES), [f for f, _ in files])
    collector.add(file_rules.unread_files([(_rel(f, base), f.suffix.lower()) for f, base in unread]))
    collector.add(unresolved(source.unknown.unresolved))
    for root in sorted({r for r in (find_data_root(p if p.is_dir() else p.parent) for p in paths) if r}):
        path = root / "retractions.csv"
        if path.is_file():
            try:
                collector.add(
                    retraction_findings(path, _rel(path, root), functools.partial(_events_among, source))
                )
            except InputError as exc:
                collector.add([unreadable(exc, _rel(path, root))])
    progress.done()
    counts = {"files": len(files), "events": events, "articles": articles.articles.height}
    report = collector.report(counts)
    if len(files) == 1:
        report.anchor = _rel(*files[0])  # a finding naming no file is about the one file checked
    unreadable_files = int(report.rule_counts.get("E000", 0))
    return Validation(report, articles, cb, source, unreadable_files, events)
