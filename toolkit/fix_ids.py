"""``evtk validate --fix-ids``: fill missing local ids without touching anything else.

YAML files are edited as text: an ``id: eN`` line is inserted at the start of each event mapping
that lacks one, with the event's own indentation, so comments, order, quoting and layout stay
exactly as the coder wrote them. CSV files get the ``id`` cells filled (an ``id`` column is added
when there is none). New ids continue the file's ``eN`` numbering.
"""

from __future__ import annotations

import re
from pathlib import Path

from toolkit import yamlio
from toolkit.atomic import write_bytes_atomic
from toolkit.errors import InputError
from toolkit.events_io import csv_delimiter, event_files
from toolkit.textio import Exact, decode_exact, read_bytes


def _next_ids(existing: list[str], count: int) -> list[str]:
    taken = set(existing)
    nums = [int(m.group(1)) for i in existing if (m := re.fullmatch(r"e(\d+)", i))]
    n = max(nums, default=0)
    out: list[str] = []
    while len(out) < count:
        n += 1
        if f"e{n}" not in taken:
            out.append(f"e{n}")
    return out


def _write_like(path: Path, text: str, exact: Exact, raw: bytes, *, crlf: bool = True) -> None:
    """Write ``text`` back in the file's own encoding, BOM and line endings: only the ids change.
    ``raw`` is what was read: if the file no longer holds it (a coder saved it meanwhile), nothing
    is written."""
    if crlf and "\r\n" in exact.text:
        text = text.replace("\n", "\r\n")
    write_bytes_atomic(path, exact.encode(text), expect=raw)


def fix_yaml(path: Path, encoding: str = "utf-8") -> int:
    raw = read_bytes(path)
    exact = decode_exact(raw, path, encoding)
    text = exact.normalised
    doc = yamlio.loads(text, path)
    events = doc.get("events") if isinstance(doc, yamlio.YMap) else None
    if not isinstance(events, list):
        return 0
    lacking = [ev for ev in events if isinstance(ev, yamlio.YMap) and not ev.get("id")]
    if not lacking:
        return 0
    existing = [str(ev["id"]) for ev in events if isinstance(ev, yamlio.YMap) and ev.get("id")]
    new_ids = _next_ids(existing, len(lacking))
    lines = text.split("\n")
    # Insert bottom-up so earlier line numbers stay valid.
    for ev, new in sorted(zip(lacking, new_ids, strict=True), key=lambda p: -p[0].line):
        if "id" in ev:  # `id:` present but empty: fill the value in place
            ln = ev.key_lines["id"] - 1
            # keeps a trailing comment: `id: ''  # later` -> `id: e3  # later`
            lines[ln] = re.sub(
                r"(\bid:)[ \t]*(?:\"\"|''|~|null)?([ \t]*(?:#.*)?)$", rf"\1 {new}\2", lines[ln], count=1
            )
            continue
        first_key = min(ev.key_lines.values()) - 1 if ev.key_lines else ev.line - 1
        line = lines[first_key]
        flow = re.match(r"^(\s*-\s*\{\s*)", line)
        if flow:
            lines[first_key] = flow.group(1) + f"id: {new}, " + line[flow.end() :]
            continue
        m = re.match(r"^(\s*-\s+)(.*)$", line)
        if m:  # "- key: value" -> "- id: eN" + "  key: value"
            indent = " " * len(m.group(1))
            lines[first_key] = f"{m.group(1)}id: {new}"
            lines.insert(first_key + 1, indent + m.group(2))
        else:
            indent = re.match(r"^(\s*)", line).group(1)  # type: ignore[union-attr]
            lines.insert(first_key, f"{indent}id: {new}")
    fixed = "\n".join(lines)
    check = yamlio.loads(fixed, path)  # never write a file we cannot read back
    still = [ev for ev in check.get("events") or [] if isinstance(ev, yamlio.YMap) and not ev.get("id")]
    if still:
        raise InputError("could not fill the id of this event: write one by hand", path, still[0].line)
    _write_like(path, fixed, exact, raw)
    return len(lacking)


Cell = tuple[int, int, bool]  # start, end (offsets in the text), quoted


def _csv_records(text: str, delimiter: str) -> list[tuple[list[Cell], int]]:
    """Each record's cells as offsets into ``text``, and where the record starts: edits go into
    the text itself, so quoting, spacing and line endings of everything else stay as written."""
    records: list[tuple[list[Cell], int]] = []
    i, n = 0, len(text)
    while i < n:
        rec_start = i
        cells: list[Cell] = []
        while True:
            start, quoted = i, i < n and text[i] == '"'
            if quoted:
                i += 1
                while i < n:
                    if text[i] == '"':
                        if text.startswith('""', i):
                            i += 2
                            continue
                        i += 1
                        break
                    i += 1
            while i < n and text[i] not in (delimiter, "\n", "\r"):
                i += 1
            cells.append((start, i, quoted))
            if i < n and text[i] == delimiter:
                i += 1
                continue
            break
        i += 2 if text.startswith("\r\n", i) else 1
        records.append((cells, rec_start))
    return records


def record_lines(text: str, records: list[tuple[list[Cell], int]]) -> list[int]:
    """The line each record starts on (1-based)."""
    newline = "\n" if "\n" in text else "\r"
    lines, line, at = [], 1, 0
    for _, start in records:
        line += text.count(newline, at, start)
        at = start
        lines.append(line)
    return lines


def _cell(text: str, cell: Cell) -> str:
    start, end, quoted = cell
    value = text[start:end].strip()
    return value[1:-1].replace('""', '"') if quoted and len(value) >= 2 and value.endswith('"') else value


def fix_csv(path: Path, encoding: str = "utf-8") -> int:
    raw = read_bytes(path)
    exact = decode_exact(raw, path, encoding)  # a clear message for bytes that are not ``encoding``
    text = exact.text
    delimiter = csv_delimiter(exact.normalised)
    records = _csv_records(text, delimiter)
    if not records:
        return 0
    header = [_cell(text, c).lower() for c in records[0][0]]
    body = [r for r in records[1:] if any(_cell(text, c) for c in r[0])]
    edits: list[tuple[int, int, str]] = []
    if "id" not in header:
        lacking = body
        new_ids = _next_ids([], len(lacking))
        edits.append((records[0][1], records[0][1], "id" + delimiter))
        edits += [(start, start, new + delimiter) for (_, start), new in zip(lacking, new_ids, strict=True)]
    else:
        col = header.index("id")
        short = [r for r in body if col >= len(r[0])]
        if short:
            line = text[: short[0][1]].count("\n") + 1
            raise InputError("row is shorter than the header: fix it before --fix-ids", path, line)
        lacking = [r for r in body if not _cell(text, r[0][col])]
        have = [_cell(text, r[0][col]) for r in body if _cell(text, r[0][col])]
        new_ids = _next_ids(have, len(lacking))
        for (cells, _), new in zip(lacking, new_ids, strict=True):
            start, end, quoted = cells[col]
            edits.append((start, end, f'"{new}"' if quoted else new))
    if not lacking:
        return 0
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    _write_like(path, text, exact, raw, crlf=False)
    return len(lacking)


def fix_ids(paths: list[Path], encoding: str = "utf-8") -> dict[str, int]:
    done: dict[str, int] = {}
    for f, _base in event_files(paths):
        if f.suffix.lower() in (".yaml", ".yml"):
            done[str(f)] = fix_yaml(f, encoding)
        elif f.suffix.lower() == ".csv":
            done[str(f)] = fix_csv(f, encoding)
    return done
