"""Look-ups for coders: show a code, search names and descriptions, parse actor codes."""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from toolkit.codebook import PUBLIC_EVENT_COLUMNS, Codebook
from toolkit.errors import EvtkError


class NotFound(EvtkError):
    exit_code = 1


def show_event(cb: Codebook, code: str) -> dict[str, Any]:
    raw = code.strip()
    row = cb.event(raw)
    if row is None:
        hint = cb.suggest_code(raw)
        if hint is not None:
            raise NotFound(
                f"no event code {raw!r}: codes are strings with leading zeros; did you mean {hint}?"
            )
        raise NotFound(f"no event code {raw!r} in codebook {cb.version}: try `evtk codebook search WORDS`")
    return {
        **{k: row[k] for k in PUBLIC_EVENT_COLUMNS},
        "quad_name": cb.quad_names.get(row["quad_class"], ""),
        "path": [{"code": r["code"], "name": r["name"]} for r in cb.path_to(row["code"])],
        "children": [{"code": r["code"], "name": r["name"]} for r in cb.children(row["code"])],
        "plover": cb.crosswalk.filter(pl.col("cameo_code") == row["code"]).drop("line").to_dicts()
        if cb.crosswalk.height
        else [],
        "codebook_version": cb.version,
    }


def show_actor(cb: Codebook, code: str) -> dict[str, Any]:
    """The parts of an actor code with their names and kinds. A code that validation would reject is
    :class:`NotFound` (exit 1) with validation's own message (E201-E203): show and validate agree."""
    from toolkit.rules import actors
    from toolkit.rules.common import Context

    ctx = Context(cb)
    raw = code.strip()
    value = pl.col("value")
    frame = pl.DataFrame({"value": [raw]}, schema={"value": pl.String})
    if not re.fullmatch(actors.ACTOR_RE, raw):
        if not re.fullmatch(r"[A-Za-z]+", raw):
            raise NotFound(
                f"{raw!r} is neither an event code (digits) nor an actor code (three-letter parts)"
            )
        problem = frame.select(actors.format_problem(value, ctx)).item()
        raise NotFound(actors.E201.text(field="actor", value=raw, problem=problem))
    for row in actors.bad_parts(frame.lazy(), ctx).iter_rows(named=True):
        if row["_rule"] == "E202":
            raise NotFound(
                actors.E202.text(
                    field="actor", value=raw, part=row["part"], position=row["position"], hint=row["hint"]
                )
            )
        raise NotFound(
            actors.E203.text(
                field="actor", value=raw, part=row["part"], kind=row["kind"], position=row["position"]
            )
        )
    table = {r["code"]: r for r in cb.actor_parts.iter_rows(named=True)}
    parts = [
        {"part": p, "name": table[p]["name"], "kinds": table[p]["kind"]}
        for p in re.findall(actors.PART_RE, raw)
    ]
    return {"code": raw, "parts": parts, "codebook_version": cb.version}


def search(cb: Codebook, words: list[str], limit: int = 10) -> pl.DataFrame:
    """Rank event codes and actor parts by matches of ``words`` (prefix match per word)."""
    terms = [w.lower() for w in re.findall(r"\w+", " ".join(words))]
    if not terms:
        raise NotFound("give at least one word to search for")
    ev = cb.events.select(
        pl.lit("event").alias("kind"), "code", "name", pl.col("description").fill_null(""), "level"
    )
    act = cb.actors.select(
        pl.lit("actor").alias("kind"),
        "code",
        "name",
        pl.lit("").alias("description"),
        pl.lit(9, dtype=pl.Int8).alias("level"),
    )
    frame = pl.concat([ev, act])
    name, desc = pl.col("name").str.to_lowercase(), pl.col("description").str.to_lowercase()
    # A name that is the whole query ("military" -> MIL Military) comes first. A code equal to a word
    # counts only when the query is that one word: in "gun battle", "gun" is not the ethnic code gun.
    phrase = " ".join(terms)
    score: pl.Expr = 12 * (name.str.replace_all(r"[^\w]+", " ").str.strip_chars() == phrase).cast(pl.Float64)
    matched: pl.Expr = pl.lit(0)
    single = len(terms) == 1
    for t in terms:
        is_code = (pl.col("code").str.to_lowercase() == t) & pl.lit(single)
        exact, prefix = rf"\b{re.escape(t)}\b", rf"\b{re.escape(t)}"
        in_name = name.str.contains(prefix)
        score = (
            score
            + 4 * in_name.cast(pl.Float64)
            + 2 * name.str.contains(exact).cast(pl.Float64)
            + desc.str.count_matches(prefix).clip(0, 3).cast(pl.Float64) * 0.5
            + is_code.cast(pl.Float64) * 10
        )
        matched = matched + (in_name | desc.str.contains(prefix) | is_code).cast(pl.Int32)
    return (
        frame.with_columns(score=score, matched=matched)
        .filter(pl.col("score") > 0)
        .sort(["matched", "score", "kind", "level", "code"], descending=[True, True, True, False, False])
        .head(limit)
        .select("kind", "code", "name", "score")
    )
