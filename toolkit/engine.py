"""The rule engine: every event rule, chunk by chunk, in bounded memory.

A *source* yields prepared chunks (see :mod:`toolkit.fields`) of bounded size and can produce
chunk ``i`` again. For every chunk the engine

1. evaluates the row masks of every family (:mod:`toolkit.rules`) in one pass and builds the
   messages of flagged rows only;
2. runs the families' distinct-value finders (code suggestions, actor parts, quotes);
3. updates the mergeable reductions: duplicates (:class:`toolkit.rules.duplicates.Duplicates`)
   and the per-file count of events without article text (E304);
4. hands the chunk to an optional ``sink`` (``release build`` writes it to disk).

Findings go to a :class:`toolkit.findings.Bounded` collector: exact counts per rule, the first
``max_examples`` per rule. At the end the duplicate reduction names the chunks that hold
candidates, the engine reads those again and the exact rules run on their candidate rows.

Every step looks at one chunk, or at the small merged states, never at the whole table: the same
plans run unchanged when chunks are spread over workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Literal, Protocol

import polars as pl

from toolkit import findings as F
from toolkit.rules import actors, codes, dates, derived, files, text
from toolkit.rules.common import Context, Mask
from toolkit.rules.duplicates import Duplicates

#: families with row masks, and families with distinct-value finders, in report order
MASK_FAMILIES = (files, codes, actors, text, dates, derived)
FINDERS = (codes.findings, actors.findings, actors.location_findings, text.unknown_articles, text.findings)


class Source(Protocol):
    """Where chunks come from: files of a data folder, or the Parquet files of a release."""

    def chunks(self) -> Iterator[pl.DataFrame]:
        """Prepared chunks, in a deterministic order."""
        ...

    def chunk(self, index: int) -> pl.LazyFrame:
        """Chunk ``index`` (as :meth:`chunks` yielded it) again, as a lazy plan: the duplicate
        confirmation reads only the columns it needs."""
        ...


def masks(ctx: Context) -> list[Mask]:
    return [m for family in MASK_FAMILIES for m in family.masks(ctx)]


def check_chunk(chunk: pl.DataFrame, ctx: Context) -> list[pl.LazyFrame]:
    """The findings of every row-local rule on one prepared chunk."""
    ctx = ctx.with_columns(chunk.columns)
    pending = masks(ctx)
    names = [f"_m{i}" for i in range(len(pending))]
    # Every mask in one pass over the chunk; messages are built only for the flagged rows (none
    # in clean data), instead of one filter over millions of rows per rule.
    flagged = (
        chunk.lazy()
        .with_columns(*[m.mask.fill_null(False).alias(n) for m, n in zip(pending, names, strict=True)])
        .filter(pl.any_horizontal(*names))
        .collect()
        .lazy()
    )
    out = [
        F.make(
            flagged.filter(pl.col(n)),
            m.rule.id,
            m.message,
            file=pl.col("_file"),
            line=ctx.line(m.column),
            column=m.column,
            event_id=pl.col("_id"),
        )
        for m, n in zip(pending, names, strict=True)
    ]
    for finder in FINDERS:
        out += finder(chunk, ctx)
    return out


Sink = Callable[[pl.DataFrame, int], None]


def run(
    source: Source,
    ctx: Context,
    collector: F.Bounded,
    *,
    sink: Sink | None = None,
    extra: Sequence[pl.DataFrame] = (),
    on_chunk: Callable[[int], None] | None = None,
    keep_rows: int = 0,
    scope: Literal["files", "release"] = "files",
) -> tuple[int, int]:
    """Check every chunk of ``source`` into ``collector``; returns (events, chunks).

    ``keep_rows``: chunks are kept in memory for the duplicate confirmation while their total
    stays under this many rows (small inputs are then never read twice)."""
    collector.add(list(extra))
    dups = Duplicates(scope)
    no_text: list[pl.DataFrame] = []
    kept: dict[int, pl.DataFrame] = {}
    kept_rows = 0
    total = 0
    n = 0
    try:
        for index, chunk in enumerate(source.chunks()):
            n = index + 1
            # One contiguous buffer per column: polars 2.1 can panic ("i < self.len()") evaluating
            # string expressions on filtered frames whose columns are made of several chunks (a
            # chunk concatenated from many small files). A no-op for a chunk read in one piece.
            chunk = chunk.rechunk()
            total += chunk.height
            if chunk.is_empty():
                continue
            collector.add(check_chunk(chunk, ctx))
            dups.update(chunk, index)
            no_text.append(text.no_text_counts(chunk))
            if sink is not None:
                sink(chunk, index)
            if kept_rows + chunk.height <= keep_rows:
                kept[index] = chunk
                kept_rows += chunk.height
            if on_chunk is not None:
                on_chunk(total)
        rows = []
        for index in dups.revisit():
            # A chunk read again stays a lazy plan: only the columns the duplicate rules need are
            # read and prepared (a third of the work of preparing the whole chunk).
            again = kept[index].lazy() if index in kept else source.chunk(index)
            rows.append(dups.candidates(again, index, ctx.with_columns(again.collect_schema().names())))
        collector.add(dups.findings(rows))
    finally:
        dups.close()
    if no_text:
        collector.add(text.no_text_findings(pl.concat(no_text)))
    return total, n
