"""Event codes (E101-E102): every code is in the codebook and current."""

from __future__ import annotations

import polars as pl

from toolkit import findings as F
from toolkit.rules import rule
from toolkit.rules.common import C, Context, Mask

E101 = rule(
    "E101",
    "unknown-event-code",
    "error",
    "Event codes exist in the codebook",
    "event code '{code}' is not in codebook {version}: {hint}",
    "Codes are strings with leading zeros. Spreadsheets turn `042` into `42`; the message names "
    "the code that was meant.",
)
E102 = rule(
    "E102",
    "deprecated-event-code",
    "warning",
    "Event codes are not deprecated",
    "event code {code} is deprecated: use {replaced_by}",
    "Deprecated codes stay valid for old data but new coding should use the replacement.",
)


def suggestion_expr(raw: pl.Expr, codes: pl.Series) -> pl.Expr:
    """For a raw code that is not in ``codes``, the codes most likely meant (``015 or 150``), else null.

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
    # a four-digit code with one zero too many in front: 0150 -> 150 (beside 015, its first three digits)
    candidates.append(pl.when(s.str.contains(r"^0\d{3}$")).then(s.str.slice(1)))
    found = pl.concat_list([pl.when(digits & cand.is_in(known)).then(cand) for cand in candidates])
    found = found.list.drop_nulls().list.unique(maintain_order=True)
    return pl.when(found.list.len() > 0).then(found.list.join(" or "))


def masks(ctx: Context) -> list[Mask]:
    return [
        Mask(
            E102,
            C("_replaced_by").is_not_null(),
            E102.expr(code=C("_code"), replaced_by=C("_replaced_by")),
            "code",
        )
    ]


def findings(chunk: pl.DataFrame, ctx: Context) -> list[pl.LazyFrame]:
    """E101, with the code that was probably meant, worked out once per distinct unknown code."""
    cb = ctx.codebook
    lf = chunk.lazy()
    unknown_code = C("_code").is_not_null() & (C("_code") != "") & ~C("_known_code")
    hints = (
        lf.filter(unknown_code)
        .select("_code")
        .unique()
        .with_columns(_hint=suggestion_expr(C("_code"), cb.events["code"]))
    )
    offenders = lf.filter(unknown_code).join(hints, on="_code", how="left")
    hint = (
        pl.when(C("_hint").is_not_null())
        .then(pl.format("codes are strings with leading zeros; did you mean {}?", C("_hint")))
        .otherwise(pl.lit("look it up with `evtk codebook search`"))
    )
    return [
        F.make(
            offenders,
            "E101",
            E101.expr(code=pl.coalesce(C("code"), C("_code")), version=cb.version, hint=hint),
            file=C("_file"),
            line=ctx.line("code"),
            column="code",
            event_id=C("_id"),
        )
    ]
