"""Where `evtk validate` spends its time, stage by stage, on a generated data folder.

python -m benchmarks.profile_validate [EVENTS]   (default 1,000,000; data cached in bench-data/)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import polars as pl

from benchmarks.__main__ import ROOT, ensure_data
from toolkit.articles import load_articles
from toolkit.checks import events as ce
from toolkit.codebook import load_codebook
from toolkit.events_io import UnknownFields, raw_schema, scan_parquet
from toolkit.validate import to_release_events


def timed(label: str, fn: Callable[[], Any], floor: float | None = None) -> Any:
    t0 = time.perf_counter()
    result = fn()
    secs = time.perf_counter() - t0
    ratio = f"  {secs / floor:5.2f}x floor" if floor else ""
    print(f"  {label:<44} {secs:7.3f} s{ratio}", flush=True)
    return result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    data = ensure_data(ROOT / "bench-data", n, 0.0)  # shared with `make bench`
    events = data / "coded" / "events.parquet"
    print(f"profile of validate on {n:,} events ({events})")
    read = time.perf_counter()
    pl.read_parquet(events)
    floor = time.perf_counter() - read
    print(f"  {'pl.read_parquet (floor)':<44} {floor:7.3f} s")
    cb = timed("load codebook", load_codebook, floor)
    arts = timed(
        "load articles (bulk JSONL, frozen sentences)", lambda: load_articles([data / "articles"]), floor
    )
    full = {**raw_schema(), "_src": pl.String, "_key": pl.String}
    raw = scan_parquet(events, "coded/events.parquet", UnknownFields()).with_columns(
        _src=pl.lit("coded/events")
    )
    names = raw.collect_schema().names()
    raw = raw.with_columns(*[pl.lit(None, dtype=t).alias(c) for c, t in full.items() if c not in names])
    published = arts.articles.select("article_id", "published")
    parsed = timed("read + parse fields (dates, numbers)", lambda: ce.parse_raw(raw).collect(), floor)
    prepared = timed(
        "codebook and article look-ups",
        lambda: ce.join_reference(parsed.lazy(), cb, published).collect(),
        floor,
    )
    timed(
        "row rules (E0xx, E1xx, E201, E4xx, E6xx)",
        lambda: pl.collect_all(ce.check_rows(prepared, cb, True)),
        floor,
    )
    timed(
        "actor grammar (E202, E203) on distinct codes",
        lambda: pl.collect_all(ce.check_actors(prepared, cb)),
        floor,
    )
    timed("duplicates (E501-E503)", lambda: pl.collect_all(ce.check_duplicates(prepared)), floor)
    timed(
        "sentences and quotes (E302, E303)",
        lambda: pl.collect_all(ce.check_text(prepared, arts.sentences)),
        floor,
    )
    timed("release columns", lambda: to_release_events(prepared, cb), floor)


if __name__ == "__main__":
    main()
