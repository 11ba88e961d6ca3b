"""Reading coded-event files into one "raw" frame: every input field as a string.

Formats: YAML (people: one file per article and coder), CSV (spreadsheets), JSONL and Parquet
(machines). Every reader returns the same columns (:data:`toolkit.schema.INPUT_FIELDS`, as
``pl.String``) plus ``_file`` and ``_line``; YAML adds ``_line_<field>`` so findings point at the
exact line of the offending field. Parsing values (dates, numbers) is left to the vectorised
checks so that a bad value becomes a finding, not an exception.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from toolkit import yamlio
from toolkit.errors import InputError
from toolkit.schema import INPUT_FIELDS
from toolkit.textio import NOT_REGULAR, UTF8_BOM, decode, read_bytes, read_text

FIELDS = tuple(INPUT_FIELDS)
EVENT_SUFFIXES = (".yaml", ".yml", ".csv", ".jsonl", ".ndjson", ".parquet")
FILE_DEFAULTS = ("article", "coder", "method")
#: top-level keys of an adjudicated file (``evtk adjudicate``) besides the file defaults and events
ADJUDICATION_KEYS = ("coders", "disagreements")
DISAGREEMENT_STATUS = ("unresolved", "resolved")
YAML_MAX_BYTES = 20_000_000
#: columns a CSV event file's header may name (``evtk validate --max-columns``; docs/security.md)
CSV_MAX_COLUMNS = 1000
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

    ``missing`` collects (column, file) of required columns absent from a CSV header (E001);
    ``unresolved`` (file, line, number, sentence, what differs) of the unresolved disagreements
    of adjudicated files (E701).
    """

    def __init__(self) -> None:
        super().__init__()
        self.missing: list[tuple[str, str]] = []
        self.unresolved: list[tuple[str, int | None, int, str, str]] = []


def _disagreements(doc: yamlio.YMap, path: Path, rel: str, notes: UnknownFields) -> None:
    """Record the unresolved entries of an adjudicated file's ``disagreements:`` list."""
    entries = doc.get("disagreements")
    if entries is None:
        return
    if not isinstance(entries, list):
        raise InputError(
            "'disagreements' must be a list of entries (each starting with '- '), as `evtk adjudicate` writes it",
            path,
            yamlio.line_of(entries, doc.key_lines.get("disagreements")),
        )
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, yamlio.YMap):
            raise InputError(
                f"disagreement {n} is not a mapping (status, sentence, differ, versions)",
                path,
                yamlio.line_of(entry, yamlio.line_of(entries)),
            )
        status = _scalar(entry.get("status")) or "unresolved"
        if status not in DISAGREEMENT_STATUS:
            raise InputError(
                f"disagreement {n}: status '{status}' is not unresolved or resolved",
                path,
                entry.key_lines.get("status", entry.line),
            )
        if status == "unresolved":
            sentence = _scalar(entry.get("sentence")) or "?"
            differ = _scalar(entry.get("differ")) or "the coders differ"
            notes.unresolved.append((rel, entry.line, n, sentence, differ))


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
    adjudicated = ".adjudicated." in path.name
    for key in doc:
        if key not in (*FILE_DEFAULTS, *(ADJUDICATION_KEYS if adjudicated else ()), "events"):
            unknown.append((key, doc.key_lines.get(key), rel))
    if adjudicated:
        _disagreements(doc, path, rel, unknown)
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
    """The header's most frequent of ``,``, ``;`` (Excel in many locales) and tab (Excel's "Unicode
    text"); ``,`` on a tie."""
    header = text[:4096].split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def read_csv(
    path: Path, rel: str, encoding: str, unknown: UnknownFields, max_columns: int = CSV_MAX_COLUMNS
) -> pl.DataFrame:
    """A CSV file as a raw frame: cells stripped (blank is None), all-blank rows skipped, ``_line`` the
    line a row ends on. Parsed by polars when the file is plain CSV (see :func:`_read_csv_fast`); any
    other file, and every error, goes through :func:`_read_csv_slow`, which defines the result.

    A header of more than ``max_columns`` columns is refused before any row is parsed: a frame of
    100,000 columns costs minutes and gigabytes, whatever its rows hold."""
    data = _utf8_lf(path, encoding)
    if data is not None:
        end = data.find(b"\n")
        first = data[: end if end >= 0 else len(data)].decode("utf-8", "replace")
    else:
        first = read_text(path, encoding).split("\n", 1)[0]
    columns = first.count(csv_delimiter(first[:16384])) + 1
    if columns > max_columns:
        raise InputError(
            f"the header has {columns:,} columns, more than the limit of {max_columns:,}: an event file "
            "needs at most the event fields; raise the limit with --max-columns if the file really has "
            "that many",
            path,
            1,
        )
    fast = _read_csv_fast(data, rel, unknown) if data is not None else None
    if fast is not None:
        return fast
    return _read_csv_slow(path, rel, encoding, unknown)


