"""Reading coded-event files into one "raw" frame: every input field as a string.

Formats: YAML (people: one file per article and coder), CSV (spreadsheets), JSONL and Parquet
(machines). Every reader returns the same columns (:data:`toolkit.schema.INPUT_FIELDS`, as
``pl.String``) plus ``_file`` and ``_line``; YAML adds ``_line_<field>`` so findings point at the
exact line of the offending field. Parsing values (dates, numbers) is left to the vectorised
checks so that a bad value becomes a finding, not an exception.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from toolkit import yamlio
from toolkit.errors import InputError
from toolkit.schema import INPUT_FIELDS
from toolkit.textio import read_text

FIELDS = tuple(INPUT_FIELDS)
EVENT_SUFFIXES = (".yaml", ".yml", ".csv", ".jsonl", ".ndjson", ".parquet")
FILE_DEFAULTS = ("article", "coder", "method")
YAML_MAX_BYTES = 20_000_000
LOCATION_KEYS = ("country", "place", "lat", "lon")


def raw_schema(with_field_lines: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = dict.fromkeys(FIELDS, pl.String)
    schema["_file"] = pl.String
    schema["_line"] = pl.Int64
    if with_field_lines:
        schema.update({f"_line_{f}": pl.Int64 for f in FIELDS})
    return schema


def _scalar(value: Any) -> str | None:
    """A field value as the checks see it: a string stripped of surrounding whitespace, or None.

    People's formats (YAML, CSV, hand-edited JSONL) are stripped here, once, so the vectorised
    checks never need to; machine formats read by polars are taken as written."""
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value)  # reported as a bad type by the checks
    text = str(value).strip()
    return text or None


class UnknownFields(list[tuple[str, int | None, str]]):
    """(field, line, file) of keys that are not event fields; reported as E003 warnings.

    ``missing`` collects (column, file) of required columns absent from a CSV header (E001).
    """

    def __init__(self) -> None:
        super().__init__()
        self.missing: list[tuple[str, str]] = []


def read_yaml(path: Path, rel: str, encoding: str, unknown: UnknownFields) -> pl.DataFrame:
    doc = yamlio.load_file(path, encoding, YAML_MAX_BYTES)
    if doc is None:
        raise InputError(
            "the file is empty: write 'events:' followed by a list of events "
            "(`evtk new ARTICLE_ID` writes a skeleton)",
            path,
            1,
        )
    if isinstance(doc, list):
        raise InputError(
            "expected a mapping with 'events:' at the top, found a list: put the events under "
            "an 'events:' key (see `evtk new`)",
            path,
            yamlio.line_of(doc, 1),
        )
    if not isinstance(doc, yamlio.YMap):
        raise InputError("expected a mapping with 'events:' at the top", path, yamlio.line_of(doc, 1))
    for key in doc:
        if key not in (*FILE_DEFAULTS, "events"):
            unknown.append((key, doc.key_lines.get(key), rel))
    events = doc.get("events")
    if events is None:
        if "events" in doc:
            return pl.DataFrame(schema=raw_schema(True))
        raise InputError("no 'events:' list in the file", path, doc.line)
    if not isinstance(events, list):
        raise InputError(
            "'events' must be a list of events (each starting with '- ')",
            path,
            yamlio.line_of(events, doc.key_lines.get("events")),
        )
    defaults = {k: _scalar(doc.get(k)) for k in FILE_DEFAULTS}
    default_lines = {k: doc.key_lines.get(k) for k in FILE_DEFAULTS}  # findings point at the header line
    columns: dict[str, list[Any]] = {k: [] for k in raw_schema(True)}
    for i, ev in enumerate(events, start=1):
        if isinstance(ev, list):
            raise InputError(
                f"event {i} is a list, not a mapping: the event list is nested one level too deep "
                "(each event is '- key: value' directly under 'events:')",
                path,
                yamlio.line_of(ev),
            )
        if not isinstance(ev, yamlio.YMap):
            raise InputError(
                f"event {i} is {str(ev)!r}, not a mapping of fields (id, sentence, quote, ...)",
                path,
                yamlio.line_of(ev, yamlio.line_of(events)),
            )
        flat: dict[str, Any] = {}
        lines: dict[str, int | None] = {}
        for key, value in ev.items():
            kline = ev.key_lines.get(key)
            if key == "location" and isinstance(value, yamlio.YMap):
                for sub, subval in value.items():
                    name = f"location_{sub}"
                    if sub not in LOCATION_KEYS:
                        unknown.append((f"location.{sub}", value.key_lines.get(sub), rel))
                        continue
                    flat[name], lines[name] = subval, value.key_lines.get(sub)
            elif key in FIELDS:
                flat[key], lines[key] = value, kline
            else:
                unknown.append((key, kline, rel))
        for f in FIELDS:
            val = flat.get(f)
            line = lines.get(f)
            if val is None and f in defaults:
                val, line = defaults[f], default_lines[f]
            columns[f].append(_scalar(val))
            columns[f"_line_{f}"].append(line)
        columns["_file"].append(rel)
        columns["_line"].append(ev.line)
    return pl.DataFrame(columns, schema=raw_schema(True))


def csv_delimiter(text: str) -> str:
    """``;`` when the header has more semicolons than commas (Excel in many locales), else ``,``."""
    header = text[:4096].split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def read_csv(path: Path, rel: str, encoding: str, unknown: UnknownFields) -> pl.DataFrame:
    text = read_text(path, encoding)
    if not text.strip():
        raise InputError(
            "the file is empty: the first line must be a header (id,article,sentence,...)", path, 1
        )
    delimiter = csv_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
        header = ["location_" + h.split(".", 1)[1] if h.startswith("location.") else h for h in header]
        dupes = {h for h in header if header.count(h) > 1 and h}
        if dupes:
            raise InputError(f"column {sorted(dupes)[0]!r} appears twice in the header", path, 1)
        for h in header:
            if h not in FIELDS:
                unknown.append((h, 1, rel))
        columns: dict[str, list[Any]] = {k: [] for k in raw_schema()}
        index = {f: header.index(f) for f in FIELDS if f in header}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(
                    f"row has {len(row)} fields, the header has {len(header)}: check for a stray "
                    f"'{delimiter}' or a missing value (quote fields that contain '{delimiter}')",
                    path,
                    reader.line_num,
                )
            for f in FIELDS:
                cell = row[index[f]].strip() if f in index else ""
                columns[f].append(cell if cell != "" else None)
            columns["_file"].append(rel)
            columns["_line"].append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", path, reader.line_num) from None
    unknown.missing.extend((f, rel) for f in ("code", "source", "date") if f not in index)
    return pl.DataFrame(columns, schema=raw_schema())


def read_jsonl(path: Path, rel: str, encoding: str, unknown: UnknownFields) -> pl.DataFrame:
    text = read_text(path, encoding)
    fast = _read_jsonl_fast(text, rel, unknown)
    if fast is not None:
        return fast
    # Slow path: blank lines, nested values or a malformed line, which it pinpoints.
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    seen_unknown: set[str] = set()
    for i, rec in iter_json_lines(text, path, "one event"):
        loc = rec.pop("location", None)
        if isinstance(loc, dict):
            rec.update({f"location_{k}": v for k, v in loc.items()})
        for key in rec:
            if key not in FIELDS and key not in seen_unknown:
                seen_unknown.add(key)
                unknown.append((key, i, rel))
        records.append(rec)
        lines.append(i)
    columns: dict[str, list[Any]] = {f: [_scalar(r.get(f)) for r in records] for f in FIELDS}
    columns["_file"] = [rel] * len(records)
    columns["_line"] = lines
    return pl.DataFrame(columns, schema=raw_schema())


def iter_json_lines(text: str, path: Path, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a JSON Lines text; a malformed line is an
    InputError naming it."""
    for i, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON: {exc.msg} (column {exc.colno})", path, i) from None
        if not isinstance(rec, dict):
            raise InputError(f"each line must be a JSON object ({what})", path, i)
        yield i, rec


