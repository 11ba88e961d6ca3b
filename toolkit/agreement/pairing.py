"""Pairing events across coders: which events of different codings of an article are one event.

Events pair only within the same article and sentence. How far apart two events are is a cost
in [0, 1], a weighted sum of four distances, each in [0, 1]:

==========  ======  ===========================================================================
part        weight  distance
==========  ======  ===========================================================================
quote       0.4     1 - (words in both quotes) / (words in either); words are lower-cased
code        0.3     the hierarchy distance (:func:`code_distance`): 0, 1/3, 2/3 or 1
actors      0.2     mean over source and target: 0 same code, 0.5 same first part, 1 otherwise
date        0.1     0 same date and precision, 0.5 same year, 1 otherwise
==========  ======  ===========================================================================

Two events can pair when their cost is at most :data:`MAX_COST` (0.5): for example the same
words with a different code, or different words for the same code, actors and date.

Codings are taken in a fixed order: the primary coder first (when the project names one), then
the others by name. The first coding's events each open a *unit*. Every following coding is
matched against the units so far by an optimal assignment (the one with the least total cost,
``scipy.optimize.linear_sum_assignment``) per sentence: as many pairs as possible and, among
those, the least total cost. A unit is represented by its first event.
An event left without a partner opens a unit of its own. Ties are broken by the events' order in
their files, so the pairing is deterministic. A unit with a single event is a *unitizing
disagreement*: one coder found an event the others did not.

Costs are computed in polars for all candidate pairs at once; a candidate pair whose events
have no other candidate is taken as it is, and only the rest goes through the solver.
"""

from __future__ import annotations

import polars as pl

C = pl.col
MAX_COST = 0.5
WEIGHTS = {"quote": 0.4, "code": 0.3, "actors": 0.2, "date": 0.1}
TIE = 1e-6  # per step of distance between the events' positions in their sentence
NO_PARTNER = 1e6  # the cost of a pair that is not a candidate (never taken)
KEY = ["article_id", "sentence"]
#: the event fields a unit's representative carries into the comparison
FEATURES = ["quote", "event_code", "source_actor", "target_actor", "event_date", "date_precision"]


def code_distance(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """0 for the same code, 1/3 when the lowest common ancestor is the 3-digit base code (e.g.
    0421 and 0422, or 042 and 0421), 2/3 when it is the root (042 and 043, or 04 and 042), 1
    across roots. Null when either code is missing."""
    base = (a.str.len_chars() >= 3) & (b.str.len_chars() >= 3) & (a.str.slice(0, 3) == b.str.slice(0, 3))
    return (
        pl.when(a.is_null() | b.is_null())
        .then(pl.lit(None, dtype=pl.Float64))
        .when(a == b)
        .then(0.0)
        .when(base)
        .then(1 / 3)
        .when(a.str.slice(0, 2) == b.str.slice(0, 2))
        .then(2 / 3)
        .otherwise(1.0)
    )


def _actor_distance(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (
        pl.when(a.eq_missing(b))
        .then(0.0)
        .when(a.str.slice(0, 3).eq_missing(b.str.slice(0, 3)))
        .then(0.5)
        .otherwise(1.0)
    )


def _words(e: pl.Expr) -> pl.Expr:
    return e.fill_null("").str.to_lowercase().str.extract_all(r"\w+").list.unique()


def cost_expr(suffix: str = "_u") -> pl.Expr:
    """The cost between an event (plain columns) and a unit's representative (``suffix``)."""

    def o(name: str) -> pl.Expr:
        return C(name + suffix)

    both = _words(C("quote")).list.set_intersection(_words(o("quote"))).list.len()
    either = _words(C("quote")).list.set_union(_words(o("quote"))).list.len()
    quote = pl.when(either == 0).then(1.0).otherwise(1.0 - both / either)
    code = code_distance(C("event_code"), o("event_code")).fill_null(1.0)
    actors = (
        _actor_distance(C("source_actor"), o("source_actor"))
        + _actor_distance(C("target_actor"), o("target_actor"))
    ) / 2
    same_date = C("event_date").eq_missing(o("event_date")) & C("date_precision").eq_missing(
        o("date_precision")
    )
    date = (
        pl.when(same_date)
        .then(0.0)
        .when(C("event_date").dt.year() == o("event_date").dt.year())
        .then(0.5)
        .otherwise(1.0)
    )
    return (
        WEIGHTS["quote"] * quote
        + WEIGHTS["code"] * code
        + WEIGHTS["actors"] * actors
        + WEIGHTS["date"] * date
    )


def _assign(candidates: pl.DataFrame) -> pl.DataFrame:
    """The optimal assignment of ``candidates`` (``_ev``, ``unit``, ``cost`` and the sentence key):
    one unit per event and one event per unit, as many pairs as possible and, among those, the
    least total cost, per sentence (``scipy.optimize.linear_sum_assignment``).

    A candidate whose event and unit have no other candidate is its own problem and is taken as
    it is; only the rest is solved, sentence by sentence, on small cost matrices."""
    if candidates.is_empty():
        return candidates.select("_ev", "unit", "cost")
    lone = (pl.len().over("_ev") == 1) & (pl.len().over("unit") == 1)
    direct = candidates.filter(lone).select("_ev", "unit", "cost")
    rest = (
        candidates.filter(~lone)
        .sort([*KEY, "_ev", "unit"])
        .with_columns(
            _g=pl.struct(KEY).rle_id(),
            _r=C("_ev").rank("dense").over(KEY).cast(pl.Int64) - 1,
            _u=C("unit").rank("dense").over(KEY).cast(pl.Int64) - 1,
        )
    )
    if rest.is_empty():
        return direct
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    group, r, u = (rest[c].to_numpy() for c in ("_g", "_r", "_u"))
    cost = rest["cost"].to_numpy()
    starts = np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1, [len(group)]])
    chosen: list[np.ndarray] = []
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        rr, uu = r[a:b], u[a:b]
        matrix = np.full((rr.max() + 1, uu.max() + 1), NO_PARTNER)
        edge = np.full(matrix.shape, -1)
        matrix[rr, uu] = cost[a:b]
        edge[rr, uu] = np.arange(a, b)
        rows, cols = linear_sum_assignment(matrix)
        chosen.append(edge[rows, cols][matrix[rows, cols] < NO_PARTNER])
    picked = rest[np.concatenate(chosen)].select("_ev", "unit", "cost")
    return pl.concat([direct, picked]).sort("_ev")


