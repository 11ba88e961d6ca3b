"""Scoring coded events against reference codings: precision, recall and F1 at several levels.

Gold and coded events are compared sentence by sentence. Within a sentence they are paired by
an optimal assignment (:func:`pair`) that maximises the number of levels on which the two events
of a pair agree; each level then counts the pairs that agree on it. Levels:

- ``root`` (2 digits), ``base`` (3 digits), ``full`` (the whole code): CAMEO, when both sides have codes;
- ``quad``: quad class; ``plover``: PLOVER event type;
- ``source`` and ``target``: the first three-letter part of the actor codes (an empty target agrees
  with an empty target).

Precision is matched / coded events, recall matched / gold events, for the levels the gold has.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

LEVELS = ("root", "base", "full", "quad", "plover", "source", "target")
#: country codes that differ between CAMEO and the ISO-style codes of PLOVER records
FIRST_PART_ALIASES = {"ROU": "ROM", "JAP": "JPN", "TLS": "TMP", "MNE": "MTN", "KSV": "KOS", "DDR": "DEU"}
#: PLOVER 0.5b1 type names (the dev set) -> the 2021 crosswalk's types
PLOVER_RENAMES = {"DEMAND": "REQUEST", "DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE", "FIGHT": "ASSAULT"}


@dataclass(frozen=True)
class Item:
    """One event on either side: what the levels compare."""

    key: tuple[str, int]  # (document, sentence)
    code: str | None = None
    quad: int | None = None
    plover: str | None = None
    source: str | None = None
    target: str | None = None

    def value(self, level: str) -> object:
        if level in ("root", "base", "full"):
            if not self.code:
                return None
            return {"root": self.code[:2], "base": self.code[:3], "full": self.code}[level]
        if level in ("source", "target"):
            raw = self.source if level == "source" else self.target
            return first_part(raw)
        return getattr(self, level)


def first_part(code: str | None) -> str:
    if not code:
        return ""
    return FIRST_PART_ALIASES.get(code[:3].upper(), code[:3].upper())


def agreement(gold: Item, coded: Item, levels: Sequence[str] = LEVELS) -> int:
    """How many levels two events agree on (levels a side lacks do not count)."""
    n = 0
    for level in levels:
        g, c = gold.value(level), coded.value(level)
        if level in ("source", "target"):
            n += g == c
        elif g is not None and g == c:
            n += 1
    return n


def pair(n_gold: int, n_coded: int, weight: Callable[[int, int], int]) -> list[tuple[int, int]]:
    """An assignment of gold i to coded j maximising the total ``weight(i, j)``, exact at any size
    (``scipy.optimize.linear_sum_assignment``, the solver agreement pairing uses); pairs of weight 0
    are left out."""
    if n_gold == 0 or n_coded == 0:
        return []
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    w = np.array([[weight(i, j) for j in range(n_coded)] for i in range(n_gold)], dtype=np.int64)
    rows, cols = linear_sum_assignment(w, maximize=True)
    return sorted((int(i), int(j)) for i, j in zip(rows, cols, strict=True) if w[i, j] > 0)


@dataclass
class Score:
    gold: dict[str, int] = field(default_factory=dict)
    coded: dict[str, int] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)
    records: int = 0
    records_plover: int = 0
    records_quad: int = 0
    empty_records: int = 0
    empty_quiet: int = 0

    def precision(self, level: str) -> float | None:
        return self.matched[level] / self.coded[level] if self.coded.get(level) else None

    def recall(self, level: str) -> float | None:
        return self.matched[level] / self.gold[level] if self.gold.get(level) else None

    def f1(self, level: str) -> float | None:
        p, r = self.precision(level), self.recall(level)
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)

    def to_dict(self) -> dict[str, object]:
        return {
            "levels": {
                lv: {
                    "gold": self.gold[lv],
                    "coded": self.coded[lv],
                    "matched": self.matched[lv],
                    "precision": self.precision(lv),
                    "recall": self.recall(lv),
                    "f1": self.f1(lv),
                }
                for lv in LEVELS
                if self.gold.get(lv)
            },
            "records": self.records,
            "records_plover_correct": self.records_plover,
            "records_quad_correct": self.records_quad,
            "records_without_events": self.empty_records,
            "records_without_events_left_empty": self.empty_quiet,
        }


def _weight(gs: list[Item], cs: list[Item]) -> Callable[[int, int], int]:
    return lambda i, j: agreement(gs[i], cs[j])


def score(gold: list[Item], coded: list[Item], keys: Sequence[tuple[str, int]] | None = None) -> Score:
    """Compare ``coded`` with ``gold``; ``keys`` lists every sentence looked at (also those
    without gold events), for the record-level figures."""
    by_key_g: dict[tuple[str, int], list[Item]] = defaultdict(list)
    by_key_c: dict[tuple[str, int], list[Item]] = defaultdict(list)
    for g in gold:
        by_key_g[g.key].append(g)
    for c in coded:
        by_key_c[c.key].append(c)
    s = Score()
    for lv in LEVELS:
        has = [g for g in gold if lv in ("source", "target") or g.value(lv) is not None]
        s.gold[lv] = len(has)
        s.coded[lv] = len(coded) if has else 0
        s.matched[lv] = 0
    all_keys = list(dict.fromkeys([*(keys or []), *by_key_g, *by_key_c]))
    for key in all_keys:
        gs, cs = by_key_g.get(key, []), by_key_c.get(key, [])
        for i, j in pair(len(gs), len(cs), _weight(gs, cs)):
            for lv in LEVELS:
                if s.gold[lv] and agreement(gs[i], cs[j], (lv,)):
                    s.matched[lv] += 1
        s.records += 1
        if not gs:
            s.empty_records += 1
            s.empty_quiet += not cs
            continue
        s.records_plover += any(c.plover is not None and c.plover == g.plover for g in gs for c in cs)
        s.records_quad += any(c.quad is not None and c.quad == g.quad for g in gs for c in cs)
    return s


def expand_pairs(sources: list[str | None], targets: list[str | None]) -> list[tuple[str | None, str | None]]:
    """Events of a record with actor lists: every source with every target; without targets,
    every ordered pair of sources ("A and B met")."""
    if targets:
        return [(a, b) for a in sources or [None] for b in targets]
    if len(sources) > 1:
        return [(a, b) for a, b in itertools.permutations(sources, 2)]
    return [(a, None) for a in sources or [None]]


def render(s: Score, title: str) -> str:
    def pct(v: float | None) -> str:
        return "   n/a" if v is None else f"{100 * v:5.1f}%"

    lines = [title, f"  {'level':<8} {'gold':>5} {'coded':>6} {'matched':>8} {'precision':>10} {'recall':>7} {'F1':>7}"]
    for lv in LEVELS:
        if not s.gold.get(lv):
            continue
        lines.append(
            f"  {lv:<8} {s.gold[lv]:>5} {s.coded[lv]:>6} {s.matched[lv]:>8} {pct(s.precision(lv)):>10} "
            f"{pct(s.recall(lv)):>7} {pct(s.f1(lv)):>7}"
        )
    with_events = s.records - s.empty_records
    if with_events:
        lines.append(
            f"  records with reference events: {with_events}; PLOVER type found in "
            f"{s.records_plover} ({pct(s.records_plover / with_events).strip()}), quad class in "
            f"{s.records_quad} ({pct(s.records_quad / with_events).strip()})"
        )
    if s.empty_records:
        lines.append(
            f"  records without reference events: {s.empty_records}; left without events: {s.empty_quiet} "
            f"({pct(s.empty_quiet / s.empty_records).strip()})"
        )
    return "\n".join(lines)
