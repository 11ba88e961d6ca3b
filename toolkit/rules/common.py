"""What the event-rule families share: the context a chunk is checked in, row masks, helpers.

Event rules run on *prepared* chunks (see :mod:`toolkit.fields`): raw string fields plus typed
``_``-prefixed columns and codebook look-ups. A family contributes

- ``masks(ctx)``: row-local rules as boolean expressions with their message; the engine
  evaluates every mask of every family in one pass and builds messages for flagged rows only;
- ``findings(chunk, ctx)``: row-local rules that work on distinct values first (actor parts,
  quotes, code suggestions) and join only offenders back;
- reductions (duplicates, counts) whose partial states merge across chunks.

Nothing here assumes the whole table is in one process: a chunk is any bounded slice of events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from toolkit.codebook import Codebook
from toolkit.rules import Rule

C = pl.col


@dataclass(frozen=True)
class Context:
    """The reference data a chunk is checked against (small tables, shared by every chunk)."""

    codebook: Codebook
    published: pl.DataFrame | None = None  # article_id, published (one row per id)
    sentences: pl.DataFrame | None = None  # article_id, sentence, text
    columns: frozenset[str] = frozenset()  # columns of the chunks (YAML adds _line_<field>)
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def have_articles(self) -> bool:
        return self.published is not None

    def with_columns(self, columns: set[str] | list[str]) -> Context:
        return Context(self.codebook, self.published, self.sentences, frozenset(columns), self.cache)

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """A value derived from the reference tables, computed once for all chunks."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def line(self, field: str | None) -> pl.Expr:
        """The line of ``field`` (YAML files know it per field), else the event's line."""
        if field is None:
            return C("_line")
        name = f"_line_{field}"
        return pl.coalesce(C(name), C("_line")) if name in self.columns else C("_line")


@dataclass(frozen=True)
class Mask:
    """A row-local rule: rows where ``mask`` holds get ``rule``'s finding with ``message``
    (built from the rule's template) in ``column``."""

    rule: Rule
    mask: pl.Expr
    message: pl.Expr
    column: str | None


IMPORTED = C("_method") == "import"


def blank(name: str) -> pl.Expr:
    # Readers strip people's formats (see events_io._scalar), so blank means null or empty.
    return C(name).is_null() | (C(name).str.len_bytes() == 0)


def present(name: str) -> pl.Expr:
    return C(name).is_not_null() & (C(name) != "")
