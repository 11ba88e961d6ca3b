"""``evtk code --score GOLD``: code the reference material and score the result.

GOLD is either evtk event files (a file or a folder; the articles they name are coded from the
data folder) or a PLOVER gold-standard JSON file (a list of records, or one record per line) with
``text``, ``event``, ``source``/``target`` lists of ``{code, sector}``; each record is coded as one
text published on its ``date``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl

from toolkit.coder import Loaded, code_articles, code_sentences
from toolkit.coder.score import PLOVER_RENAMES, Item, Score, expand_pairs, score
from toolkit.errors import InputError
from toolkit.textio import read_text

NO_EVENT = ("", "NONE", "NOEVENT", "NO_EVENT")


class Mapper:
    """CAMEO code -> PLOVER type and quad class, from the codebook and its crosswalk."""

    def __init__(self, loaded: Loaded) -> None:
        cb = loaded.codebook
        self.plover = dict(cb.crosswalk.select("cameo_code", "plover_event").iter_rows())
        self.quad = dict(cb.events.select("code", "quad_class").iter_rows())
        self.plover_quad = {
            k: int(v) for k, v in cb.plover_event_types.select("event_type", "quad_class").iter_rows()
        }

    def plover_of(self, code: str) -> str | None:
        for c in (code, code[:3], code[:2] + "0"):
            if c in self.plover:
                return str(self.plover[c])
        return None

    def item(self, key: tuple[str, int], code: str, source: str | None, target: str | None, plover_quad: bool) -> Item:
        plover = self.plover_of(code)
        quad = self.plover_quad.get(plover) if (plover_quad and plover) else self.quad.get(code)
        return Item(key, code, quad, plover, source, target)


def _records(path: Path) -> list[dict[str, Any]]:
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, list):
        return [r for r in doc if isinstance(r, dict)]
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON (a list of records, or one record per line): {exc.msg}", path, n) from None
        if isinstance(row, dict):
            out.append(row)
    return out


def _actors(value: Any) -> list[str | None]:
    if not isinstance(value, list):
        return []
    out: list[str | None] = []
    for a in value:
        if isinstance(a, dict) and a.get("code"):
            out.append(str(a["code"]))
    return out


def _day(raw: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(raw)[:10])
    except ValueError:
        return dt.date.today()


def score_plover(loaded: Loaded, path: Path) -> tuple[Score, int]:
    """Score against PLOVER gold-standard records; returns the score and the records used."""
    from toolkit.segment import sentences as split

    mapper = Mapper(loaded)
    gold: list[Item] = []
    coded: list[Item] = []
    keys: list[tuple[str, int]] = []
    records = [r for r in _records(path) if r.get("text") and str(r.get("event", "")).upper() != "DOCUMENT"]
    if not records:
        raise InputError("no records with 'text' (PLOVER gold-standard layout expected)", path)
    for n, rec in enumerate(records, start=1):
        key = (str(rec.get("id") or n), 1)
        keys.append(key)
        event = str(rec.get("event") or "").upper()
        if event not in NO_EVENT:
            ptype = PLOVER_RENAMES.get(event, event)
            quad = mapper.plover_quad.get(ptype)
            for s, t in expand_pairs(_actors(rec.get("source")), _actors(rec.get("target"))):
                gold.append(Item(key, None, quad, ptype, s, t))
        text = " ".join(split(str(rec["text"]))) or str(rec["text"])
        for e in code_sentences(loaded, [(1, text)], _day(rec.get("date"))):
            coded.append(mapper.item(key, e.code, e.source, e.target, plover_quad=True))
    return score(gold, coded, keys), len(records)


def score_events(loaded: Loaded, path: Path, data: Path) -> tuple[Score, int]:
    """Score against evtk event files; the articles they name are coded from ``data/articles``."""
    from toolkit.events_io import UnknownFields, event_files, read_events

    frames = [read_events(p, p.name, "utf-8", UnknownFields()).collect() for p, _ in event_files([path])]
    if not frames:
        raise InputError("no event files (YAML, CSV, JSONL, Parquet) here", path)
    raw = pl.concat(frames, how="diagonal_relaxed")
    mapper = Mapper(loaded)
    ids = sorted(set(raw["article"].drop_nulls().to_list()))
    try:
        articles = code_articles(loaded, data, ids)
    except InputError as exc:
        raise InputError(f"{exc.message} (named by the reference {path})") from None
    gold = [
        mapper.item((r["article"], int(r["sentence"])), str(r["code"]), r["source"], r["target"], plover_quad=False)
        for r in raw.select("article", "sentence", "code", "source", "target").iter_rows(named=True)
        if r["code"] and r["sentence"] and str(r["sentence"]).isdigit()
    ]
    coded = [
        mapper.item((a.article_id, e.sentence), e.code, e.source, e.target, plover_quad=False)
        for a in articles
        for e in a.events
    ]
    keys = [(a.article_id, n) for a in articles for n, _ in a.sentences]
    return score(gold, coded, keys), len(ids)


def is_plover(path: Path) -> bool:
    return path.is_file() and path.suffix in (".json", ".jsonl") and '"eventText"' in read_text(path)[:20000]
