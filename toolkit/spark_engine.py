"""The rule engine on Apache Spark (``--engine spark``): the same plans as :mod:`toolkit.engine`.

The driver plans the chunks exactly as the polars engine does (a chunk is the same slice of the
same files, so line numbers, ids and the order of findings are identical), and Spark runs them:

1. **Tasks** (``mapInArrow``, one chunk per partition): each task prepares its chunk with the
   same polars plans, runs every row-local rule (:func:`toolkit.engine.check_chunk`) into a
   :class:`toolkit.findings.Bounded` collector (exact counts, the first ``max_examples`` per
   rule), and emits the 64-bit id and content hashes of the duplicate reduction
   (:class:`toolkit.rules.duplicates.Duplicates`) and the per-file E304 counts.
2. **Reductions** as Spark aggregations: ``groupBy`` on the hashes finds the candidate
   duplicates (a hash seen twice) and the chunks that hold them; nothing but the candidates
   reaches the driver.
3. **Confirmation**: a second small job reads only the candidate chunks again and returns the
   candidate rows; the exact rules (:meth:`Duplicates.findings`) run on their real values, so a
   hash collision never makes a finding.

What reaches the driver: each task's bounded findings, the candidate hashes and rows, and the
per-file E304 counts. pyspark is imported here only, so ``evtk --help`` never loads it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from toolkit import engine
from toolkit import findings as F
from toolkit.errors import InputError
from toolkit.rules import duplicates, text
from toolkit.rules.common import Context
from toolkit.rules.duplicates import Duplicates

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ENGINES = ("polars", "spark")
DEFAULT_MASTER = "local[*]"
INSTALL_HINT = "the Spark engine needs pyspark: pip install 'evtk[spark]'"
JAVA_HINT = (
    "the Spark engine needs a Java 17 or 21 runtime and none was found: install one "
    "(e.g. Debian's openjdk-17-jre-headless, or `make java`) or set JAVA_HOME"
)


@dataclass
class Timings:
    """Where a Spark run's wall time went (seconds), for the benchmark."""

    startup: float = 0.0
    tasks: float = 0.0  # wall time of the job: the tasks and the groupBy of their hashes
    task_seconds: float = 0.0  # the tasks' own time, summed over tasks
    reductions: float = 0.0  # the confirmation of candidates and the merge on the driver
    extra: dict[str, float] = field(default_factory=dict)


#: the timings of the last run in this process (the benchmark reads them)
LAST = Timings()
_SESSIONS: dict[str, SparkSession] = {}
_STARTED: dict[str, float] = {}  # seconds each session took to start


def java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    if home and os.path.isfile(os.path.join(home, "bin", "java")):
        return True
    return shutil.which("java") is not None


def bind_address(master: str) -> None:
    """``SPARK_LOCAL_IP`` for ``master``: the user's own value wins. A ``local`` master binds to
    loopback (no hostname warning, nothing listening outside); a cluster master gets the value the
    environment had before pandera set it to 127.0.0.1, so executors can reach the driver."""
    import toolkit

    if toolkit.SPARK_LOCAL_IP_AT_START is not None:
        os.environ["SPARK_LOCAL_IP"] = toolkit.SPARK_LOCAL_IP_AT_START
    elif master.startswith("local"):
        os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    else:
        os.environ.pop("SPARK_LOCAL_IP", None)


def session(master: str) -> SparkSession:
    """A Spark session for ``master`` (reused within the process); exit 2 without pyspark or Java."""
    if master in _SESSIONS:
        return _SESSIONS[master]
    t0 = time.perf_counter()
    # pyspark warns about pandas 3 on import of its pandas helpers; evtk exchanges Arrow only.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    os.environ.setdefault("PYTHONWARNINGS", "ignore:PySpark does not yet fully support pandas:FutureWarning")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    if not java_available():
        raise InputError(JAVA_HINT)
    # Python workers run the interpreter (and the installed evtk) of the driver.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master)
    bind_address(master)
    if "log4j.configurationFile" not in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        # errors only from the JVM (Spark's default profile prints warnings and banners on every start)
        logs = Path(__file__).with_name("spark_log4j2.properties")
        builder = builder.config(
            "spark.driver.extraJavaOptions", f"-Dlog4j.configurationFile={logs.as_uri()}"
        )
    try:
        spark = (
            builder.appName("evtk")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "16")
            .config("spark.python.worker.reuse", "true")
            .getOrCreate()
        )
    except Exception as exc:  # the JVM did not start: a bad master URL, a broken Java
        raise InputError(f"cannot start Spark (master {master}): {str(exc).splitlines()[0]}") from None
    spark.sparkContext.setLogLevel("ERROR")
    _SESSIONS[master] = spark
    _STARTED[master] = time.perf_counter() - t0
    return spark


