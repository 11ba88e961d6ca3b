"""Imported actor codes in the codebook's canonical form.

The codebook writes actor parts in upper case, except ethnic groups, which CAMEO writes in lower case
and which never open a code (``GHAaka``: Ghana, Akan). Source datasets write every part in upper case
(GDELT's ``GHAAKA``), and files edited by hand carry other variants (``gha-aka``, ``Russia``). The
importer rewrites each value the codebook resolves one way only, and keeps the value as written in
``source_actor1_code`` / ``source_actor2_code``:

- a part written as the codebook writes it is kept;
- otherwise its upper- or lower-case form is taken when exactly one of them is a codebook part (the
  first part only in upper case); both being parts (``Afr``: the region ``AFR`` and the ethnic group
  ``afr``) makes the value *ambiguous*: it is kept as written and reported;
- spaces, hyphens, underscores, dots and slashes between parts are dropped (``GHA aka``);
- a value whose parts do not all resolve, but that is the name of an actor (``Russia``), becomes that
  actor's code (the hint rules E202/E206 give).

Everything else is kept as written: ``evtk validate`` reports it (E206). The rewrite is computed once
per distinct value, by joining the value's parts with the codebook's part table.
"""

from __future__ import annotations

import polars as pl

from toolkit.codebook import Codebook

#: separators dropped between the parts of a code (``GHA-aka``, ``GHA aka``)
SEPARATORS = r"[\s\-_./]"
#: the staging columns the importer rewrites and where it keeps the value as written
COLUMNS = {"source": "source_actor1_code", "target": "source_actor2_code"}


def _names(cb: Codebook) -> pl.DataFrame:
    """Lower-cased actor names -> code, countries first (a name in several tables gives the country)."""
    return (
        cb.actors.with_columns(_later=pl.col("table") != "countries")
        .sort("_later", maintain_order=True)
        .select(key=pl.col("name").cast(pl.String).str.strip_chars().str.to_lowercase(), by_name="code")
        .unique("key", keep="first", maintain_order=True)
    )


def canonical_actors(values: pl.Series, cb: Codebook) -> pl.DataFrame:
    """For distinct actor values: ``value``, ``canonical`` (the codebook's form, or the value as written)
    and ``status``: ``"rewritten"``, ``"ambiguous"`` or null (kept: canonical already, or unknown)."""
    known = cb.actor_parts.select(pl.col("code").alias("_p"), pl.lit(True).alias("_k"))
    frame = pl.DataFrame({"value": values.drop_nulls().unique()}, schema={"value": pl.String})
    squeezed = pl.col("value").str.replace_all(SEPARATORS, "")
    letters = squeezed.str.contains(r"^(?:[A-Za-z]{3})+$")
    parts = (
        frame.lazy()
        .filter(letters)
        .with_columns(part=squeezed.str.extract_all(r"[A-Za-z]{3}"))
        .with_columns(position=pl.int_ranges(1, pl.col("part").list.len() + 1))
        .explode("part", "position")
    )
    part = pl.col("part")
    for name, form in (
        ("_exact", part),
        ("_upper", part.str.to_uppercase()),
        ("_lower", part.str.to_lowercase()),
    ):
        parts = (
            parts.with_columns(_p=form)
            .join(known.lazy(), on="_p", how="left", maintain_order="left")
            .with_columns(pl.col("_k").fill_null(False).alias(name))
            .drop("_p", "_k")
        )
    first = pl.col("position") == 1
    exact = pl.col("_exact") & (~first | (part == part.str.to_uppercase()))
    upper = pl.col("_upper")
    lower = pl.col("_lower") & ~first
    fixed = (
        pl.when(exact)
        .then(part)
        .when(upper & ~lower)
        .then(part.str.to_uppercase())
        .when(lower & ~upper)
        .then(part.str.to_lowercase())
    )
    per_value = parts.group_by("value", maintain_order=True).agg(
        joined=fixed.str.join(""),
        resolved=fixed.is_not_null().all(),
        ambiguous=(~exact & upper & lower).any(),
    )
    key = pl.col("value").str.strip_chars().str.to_lowercase()
    table = (
        frame.lazy()
        .join(per_value, on="value", how="left", maintain_order="left")
        .with_columns(key=key)
        .join(_names(cb).lazy(), on="key", how="left", maintain_order="left")
        .with_columns(
            canonical=pl.when(pl.col("resolved").fill_null(False))
            .then(pl.col("joined"))
            .when(~pl.col("ambiguous").fill_null(False) & pl.col("by_name").is_not_null())
            .then(pl.col("by_name"))
            .otherwise(pl.col("value"))
        )
        .select(
            "value",
            "canonical",
            status=pl.when(pl.col("canonical") != pl.col("value"))
            .then(pl.lit("rewritten"))
            .when(pl.col("ambiguous").fill_null(False))
            .then(pl.lit("ambiguous")),
        )
    )
    return table.collect()
