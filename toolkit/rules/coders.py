"""Several coders (E701): what an article coded by more than one coder still needs."""

from __future__ import annotations

import polars as pl

from toolkit import findings as F
from toolkit.rules import rule

E701 = rule(
    "E701",
    "unresolved-disagreement",
    "error",
    "Adjudicated files have no unresolved disagreements",
    "disagreement {number} (sentence {sentence}: {differ}) is unresolved: copy the version you keep "
    "(or a corrected one) into events:, then delete the entry or write status: resolved",
    "`evtk adjudicate ARTICLE` lists every event the coders did not code alike under `disagreements:`, "
    "each marked `status: unresolved`. A release takes the adjudicated file's `events:` only, so an "
    "unresolved entry would silently drop an event: it is an error until it is resolved.",
)


def unresolved(entries: list[tuple[str, int | None, int, str, str]]) -> list[pl.DataFrame]:
    """E701 for every unresolved disagreement: (file, line, number, sentence, what differs)."""
    return [
        F.single(
            "E701",
            E701.text(number=number, sentence=sentence, differ=differ),
            file=file,
            line=line,
            column="status",
        )
        for file, line, number, sentence, differ in entries
    ]


__all__ = ["E701", "unresolved"]