def stop() -> None:
    for spark in _SESSIONS.values():
        spark.stop()
    _SESSIONS.clear()
    _STARTED.clear()


# ------------------------------------------------------------------------------ task side
def _ipc(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_ipc(buf)
    return buf.getvalue()


def _frame(blob: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(blob))


OUT_SCHEMA = "kind string, chunk int, h long, blob binary"
REPORT_KINDS = ("findings", "counts", "no_text")


def _rows(kind: str, chunk: int, h: pl.Series | None = None, blob: bytes | None = None) -> pl.DataFrame:
    n = 1 if h is None else h.len()
    return pl.DataFrame(
        {
            "kind": pl.Series([kind] * n, dtype=pl.String),
            "chunk": pl.Series([chunk] * n, dtype=pl.Int32),
            # a report row is keyed by its chunk, so one groupBy on (kind, h) serves both
            "h": h.reinterpret(signed=True) if h is not None else pl.Series([chunk], dtype=pl.Int64),
            "blob": pl.Series([blob] * n, dtype=pl.Binary),
        }
    )


def _use_hash(hash_fn: Callable[[pl.Expr], pl.Expr]) -> None:
    """In a task: the driver's duplicate hash (tests force collisions through this one seam)."""
    duplicates.hash_expr = hash_fn  # type: ignore[assignment]


def _check_task(
    source: engine.Source, ctx: Context, limit: int | None, hash_fn: Callable[[pl.Expr], pl.Expr]
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        _use_hash(hash_fn)
        for batch in batches:
            for index in batch.column("chunk").to_pylist():
                t0 = time.perf_counter()
                chunk = source.chunk(index).collect().rechunk()
                out = F.Bounded(limit)
                if chunk.height:
                    out.add(engine.check_chunk(chunk, ctx))
                    state = Duplicates()
                    state.update(chunk, index)
                    frames = [
                        _rows("id", index, pl.concat(list(state.ids.frames()))["h"]),
                        _rows("content", index, pl.concat(list(state.content.frames()))["h"]),
                        _rows("no_text", index, blob=_ipc(text.no_text_counts(chunk))),
                    ]
                    state.close()
                else:
                    frames = []
                seconds = time.perf_counter() - t0
                counts = json.dumps({"rows": chunk.height, "rules": out.counts, "seconds": seconds}).encode()
                frames += [_rows("findings", index, blob=_ipc(out.kept)), _rows("counts", index, blob=counts)]
                yield from pl.concat(frames).to_arrow().to_batches()

    return run


def _confirm_task(
    source: engine.Source,
    ctx: Context,
    state: Duplicates,
    hash_fn: Callable[[pl.Expr], pl.Expr],
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        _use_hash(hash_fn)
        for batch in batches:
            for index in batch.column("chunk").to_pylist():
                lf = source.chunk(index)
                rows = state.candidates(lf, index, ctx.with_columns(lf.collect_schema().names()))
                yield from _rows("candidates", index, blob=_ipc(rows)).to_arrow().to_batches()

    return run


def _chunk_frame(spark: SparkSession, indices: Sequence[int]) -> Any:
    """One row per chunk, one chunk per partition (a task is one chunk)."""
    rows = [(int(i),) for i in indices]
    return spark.createDataFrame(rows, "chunk int").repartition(max(len(rows), 1), "chunk")


# ------------------------------------------------------------------------------ driver side
def run(
    source: engine.Source,
    n_chunks: int,
    ctx: Context,
    collector: F.Bounded,
    *,
    master: str = DEFAULT_MASTER,
    extra: Sequence[pl.DataFrame] = (),
    scope: Literal["files", "release"] = "files",
) -> tuple[int, int]:
    """:func:`toolkit.engine.run` on Spark: the same findings into ``collector``; returns
    (events, chunks). ``n_chunks`` chunks of ``source`` are checked, one Spark task each."""
    global LAST
    LAST = Timings()
    spark = session(master)
    LAST.startup = _STARTED.get(master, 0.0)  # the session may have been started before this run
    collector.add(list(extra))
    if n_chunks == 0:
        return 0, 0
    try:
        return _run(spark, source, n_chunks, ctx, collector, scope)
    except Exception as exc:
        # A task that met bad input raised InputError in its worker: the same message, exit 2.
        text = str(exc)
        marker = "toolkit.errors.InputError: "
        if marker in text:
            raise InputError(text.split(marker, 1)[1].splitlines()[0]) from None
        raise


def _run(
    spark: SparkSession,
    source: engine.Source,
    n_chunks: int,
    ctx: Context,
    collector: F.Bounded,
    scope: Literal["files", "release"],
) -> tuple[int, int]:
    from pyspark.sql import functions as S

    t1 = time.perf_counter()
    hash_fn = duplicates.hash_expr
    checked = _chunk_frame(spark, range(n_chunks)).mapInArrow(
        _check_task(source, ctx, collector.limit, hash_fn), OUT_SCHEMA
    )
    # One job: the tasks, then one groupBy on (kind, hash) that keeps every report row (keyed by
    # its chunk) and, of the hashes, only those seen twice (the candidate duplicates) with the
    # chunks that hold them. Nothing else reaches the driver.
    reports = (
        checked.groupBy("kind", "h")
        .agg(
            S.count(S.lit(1)).alias("n"),
            S.collect_set("chunk").alias("chunks"),
            S.first("blob").alias("blob"),
        )
        .filter(S.col("kind").isin(*REPORT_KINDS) | (S.col("n") > 1))
        .collect()
    )
    LAST.tasks = time.perf_counter() - t1
    t2 = time.perf_counter()
    repeated = [r for r in reports if r["kind"] not in REPORT_KINDS]
    total = 0
    no_text: list[pl.DataFrame] = []
    found: list[tuple[int, pl.DataFrame]] = []
    rule_counts: dict[str, int] = {}
    for row in reports:
        if row["kind"] == "findings":
            found.append((row["h"], _frame(row["blob"])))
        elif row["kind"] == "no_text":
            no_text.append(_frame(row["blob"]))
        elif row["kind"] == "counts":
            meta = json.loads(row["blob"])
            total += int(meta["rows"])
            LAST.task_seconds += float(meta["seconds"])
            for rule_id, n in meta["rules"].items():
                rule_counts[rule_id] = rule_counts.get(rule_id, 0) + int(n)
    before = dict(collector.counts)
    for _, frame in sorted(found, key=lambda item: item[0]):
        collector.add(frame)
    # The kept examples were cut per task; the counts are the tasks' exact ones.
    collector.counts = before
    for rule_id, n in rule_counts.items():
        collector.counts[rule_id] = collector.counts.get(rule_id, 0) + n
    state = Duplicates(scope)
    ids = pl.Series([r["h"] for r in repeated if r["kind"] == "id"], dtype=pl.Int64).reinterpret(signed=False)
    content = pl.Series([r["h"] for r in repeated if r["kind"] == "content"], dtype=pl.Int64).reinterpret(
        signed=False
    )
    chunks = sorted({c for r in repeated for c in r["chunks"]})
    state.set_candidates(ids, content, chunks)
    if chunks:
        confirmed = (
            _chunk_frame(spark, chunks)
            .mapInArrow(_confirm_task(source, ctx, state, hash_fn), OUT_SCHEMA)
            .collect()
        )
        rows = [_frame(r["blob"]) for r in sorted(confirmed, key=lambda r: r["chunk"])]
        collector.add(state.findings(rows))
    if no_text:
        collector.add(text.no_text_findings(pl.concat(no_text)))
    LAST.reductions = time.perf_counter() - t2
    return total, n_chunks
