"""Krippendorff's alpha in polars, for many groups (levels, coder pairs) at once.

Input: one row per value a coder gave a unit (``unit``, ``value``, plus the grouping columns).
Only *pairable* values count: those of units with at least two values. With ``m_u`` the number
of values of unit ``u``, the coincidence matrix is

    o[c, k] = sum over units of (number of ordered pairs of values c, k from different coders) / (m_u - 1)

``n_c`` its row sums and ``n`` their total. With a distance ``d`` (nominal: 0 when equal, else 1)

    D_o = sum o[c, k] d(c, k) / n          D_e = sum n_c n_k d(c, k) / (n (n - 1))
    alpha = 1 - D_o / D_e

Alpha is undefined (null) when ``D_e`` is 0: every pairable value is the same, or there are none.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

C = pl.col
Distance = Callable[[pl.Expr, pl.Expr], pl.Expr]


def nominal(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a != b).cast(pl.Float64)


def alpha(values: pl.LazyFrame | pl.DataFrame, by: list[str], distance: Distance = nominal) -> pl.DataFrame:
    """``by`` columns (at least one), ``alpha`` (null when undefined), ``pairable`` (values n) and
    ``units`` (units with two or more values), one row per group that has any value."""
    if not by:
        raise ValueError("alpha() needs at least one grouping column")
    v = values.lazy().filter(C("value").is_not_null()).select(*by, "unit", C("value").cast(pl.String))
    # The values are read once: the counts per unit and value, and the groups, are materialised
    # (they are small) before the plans that use them several times.
    tallied, groups_frame = pl.collect_all(
        [v.group_by(*by, "unit", "value").agg(c=pl.len().cast(pl.Float64)), v.select(*by).unique()]
    )
    counts = (
        tallied.lazy()
        .with_columns(m=C("c").sum().over(*by, "unit"))
        .filter(C("m") >= 2)
        .collect()
        .lazy()
    )
    pairs = counts.join(
        counts.select(*by, "unit", C("value").alias("value_k"), C("c").alias("c_k")), on=[*by, "unit"]
    )
    o = pairs.group_by(*by, "value", "value_k").agg(
        o=(
            pl.when(C("value") == C("value_k")).then(C("c") * (C("c") - 1)).otherwise(C("c") * C("c_k"))
            / (C("m") - 1)
        ).sum()
    )
    n_c = o.group_by(*by, "value").agg(n_c=C("o").sum())
    observed = (
        o.with_columns(d=distance(C("value"), C("value_k")))
        .group_by(*by)
        .agg(do_sum=(C("o") * C("d")).sum(), n=C("o").sum())
    )
    expected = (
        n_c.join(n_c.select(*by, C("value").alias("value_k"), C("n_c").alias("n_k")), on=by)
        .with_columns(d=distance(C("value"), C("value_k")))
        .group_by(*by)
        .agg(de_sum=(C("n_c") * C("n_k") * C("d")).sum())
    )
    units = counts.select(*by, "unit").unique().group_by(*by).agg(units=pl.len())
    joined = (
        groups_frame.lazy()
        .join(observed, on=by, how="left")
        .join(expected, on=by, how="left")
        .join(units, on=by, how="left")
    )
    d_o = C("do_sum") / C("n")
    d_e = C("de_sum") / (C("n") * (C("n") - 1))
    out = joined.select(
        *by,
        alpha=pl.when(C("n").is_not_null() & (C("n") > 1) & (C("de_sum") > 0)).then(1 - d_o / d_e),
        pairable=C("n").fill_null(0).round(0).cast(pl.Int64),
        units=C("units").fill_null(0).cast(pl.Int64),
    )
    return out.sort(by).collect()
