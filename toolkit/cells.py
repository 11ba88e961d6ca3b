"""Spreadsheet-safe cells: text that a spreadsheet would run as a formula, neutralised.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or their full-width forms), possibly after
spaces, or with a tab or carriage return, is a formula to Excel, LibreOffice and Google Sheets
(``=HYPERLINK(...)``, ``=cmd|...``). Exports write such text with a leading ``'``, as OWASP
recommends for CSV files, so it shows as the text it is; numeric columns (a Goldstein value of
``-10``, a longitude) are never touched. ``evtk validate`` warns about such values (E305).
"""

from __future__ import annotations

import polars as pl

#: what makes a text cell a formula to a spreadsheet (a regex over the whole value)
FORMULA_START = r"^(?:\s*[=+\-@\uff1d\uff0b\uff0d\uff20]|[\t\r])"


def starts_formula(expr: pl.Expr) -> pl.Expr:
    """True where the text value would be run as a formula."""
    return expr.str.contains(FORMULA_START)


def neutralise(expr: pl.Expr) -> pl.Expr:
    """The text with a leading ``'`` where a spreadsheet would otherwise run it (vectorised)."""
    return pl.when(starts_formula(expr)).then(pl.lit("'") + expr).otherwise(expr)


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of ``frame`` neutralised; other columns as they are."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(neutralise(pl.col(c)).alias(c) for c in text) if text else frame
