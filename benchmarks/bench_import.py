"""Benchmark ``evtk import gdelt2`` on a synthetic GDELT 2.0 events file.

The file is generated deterministically (seeded numpy, vectorised polars, written in chunks so the
generator's own memory stays flat) with codes, Goldstein values, quad classes and actors drawn from the
codebook, so the importer does the same work as on real data. The import runs in a child process so
the peak RSS reported is the importer's alone, not the generator's.

    python -m benchmarks.bench_import            # 1,000,000 rows in a temporary folder
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from toolkit.codebook import load_codebook
from toolkit.interchange.layouts import GDELT2

CHUNK_ROWS = 250_000
SEED = 20191024
PLACES = [
    ("Vancouver, British Columbia, Canada", "CA", 49.25, -123.133),
    ("Minsk, Belarus (general), Belarus", "BO", 53.9, 27.5667),
    ("Kuala Lumpur, Kuala Lumpur, Malaysia", "MY", 3.16667, 101.7),
    ("Berlin, Berlin, Germany", "GM", 52.5167, 13.4),
    ("Bamako, Bamako, Mali", "ML", 12.65, -8.0),
    ("Moscow, Moskva, Russia", "RS", 55.7522, 37.6156),
]

_CHILD = """
import json, resource, sys, time
from toolkit.interchange import import_events
start = time.perf_counter()
s = import_events("gdelt2", [sys.argv[1]], sys.argv[2])
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rows_read": s.rows_read, "rows_written": s.rows_written,
                  "rows_rejected": s.rows_rejected,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _pools() -> dict[str, Any]:
    cb = load_codebook()
    ev = cb.events.filter((pl.col("level") >= 2) & pl.col("goldstein").is_not_null())
    countries = cb.actors.filter(pl.col("kind") == "country")["code"].to_list()
    roles = cb.actors.filter(pl.col("kind").is_in(["role", "sector"]))["code"].to_list()
    return {
        "codes": ev["code"].to_numpy(),
        "roots": ev["root_code"].to_numpy(),
        "quads": ev["quad_class"].cast(pl.String).to_numpy(),
        "golds": ev["goldstein"].cast(pl.String).to_numpy(),
        "countries": np.array(countries),
        "roles": np.array(["", *roles]),
    }


def _actor(rng: np.random.Generator, pools: dict[str, Any], n: int) -> np.ndarray:
    """Country + optional role, empty for about 30% of rows (as in real GDELT exports)."""
    country = rng.choice(pools["countries"], n)
    role = rng.choice(pools["roles"], n)
    actor = np.char.add(country.astype(str), role.astype(str))
    return np.where(rng.random(n) < 0.3, "", actor)


def _chunk(rng: np.random.Generator, pools: dict[str, Any], start: int, n: int) -> pl.DataFrame:
    pick = rng.integers(0, len(pools["codes"]), n)
    days = rng.integers(0, 365, n)
    place = rng.integers(0, len(PLACES), n)
    geo = pl.DataFrame(PLACES, schema=["name", "cc", "lat", "lon"], orient="row")[place]
    date = pl.Series(np.datetime64("2019-01-01") + days.astype("timedelta64[D]")).cast(pl.Date)
    cols: dict[str, pl.Series | pl.Expr] = {
        "GLOBALEVENTID": pl.Series(np.arange(900_000_000 + start, 900_000_000 + start + n)).cast(pl.String),
        "SQLDATE": date.dt.strftime("%Y%m%d"),
        "MonthYear": date.dt.strftime("%Y%m"),
        "Year": date.dt.strftime("%Y"),
        "FractionDate": (2019 + ((date.dt.month().cast(pl.Int64) - 1) * 30 + date.dt.day()) / 365)
        .round(4)
        .cast(pl.String),
        "Actor1Code": pl.Series(_actor(rng, pools, n)),
        "Actor2Code": pl.Series(_actor(rng, pools, n)),
        "IsRootEvent": pl.Series(rng.integers(0, 2, n)).cast(pl.String),
        "EventCode": pl.Series(pools["codes"][pick]),
        "EventBaseCode": pl.Series(pools["codes"][pick]).str.slice(0, 3),
        "EventRootCode": pl.Series(pools["roots"][pick]),
        "QuadClass": pl.Series(pools["quads"][pick]),
        "GoldsteinScale": pl.Series(pools["golds"][pick]),
        "NumMentions": pl.Series(rng.integers(1, 50, n)).cast(pl.String),
        "NumSources": pl.lit("1"),
        "NumArticles": pl.Series(rng.integers(1, 50, n)).cast(pl.String),
        "AvgTone": pl.Series(rng.normal(0, 3, n).round(6)).cast(pl.String),
        "ActionGeo_Type": pl.lit("4"),
        "ActionGeo_FullName": geo["name"],
        "ActionGeo_CountryCode": geo["cc"],
        "ActionGeo_Lat": geo["lat"].cast(pl.String),
        "ActionGeo_Long": geo["lon"].cast(pl.String),
        "DATEADDED": pl.lit("20191024143000"),
        "SOURCEURL": pl.format(
            "https://news.example/{}/story.html", pl.Series(np.arange(start, start + n)).cast(pl.String)
        ),
    }

    def cell(column: str) -> pl.Expr:
        value = cols.get(column)
        if value is None:
            return pl.lit("")  # columns evtk does not map (actor attributes, actor geo) stay empty
        return (pl.lit(value) if isinstance(value, pl.Series) else value).cast(pl.String)

    frame = pl.DataFrame({"_": np.zeros(n, dtype=np.int8)})
    return frame.select(pl.concat_str([cell(c) for c in GDELT2], separator="\t").alias("line"))


def generate(rows: int, path: Path) -> int:
    """Write ``rows`` GDELT 2.0 rows to ``path``; the same ``rows`` always gives the same bytes."""
    rng = np.random.default_rng(SEED)
    pools = _pools()
    with path.open("wb") as fh:
        for start in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - start)
            _chunk(rng, pools, start, n).write_csv(fh, include_header=False, quote_style="never")
    return path.stat().st_size


def run(rows: int, workdir: Path, keep: bool = False) -> dict[str, Any]:
    """Generate ``rows`` rows in ``workdir``, import them, return rows/s and the importer's peak RSS.

    The generated TSV (about 230 bytes a row) and the Parquet output are removed afterwards unless
    ``keep``: at ten million rows they take 2.5 GB of someone's disk.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    src, out = workdir / "bench.export.tsv", workdir / "bench.parquet"
    try:
        started = time.perf_counter()
        size = generate(rows, src)
        generated = time.perf_counter() - started
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(src), str(out)],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        out_size = out.stat().st_size
    finally:
        if not keep:
            src.unlink(missing_ok=True)
            out.unlink(missing_ok=True)
    return {
        "rows": rows,
        "input_mb": round(size / 1e6, 1),
        "output_mb": round(out_size / 1e6, 1),
        "generate_seconds": round(generated, 2),
        "import_seconds": round(child["seconds"], 2),
        "rows_per_second": round(rows / child["seconds"]),
        "mb_per_second": round(size / 1e6 / child["seconds"], 1),
        "peak_rss_mb": round(child["peak_rss_mb"], 1),
        "rows_written": child["rows_written"],
        "rows_rejected": child["rows_rejected"],
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(1_000_000, Path(tmp)), indent=2))
