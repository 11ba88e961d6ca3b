"""Dates in a sentence, relative to the article's publication, with the project's precision model:
``YYYY-MM-DD`` (day), ``YYYY-MM`` (month) or ``YYYY`` (year). A date is never after publication.

- "on Monday", "early Tuesday": the latest such weekday on or before publication (day);
  "today", "yesterday", "last night": day;
- "May 20, 2022", "20 May 2022" (day); "May 20" (day, latest such date on or before publication);
- "August 2020" (month); "in January" (the latest January on or before publication, month);
  "last month", "this month", "last week", "over the weekend" (month);
- "last year", "this year", "in 2015", "since 2015" (year).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for m in names
}
WEEKDAYS = {d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_MON = r"(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"((?:19|20)\d\d)"

EXPRESSIONS: list[tuple[str, re.Pattern[str]]] = [
    ("mdy", re.compile(rf"\b{_MON}\s+{_DAY},?\s+{_YEAR}\b")),
    ("dmy", re.compile(rf"\b{_DAY}\s+{_MON},?\s+{_YEAR}\b")),
    ("my", re.compile(rf"\b{_MON},?\s+{_YEAR}\b")),
    ("md", re.compile(rf"\b{_MON}\s+{_DAY}\b(?!\s*,?\s*(?:19|20)\d\d)")),
    ("dm", re.compile(rf"\b{_DAY}\s+{_MON}\b(?!\s*,?\s*(?:19|20)\d\d)")),
    ("last_weekday", re.compile(r"\blast\s+(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", re.I)),
    ("weekday", re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")),
    ("today", re.compile(r"\b(today|this morning|this afternoon|this evening|tonight|earlier today)\b", re.I)),
    ("yesterday", re.compile(r"\b(yesterday|last night)\b", re.I)),
    ("last_week", re.compile(r"\blast\s+week\b", re.I)),
    ("weekend", re.compile(r"\b(?:over|at|during)\s+the\s+weekend\b", re.I)),
    ("last_month", re.compile(r"\blast\s+month\b", re.I)),
    ("this_month", re.compile(r"\b(?:this|earlier this)\s+month\b", re.I)),
    ("last_year", re.compile(r"\blast\s+year\b", re.I)),
    ("this_year", re.compile(r"\b(?:this|earlier this)\s+year\b", re.I)),
    ("in_month", re.compile(rf"\b(?i:in|since|during|from|by|early|late|mid-?)\s*{_MON}\b(?!\s*,?\s*(?:\d))")),
    ("year", re.compile(rf"\b(?i:in|since|of|during|from|until|by|early|late|mid-?)\s*{_YEAR}\b")),
]


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    value: str  # YYYY-MM-DD, YYYY-MM or YYYY


def _month_back(pub: dt.date, months: int) -> tuple[int, int]:
    total = pub.year * 12 + pub.month - 1 - months
    return total // 12, total % 12 + 1


def _latest_day(pub: dt.date, month: int, day: int) -> dt.date | None:
    for year in (pub.year, pub.year - 1):
        try:
            d = dt.date(year, month, day)
        except ValueError:
            return None
        if d <= pub:
            return d
    return None


def _resolve(kind: str, m: re.Match[str], pub: dt.date) -> str | None:
    g = m.groups()
    try:
        if kind == "mdy":
            d = dt.date(int(g[2]), MONTHS[g[0].lower()], int(g[1]))
            return d.isoformat() if d <= pub else None
        if kind == "dmy":
            d = dt.date(int(g[2]), MONTHS[g[1].lower()], int(g[0]))
            return d.isoformat() if d <= pub else None
    except ValueError:
        return None
    if kind == "my":
        y, mo = int(g[1]), MONTHS[g[0].lower()]
        return f"{y:04d}-{mo:02d}" if (y, mo) <= (pub.year, pub.month) else None
    if kind in ("md", "dm"):
        mon, day = (g[0], g[1]) if kind == "md" else (g[1], g[0])
        d2 = _latest_day(pub, MONTHS[mon.lower()], int(day))
        return d2.isoformat() if d2 else None
    if kind in ("weekday", "last_weekday"):
        back = (pub.weekday() - WEEKDAYS[g[0].lower()]) % 7
        if kind == "last_weekday" and back == 0:
            back = 7
        return (pub - dt.timedelta(days=back)).isoformat()
    if kind == "today":
        return pub.isoformat()
    if kind == "yesterday":
        return (pub - dt.timedelta(days=1)).isoformat()
    if kind in ("last_week", "weekend"):
        d3 = pub - dt.timedelta(days=7 if kind == "last_week" else (pub.weekday() - 5) % 7 or 7)
        return f"{d3.year:04d}-{d3.month:02d}"
    if kind == "last_month":
        y, mo = _month_back(pub, 1)
        return f"{y:04d}-{mo:02d}"
    if kind == "this_month":
        return f"{pub.year:04d}-{pub.month:02d}"
    if kind == "last_year":
        return f"{pub.year - 1:04d}"
    if kind == "this_year":
        return f"{pub.year:04d}"
    if kind == "in_month":
        mo = MONTHS[g[0].lower()]
        y = pub.year if mo <= pub.month else pub.year - 1
        return f"{y:04d}-{mo:02d}"
    if kind == "year":
        y = int(g[0])
        return f"{y:04d}" if y <= pub.year else None
    return None  # pragma: no cover - every kind is handled above


def _combined() -> re.Pattern[str]:
    parts = []
    for kind, rx in EXPRESSIONS:
        body = rx.pattern if not rx.flags & re.I else f"(?i:{rx.pattern})"
        parts.append(f"(?P<{kind}>{body})")
    return re.compile("|".join(parts))


#: a word every expression contains: sentences without one are skipped at once
TRIGGER = re.compile(
    r"(?i:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|today|tonight|yesterday|this|last|night|weekend|week|month|year)|(?:19|20)\d\d)"
)
#: every expression in one pattern, in priority order: one scan of the sentence finds them all
COMBINED = _combined()
BY_KIND = dict(EXPRESSIONS)


def find_dates(text: str, pub: dt.date) -> list[Found]:
    """Every date expression in ``text`` resolved against ``pub``, left to right; where two
    expressions start at the same place the more precise one wins."""
    out: list[Found] = []
    first = TRIGGER.search(text)
    if first is None:
        return out
    # no expression starts more than a few words before its month, weekday or year word
    for m in COMBINED.finditer(text, max(0, first.start() - 12)):
        kind = m.lastgroup
        assert kind is not None
        own = BY_KIND[kind].match(text, m.start())
        value = _resolve(kind, own, pub) if own else None
        if value is not None:
            out.append(Found(m.start(), m.end(), value))
    return out


def nearest(found: list[Found], pos: int) -> Found | None:
    """The date expression closest to character ``pos`` (the verb)."""
    if not found:
        return None
    return min(found, key=lambda f: (min(abs(f.start - pos), abs(f.end - pos)), f.start))
