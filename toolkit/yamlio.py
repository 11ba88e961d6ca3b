"""A strict, safe YAML reader that keeps line numbers.

Coders' YAML is read with every scalar as a string (so ``code: 042`` stays ``"042"`` and
``date: 2023-02-07`` is not turned into a date object by the parser), with anchors and aliases
refused (no alias bombs), duplicate keys refused, and the line of every node kept, so that
findings can point at the exact line. Built on PyYAML's event stream (libyaml when present).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from toolkit.errors import InputError

try:
    _Loader: Any = yaml.CBaseLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _Loader = yaml.BaseLoader


class YStr(str):
    """A string scalar with the 1-based line it was read from."""

    line: int
    quoted: bool


class YMap(dict[str, Any]):
    """A mapping with its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class YList(list[Any]):
    """A sequence with its line."""

    line: int


def _problem(exc: yaml.YAMLError, text: str = "") -> tuple[str, int | None]:
    if isinstance(exc, yaml.reader.ReaderError):
        # A character YAML never allows (NUL, other control characters): say which, and where.
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        line = text[: exc.position].count("\n") + 1 if text else None
        return f"character U+{ord(char):04X} is not allowed in YAML (a control character): remove it", line
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    msg = f"{context}, {problem}" if context else str(problem)
    # libyaml says "found character that cannot start any token" without naming the tab.
    bad_line = text.split("\n")[mark.line] if mark is not None and mark.line < text.count("\n") + 1 else ""
    indent = bad_line[: len(bad_line) - len(bad_line.lstrip(" \t"))]
    if "\t" in msg or re.search(r"\btabs?\b", msg) or "\t" in indent:
        msg += " (YAML does not allow tabs for indentation: use spaces)"
    line = mark.line + 1 if mark is not None else None
    start = getattr(exc, "context_mark", None)
    if context and "quoted scalar" in context and start is not None:
        # The end of the file is where the parser gave up; the quote was opened here.
        msg += ": a quote opened on this line is never closed"
        line = start.line + 1
    else:
        aligned = _misaligned(text.split("\n"), mark.line) if mark is not None else None
        if aligned is not None:
            return aligned
        if "did not find expected key" in msg:
            msg += " (check this line and the one above for an unclosed quote or a wrong indent)"
    return f"malformed YAML: {msg}", line


_KEY = re.compile(r"^( *)(- +)?([^\s:#'\"-][^:#]*?)\s*:(?:\s|$)")


def _key_column(line: str) -> tuple[str, int] | None:
    m = _KEY.match(line)
    if m is None:
        return None
    return m.group(3), len(m.group(1)) + len(m.group(2) or "")


def _misaligned(lines: list[str], at: int) -> tuple[str, int] | None:
    """For a parse error at (0-based) line ``at`` or the line after it: a key indented differently
    from the key above it, as a message that names both keys and the indentation to use."""
    for index in (at, at + 1):
        if index >= len(lines) or index == 0:
            continue
        here = _key_column(lines[index])
        if here is None:
            continue
        above = next(
            (i for i in range(index - 1, -1, -1) if lines[i].strip() and not lines[i].lstrip().startswith("#")),
            None,
        )
        prev = _key_column(lines[above]) if above is not None else None
        if prev is None or prev[1] == here[1]:
            continue
        # a shallower key that lines up with an enclosing mapping is a legitimate end of a block
        if here[1] < prev[1] and any(
            (k := _key_column(lines[i])) is not None and k[1] == here[1] for i in range(index)
        ):
            continue
        key, col = here
        other, want = prev
        assert above is not None
        return (
            f"malformed YAML: key '{key}' is indented {col} spaces, but '{other}' on the line above "
            f"(line {above + 1}) is indented {want}: keys of one mapping line up, so indent '{key}' by "
            f"{want} spaces, like '{other}'",
            index + 1,
        )
    return None


def loads(text: str, path: Path | str) -> Any:
    """Parse one YAML document into YMap/YList/YStr/None with line numbers."""
    try:
        events = list(yaml.parse(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        msg, line = _problem(exc, text)
        raise InputError(msg, path, line) from None
    stack: list[Any] = []
    pending_key: list[YStr | None] = []
    root: Any = None
    docs = 0

    def attach(value: Any, line: int) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        parent = stack[-1]
        if isinstance(parent, YList):
            parent.append(value)
            return
        key = pending_key[-1]
        if key is None:
            if not isinstance(value, YStr):
                raise InputError("a mapping key must be a plain word, not a list or mapping", path, line)
            if value in parent:
                raise InputError(
                    f"duplicate key {str(value)!r} (first on line {parent.key_lines[value]}): "
                    "keep one of them",
                    path,
                    line,
                )
            pending_key[-1] = value
        else:
            parent[key] = value
            parent.key_lines[key] = key.line
            pending_key[-1] = None

    for ev in events:
        line = ev.start_mark.line + 1 if ev.start_mark is not None else 0
        if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None):
            raise InputError(
                "YAML anchors and aliases (&name, *name) are not allowed in evtk files: write values out",
                path,
                line,
            )
        if isinstance(ev, yaml.DocumentStartEvent):
            docs += 1
            if docs > 1:
                raise InputError(
                    "more than one YAML document (---) in one file: use one per file", path, line
                )
        elif isinstance(ev, yaml.ScalarEvent):
            if ev.tag not in (None, "!", "tag:yaml.org,2002:str"):
                raise InputError(f"YAML tags such as {ev.tag} are not allowed", path, line)
            # Plain style is None in PyYAML's Python parser but "" in libyaml's: test falsiness.
            if not ev.style and ev.value in ("", "~", "null", "Null", "NULL"):
                attach(None, line)
            else:
                s = YStr(ev.value)
                s.line = line
                s.quoted = bool(ev.style)
                attach(s, line)
        elif isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)) and ev.tag not in (None, "!"):
            raise InputError(f"YAML tags such as {ev.tag} are not allowed", path, line)
        elif isinstance(ev, yaml.MappingStartEvent):
            m = YMap()
            m.line = line
            m.key_lines = {}
            attach(m, line)
            stack.append(m)
            pending_key.append(None)
        elif isinstance(ev, yaml.SequenceStartEvent):
            seq = YList()
            seq.line = line
            attach(seq, line)
            stack.append(seq)
            pending_key.append(None)
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            pending_key.pop()
    return root


def load_file(path: Path, encoding: str = "utf-8", max_bytes: int = 20_000_000) -> Any:
    from toolkit.textio import read_text

    return loads(read_text(path, encoding, max_bytes), path)


def line_of(node: Any, default: int | None = None) -> int | None:
    return getattr(node, "line", default)
