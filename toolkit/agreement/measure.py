"""Agreement between coders over every multiply coded article, and its rendering."""

from __future__ import annotations

from typing import Any

import polars as pl

from toolkit.agreement.alpha import alpha
from toolkit.agreement.codings import multiply_coded
from toolkit.agreement.levels import LEVELS
from toolkit.agreement.pairing import code_distance, pair

C = pl.col
NO_TARGET = "(none)"


def _level_values() -> dict[str, pl.Expr]:
    code = C("event_code")
    return {
        "root": code.str.slice(0, 2),
        "base": code.str.slice(0, 3),
        "code": code,
        "quad_class": C("quad_class").cast(pl.String),
        "source": C("source_actor"),
        "target": C("target_actor").fill_null(NO_TARGET),
        "source_first": C("source_actor").str.slice(0, 3),
        "target_first": C("target_actor").str.slice(0, 3).fill_null(NO_TARGET),
        "date": C("event_date").cast(pl.String) + "/" + C("date_precision"),
    }


def _alphas(members: pl.LazyFrame, by: list[str]) -> pl.DataFrame:
    """Alpha of every level, per ``by`` group, in two passes (nominal levels, hierarchical)."""
    nominal = pl.concat(
        [
            members.select(*by, "unit", level=pl.lit(name), value=expr)
            for name, expr in _level_values().items()
        ]
    )
    a = alpha(nominal, [*by, "level"])
    h = alpha(
        members.select(*by, "unit", level=pl.lit("hierarchical"), value=C("event_code")),
        [*by, "level"],
        distance=code_distance,
    )
    return pl.concat([a, h])


def _alpha_map(frame: pl.DataFrame) -> dict[str, float | None]:
    found = {row["level"]: row["alpha"] for row in frame.iter_rows(named=True)}
    return {level: (round(found[level], 6) if found.get(level) is not None else None) for level in LEVELS}


def measure(codings: pl.DataFrame, primary: str | None = None) -> dict[str, Any]:
    """Agreement over every article of ``codings`` (see :func:`read_codings`) coded by two or
    more coders: alpha at every level, unitizing, per coder pair and per-root confusion."""
    coders = multiply_coded(codings).collect()
    units = pair(codings, coders, primary)
    m = units.lazy().with_columns(_g=pl.lit("all"))
    overall = _alphas(m, ["_g"])
    size = units.group_by("unit").agg(members=pl.len(), article_id=C("article_id").first())
    size = size.join(coders.select("article_id", n_coders=C("coders").list.len()), on="article_id")
    n_units = size.height
    paired_events = int(size.filter(C("members") >= 2)["members"].sum() or 0)
    unpaired = int(size.filter(C("members") == 1).height)
    all_found = size.filter(C("members") == C("n_coders")).height
    result: dict[str, Any] = {
        "articles": coders.height,
        "coders": sorted({c for cs in coders["coders"].to_list() for c in cs}),
        "primary_coder": primary,
        "events": units.height,
        "units": n_units,
        "paired": paired_events,
        "unpaired": unpaired,
        "found_by_all": round(all_found / n_units, 6) if n_units else None,
        "alpha": _alpha_map(overall),
        "pairable": {row["level"]: row["pairable"] for row in overall.iter_rows(named=True)},
        "pairs": _pairs(units, coders),
        "confusion": _confusion(units),
    }
    return result


def _pairs(units: pl.DataFrame, coders: pl.DataFrame) -> list[dict[str, Any]]:
    """Figures for every pair of coders that coded an article in common."""
    pairs = (
        coders.lazy()
        .explode("coders")
        .rename({"coders": "a"})
        .join(coders.lazy().explode("coders").rename({"coders": "b"}), on="article_id")
        .filter(C("a") < C("b"))
        .with_columns(pair=C("a") + "|" + C("b"))
    )
    # After the join, `coding` is gone (it was the key): the side tells which coder it is.
    both = pl.concat(
        [
            pairs.join(
                units.lazy(), left_on=["article_id", side], right_on=["article_id", "coding"]
            ).with_columns(coding=C(side))
            for side in ("a", "b")
        ]
    )
    alphas = _alphas(both, ["pair"])
    counts = (
        both.with_columns(_n=pl.len().over("pair", "unit"))
        .group_by("pair", "a", "b")
        .agg(
            articles=C("article_id").n_unique(),
            events_a=(C("coding") == C("a")).sum(),
            events_b=(C("coding") == C("b")).sum(),
            paired=C("unit").filter(C("_n") == 2).n_unique(),
            unpaired_a=((C("coding") == C("a")) & (C("_n") == 1)).sum(),
            unpaired_b=((C("coding") == C("b")) & (C("_n") == 1)).sum(),
        )
        .sort("pair")
        .collect()
    )
    out = []
    for row in counts.iter_rows(named=True):
        a, b = row["a"], row["b"]
        out.append(
            {
                "coders": [a, b],
                "articles": row["articles"],
                "events": {a: row["events_a"], b: row["events_b"]},
                "paired": row["paired"],
                "unpaired": {a: row["unpaired_a"], b: row["unpaired_b"]},
                "alpha": _alpha_map(alphas.filter(C("pair") == row["pair"])),
            }
        )
    return out


