"""Time the CSV reader against polars' own reader (the floor) and the line-by-line reference.

    python -m benchmarks.bench_readers [ROWS]      # default 300,000 rows

The file has every input column (:data:`toolkit.schema.INPUT_FIELDS`) and looks like a coder's
spreadsheet export: quoted sentences with commas and doubled quotes, a note that now and then
spans two lines, empty cells. It is written to a temporary folder and removed afterwards.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from toolkit.events_io import UnknownFields, _read_csv_slow, read_csv
from toolkit.schema import INPUT_FIELDS

SEED = 20240611
COUNTRIES = ["Mali", "Russia", "France", "Germany", "Belarus", "Canada", "Malaysia", "Niger"]
VERBS = ["travelled to", "held talks with", "criticized", "signed an agreement with", "accused"]


def write_events_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(SEED)
    n = rows
    a = np.asarray(COUNTRIES, dtype=object)[rng.integers(0, len(COUNTRIES), n)]
    b = np.asarray(COUNTRIES, dtype=object)[rng.integers(0, len(COUNTRIES), n)]
    verb = np.asarray(VERBS, dtype=object)[rng.integers(0, len(VERBS), n)]
    idx = pl.int_range(n, eager=True)
    frame = pl.DataFrame({"a": a, "b": b, "verb": verb, "i": idx}).select(
        pl.format("e{}", "i").alias("id"),
        pl.format("art-{}", pl.col("i") // 50).alias("article"),
        pl.format(
            'On Monday, officials of {} {} {}, saying "the talks, at last, went well" in a statement.',
            "a",
            "verb",
            "b",
        ).alias("sentence"),
        pl.format("{} {}", "verb", "b").alias("quote"),
        pl.format(
            "2023-{}-{}",
            (pl.col("i") % 12 + 1).cast(pl.String).str.zfill(2),
            (pl.col("i") % 28 + 1).cast(pl.String).str.zfill(2),
        ).alias("date"),
        pl.col("a").str.to_uppercase().str.slice(0, 3).alias("source"),
        pl.col("b").str.to_uppercase().str.slice(0, 3).alias("target"),
        pl.lit("042").alias("code"),
        pl.lit(None, dtype=pl.String).alias("root_code"),
        pl.lit(None, dtype=pl.String).alias("quad_class"),
        pl.lit(None, dtype=pl.String).alias("goldstein"),
        pl.col("b").str.slice(0, 2).str.to_uppercase().alias("location_country"),
        pl.format("{}, capital city", "b").alias("location_place"),
        (pl.col("i") % 90).cast(pl.String).alias("location_lat"),
        (pl.col("i") % 180).cast(pl.String).alias("location_lon"),
        pl.lit("coder1").alias("coder"),
        pl.lit("manual").alias("method"),
        pl.lit(None, dtype=pl.String).alias("rule_id"),
        pl.lit(None, dtype=pl.String).alias("source_event_id"),
        pl.lit(None, dtype=pl.String).alias("source_story_id"),
        pl.format("https://news.example/{}", "i").alias("url"),
        pl.lit("Example News").alias("publisher"),
        pl.when(pl.col("i") % 97 == 0)
        .then(pl.lit("checked twice,\nsee the second paragraph"))
        .otherwise(None)
        .alias("note"),
    )
    assert frame.columns == list(INPUT_FIELDS)
    frame.write_csv(path)


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str]) -> None:
    rows = int(argv[0]) if argv else 300_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        write_events_csv(path, rows)
        size = path.stat().st_size
        floor, _ = timed(lambda: pl.read_csv(path, infer_schema=False))
        fast, got = timed(lambda: read_csv(path, "events.csv", "utf-8", UnknownFields()))
        slow, want = timed(lambda: _read_csv_slow(path, "events.csv", "utf-8", UnknownFields()), repeat=1)
    if not got.equals(want):
        raise SystemExit("read_csv and _read_csv_slow disagree")
    print(f"{rows:,} rows, {size / 1e6:.1f} MB")
    print(f"  pl.read_csv (floor)   {floor:7.3f} s")
    print(f"  read_csv              {fast:7.3f} s   {fast / floor:5.1f}x floor")
    print(f"  _read_csv_slow        {slow:7.3f} s   {slow / floor:5.1f}x floor, {slow / fast:5.1f}x read_csv")


if __name__ == "__main__":
    main(sys.argv[1:])