def _utf8_lf(path: Path, encoding: str) -> bytes | None:
    """The file as :func:`read_text` sees it (no BOM, LF line ends), encoded as UTF-8.

    A UTF-8 file is not decoded here: polars validates it, and an invalid byte sends the file to the
    slow path, whose decoder names the line."""
    raw = read_bytes(path)
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return None
    if not utf8:
        try:
            return decode(raw, path, encoding).encode("utf-8")
        except UnicodeEncodeError:
            return None
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return raw


#: what ``str.strip()`` removes: Unicode White_Space (what polars' ``strip_chars()`` removes) plus the
#: four ASCII separators U+001C..U+001F, which Python also counts as whitespace
PY_WHITESPACE = "".join(
    (
        "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680",
        "".join(map(chr, range(0x2000, 0x200B))),
        "\u2028\u2029\u202f\u205f\u3000",
    )
)
_LEADING_SPACE = re.compile(rb"[\t\n\x0b\x0c\r\x1c-\x1f ]*")
QUOTE, NEWLINE = 0x22, 0x0A


def _csv_scan(data: bytes, sep: int) -> tuple[pl.DataFrame, pl.Series, pl.Series, bool]:
    """The bytes of a CSV text that decide its structure, found without a Python loop.

    Returns ``quotes`` (offset ``p`` of every quote with the bytes ``before`` and ``after`` it;
    meaningless at the ends of the text), the offsets of the newlines, the offsets of the delimiters, and
    whether the text contains one of the ASCII separators U+001C..U+001F. The text is viewed as a
    UInt8 series through an Arrow buffer and scanned in chunks that polars works on in parallel."""
    import pyarrow as pa

    n = len(data)
    series = pl.from_arrow(pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(data)]))
    assert isinstance(series, pl.Series)
    b = pl.col("b")
    step = max(1 << 22, -(-n // 8))
    plans: list[pl.LazyFrame] = []
    for o in range(0, n, step):
        chunk = pl.LazyFrame({"b": series.slice(o, step)})
        plans += [
            chunk.select(pl.arg_where(b == QUOTE).cast(pl.Int64) + o),
            chunk.select(pl.arg_where(b == NEWLINE).cast(pl.Int64) + o),
            chunk.select(pl.arg_where(b == sep).cast(pl.Int64) + o),
            chunk.select(other=b.is_between(0x1C, 0x1F).any()),
        ]
    found = pl.collect_all(plans)
    at = pl.concat([f.to_series() for f in found[0::4]], rechunk=True).alias("p")
    newlines = pl.concat([f.to_series() for f in found[1::4]], rechunk=True)
    delimiters = pl.concat([f.to_series() for f in found[2::4]], rechunk=True)
    stats = pl.concat(found[3::4])
    before, after = series.gather((at - 1).clip(0)), series.gather((at + 1).clip(upper_bound=n - 1))
    quotes = pl.DataFrame({"p": at, "before": before, "after": after})
    return quotes, newlines, delimiters, bool(stats["other"].any())


def _read_csv_fast(data: bytes, rel: str, unknown: UnknownFields) -> pl.DataFrame | None:
    """:func:`_read_csv_slow`'s result through ``pl.read_csv``, or None when the file needs it.

    Taken only when the stdlib parser and polars must agree, i.e. the quoting is plain: every quote
    opens a field (after a delimiter, a line end or at the start), closes one (before a delimiter,
    a line end or at the end) or is half of a doubled quote inside one. Numbering the quotes from 0,
    that holds exactly when the count is even, every even quote follows a delimiter, a line end, a
    quote or the start, and every odd one precedes a delimiter, a line end, a quote or the end.
    Then a newline ends a record exactly when an even number of quotes precede it, which gives
    every record's last physical line: the ``line_num`` the stdlib reader reports for it. Polars
    keeps blank lines as rows, so its rows are the records one to one. It refuses a row longer
    than the header and pads a shorter one, which the delimiter count gives away. Whatever does not
    add up goes to the slow path.
    """
    n = len(data)
    first = _LEADING_SPACE.match(data)
    start = first.end() if first else 0
    if start == n or data.startswith((b"\n", UTF8_BOM)) or n >= 2**32 - 2:
        return None  # empty, a blank header line, a second BOM (polars would drop it), or huge
    if data[start] >= 0x80 and not data.decode("utf-8", "replace").strip():
        return None  # nothing but (non-ASCII) whitespace: "empty"
    delimiter = csv_delimiter(data[:16384].decode("utf-8", "replace"))
    sep = ord(delimiter)
    quotes, newlines, delimiters, ascii_separators = _csv_scan(data, sep)
    if quotes.height % 2:
        return None
    if quotes.height:
        even = pl.int_range(pl.len()) % 2 == 0
        boundary = [QUOTE, NEWLINE, sep]
        stray = quotes.select(
            (
                (even & (pl.col("p") > 0) & ~pl.col("before").is_in(boundary))
                | (~even & (pl.col("p") < n - 1) & ~pl.col("after").is_in(boundary))
            ).any()
        ).item()
        if stray:
            return None
    # A newline ends a record when an even number of quotes precede it.
    ends = quotes["p"].search_sorted(newlines, side="left") % 2 == 0
    end_at = newlines.filter(ends)
    lines = ends.arg_true().cast(pl.Int64) + 1
    if not data.endswith(b"\n"):
        end_at = end_at.append(pl.Series([n], dtype=pl.Int64))
        lines = lines.append(pl.Series([newlines.len() + 1], dtype=pl.Int64))
    empty_records = int((end_at.diff() == 1).sum())  # blank lines
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            separator=delimiter,
            quote_char='"',
            infer_schema=False,
            empty_string_is_null=False,
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except Exception:  # noqa: BLE001 - invalid UTF-8, a long row, ...: the slow path reports it
        return None
    names, width = frame.columns, frame.width
    if frame.height != lines.len():
        return None
    limit = csv.field_size_limit()
    if (
        n > limit
        and (frame.select(pl.max_horizontal(pl.col(names).str.len_bytes().max())).item() or 0) > limit
    ):
        return None
    header = _csv_header([h or "" for h in frame.row(0)])
    if any(header.count(h) > 1 and h for h in header):
        return None
    # Field counts, record by record: a delimiter separates two fields when an even number of quotes
    # precede it (else it sits in a quoted cell), and belongs to the first record ending after it.
    # Every record but a blank line must have exactly width - 1 (polars pads a short row with empty
    # strings and may cut a long last row, so its frame cannot tell).
    outside = delimiters.filter(quotes["p"].search_sorted(delimiters, side="left") % 2 == 0)
    per_record = end_at.search_sorted(outside, side="left").value_counts(name="n")
    if not (
        (per_record["n"] == width - 1).all() and per_record.height == frame.height - empty_records
        if width > 1
        else outside.len() == 0
    ):
        return None  # a short or long row (or a line of spaces): the slow path says which, or skips it
    body = (
        frame.with_columns(
            pl.col(names).str.strip_chars(PY_WHITESPACE if ascii_separators else None), _line=lines
        )
        .with_columns(pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c)).alias(c) for c in names)
        .slice(1)
        .filter(~pl.all_horizontal(pl.col(names).is_null()))
    )
    index = {f: header.index(f) for f in FIELDS if f in header}
    # A column without a name and without values (a trailing delimiter) is nothing to report.
    unknown.extend(
        (h, 1, rel)
        for i, h in enumerate(header)
        if h not in FIELDS and (h or body[names[i]].null_count() < body.height)
    )
    unknown.missing.extend((f, rel) for f in ("code", "source", "date") if f not in index)
    return body.select(
        *(
            pl.col(names[index[f]]).alias(f) if f in index else pl.lit(None, dtype=pl.String).alias(f)
            for f in FIELDS
        ),
        pl.lit(rel, dtype=pl.String).alias("_file"),
        "_line",
    )


