"""Derived fields (E601-E602): root code, quad class and Goldstein value stated in a file agree
with the codebook."""

from __future__ import annotations

import polars as pl

from toolkit.rules import rule
from toolkit.rules.common import IMPORTED, C, Context, Mask, blank

E601 = rule(
    "E601",
    "derived-field-mismatch",
    "error",
    "Stated derived fields agree with the codebook",
    "{field} {stated} disagrees with the codebook's {expected} for code {code}",
    "Files may state `root_code`, `quad_class` or `goldstein`; when they do they must agree with "
    "the codebook (machine-coded and imported data often carry stale values).",
)
E602 = rule(
    "E602",
    "imported-derived-mismatch",
    "warning",
    "Imported derived fields agree with the codebook",
    "{field} {stated} disagrees with the codebook's {expected} for code {code} (the release carries "
    "the codebook's value)",
    "Values a source dataset states (GDELT QuadClass and GoldsteinScale, ICEWS Intensity) that differ from "
    "the codebook are reported with counts; the release always carries the codebook's values.",
)


def masks(ctx: Context) -> list[Mask]:
    known = C("_known_code")
    checks = (
        ("root_code", ~blank("root_code") & known & (C("root_code").str.strip_chars() != C("_cb_root")),
         C("root_code"), C("_cb_root")),
        ("quad_class", C("_quad").is_not_null() & known & (C("_quad") != C("_cb_quad")), C("_quad"), C("_cb_quad")),
        (
            "goldstein",
            C("_goldstein").is_not_null() & known & ((C("_goldstein") - C("_cb_goldstein")).abs() > 1e-6),
            # a release has only the typed value (no raw text): show that rather than null
            pl.coalesce(C("goldstein"), C("_goldstein").cast(pl.String)),
            C("_cb_goldstein"),
        ),
    )
    out = []
    for field, mask, stated, expected in checks:
        for r, who in ((E601, ~IMPORTED), (E602, IMPORTED)):
            message = r.expr(field=field, stated=stated, expected=expected, code=C("_code"))
            out.append(Mask(r, mask & who, message, field))
    return out
