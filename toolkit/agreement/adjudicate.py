"""``evtk adjudicate ARTICLE``: one file that merges what the coders agree on and lists the rest.

The file ``coded/ARTICLE.adjudicated.yaml`` is an ordinary event file (``evtk validate`` reads it,
a release takes its ``events:`` for the article instead of any coder's) with two more keys:

- ``coders``: each coder and their file(s);
- ``disagreements``: one entry per unit of paired events (see :mod:`toolkit.agreement.pairing`)
  that the coders did not code alike, or that not every coder found. Each entry says which
  fields differ, holds every coder's version (with a comment pointing at the line of their file)
  and is marked ``status: unresolved`` until the adjudicator copies the version to keep into
  ``events:`` and deletes the entry or writes ``status: resolved``. ``evtk validate`` reports
  every unresolved entry (E701).

An event is *agreed* when every coder has it and their versions have the same code, actors, date
(with precision) and location; its quote, note and other fields are taken from the first coding
in pairing order. Every event and version gets a fresh id (``a1``, ``a2``, ...), so any of them
can be moved into ``events:`` without a clash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from toolkit.agreement.codings import adjudicated_name, multiply_coded, read_codings
from toolkit.agreement.pairing import pair
from toolkit.codebook import Codebook
from toolkit.errors import InputError

C = pl.col
#: compared fields -> the name a disagreement gives them
COMPARED: dict[str, str] = {
    "event_code": "code",
    "source_actor": "source",
    "target_actor": "target",
    "event_date": "date",
    "date_precision": "date",
    "location_country": "location",
    "location_place": "location",
    "latitude": "location",
    "longitude": "location",
}
DATE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


@dataclass
class Adjudication:
    path: Path
    coders: list[str]
    agreed: int
    disagreements: int


def _q(value: Any) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _event_lines(row: dict[str, Any], ident: str, indent: str) -> list[str]:
    """An event as YAML lines (``indent`` before every key; the first key starts the item)."""
    fields: list[tuple[str, str]] = [("id", ident)]
    if row["sentence"] is not None:
        fields.append(("sentence", str(row["sentence"])))
    if row["quote"] is not None:
        fields.append(("quote", _q(row["quote"])))
    if row["event_date"] is not None:
        fields.append(("date", _q(row["event_date"].strftime(DATE_FORMATS[row["date_precision"] or "day"]))))
    for key, col in (("source", "source_actor"), ("target", "target_actor"), ("code", "event_code")):
        if row[col] is not None:
            fields.append((key, _q(row[col])))
    location = [
        (key, _q(row[col]) if key in ("country", "place") else str(row[col]))
        for key, col in (
            ("country", "location_country"),
            ("place", "location_place"),
            ("lat", "latitude"),
            ("lon", "longitude"),
        )
        if row[col] is not None
    ]
    if location:
        fields.append(("location", "{" + ", ".join(f"{k}: {v}" for k, v in location) + "}"))
    if row["method"] not in (None, "hand"):
        fields.append(("method", row["method"]))
    for key in ("rule_id", "note"):
        if row[key] is not None:
            fields.append((key, _q(row[key])))
    return [f"{indent}{k}: {v}" for k, v in fields]


def _ref(row: dict[str, Any]) -> str:
    return f"{row['_file']}:{row['_line']}" if row["_line"] is not None else str(row["_file"])


def render(
    article_id: str, units: pl.DataFrame, coders: list[str], files: dict[str, list[str]]
) -> tuple[str, int, int]:
    """The adjudicated file's text, the number of agreed events and of disagreements."""
    n_coders = len(coders)
    summary = (
        units.group_by("unit", maintain_order=True)
        .agg(
            members=pl.len(),
            **{f"_d_{col}": C(col).n_unique() > 1 for col in COMPARED},
        )
        .sort("unit")
    )
    by_unit = units.sort("unit", "rank").partition_by("unit", as_dict=True, maintain_order=True)
    events: list[str] = []
    disagreements: list[str] = []
    next_id = 0
    agreed = 0
    for row in summary.iter_rows(named=True):
        members = by_unit[(row["unit"],)].to_dicts()
        differ = sorted(
            {name for col, name in COMPARED.items() if row[f"_d_{col}"]}, key=list(COMPARED.values()).index
        )
        present = [m["coding"] for m in members]
        if not differ and row["members"] == n_coders:
            next_id += 1
            agreed += 1
            events.append("  # " + ", ".join(f"{m['coding']}: {_ref(m)}" for m in members))
            lines = _event_lines(members[0], f"a{next_id}", "    ")
            events += ["  - " + lines[0].lstrip(), *lines[1:]]
            continue
        missing = [c for c in coders if c not in present]
        what = ", ".join(differ)
        if missing:
            found = f"found by {' and '.join(present)} only"
            what = f"{found}; {what} differ" if what else found
        else:
            what += " differ" if len(differ) > 1 else " differs"
        disagreements += [
            "  - status: unresolved",
            f"    sentence: {members[0]['sentence']}",
            f"    differ: {_q(what)}",
            "    versions:",
        ]
        for m in members:
            next_id += 1
            disagreements.append(f"      {m['coding']}:  # {_ref(m)}")
            disagreements += _event_lines(m, f"a{next_id}", "        ")
        disagreements += [f"      # {c}: no matching event" for c in missing]
    head = [
        f"# Adjudicated coding of article {article_id} by {', '.join(coders)} (written by `evtk adjudicate`).",
        "# events: what every coder coded alike (merged; the comment above each names every coder's line).",
        "# disagreements: everything else, with every coder's version. To resolve one, copy the version",
        "# you keep (or a corrected one) into events:, then delete the entry or write status: resolved.",
        "# `evtk validate` reports every unresolved entry; a release takes this file's events: only.",
        f"article: {_q(article_id)}",
        'coder: "adjudicated"',
        "method: hand",
        "coders:",
        *[f"  {c}: {_q(', '.join(files[c]))}" for c in coders],
    ]
    body = ["events:", *events] if events else ["events: []"]
    tail = ["disagreements:", *disagreements] if disagreements else ["disagreements: []"]
    return "\n".join([*head, *body, *tail]) + "\n", agreed, summary.height - agreed