def _read_jsonl_fast(text: str, rel: str, unknown: UnknownFields) -> pl.DataFrame | None:
    """Machine-written JSONL through polars' reader (no Python loop over lines), or None when the
    file needs the line-by-line reader."""
    body = text.rstrip("\n")
    if not body or "\n\n" in body or body.lstrip().startswith("["):
        return None
    try:
        frame = pl.read_ndjson(io.BytesIO(body.encode("utf-8")), infer_schema_length=None)
    except Exception:  # noqa: BLE001 - any parse problem: the slow path reports it with its line
        return None
    if "location" in frame.columns:
        if not isinstance(frame.schema["location"], pl.Struct):
            return None
        loc = frame["location"].struct.unnest()
        frame = frame.drop("location").hstack(loc.rename({c: f"location_{c}" for c in loc.columns}))
    if any(isinstance(t, (pl.List, pl.Struct, pl.Array)) for t in frame.schema.values()):
        return None
    for name in frame.columns:
        if name not in FIELDS:
            first = frame[name].is_not_null().arg_max()
            unknown.append((name, int(first or 0) + 1, rel))
    cols = [
        pl.col(f).cast(pl.String).alias(f) if f in frame.columns else pl.lit(None, dtype=pl.String).alias(f)
        for f in FIELDS
    ]
    return frame.select(
        *cols, pl.lit(rel).alias("_file"), (pl.int_range(pl.len(), dtype=pl.Int64) + 1).alias("_line")
    )


def scan_parquet(path: Path, rel: str, unknown: UnknownFields) -> pl.LazyFrame:
    try:
        lf = pl.scan_parquet(path)
        names = lf.collect_schema().names()
    except Exception as exc:  # noqa: BLE001 - any failure means unreadable input
        raise InputError(f"cannot read Parquet: {str(exc).splitlines()[0]}", path) from None
    for name in names:
        if name not in FIELDS:
            unknown.append((name, None, rel))
    cols = [
        (
            pl.col(f).dt.strftime("%Y-%m-%d")
            if f == "date" and lf.collect_schema()[f] in (pl.Date, pl.Datetime)
            else pl.col(f).cast(pl.String)
        ).alias(f)
        if f in names
        else pl.lit(None, dtype=pl.String).alias(f)
        for f in FIELDS
    ]
    return lf.with_row_index("_row", offset=1).select(
        *cols, pl.lit(rel).alias("_file"), pl.col("_row").cast(pl.Int64).alias("_line")
    )


def discover(paths: list[Path]) -> list[Path]:
    """Event files under ``paths`` (directories are searched recursively, hidden files skipped)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file()
                    and f.suffix.lower() in EVENT_SUFFIXES
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                )
            )
        elif p.exists():
            out.append(p)
        else:
            raise InputError("no such file or directory", p)
    return out


def read_events(path: Path, rel: str, encoding: str, unknown: UnknownFields) -> pl.LazyFrame:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return read_yaml(path, rel, encoding, unknown).lazy()
    if suffix == ".csv":
        return read_csv(path, rel, encoding, unknown).lazy()
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path, rel, encoding, unknown).lazy()
    if suffix == ".parquet":
        return scan_parquet(path, rel, unknown)
    raise InputError(f"unknown event file type {suffix!r}: use .yaml, .csv, .jsonl or .parquet", path)