def _csv_header(cells: list[str]) -> list[str]:
    header = [h.strip().lower().replace(" ", "_") for h in cells]
    return ["location_" + h.split(".", 1)[1] if h.startswith("location.") else h for h in header]


def _read_csv_slow(path: Path, rel: str, encoding: str, unknown: UnknownFields) -> pl.DataFrame:
    """The reference CSV reader: the stdlib parser, row by row. It defines what :func:`read_csv` returns
    and is the path for every file the fast reader declines, so every CSV error comes from here."""
    text = read_text(path, encoding)
    if not text.strip():
        raise InputError(
            "the file is empty: the first line must be a header (id,article,sentence,...)", path, 1
        )
    delimiter = csv_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = _csv_header(next(reader))
        dupes = {h for h in header if header.count(h) > 1 and h}
        if dupes:
            raise InputError(f"column {sorted(dupes)[0]!r} appears twice in the header", path, 1)
        nameless = [i for i, h in enumerate(header) if not h]
        used: set[int] = set()
        columns: dict[str, list[Any]] = {k: [] for k in raw_schema()}
        index = {f: header.index(f) for f in FIELDS if f in header}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            used.update(i for i in nameless if i < len(row) and row[i].strip())
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
    # A column without a name and without values (a trailing delimiter) is nothing to report.
    unknown.extend((h, 1, rel) for i, h in enumerate(header) if h not in FIELDS and (h or i in used))
    unknown.missing.extend((f, rel) for f in ("code", "source", "date") if f not in index)
    return pl.DataFrame(columns, schema=raw_schema())