def pair(events: pl.DataFrame, coders: pl.DataFrame, primary: str | None = None) -> pl.DataFrame:
    """Units of the events of multiply coded articles.

    ``events``: release columns with ``coding`` and ``_ord`` (input order). ``coders``: the output
    of :func:`toolkit.agreement.codings.multiply_coded`. Returns one row per event of those
    articles with ``unit`` (an integer, in article, sentence and file order), ``rank`` (the
    coding's place in the pairing order) and ``cost`` (to its unit's first event; 0 for it)."""
    ev = (
        events.lazy()
        .join(coders.lazy().select("article_id"), on="article_id", how="semi")
        .filter(C("coding").is_not_null() & (C("coding") != "adjudicated"))
        .with_columns(
            _order=pl.when(C("coding") == primary if primary is not None else pl.lit(False))
            .then(pl.lit("0"))
            .otherwise(pl.lit("1"))
            + C("coding"),
            _pos=pl.int_range(pl.len()).over([*KEY, "coding"], order_by="_ord"),
        )
        .with_columns(rank=C("_order").rank("dense").over("article_id").cast(pl.Int32) - 1)
        .sort("article_id", "rank", "_ord")
        .with_columns(_ev=pl.int_range(pl.len(), dtype=pl.UInt32))
        .collect()
    )
    # Each event of the first coding opens a unit (its id is the event's, renumbered at the end).
    members = ev.filter(C("rank") == 0).select("_ev", unit=C("_ev"), cost=pl.lit(0.0))
    rounds = ev.select(pl.col("rank").max().fill_null(0)).item() if ev.height else 0
    for r in range(1, rounds + 1):
        # One row per unit: its first event (the unit's id is that event's).
        reps = (
            members.select("unit")
            .unique()
            .join(ev, left_on="unit", right_on="_ev")
            .select("unit", *KEY, *[C(f).alias(f + "_u") for f in FEATURES], C("_pos").alias("_pos_u"))
        )
        mine = ev.filter(C("rank") == r)
        candidates = (
            mine.join(reps, on=KEY)
            .with_columns(_c=cost_expr().round(9))
            .filter(C("_c") <= MAX_COST)
            .select("_ev", "unit", "_c", *KEY, cost=C("_c") + TIE * (C("_pos") - C("_pos_u")).abs())
        )
        paired = _assign(candidates).join(candidates.select("_ev", "unit", "_c"), on=["_ev", "unit"])
        paired = paired.select("_ev", "unit", cost=C("_c"))
        alone = mine.join(paired, on="_ev", how="anti").select("_ev", unit=C("_ev"), cost=pl.lit(0.0))
        members = pl.concat(
            [members, paired.cast({"_ev": pl.UInt32, "unit": pl.UInt32}), alone], how="vertical_relaxed"
        )
    out = ev.join(members, on="_ev", how="left")
    # Units numbered in article, sentence and file order of their first event.
    order = (
        out.filter(C("_ev") == C("unit"))
        .sort("article_id", "sentence", "_ord", nulls_last=True)
        .select("unit", _n=pl.int_range(pl.len(), dtype=pl.UInt32))
    )
    return (
        out.join(order, on="unit")
        .with_columns(unit=C("_n"), cost=C("cost").round(6))
        .drop("_n", "_ev", "_pos", "_order")
        .sort("unit", "rank")
    )
