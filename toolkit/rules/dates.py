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


def _iso(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    return pl.format("{}-{}-{}", y, m.str.zfill(2), d.str.zfill(2))


def _exists(text: pl.Expr) -> pl.Expr:
    return text.str.to_date("%Y-%m-%d", strict=False)


def date_readings(raw: pl.Expr, published: pl.Expr) -> pl.Expr:
    """How a date that is not ISO can be read, as a struct of

    - ``fixed``: the one ISO date it can mean (null when it cannot be told or is no date);
    - ``hint``: what to tell the user.

    Spreadsheet dates ``23/06/2016`` and ``06/23/2016`` are read the ways that exist (there is no month
    23); dotted dates (``23.06.2016``) are day-first, as everywhere they are written; when both orders
    exist, a reading after the article's publication date (``published``) is ruled out. ISO dates
    without zero padding (``2016-6-23``) are padded; ``YYYYMMDD`` gets its dashes.
    """
    d = raw.str.strip_chars()
    g = d.str.extract_groups(r"^(\d{1,2})([/.-])(\d{1,2})[/.-](\d{4})$")
    a, sep, b, y = (g.struct.field(str(i)) for i in (1, 2, 3, 4))
    day_first, month_first = _iso(y, b, a), _iso(y, a, b)
    df_date, mf_date = _exists(day_first), _exists(month_first)
    df_ok, mf_ok = df_date.is_not_null(), mf_date.is_not_null()
    df_fits = df_ok & (published.is_null() | (df_date <= published))
    mf_fits = mf_ok & (published.is_null() | (mf_date <= published))
    iso = d.str.extract_groups(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
    iy, im, iday = (iso.struct.field(str(i)) for i in (1, 2, 3))
    padded = (
        pl.when(iday.is_not_null())
        .then(_iso(iy, im, iday))
        .otherwise(pl.format("{}-{}", iy, im.str.zfill(2)))
    )
    padded_ok = (
        pl.when(iday.is_not_null()).then(_exists(padded)).otherwise(_exists(padded + "-01")).is_not_null()
    )
    compact = pl.format("{}-{}-{}", d.str.slice(0, 4), d.str.slice(4, 2), d.str.slice(6, 2))
    spreadsheet = d.str.contains(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}$")
    same = df_ok & (day_first == month_first)
    cases: list[tuple[pl.Expr, pl.Expr, pl.Expr]] = [
        # (when, fixed, hint)
        (spreadsheet & same, day_first, pl.format("write ISO YYYY-MM-DD: {}", day_first)),
        (
            spreadsheet & df_ok & ~mf_ok,
            day_first,
            pl.format("write ISO YYYY-MM-DD: {} (day first; there is no month {})", day_first, a),
        ),
        (
            spreadsheet & mf_ok & ~df_ok,
            month_first,
            pl.format("write ISO YYYY-MM-DD: {} (month first; there is no month {})", month_first, b),
        ),
        (
            spreadsheet & df_ok & (sep == "."),
            day_first,
            pl.format("dotted dates are day-first: write ISO YYYY-MM-DD: {}", day_first),
        ),
        (
            spreadsheet & df_fits & ~mf_fits & mf_ok,
            day_first,
            pl.format(
                "write ISO YYYY-MM-DD: {} (day first; month first, {}, is after the article's publication date {})",
                day_first,
                month_first,
                published,
            ),
        ),
        (
            spreadsheet & mf_fits & ~df_fits & df_ok,
            month_first,
            pl.format(
                "write ISO YYYY-MM-DD: {} (month first; day first, {}, is after the article's publication date {})",
                month_first,
                day_first,
                published,
            ),
        ),
        (
            spreadsheet & df_ok & mf_ok,
            pl.lit(None, pl.String),
            pl.format("write ISO YYYY-MM-DD: {} if day first, {} if month first", day_first, month_first),
        ),
        (
            spreadsheet,
            pl.lit(None, pl.String),
            pl.lit("no such day in either order (day first or month first)"),
        ),
        (
            d.str.contains(r"^\d{8}$") & _exists(compact).is_not_null(),
            compact,
            pl.format("write it with dashes: {}", compact),
        ),
        (
            iy.is_not_null() & padded_ok & (padded != d),
            padded,
            pl.format("write it with two-digit months and days: {}", padded),
        ),
        (
            d.str.contains(r"^\d{4}-\d{2}-\d{2}$"),
            pl.lit(None, pl.String),
            pl.lit("no such day in that month"),
        ),
        (d.str.contains(r"^\d{4}-\d{2}$"), pl.lit(None, pl.String), pl.lit("no such month")),
    ]
    fixed: pl.Expr = pl.lit(None, pl.String)
    hint: pl.Expr = pl.lit("write YYYY-MM-DD (day), YYYY-MM (month) or YYYY (year)")
    for when, fix, text in reversed(cases):
        fixed = pl.when(when).then(fix).otherwise(fixed)
        hint = pl.when(when).then(text).otherwise(hint)
    return pl.struct(fixed.alias("fixed"), hint.alias("hint"))


def date_hint() -> pl.Expr:
    return date_readings(C("date"), C("_published")).struct.field("hint")


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
