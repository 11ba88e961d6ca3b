"""One measured task per process (``python -m benchmarks.tasks NAME ARGS...``), so that each
task's peak memory is its own. Prints one JSON line: {"seconds": ..., ...}."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import polars as pl


def pandera_baseline(events: Path) -> dict[str, object]:
    """The common baseline: a straightforward pandera DataFrameModel with the equivalent column checks."""
    import pandera.polars as pa

    from toolkit.codebook import load_codebook

    codes = load_codebook().events["code"].to_list()

    class RawEvents(pa.DataFrameModel):
        id: str = pa.Field(unique=True)
        article: str = pa.Field(nullable=True, str_matches=r"^[a-z0-9][a-z0-9._-]*$")
        sentence: str = pa.Field(nullable=True, str_matches=r"^[1-9]\d*$")
        date: str = pa.Field(str_matches=r"^\d{4}(-\d{2}(-\d{2})?)?$")
        source: str = pa.Field(str_matches=r"^(?:[A-Z]{3})+$")
        target: str = pa.Field(nullable=True, str_matches=r"^(?:[A-Z]{3})+$")
        code: str = pa.Field(isin=codes)
        method: str = pa.Field(nullable=True, isin=["hand", "rule", "import"])

    df = pl.read_parquet(
        events, columns=["id", "article", "sentence", "date", "source", "target", "code", "method"]
    )
    try:
        RawEvents.validate(df, lazy=True)
        failures = 0
    except pa.errors.SchemaErrors as exc:
        failures = len(exc.failure_cases)
    return {"failures": failures}


def bare_checks(events: Path) -> dict[str, object]:
    """The "bare checks" baseline: the core checks hand-written as one polars query, with no file
    or line bookkeeping and no messages. Codes known, dates and numbers parse, actor grammar on the
    distinct values, unique ids and content duplicates by sorted 64-bit hashes."""
    from toolkit.codebook import load_codebook

    codes = load_codebook().events["code"]
    actor = r"^(?:[A-Z]{3})+$"
    lf = pl.scan_parquet(events)
    rows = lf.select(
        bad_code=(~pl.col("code").is_in(codes.implode())).sum(),
        bad_date=pl.col("date").str.to_date("%Y-%m-%d", strict=False).is_null().sum(),
        bad_sentence=pl.col("sentence").cast(pl.Int64, strict=False).is_null().sum(),
        dup_id=pl.col("id").hash().sort().is_duplicated().sum(),
        dup_content=pl.concat_str(
            "article", "sentence", "date", "source", "target", "code", separator="\x1f", ignore_nulls=True
        )
        .hash()
        .sort()
        .is_duplicated()
        .sum(),
    )
    actors = (
        pl.concat([lf.select(a=pl.col("source")), lf.select(a=pl.col("target"))])
        .unique()
        .select(bad_actor=(~pl.col("a").str.contains(actor)).sum())
    )
    a, b = pl.collect_all([rows, actors])
    return {k: int(v) for k, v in {**a.row(0, named=True), **b.row(0, named=True)}.items()}


def run(name: str, args: list[str]) -> dict[str, object]:
    if name == "generate":
        from benchmarks.generate import Spec, generate

        generate(Spec(events=int(args[1]), error_share=float(args[2])), Path(args[0]))
        return {}
    if name == "import":
        from benchmarks.bench_import import run as run_import

        return run_import(int(args[0]), Path(args[1]), keep=args[2:] == ["keep"])
    if name in ("tokenize", "code"):
        from benchmarks.bench_coder import run_code, run_tokenize

        return (run_tokenize if name == "tokenize" else run_code)(int(args[0]))
    if name == "read":
        df = pl.read_parquet(args[0])
        return {"rows": df.height}
    if name == "read_write":
        df = pl.read_parquet(args[0])
        df.write_parquet(args[1], compression="zstd")
        return {"rows": df.height}
    if name == "bare":
        return bare_checks(Path(args[0]))
    if name == "pandera":
        return pandera_baseline(Path(args[0]))
    if name == "validate":
        from toolkit.validate import validate

        result = validate([Path(args[0])], max_examples=int(args[1]) if len(args) > 1 else 20)
        return {
            "events": result.report.counts.get("events"),
            "errors": result.report.errors,
            "warnings": result.report.warnings,
        }
    if name == "build":
        from toolkit.release import build_release

        out = Path(args[1])
        shutil.rmtree(out / args[2], ignore_errors=True)
        res = build_release(args[2], Path(args[0]), out)
        return {"events": res.manifest["counts"]["events"]}
    if name == "check":
        from toolkit.release import CheckOptions, check_release

        report = check_release(Path(args[0]), CheckOptions(find_previous=False, max_examples=20))
        return {"errors": report.errors, "events": report.counts.get("events")}
    if name == "check_spark":
        from toolkit import spark_engine
        from toolkit.release import CheckOptions, check_release

        t0 = time.perf_counter()
        opts = CheckOptions(find_previous=False, max_examples=20, engine="spark", spark_master=args[1])
        report = check_release(Path(args[0]), opts)
        total = time.perf_counter() - t0
        t = spark_engine.LAST
        spark_engine.stop()
        return {
            "errors": report.errors,
            "events": report.counts.get("events"),
            "startup": t.startup,
            "tasks": t.tasks,
            "task_seconds": t.task_seconds,
            "reductions": t.reductions,
            "other": total - t.startup - t.tasks - t.reductions,
        }
    raise SystemExit(f"unknown task {name}")


def main() -> None:
    name, args = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter()
    info = run(name, args)
    info["seconds"] = time.perf_counter() - t0
    print(json.dumps(info))


if __name__ == "__main__":
    main()