def _confusion(units: pl.DataFrame) -> list[dict[str, Any]]:
    """Per root (of the first coder's code), the pairs of paired codes, how many are the same
    code, and which codes are swapped for which (unordered, most frequent first)."""
    u = units.lazy().select("unit", "rank", "event_code")
    pairs = (
        u.join(u, on="unit", suffix="_b")
        .filter((C("rank") < C("rank_b")) & C("event_code").is_not_null() & C("event_code_b").is_not_null())
        .with_columns(
            root=pl.when(C("event_code").str.slice(0, 2) == C("event_code_b").str.slice(0, 2))
            .then(C("event_code").str.slice(0, 2))
            .otherwise(pl.lit("across roots")),
            x=pl.min_horizontal("event_code", "event_code_b"),
            y=pl.max_horizontal("event_code", "event_code_b"),
        )
    )
    per_root = (
        pairs.group_by("root").agg(pairs=pl.len(), same=(C("x") == C("y")).sum()).sort("root").collect()
    )
    swaps = (
        pairs.filter(C("x") != C("y"))
        .group_by("root", "x", "y")
        .agg(count=pl.len())
        .sort(["root", "count", "x", "y"], descending=[False, True, False, False])
        .collect()
    )
    out = []
    for row in per_root.iter_rows(named=True):
        mine = swaps.filter(C("root") == row["root"])
        out.append(
            {
                "root": row["root"],
                "pairs": row["pairs"],
                "same_code": row["same"],
                "swaps": [
                    {"codes": [x, y], "count": n} for x, y, n in mine.select("x", "y", "count").iter_rows()
                ],
            }
        )
    return out


def below(result: dict[str, Any], minimums: dict[str, float]) -> list[tuple[str, float | None, float]]:
    """(level, alpha, minimum) of every level below its minimum; an undefined alpha is below."""
    out = []
    for level, minimum in minimums.items():
        value = result["alpha"].get(level)
        if value is None or value < minimum:
            out.append((level, value, minimum))
    return out


# --------------------------------------------------------------------------- rendering
def _fmt(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def render_text(result: dict[str, Any]) -> str:
    if not result["articles"]:
        return "no article is coded by two or more coders: nothing to measure (see docs/agreement.md)"
    lines = [
        f"agreement over {result['articles']} article(s) coded by {len(result['coders'])} coders "
        f"({', '.join(result['coders'])}): {result['events']} events in {result['units']} units",
        f"  paired events {result['paired']}, unpaired (found by one coder only) {result['unpaired']}, "
        f"units found by all coders {_share(result['found_by_all'])}",
        "",
        "Krippendorff's alpha (nominal; hierarchical uses the code distance):",
    ]
    for level, value in result["alpha"].items():
        lines.append(f"  {level:<13} {_fmt(value):>9}   ({result['pairable'].get(level, 0)} pairable values)")
    for p in result["pairs"]:
        a, b = p["coders"]
        lines += [
            "",
            f"{a} and {b}: {p['articles']} article(s), {p['events'][a]} and {p['events'][b]} events, "
            f"{p['paired']} pair(s) of events, unpaired {p['unpaired'][a]} ({a}) and {p['unpaired'][b]} ({b})",
            "  " + ", ".join(f"{k} {_fmt(v)}" for k, v in p["alpha"].items()),
        ]
    if result["confusion"]:
        lines += ["", "codes per root (paired events): same code / pairs; swaps"]
        for c in result["confusion"]:
            swaps = ", ".join(f"{s['codes'][0]}<->{s['codes'][1]} x{s['count']}" for s in c["swaps"][:8])
            more = f" (+{len(c['swaps']) - 8} more)" if len(c["swaps"]) > 8 else ""
            lines.append(
                f"  {c['root']:<12} {c['same_code']}/{c['pairs']}" + (f"; {swaps}{more}" if swaps else "")
            )
    return "\n".join(lines)


def render_markdown(result: dict[str, Any]) -> str:
    if not result["articles"]:
        return "No article is coded by two or more coders.\n"
    lines = [
        f"Agreement over {result['articles']} article(s) coded by {', '.join(result['coders'])}: "
        f"{result['events']} events in {result['units']} units, {result['paired']} paired, "
        f"{result['unpaired']} found by one coder only.",
        "",
        "| level | alpha | pairable values |",
        "|---|---|---|",
    ]
    lines += [
        f"| {level} | {_fmt(v)} | {result['pairable'].get(level, 0)} |"
        for level, v in result["alpha"].items()
    ]
    if result["pairs"]:
        lines += [
            "",
            "| coders | articles | paired | unpaired | root | code | hierarchical |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in result["pairs"]:
            a, b = p["coders"]
            lines.append(
                f"| {a}, {b} | {p['articles']} | {p['paired']} | {p['unpaired'][a]}, {p['unpaired'][b]} | "
                f"{_fmt(p['alpha']['root'])} | {_fmt(p['alpha']['code'])} | {_fmt(p['alpha']['hierarchical'])} |"
            )
    if result["confusion"]:
        lines += ["", "| root | same code / pairs | swaps |", "|---|---|---|"]
        for c in result["confusion"]:
            swaps = ", ".join(f"{s['codes'][0]}/{s['codes'][1]} ({s['count']})" for s in c["swaps"]) or "-"
            lines.append(f"| {c['root']} | {c['same_code']}/{c['pairs']} | {swaps} |")
    return "\n".join(lines) + "\n"
