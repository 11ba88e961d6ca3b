"""The rule coder's dictionaries: verb patterns, actors and agents, read from
``codebook/dictionaries/`` (the project's YAML format) or from PETRARCH2-format text files.

Everything is kept as plain Python rows with the file and line it came from, so that
``evtk codebook check`` can point at the line of a bad pattern, and a frame of each kind
(:meth:`Dictionaries.frames`) for the vectorised checks in :mod:`toolkit.rules.codebook`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import yamlio
from toolkit.errors import CodebookError, InputError
from toolkit.textio import read_text

DICTIONARY_DIR = "dictionaries"
META_FILE = "dictionaries.yaml"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Pattern:
    """One ``PRE * POST`` pattern of a verb group: words before and after the verb, each a set
    of alternatives (``a|b``)."""

    text: str
    code: str
    pre: tuple[frozenset[str], ...]
    post: tuple[frozenset[str], ...]
    line: int | None

    @property
    def size(self) -> int:
        return len(self.pre) + len(self.post)


@dataclass
class VerbGroup:
    id: str
    code: str | None
    verbs: list[str]
    patterns: list[Pattern]
    paired: str | None = None
    negated: str | None = None
    file: str = ""
    line: int | None = None
    reversed: bool = False


@dataclass(frozen=True)
class Person:
    names: tuple[str, ...]
    code: str
    start: dt.date | None
    end: dt.date | None
    file: str
    line: int | None
    start_raw: str = ""
    end_raw: str = ""


@dataclass
class Dictionaries:
    """All three dictionaries, merged from one or more sources."""

    version: str = "0.0.0"
    name: str = "evtk-rules"
    version_line: int | None = None
    verbs: list[VerbGroup] = field(default_factory=list)
    #: (phrase, code, kind, file, line); kind is country (first part only) or actor (a full code)
    actors: list[tuple[str, str, str, str, int | None]] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    #: (phrase, role code, file, line)
    agents: list[tuple[str, str, str, int | None]] = field(default_factory=list)
    negations: list[str] = field(default_factory=list)
    intent_markers: list[str] = field(default_factory=list)
    intent_codes: dict[str, str] = field(default_factory=dict)
    demand_markers: list[str] = field(default_factory=list)
    demand_code: str = "100"
    #: problems found while reading (rule id, message values, file, line) for codebook check
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def coder(self) -> str:
        return f"{self.name}/{self.version}"

    def merge(self, other: Dictionaries) -> None:
        """Add ``other``'s entries (a user's dictionary file) after this one's."""
        self.verbs += other.verbs
        self.actors += other.actors
        self.people += other.people
        self.agents += other.agents
        self.problems += other.problems


def parse_pattern(text: str, line: int | None) -> tuple[tuple[frozenset[str], ...], tuple[frozenset[str], ...]]:
    """``"PRE * POST"`` -> (pre word sets, post word sets); raises ValueError when malformed."""
    words = text.lower().split()
    if words.count("*") != 1:
        raise ValueError("a pattern has exactly one '*' for the verb")
    star = words.index("*")
    if any("" in word.split("|") for word in words):
        raise ValueError("empty alternative in a pattern word (write a|b)")
    sets = [frozenset(word.split("|")) for word in words]
    return tuple(sets[:star]), tuple(sets[star + 1 :])


def _list(node: Any, what: str, path: Path) -> list[Any]:
    if node is None:
        return []
    if not isinstance(node, list):
        raise CodebookError(f"{what} must be a list", path, yamlio.line_of(node))
    return node


def _map(node: Any, what: str, path: Path) -> dict[str, Any]:
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise CodebookError(f"{what} must be a mapping", path, yamlio.line_of(node))
    return node


def _date(raw: str, problems: list[dict[str, Any]], file: str, line: int | None) -> dt.date | None:
    if not raw:
        return None
    try:
        if not DATE_RE.match(raw):
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        problems.append({"rule": "C119", "problem": f"date '{raw}' is not YYYY-MM-DD", "file": file, "line": line})
        return None


