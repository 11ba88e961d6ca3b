"""``evtk validate --fix-ids``: fill missing local ids without touching anything else.

YAML files are edited as text: an ``id: eN`` line is inserted at the start of each event mapping
that lacks one, with the event's own indentation, so comments, order, quoting and layout stay
exactly as the coder wrote them. CSV files get the ``id`` cells filled (an ``id`` column is added
when there is none). New ids continue the file's ``eN`` numbering.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from toolkit import yamlio
from toolkit.atomic import write_bytes_atomic
from toolkit.errors import InputError
from toolkit.events_io import csv_delimiter, event_files
from toolkit.textio import UTF8_BOM, read_text


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


def _write_like(path: Path, text: str, encoding: str) -> None:
    """Write ``text`` back in the file's own encoding, BOM and line endings: only the ids change."""
    raw = path.read_bytes()
    if b"\r\n" in raw:
        text = text.replace("\n", "\r\n")
    data = text.encode(encoding)
    if raw.startswith(UTF8_BOM) and not data.startswith(UTF8_BOM):
        data = UTF8_BOM + data
    write_bytes_atomic(path, data)


def fix_yaml(path: Path, encoding: str = "utf-8") -> int:
    text = read_text(path, encoding)
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
            lines[ln] = re.sub(r"(\bid:)\s*(?:\"\"|''|~|null)?\s*$", rf"\1 {new}", lines[ln], count=1)
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
    yamlio.loads(fixed, path)  # never write a file we cannot read back
    _write_like(path, fixed, encoding)
    return len(lacking)


def fix_csv(path: Path, encoding: str = "utf-8") -> int:
    text = read_text(path, encoding)
    delimiter = csv_delimiter(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return 0
    header = [h.strip().lower() for h in rows[0]]
    if "id" not in header:
        rows[0] = ["id", *rows[0]]
        rows[1:] = [["", *r] if any(c.strip() for c in r) else r for r in rows[1:]]
        header = ["id", *header]
    col = header.index("id")
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    lacking = [r for r in body if col >= len(r) or not r[col].strip()]
    if not lacking:
        return 0
    new_ids = iter(_next_ids([r[col].strip() for r in body if col < len(r) and r[col].strip()], len(lacking)))
    for r in lacking:
        if col >= len(r):
            raise InputError("row is shorter than the header: fix it before --fix-ids", path)
        r[col] = next(new_ids)
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    _write_like(path, buf.getvalue(), encoding)
    return len(lacking)


def fix_ids(paths: list[Path], encoding: str = "utf-8") -> dict[str, int]:
    done: dict[str, int] = {}
    for f, _base in event_files(paths):
        if f.suffix.lower() in (".yaml", ".yml"):
            done[str(f)] = fix_yaml(f, encoding)
        elif f.suffix.lower() == ".csv":
            done[str(f)] = fix_csv(f, encoding)
    return done