def adjudicate(
    article_id: str,
    data_dir: Path,
    cb: Codebook,
    *,
    primary: str | None = None,
    encoding: str = "utf-8",
    force: bool = False,
) -> Adjudication:
    """Write ``data_dir/coded/ARTICLE.adjudicated.yaml`` for an article coded by two or more coders."""
    from toolkit.atomic import write_text_atomic

    if not data_dir.is_dir():
        raise InputError("data folder not found", data_dir)
    codings = read_codings([data_dir], cb, encoding)
    if codings.problems:
        first = codings.problems[0].row(0, named=True)
        raise InputError(f"cannot read {first['file']}: {first['message']} (fix it first: evtk validate)")
    events = codings.events.filter(C("article_id") == article_id)
    target = data_dir / "coded" / adjudicated_name(article_id)
    if events.is_empty():
        raise InputError(
            f"no coded events for article {article_id} under {data_dir}: check the id (evtk articles show ID)"
        )
    coders_frame = multiply_coded(events).collect()
    if coders_frame.is_empty():
        who = ", ".join(
            sorted(c for c in events["coding"].unique().drop_nulls().to_list() if c != "adjudicated")
        )
        raise InputError(
            f"article {article_id} is coded by one coder only ({who or 'none'}): adjudication needs two "
            "codings (data/coded/ARTICLE.CODER.yaml per coder)"
        )
    if target.exists() and not force:
        raise InputError(
            "already exists: edit it to resolve what is left, or pass --force to write it anew "
            "(resolutions made in it are lost)",
            target,
        )
    units = pair(events, coders_frame, primary)
    order = units.group_by("coding").agg(C("rank").first()).sort("rank")["coding"].to_list()
    files = {c: sorted(units.filter(C("coding") == c)["_file"].unique().to_list()) for c in order}
    text, agreed, disagreed = render(article_id, units, order, files)
    write_text_atomic(target, text)
    return Adjudication(target, order, agreed, disagreed)