def load_dictionaries(codebook_dir: Path) -> Dictionaries:
    """The dictionaries in ``codebook_dir/dictionaries`` (empty when the folder does not exist)."""
    root = codebook_dir / DICTIONARY_DIR
    meta_path = root / META_FILE
    if not meta_path.is_file():
        return Dictionaries()
    try:
        meta = _map(yamlio.loads(read_text(meta_path), meta_path), "dictionaries.yaml", meta_path)
        d = Dictionaries(
            version=str(meta.get("version", "0.0.0")),
            name=str(meta.get("name", "evtk-rules")),
            version_line=yamlio.line_of(meta.get("version")),
        )
        d.negations = [str(w).lower() for w in _list(meta.get("negations"), "negations", meta_path)]
        intent = _map(meta.get("intent"), "intent", meta_path)
        d.intent_markers = [str(w).lower() for w in _list(intent.get("markers"), "intent markers", meta_path)]
        d.intent_codes = {str(k): str(v) for k, v in _map(intent.get("codes"), "intent codes", meta_path).items()}
        demand = _map(meta.get("demand"), "demand", meta_path)
        d.demand_markers = [str(w).lower() for w in _list(demand.get("markers"), "demand markers", meta_path)]
        d.demand_code = str(demand.get("code", "100"))
        files = _map(meta.get("files"), "files", meta_path)
        for kind in ("verbs", "actors", "agents"):
            rel = files.get(kind)
            if rel is None:
                raise CodebookError(f"files has no {kind!r} entry", meta_path, yamlio.line_of(files))
            path = root / str(rel)
            doc = _map(yamlio.loads(read_text(path), path), str(rel), path)
            file = f"{DICTIONARY_DIR}/{rel}"
            {"verbs": _read_verbs, "actors": _read_actors, "agents": _read_agents}[kind](d, doc, path, file)
    except CodebookError:
        raise
    except InputError as exc:
        raise CodebookError(exc.message, exc.path, exc.line) from None
    return d


def _read_verbs(d: Dictionaries, doc: dict[str, Any], path: Path, file: str) -> None:
    for entry in _list(doc.get("verbs"), "verbs", path):
        entry = _map(entry, "a verb group", path)
        line = yamlio.line_of(entry)
        gid = str(entry.get("id") or "")
        if not gid:
            d.problems.append({"rule": "C118", "pattern": "(group)", "problem": "the group has no id", "file": file, "line": line})
            continue
        patterns: list[Pattern] = []
        pmap = _map(entry.get("patterns"), f"patterns of {gid}", path)
        key_lines = getattr(pmap, "key_lines", {})
        for text, code in pmap.items():
            pline = key_lines.get(text, line)
            try:
                pre, post = parse_pattern(str(text), pline)
            except ValueError as exc:
                d.problems.append({"rule": "C118", "pattern": str(text), "problem": str(exc), "file": file, "line": pline})
                continue
            patterns.append(Pattern(str(text), str(code), pre, post, pline))
        verbs = [str(v).lower() for v in _list(entry.get("verbs"), f"verbs of {gid}", path)]
        if not verbs:
            d.problems.append({"rule": "C118", "pattern": gid, "problem": "the group lists no verbs", "file": file, "line": line})
        code = entry.get("code")
        if code is None and not patterns:
            d.problems.append(
                {"rule": "C118", "pattern": gid, "problem": "the group has neither a code nor patterns", "file": file, "line": line}
            )
        d.verbs.append(
            VerbGroup(
                gid,
                str(code) if code is not None else None,
                verbs,
                patterns,
                str(entry["paired"]) if entry.get("paired") else None,
                str(entry["negated"]) if entry.get("negated") else None,
                file,
                line,
                str(entry.get("reversed", "false")).lower() == "true",
            )
        )