def read_jsonl(path: Path, rel: str, encoding: str, unknown: UnknownFields) -> pl.DataFrame:
    text = read_text(path, encoding)
    if not text.strip():  # as an empty YAML or CSV file: an empty file is a mistake, not zero events
        raise InputError("the file is empty: write one JSON object per line, one event each", path, 1)
    fast = _read_jsonl_fast(text, rel, unknown)
    if fast is not None:
        return fast
    # Slow path: nested values or a malformed line, which it pinpoints.
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
        except RecursionError:
            raise InputError("JSON nested too deeply for an event record", path, i) from None
        except ValueError as exc:  # e.g. an integer of thousands of digits
            msg = str(exc).splitlines()[0] if str(exc) else "value out of range"
            raise InputError(
                f"JSON value out of range ({msg}): write long numbers as strings", path, i
            ) from None
        if not isinstance(rec, dict):
            raise InputError(f"each line must be a JSON object ({what})", path, i)
        yield i, rec


def _read_jsonl_fast(text: str, rel: str, unknown: UnknownFields) -> pl.DataFrame | None:
    """Machine-written JSONL through polars' reader (no Python loop over lines), or None when the
    file needs the line-by-line reader.

    Polars skips blank lines (and lines of ASCII spaces), the line-by-line reader too; the line of
    each record is found by numbering the lines that are not blank the way ``str.strip`` sees it."""
    body = text.rstrip("\n")
    if not body.strip() or body.lstrip().startswith("["):
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
    if "\n\n" in body or frame.height != body.count("\n") + 1:
        filled = (
            pl.Series([body]).str.split("\n").explode().str.strip_chars(PY_WHITESPACE).str.len_bytes() > 0
        )
        lines = filled.arg_true().cast(pl.Int64) + 1
    else:
        lines = pl.int_range(1, frame.height + 1, dtype=pl.Int64, eager=True)
    if lines.len() != frame.height:
        return None
    for name in frame.columns:
        if name not in FIELDS:
            first = frame[name].is_not_null().arg_max()
            unknown.append((name, int(lines[int(first or 0)]), rel))
    cols = [
        pl.col(f).cast(pl.String).alias(f) if f in frame.columns else pl.lit(None, dtype=pl.String).alias(f)
        for f in FIELDS
    ]
    return frame.select(*cols, pl.lit(rel).alias("_file"), pl.lit(lines).alias("_line"))


