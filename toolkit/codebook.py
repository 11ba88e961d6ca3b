"""The codebook as data: load ``codebook/`` once into polars frames with look-ups.

Layout (see ``codebook/README.md``): ``codebook.yaml`` (identity, version, quad-class table,
actor tables), ``events/NN.yaml`` (one file per root), ``actors/*.csv`` and
``crosswalk/*.csv``. Loading is lenient about values (so that ``evtk codebook check`` can report
every problem as a finding) and strict about shape (a file that cannot be read is a
:class:`~toolkit.errors.CodebookError`, exit code 2).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from toolkit import yamlio
from toolkit.errors import CodebookError, InputError
from toolkit.textio import read_text

EVENT_FIELDS = (
    "code",
    "name",
    "description",
    "goldstein",
    "goldstein_inherited",
    "quad_class",
    "replaced_by",
)
ACTOR_KINDS = (
    "country",
    "region",
    "role",
    "party",
    "sector",
    "modifier",
    "international",
    "organization",
    "other",
    "group",
    "religion",
    "ethnic",
)

#: the columns a user sees of an event code (show, export); the rest are file and line bookkeeping
PUBLIC_EVENT_COLUMNS = (
    "code",
    "name",
    "description",
    "goldstein",
    "goldstein_inherited",
    "quad_class",
    "root_code",
    "parent",
    "replaced_by",
)
EVENT_SCHEMA = {
    "code": pl.String,
    "name": pl.String,
    "description": pl.String,
    "goldstein": pl.Float64,
    "goldstein_inherited": pl.Boolean,
    "quad_class": pl.Int8,
    "replaced_by": pl.String,
    "root_code": pl.String,
    "parent": pl.String,
    "level": pl.Int8,
    "file": pl.String,
    "line": pl.Int32,
}
ACTOR_SCHEMA = {
    "code": pl.String,
    "name": pl.String,
    "kind": pl.String,
    "table": pl.String,
    "file": pl.String,
    "line": pl.Int32,
}


def bundled_path() -> Path:
    """The codebook that ships with evtk: package data of an installed wheel
    (``toolkit/_codebook``), or ``codebook/`` of a source checkout."""
    installed = Path(__file__).resolve().parent / "_codebook"
    if (installed / "codebook.yaml").is_file():
        return installed
    return Path(__file__).resolve().parent.parent / "codebook"


def default_path() -> Path:
    """Where the codebook is, first match wins: ``$EVTK_CODEBOOK``; else ``./codebook`` when it
    holds a ``codebook.yaml`` (a project's own codebook); else the bundled one."""
    env = os.environ.get("EVTK_CODEBOOK")
    if env:
        return Path(env)
    here = Path.cwd() / "codebook"
    if (here / "codebook.yaml").is_file():
        return here
    return bundled_path()


@dataclass(frozen=True)
class Codebook:
    """A loaded codebook. Frames are eager and small (hundreds of rows)."""

    path: Path
    meta: dict[str, Any]
    events: pl.DataFrame
    actors: pl.DataFrame
    crosswalk: pl.DataFrame
    plover_event_types: pl.DataFrame
    plover_modes: pl.DataFrame
    sources: dict[str, str] = field(default_factory=dict)  # relative file -> text, for snapshots

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))

    @property
    def name(self) -> str:
        return str(self.meta.get("name", "codebook"))

    @cached_property
    def quad_names(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for key, val in (self.meta.get("quad_classes") or {}).items():
            if isinstance(val, dict) and str(key).isdigit():
                out[int(key)] = str(val.get("name", ""))
        return out

    @cached_property
    def root_quads(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for key, val in (self.meta.get("quad_classes") or {}).items():
            if isinstance(val, dict) and str(key).isdigit():
                for root in val.get("roots") or []:
                    out[str(root)] = int(key)
        return out

    @cached_property
    def _by_code(self) -> dict[str, dict[str, Any]]:
        return {row["code"]: row for row in self.events.iter_rows(named=True)}

    def event(self, code: str) -> dict[str, Any] | None:
        """The codebook row for ``code`` (a dict), or None."""
        return self._by_code.get(code)

    def children(self, code: str) -> list[dict[str, Any]]:
        return [r for r in self._by_code.values() if r["parent"] == code]

    def path_to(self, code: str) -> list[dict[str, Any]]:
        """Rows from the root down to ``code``."""
        out: list[dict[str, Any]] = []
        row = self.event(code)
        while row is not None:
            out.append(row)
            row = self.event(row["parent"]) if row["parent"] else None
        return out[::-1]

    @cached_property
    def actor_parts(self) -> pl.DataFrame:
        """One row per three-letter part usable in actor codes, with all its kinds. Parts are
        case-sensitive: upper-case, except ethnic groups, which CAMEO writes in lower case (``aka``)."""
        return (
            self.actors.group_by("code")
            .agg(pl.col("kind").unique().sort(), pl.col("name").first())
            .sort("code")
        )

    def suggest_code(self, raw: str) -> str | None:
        """The code a spreadsheet or typo most likely meant (``42`` -> ``042``)."""
        from toolkit.rules.codes import suggestion_expr

        frame = pl.DataFrame({"code": [raw]}, schema={"code": pl.String})
        out = frame.select(suggestion_expr(pl.col("code"), self.events["code"])).item()
        return str(out) if out is not None else None


Reader = Callable[[str], str]


def _inside(root: Path, rel: str) -> str:
    """A path ``codebook.yaml`` names, refused unless it stays inside the codebook folder."""
    parts = rel.replace("\\", "/").split("/")
    if (
        not rel
        or rel.startswith("/")
        or ".." in parts
        or any(p in ("", ".") for p in parts)
        or ":" in parts[0]
    ):
        raise CodebookError(
            f"{rel!r} is not a plain relative path inside the codebook folder: refused, not read",
            root / "codebook.yaml",
        )
    return rel


def _read_csv_table(root: Path, rel: str, read: Reader) -> tuple[list[dict[str, str]], list[int], str]:
    path = root / rel
    text = read(_inside(root, rel))
    reader = csv.DictReader(io.StringIO(text))
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if None in row:
                raise CodebookError(
                    f"row has {len(reader.fieldnames or []) + len(row[None])} fields, the header has "
                    f"{len(reader.fieldnames or [])}",
                    path,
                    reader.line_num,
                )
            rows.append({k: (v or "").strip() for k, v in row.items()})
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise CodebookError(f"malformed CSV: {exc}", path, reader.line_num) from None
    return rows, lines, text


def _required(node: Any, key: str, path: Path, what: str) -> Any:
    if not isinstance(node, dict) or key not in node or node[key] is None:
        raise CodebookError(f"{what} has no {key!r}", path, yamlio.line_of(node))
    return node[key]


def _number(value: Any, path: Path, what: str, cast: type[float] | type[int]) -> float | int | None:
    if value is None:
        return None
    try:
        return cast(str(value))
    except ValueError:
        raise CodebookError(f"{what} {value!r} is not a number", path, yamlio.line_of(value)) from None


def load_events(root: Path, sources: dict[str, str], event_files: list[str], read: Reader) -> pl.DataFrame:
    if not event_files:
        raise CodebookError("no event code files (events/*.yaml) in the codebook", root / "events")
    rows: list[dict[str, Any]] = []
    for rel in event_files:
        path = root / rel
        text = read(rel)
        sources[rel] = text
        doc = yamlio.loads(text, path)
        if not isinstance(doc, dict):
            raise CodebookError("expected a mapping with 'root' and 'codes'", path, yamlio.line_of(doc, 1))
        codes = _required(doc, "codes", path, "file")
        if not isinstance(codes, list):
            raise CodebookError("'codes' must be a list of code entries", path, yamlio.line_of(codes))
        for entry in codes:
            if not isinstance(entry, dict):
                raise CodebookError("each entry of 'codes' must be a mapping", path, yamlio.line_of(entry))
            unknown = set(entry) - set(EVENT_FIELDS)
            if unknown:
                key = sorted(unknown)[0]
                raise CodebookError(
                    f"unknown field {key!r} (known: {', '.join(EVENT_FIELDS)})",
                    path,
                    getattr(entry, "key_lines", {}).get(key),
                )
            code = str(_required(entry, "code", path, "entry"))
            rows.append(
                {
                    "code": code,
                    "name": str(_required(entry, "name", path, f"code {code}")),
                    "description": str(entry["description"]) if entry.get("description") else None,
                    "goldstein": _number(
                        _required(entry, "goldstein", path, f"code {code}"),
                        path,
                        f"goldstein of {code}",
                        float,
                    ),
                    "goldstein_inherited": str(entry.get("goldstein_inherited", "false")).lower() == "true",
                    "quad_class": _number(
                        _required(entry, "quad_class", path, f"code {code}"),
                        path,
                        f"quad_class of {code}",
                        int,
                    ),
                    "replaced_by": str(entry["replaced_by"]) if entry.get("replaced_by") else None,
                    "file": rel,
                    "line": yamlio.line_of(entry),
                }
            )
    frame = pl.DataFrame(
        rows,
        schema={k: v for k, v in EVENT_SCHEMA.items() if k not in ("root_code", "parent", "level")},
        strict=False,
    )
    n = pl.col("code").str.len_chars()
    return frame.with_columns(
        root_code=pl.col("code").str.slice(0, 2),
        parent=pl.when(n == 4)
        .then(pl.col("code").str.slice(0, 3))
        .when(n == 3)
        .then(pl.col("code").str.slice(0, 2))
        .otherwise(None),
        level=(n - 1).clip(1, 3).cast(pl.Int8),
    ).select(list(EVENT_SCHEMA))


def load_codebook(path: Path | str | None = None) -> Codebook:
    """Load and cache the codebook at ``path`` (default: :func:`default_path`)."""
    root = Path(path) if path is not None else default_path()
    return _load_cached(root.resolve())


_CACHE: dict[tuple[Path, float], Codebook] = {}


def _load_cached(root: Path) -> Codebook:
    meta_path = root / "codebook.yaml"
    if not root.is_dir():
        raise CodebookError("codebook directory not found: pass --codebook DIR or set EVTK_CODEBOOK", root)
    if not meta_path.is_file():
        raise CodebookError("not a codebook: codebook.yaml is missing", root)
    stamp = max((p.stat().st_mtime for p in root.rglob("*") if p.is_file()), default=0.0)
    key = (root, stamp)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _load(root)
    return _CACHE[key]


def _load(root: Path) -> Codebook:
    """A codebook folder: its ``events/*.yaml`` and the tables ``codebook.yaml`` names inside it."""

    def read(rel: str) -> str:
        return read_text(root / rel)

    events = sorted(p.relative_to(root).as_posix() for p in (root / "events").glob("*.yaml"))
    docs = [rel for rel in ("CHANGELOG.md", "README.md") if (root / rel).is_file()]
    return _parse(root, read, events, docs)


def codebook_from_sources(root: Path, files: dict[str, str]) -> Codebook:
    """A codebook from file texts (a release's snapshot, read through its manifest): nothing
    outside ``files`` is read, so an unlisted ``events/99.yaml`` is never loaded. ``root`` names
    the files in messages."""

    def read(rel: str) -> str:
        if rel not in files:
            raise CodebookError("is not in the codebook snapshot (not listed in the manifest)", root / rel)
        return files[rel]

    if "codebook.yaml" not in files:
        raise CodebookError("not a codebook: codebook.yaml is missing", root)
    events = sorted(r for r in files if r.startswith("events/") and r.count("/") == 1 and r.endswith(".yaml"))
    docs = [rel for rel in ("CHANGELOG.md", "README.md") if rel in files]
    return _parse(root, read, events, docs)


def _parse(root: Path, read: Reader, event_files: list[str], docs: Sequence[str]) -> Codebook:
    sources: dict[str, str] = {}
    try:
        meta_text = read("codebook.yaml")
        sources["codebook.yaml"] = meta_text
        meta = yamlio.loads(meta_text, root / "codebook.yaml")
        if not isinstance(meta, dict):
            raise CodebookError(
                "expected a mapping with name, version, quad_classes", root / "codebook.yaml", 1
            )
        events = load_events(root, sources, event_files, read)
        actor_rows: list[dict[str, Any]] = []
        tables = meta.get("actor_tables") or {}
        if not isinstance(tables, dict) or not tables:
            raise CodebookError("codebook.yaml has no actor_tables", root / "codebook.yaml")
        for table, spec in tables.items():
            rel = str(_required(spec, "file", root / "codebook.yaml", f"actor table {table}"))
            rows, lines, text = _read_csv_table(root, rel, read)
            sources[rel] = text
            for row, line in zip(rows, lines, strict=True):
                actor_rows.append(
                    {
                        "code": row.get("code", ""),
                        "name": row.get("name", ""),
                        "kind": row.get("kind") or spec.get("kind"),
                        "table": str(table),
                        "file": rel,
                        "line": line,
                    }
                )
        actors = pl.DataFrame(actor_rows, schema=ACTOR_SCHEMA)
        frames = {}
        for name in ("cameo_plover", "plover_event_types", "plover_modes"):
            rel = f"crosswalk/{name}.csv"
            rows, lines, text = _read_csv_table(root, rel, read)
            sources[rel] = text
            cols = list(rows[0]) if rows else []
            frames[name] = pl.DataFrame(rows, schema=dict.fromkeys(cols, pl.String)).with_columns(
                line=pl.Series(lines, dtype=pl.Int32)
            )
    except CodebookError:
        raise
    except InputError as exc:
        raise CodebookError(exc.message, exc.path, exc.line) from None
    for rel in docs:
        sources[rel] = read(rel)
    return Codebook(
        root,
        dict(meta),
        events,
        actors,
        frames["cameo_plover"],
        frames["plover_event_types"],
        frames["plover_modes"],
        sources,
    )
