"""Event-code look-ups shared by the event checks and ``evtk codebook show``."""

from __future__ import annotations

import polars as pl


def suggestion_expr(raw: pl.Expr, codes: pl.Series) -> pl.Expr:
    """For a raw code that is not in ``codes``, the code most likely meant, else null.

    Handles what spreadsheets and typing do to codes: lost leading zeros (``42`` -> ``042``,
    ``4`` -> ``04``, ``211`` -> ``0211``), padding and case (`` 042 ``), a trailing zero on a code that
    has no children of that name (``0420`` -> ``042``), decimals from Excel (``42.0`` -> ``042``).
    """
    known = codes.implode()
    s = raw.cast(pl.String).str.strip_chars().str.replace(r"\.0+$", "")
    digits = s.str.contains(r"^\d{1,4}$")
    candidates = [
        s,
        s.str.zfill(2),
        s.str.zfill(3),
        s.str.zfill(4),
        pl.when(s.str.len_chars() == 4).then(s.str.slice(0, 3)),
        pl.when(s.str.len_chars() == 4).then(s.str.zfill(4).str.slice(0, 3)),
    ]
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for cand in reversed(candidates):
        expr = pl.when(digits & cand.is_in(known)).then(cand).otherwise(expr)
    return expr
