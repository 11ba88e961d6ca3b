"""Dates (E401-E403): valid ISO dates of day, month or year precision, in a plausible range."""

from __future__ import annotations

import polars as pl

from toolkit.rules import rule
from toolkit.rules.common import C, Context, Mask, blank

E401 = rule(
    "E401",
    "bad-date",
    "error",
    "Dates are valid ISO dates",
    "date '{value}' is not a valid date: {hint}",
    "Write `YYYY-MM-DD` (day precision), `YYYY-MM` (month) or `YYYY` (year).",
)
E402 = rule(
    "E402",
    "date-after-publication",
    "error",
    "Events do not postdate their article",
    "date {value} is after the article's publication date {published}: check the year and month",
    "An article cannot report an event that has not happened yet; check the year and month. "
    "For announced future events code the announcement date.",
)
E403 = rule(
    "E403",
    "date-too-early",
    "error",
    "Dates are not absurdly early",
    "date {value} is before 1900: probably a typing error",
    "Dates before 1900 are almost always typing errors.",
)


def date_text() -> pl.Expr:
    """The date as written, or as stored in a release (formatted to its precision)."""
    stored = (
        pl.when(C("_precision") == "year")
        .then(C("_date").dt.strftime("%Y"))
        .when(C("_precision") == "month")
        .then(C("_date").dt.strftime("%Y-%m"))
        .otherwise(C("_date").dt.strftime("%Y-%m-%d"))
    )
    return pl.coalesce(C("date"), stored)


def date_hint() -> pl.Expr:
    d = C("date").str.strip_chars()
    slash = d.str.extract_groups(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
    a, b, y = slash.struct.field("1"), slash.struct.field("2"), slash.struct.field("3")
    return (
        pl.when(d.str.contains(r"^\d{1,2}[/.]\d{1,2}[/.]\d{4}$"))
        .then(
            pl.format(
                "this looks like a spreadsheet date; write ISO YYYY-MM-DD: {}-{}-{} if month first, {}-{}-{} if day "
                "first",
                y,
                a.str.zfill(2),
                b.str.zfill(2),
                y,
                b.str.zfill(2),
                a.str.zfill(2),
            )
        )
        .when(d.str.contains(r"^\d{8}$"))
        .then(
            pl.format(
                "write it with dashes: {}-{}-{}", d.str.slice(0, 4), d.str.slice(4, 2), d.str.slice(6, 2)
            )
        )
        .when(d.str.contains(r"^\d{4}-\d{2}-\d{2}$"))
        .then(pl.lit("no such day in that month"))
        .when(d.str.contains(r"^\d{4}-\d{2}$"))
        .then(pl.lit("no such month"))
        .otherwise(pl.lit("write YYYY-MM-DD (day), YYYY-MM (month) or YYYY (year)"))
    )


def masks(ctx: Context) -> list[Mask]:
    # An event of month or year precision postdates its article only if its first day does.
    first_day = (
        pl.when(C("_precision") == "day")
        .then(C("_date"))
        .when(C("_precision") == "month")
        .then(C("_date").dt.month_start())
        .otherwise(C("_date").dt.truncate("1y"))
    )
    return [
        Mask(
            E401,
            ~blank("date") & C("_date").is_null(),
            E401.expr(value=C("date"), hint=date_hint()),
            "date",
        ),
        Mask(
            E402,
            C("_published").is_not_null() & (first_day > C("_published")),
            E402.expr(value=date_text(), published=C("_published")),
            "date",
        ),
        Mask(E403, C("_date") < pl.date(1900, 1, 1), E403.expr(value=date_text()), "date"),
    ]