def _read_actors(d: Dictionaries, doc: dict[str, Any], path: Path, file: str) -> None:
    for section, kind in (("countries", "country"), ("actors", "actor")):
        table = _map(doc.get(section), section, path)
        key_lines = getattr(table, "key_lines", {})
        for code, names in table.items():
            line = key_lines.get(code)
            for name in _list(names, f"names of {code}", path):
                d.actors.append((str(name), str(code), kind, file, line))
    for entry in _list(doc.get("people"), "people", path):
        entry = _map(entry, "a person", path)
        line = yamlio.line_of(entry)
        names = tuple(str(n) for n in _list(entry.get("names"), "names", path))
        start_raw, end_raw = str(entry.get("from") or ""), str(entry.get("to") or "")
        start = _date(start_raw, d.problems, file, line)
        end = _date(end_raw, d.problems, file, line)
        d.people.append(Person(names, str(entry.get("code") or ""), start, end, file, line, start_raw, end_raw))


def _read_agents(d: Dictionaries, doc: dict[str, Any], path: Path, file: str) -> None:
    table = _map(doc.get("agents"), "agents", path)
    key_lines = getattr(table, "key_lines", {})
    for code, words in table.items():
        for word in _list(words, f"agents of {code}", path):
            d.agents.append((str(word), str(code), file, key_lines.get(code)))


# --- PETRARCH2-format files ---------------------------------------------------------------

_P2_CODE = re.compile(r"\[([^\]]*)\]")
_P2_GROUP = re.compile(r"^---\s*(\S.*?)\s*\[([^\]]*)\]\s*---\s*$")
_P2_DATE = re.compile(r"^(?P<code>[A-Z]{3,})\s*(?:(?P<op>[<>])(?P<d1>\d{6})|(?P<a>\d{6})\s*-\s*(?P<b>\d{6}))?$")


def _p2_words(text: str) -> str:
    """PETRARCH2 writes phrases in capitals with ``_`` between words and synonyms in braces."""
    text = re.sub(r"\{[^}]*\}", " ", text)
    return " ".join(text.replace("_", " ").lower().split())


def _p2_date(raw: str) -> dt.date:
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    return dt.date((1900 if yy > 50 else 2000) + yy, mm, dd)


def read_petrarch(path: Path) -> Dictionaries:
    """A PETRARCH2-format verb, actor or agent dictionary (the kind is read from the content):

    - verbs: ``--- NAME [CODE] ---`` opens a group, plain lines are verb forms, ``- PRE * POST [CODE]``
      are patterns (``$``, ``+``, ``%`` and ``^`` markers are dropped; words with ``&`` synsets are skipped);
    - agents: ``WORD [~ROLE]`` (``{PLURAL}`` forms are added as phrases);
    - actors: ``NAME [CODE]``, ``+SYNONYM`` lines, and date-restricted ``[CODE yymmdd-yymmdd]``,
      ``[CODE >yymmdd]``, ``[CODE <yymmdd]`` lines under a name.
    """
    text = read_text(path)
    lines = text.splitlines()
    body = [ln.split("#", 1)[0].rstrip() for ln in lines]
    d = Dictionaries(name=f"petrarch:{path.name}")
    file = str(path)
    if any(_P2_GROUP.match(ln.strip()) for ln in body):
        _p2_verbs(d, body, file)
    elif any("[~" in ln for ln in body):
        _p2_agents(d, body, file)
    else:
        _p2_actors(d, body, file)
    if not (d.verbs or d.actors or d.people or d.agents):
        raise InputError(
            "no PETRARCH2 entries found: expected verb groups (--- NAME [CODE] ---), agents (WORD [~ROLE]) "
            "or actors (NAME [CODE])",
            path,
        )
    return d