def scan_parquet(
    path: Path, rel: str, unknown: UnknownFields, rows: tuple[int, int] | None = None
) -> pl.LazyFrame:
    """A Parquet event file as raw string fields; ``rows=(offset, length)`` reads only that slice.

    The slice is applied to the scan itself, before the line numbers are added: polars does not
    push a slice below a row index, so slicing afterwards decodes the file from its start for every
    slice (quadratic in the file's size when a large file is read in chunks)."""
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
    first = 1
    if rows is not None:
        lf = lf.slice(rows[0], rows[1])
        first += rows[0]
    return lf.with_row_index("_row", offset=first).select(
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
        elif p.is_file():
            out.append(p)
        elif p.exists():
            raise InputError(NOT_REGULAR, p)
        else:
            raise InputError("no such file or directory", p)
    return out


SKIP_DIRS = {"articles", "releases"}


def _data_files(
    folder: Path, suffixes: tuple[str, ...] | frozenset[str], hidden: tuple[str, ...]
) -> list[Path]:
    """The files with one of ``suffixes`` under a data folder, sorted: none whose path has a part
    starting with one of ``hidden``, none under ``articles/`` or ``releases/``, none inside a release
    or a codebook copy (a folder holding ``manifest.json`` or ``codebook.yaml``, whatever its name)."""
    foreign = {m.parent for name in ("manifest.json", "codebook.yaml") for m in folder.rglob(name)}
    out = []
    for f in sorted(folder.rglob("*")):
        parts = f.relative_to(folder).parts
        if (
            f.suffix.lower() in suffixes
            and not any(part.startswith(hidden) for part in parts)
            and not SKIP_DIRS.intersection(parts[:-1])
            and not any(d in foreign for d in f.parents)
            and f.is_file()
        ):
            out.append(f)
    return out


def unread_files(
    paths: list[Path], suffixes: set[str] | frozenset[str], read: list[Path] | None = None
) -> list[tuple[Path, Path]]:
    """Files under the folders in ``paths`` with one of ``suffixes`` (workbooks, ``.json``) where
    event files are looked for, that discovery does not read: (file, base), as :func:`event_files`.
    A file with the name of an event file in ``read`` (``lavrov.xlsx`` and ``lavrov.csv``: a
    workbook ``evtk fix`` converted) is not one of them, nor Excel's ``~$`` lock files."""
    stems = {f.stem for f in read or []}
    return [
        (f, p)
        for p in paths
        if p.is_dir()
        for f in _data_files(p, frozenset(suffixes), (".", "~$"))
        if f.stem not in stems
    ]


def event_files(paths: list[Path]) -> list[tuple[Path, Path]]:
    """The event files under ``paths`` as (file, base it is reported relative to): the one
    discovery that ``validate``, ``validate --fix-ids`` and ``release build`` share. Articles,
    releases, codebook copies and ``retractions.csv`` in a data folder are not event files."""
    out: list[tuple[Path, Path]] = []
    for p in paths:
        if p.is_dir():
            out.extend((f, p) for f in _data_files(p, EVENT_SUFFIXES, (".",)) if f.name != "retractions.csv")
        else:
            out.extend((f, f.parent) for f in discover([p]))
    return out


def read_events(
    path: Path,
    rel: str,
    encoding: str,
    unknown: UnknownFields,
    rows: tuple[int, int] | None = None,
    max_columns: int = CSV_MAX_COLUMNS,
) -> pl.LazyFrame:
    """An event file as raw string fields; ``rows`` (offset, length) slices Parquet at the scan
    (people's formats are read whole, and sliced by the caller)."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return read_yaml(path, rel, encoding, unknown).lazy()
    if suffix == ".csv":
        return read_csv(path, rel, encoding, unknown, max_columns).lazy()
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path, rel, encoding, unknown).lazy()
    if suffix == ".parquet":
        return scan_parquet(path, rel, unknown, rows)
    from toolkit.rules.files import UNREAD_SUFFIXES

    hint = f"; {UNREAD_SUFFIXES[suffix].format(file=path)}" if suffix in UNREAD_SUFFIXES else ""
    raise InputError(f"unknown event file type {suffix!r}: use .yaml, .csv, .jsonl or .parquet{hint}", path)
