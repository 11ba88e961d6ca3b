"""Where `evtk validate` spends its time, stage by stage, on a generated data folder.

python -m benchmarks.profile_validate [EVENTS]            stages on the whole frame (default 1,000,000)
python -m benchmarks.profile_validate EVENTS --phases     the engine's phases over its chunks, as
                                                           `evtk validate` runs them, with peak memory

Data is cached in bench-data/ (shared with `make bench`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import polars as pl

from benchmarks.__main__ import ROOT, ensure_data
from toolkit import engine
from toolkit import fields as ce
from toolkit.articles import load_articles
from toolkit.codebook import load_codebook
from toolkit.events_io import UnknownFields, raw_schema, scan_parquet
from toolkit.fields import to_release_events
from toolkit.rules import actors, codes, duplicates, text
from toolkit.rules.common import Context


def timed(label: str, fn: Callable[[], Any], floor: float | None = None) -> Any:
    t0 = time.perf_counter()
    result = fn()
    secs = time.perf_counter() - t0
    ratio = f"  {secs / floor:5.2f}x floor" if floor else ""
    print(f"  {label:<44} {secs:7.3f} s{ratio}", flush=True)
    return result


def phases(n: int) -> None:
    """Time the engine's phases inside one real `validate` run (wrapping, not re-implementing)."""
    import resource
    from collections import defaultdict
    from pathlib import Path

    from toolkit import findings
    from toolkit import validate as v

    data = ensure_data(ROOT / "bench-data", n, 0.0)
    spent: dict[str, float] = defaultdict(float)

    def wrap(owner: Any, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - t0

        setattr(owner, name, timed_call)

    wrap(v.FileSource, "_prepare", "read slices + prepare (parse, look-ups)")
    wrap(engine, "check_chunk", "row masks + distinct-value finders")
    wrap(duplicates.Duplicates, "update", "duplicates: hash every chunk")
    wrap(duplicates._HashStore, "_flush", "duplicates: spill hashes to disk")
    wrap(duplicates.Duplicates, "revisit", "duplicates: sort buckets, find candidates")
    wrap(duplicates.Duplicates, "candidates", "duplicates: re-read candidate chunks")
    wrap(findings.Bounded, "add", "collect findings (bounded)")
    t0 = time.perf_counter()
    result = v.validate([Path(data)])
    total = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"engine phases of validate on {n:,} events: {total:.2f} s, peak {peak:,.0f} MiB, "
        f"{result.report.errors} errors, {result.report.warnings} warnings"
    )
    for label, secs in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<44} {secs:7.2f} s  {secs / total:6.1%}")
    rest = total - sum(spent.values())
    print(f"  {'articles, reports, everything else':<44} {rest:7.2f} s  {rest / total:6.1%}")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    if "--phases" in sys.argv[2:]:
        phases(n)
        return
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
    ctx = Context(cb, published, arts.sentences).with_columns(prepared.columns)
    pending = engine.masks(ctx)
    timed(
        f"row masks of every family ({len(pending)} masks, one pass)",
        lambda: (
            prepared.lazy().select(pl.any_horizontal(*[m.mask.fill_null(False) for m in pending])).collect()
        ),
        floor,
    )
    timed("E101 with suggestions", lambda: pl.collect_all(codes.findings(prepared, ctx)), floor)
    timed(
        "actor grammar (E202, E203) on distinct codes",
        lambda: pl.collect_all(actors.findings(prepared, ctx)),
        floor,
    )
    timed("duplicates (E501-E503)", lambda: duplicates.find([prepared], ctx), floor)
    timed("sentences and quotes (E302, E303)", lambda: pl.collect_all(text.findings(prepared, ctx)), floor)
    timed("release columns", lambda: to_release_events(prepared, cb).collect(), floor)


if __name__ == "__main__":
    main()