def _p2_verbs(d: Dictionaries, body: list[str], file: str) -> None:
    group: VerbGroup | None = None
    for n, raw in enumerate(body, start=1):
        ln = raw.strip()
        if not ln or ln.startswith("<") or ln.startswith("####"):
            continue
        m = _P2_GROUP.match(ln)
        if m:
            code = m.group(2).strip()
            code_main, _, paired = code.partition(":")
            group = VerbGroup(
                f"p2-{_p2_words(m.group(1)).replace(' ', '-')}",
                code_main if code_main.strip("-").strip() else None,
                [],
                [],
                paired or None,
                file=file,
                line=n,
            )
            d.verbs.append(group)
            continue
        if group is None:
            raise InputError("a verb form or pattern before the first '--- NAME [CODE] ---' line", file, n)
        if ln.startswith("-"):
            cm = _P2_CODE.search(ln)
            if not cm:
                raise InputError("pattern without a [CODE]: write '- * WORDS [CODE]'", file, n)
            words = ln[1 : cm.start()].strip()
            if "&" in words:
                continue
            words = re.sub(r"[$+%^=]", " ", words)
            words = " ".join(w for w in _p2_words(words).split() if w)
            code = cm.group(1).strip().partition(":")[0]
            if not code.strip("-").strip():
                continue
            try:
                pre, post = parse_pattern(words, n)
            except ValueError as exc:
                raise InputError(f"pattern {words!r}: {exc}", file, n) from None
            group.patterns.append(Pattern(words, code, pre, post, n))
        else:
            group.verbs.append(_p2_words(_P2_CODE.sub("", ln)))
    for g in d.verbs:
        g.verbs = [v for v in dict.fromkeys(g.verbs) if v]


def _p2_agents(d: Dictionaries, body: list[str], file: str) -> None:
    for n, raw in enumerate(body, start=1):
        ln = raw.strip()
        if not ln or ln.startswith("<"):
            continue
        cm = _P2_CODE.search(ln)
        if not cm:
            continue
        code = cm.group(1).strip().lstrip("~")
        if not code:
            continue
        words = ln[: cm.start()]
        plurals = re.findall(r"\{([^}]*)\}", words)
        for phrase in [_p2_words(words), *(_p2_words(p) for p in plurals)]:
            if phrase:
                d.agents.append((phrase, code, file, n))


def _p2_code(raw: str, file: str, n: int) -> tuple[str, dt.date | None, dt.date | None, bool]:
    """``CODE``, ``CODE yymmdd-yymmdd``, ``CODE >yymmdd`` or ``CODE <yymmdd`` -> (code, from, to, dated)."""
    m = _P2_DATE.match(raw.strip())
    if not m:
        raise InputError("expected [CODE], [CODE yymmdd-yymmdd], [CODE >yymmdd] or [CODE <yymmdd]", file, n)
    try:
        if m.group("a"):
            return m.group("code"), _p2_date(m.group("a")), _p2_date(m.group("b")), True
        if m.group("op") == ">":
            return m.group("code"), _p2_date(m.group("d1")), None, True
        if m.group("op") == "<":
            return m.group("code"), None, _p2_date(m.group("d1")), True
    except ValueError:
        raise InputError(f"[{raw.strip()}]: not a date (yymmdd)", file, n) from None
    return m.group("code"), None, None, False


def _p2_actors(d: Dictionaries, body: list[str], file: str) -> None:
    names: list[str] = []
    codes: list[tuple[str, dt.date | None, dt.date | None, bool]] = []
    first = 0

    def flush() -> None:
        for code, start, end, dated in codes:
            if dated:
                d.people.append(Person(tuple(names), code, start, end, file, first))
            else:
                kind = "country" if len(code) == 3 else "actor"
                d.actors += [(name, code, kind, file, first) for name in names]
        codes.clear()

    for n, raw in enumerate(body, start=1):
        ln = raw.strip()
        if not ln or ln.startswith("<"):
            continue
        if ln.startswith("+"):
            names.append(_p2_words(_P2_CODE.sub("", ln[1:])))
        elif ln.startswith("["):
            codes.append(_p2_code(ln.strip("[] \t"), file, n))
        else:
            flush()
            cm = _P2_CODE.search(ln)
            names, first = [_p2_words(ln[: cm.start()] if cm else ln)], n
            if cm:
                codes.append(_p2_code(cm.group(1), file, n))
    flush()
