"""``evtk fix``: repair what spreadsheets do to a coded-event CSV file, and say what changed.

Spreadsheets drop the leading zeros of codes (``042`` -> ``42``), turn dates into ``7/2/2023``, write
decimal commas (``11,8``) and whole numbers as ``7.0``. The repairs are the ones validation would name:
codes get their zero back by the importer's rule (never a guess between ``10`` and ``010``), dates the
one ISO reading that :func:`toolkit.rules.dates.date_readings` finds (with the article's publication
date), coordinates a decimal point, and ``sentence`` and ``quad_class`` lose a ``.0``. Every other cell,
column and row stays as it was, byte for byte: the repaired cells are edited in the text, so the
file keeps its encoding (UTF-16 too), byte-order mark, line endings and quoting. The file is replaced
atomically, and only if nobody saved it meanwhile (or written to ``out``); every change is reported
with its line. Excel workbooks (``.xlsx``) are read with openpyxl (the optional
``xlsx`` extra) and written as CSV beside them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from toolkit.atomic import write_bytes_atomic
from toolkit.errors import InputError, UsageError
from toolkit.events_io import _csv_header, csv_delimiter
from toolkit.fix_ids import Cell, _csv_records, record_lines
from toolkit.textio import Exact, decode_exact, read_bytes

C = pl.col


@dataclass(frozen=True)
class Change:
    line: int
    field: str
    old: str
    new: str


@dataclass
class FixResult:
    path: str
    out: str
    rows: int
    changes: list[Change] = field(default_factory=list)


def _published(frame: pl.DataFrame, path: Path) -> pl.Expr:
    """The publication date of each row's article (from the nearest ``articles/``), else null."""
    from toolkit.articles import load_articles
    from toolkit.validate import find_data_root

    root = find_data_root(path.parent)
    if root is None or "article" not in frame.columns:
        return pl.lit(None, dtype=pl.Date)
    articles = load_articles([root / "articles"], root=Path.cwd()).articles
    table = articles.select("article_id", "published").unique("article_id", keep="first")
    index = pl.Series(range(table.height), dtype=pl.UInt32)
    at = C("article").replace_strict(table["article_id"], index, default=None)
    return pl.lit(table["published"]).gather(at)


def repairs(frame: pl.DataFrame, published: pl.Expr) -> dict[str, pl.Expr]:
    """The repaired value of each column that has a repair (null where nothing is to be done)."""
    from toolkit.interchange.importer import restore_zero
    from toolkit.rules.dates import date_readings

    out: dict[str, pl.Expr] = {}
    for name in ("code", "root_code"):
        if name in frame.columns:
            fixed, changed = restore_zero(C(name))
            plain = C(name).str.strip_chars().str.replace(r"\.0+$", "")
            out[name] = pl.when(changed | (plain != C(name))).then(fixed)
    if "date" in frame.columns:
        valid = C("date").str.contains(r"^\d{4}(-\d{2}(-\d{2})?)?$")
        out["date"] = pl.when(~valid).then(date_readings(C("date"), published).struct.field("fixed"))
    for name in ("location_lat", "location_lon"):
        if name in frame.columns:
            comma = C(name).str.strip_chars().str.contains(r"^[+-]?\d+,\d+$")
            out[name] = pl.when(comma).then(C(name).str.strip_chars().str.replace(",", ".", literal=True))
    for name in ("sentence", "quad_class"):
        if name in frame.columns:
            whole = C(name).str.strip_chars().str.extract(r"^(\d+)\.0+$")
            out[name] = whole
    return out


@dataclass
class _Sheet:
    """A CSV file as rows of text, and where each cell is in the file (``exact``: the text as
    written), so a repair edits only its cells: quoting, line endings, encoding and BOM stay."""

    raw_header: list[str]
    rows: list[list[str]]
    lines: list[int]
    delimiter: str
    raw: bytes = b""
    exact: Exact | None = None
    cells: list[list[Cell]] = field(default_factory=list)  # per row, as offsets into exact.text


def _csv_rows(path: Path, encoding: str) -> _Sheet:
    raw = read_bytes(path)
    exact = decode_exact(raw, path, encoding)
    text = exact.text
    if not text.strip():
        raise InputError("the file is empty: nothing to fix", path, 1)
    delimiter = csv_delimiter(exact.normalised)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        raw_header = next(reader)
        rows: list[list[str]] = []
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", path, reader.line_num) from None
    records = _csv_records(text, delimiter)
    if len(records) != len(rows) + 1 or any(
        len(cells) != max(len(row), 1) for (cells, _), row in zip(records[1:], rows, strict=False)
    ):  # the two readings disagree (a stray quote): the file is written out whole instead
        return _Sheet(raw_header, rows, record_lines(text, records)[1:], delimiter, raw)
    return _Sheet(
        raw_header, rows, record_lines(text, records)[1:], delimiter, raw, exact, [c for c, _ in records[1:]]
    )


def _csv_cell(value: str, quoted: bool, delimiter: str) -> str:
    """``value`` as a CSV cell: quoted as it was, or where CSV needs it."""
    if quoted or any(c in value for c in (delimiter, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _cell_text(value: object) -> str:
    """A workbook cell as the text a coder typed: dates as ISO, numbers as Excel shows them."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: Path) -> _Sheet:
    """The first sheet of a workbook as rows of text (through openpyxl, the optional `xlsx` extra)."""
    try:
        import openpyxl
    except ImportError:
        raise UsageError(
            "reading .xlsx needs openpyxl: pip install 'evtk[xlsx]', or save the sheet as CSV UTF-8"
        ) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file is unreadable input
        raise InputError(f"not a readable .xlsx workbook: {exc}", path) from None
    try:
        sheet = book.worksheets[0]
        table = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not table:
        raise InputError("the first sheet is empty: nothing to fix", path, 1)
    keep = [i for i, row in enumerate(table[1:], start=2) if any(c.strip() for c in row)]
    return _Sheet(table[0], [table[i - 1] for i in keep], keep, ",")


def fix_csv(path: Path, out: Path | None = None, *, encoding: str = "utf-8") -> FixResult:
    """Repair ``path`` (a coded-event CSV file) into ``out`` (default: in place, atomically). A
    workbook (``.xlsx``, first sheet) is never changed: it is written as CSV to ``out`` (default: the
    same name with ``.csv``)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        sheet = _xlsx_rows(path)
        out = out or path.with_suffix(".csv")
    elif suffix in (".csv", ".tsv", ".txt"):
        sheet = _csv_rows(path, encoding)
    else:
        raise UsageError(f"{path}: evtk fix repairs CSV files and .xlsx workbooks")
    raw_header, rows, lines, delimiter = sheet.raw_header, sheet.rows, sheet.lines, sheet.delimiter
    header = _csv_header(raw_header)
    cells = {name: [row[i] if i < len(row) else "" for row in rows] for i, name in enumerate(header) if name}
    frame = pl.DataFrame(cells, schema=dict.fromkeys(cells, pl.String)).with_columns(
        _line=pl.Series(lines, dtype=pl.Int64), _row=pl.int_range(len(rows), dtype=pl.Int64)
    )
    plans = repairs(frame, _published(frame, path))
    changes: list[Change] = []
    edits: list[tuple[int, int, str]] = []  # (start, end, cell) in sheet.exact.text
    if plans:
        found = frame.select(
            "_line",
            "_row",
            *[C(n).alias(f"{n}__old") for n in plans],
            *[e.alias(f"{n}__new") for n, e in plans.items()],
        )
        for name in plans:
            hit = found.filter(C(f"{name}__new").is_not_null() & (C(f"{name}__new") != C(f"{name}__old")))
            column = header.index(name)
            for line, row, old, new in hit.select(
                "_line", "_row", f"{name}__old", f"{name}__new"
            ).iter_rows():
                rows[row][column] = new
                changes.append(Change(line, name, old, new))
                if sheet.exact is not None:
                    start, end, quoted = sheet.cells[row][column]
                    edits.append((start, end, _csv_cell(new, quoted, delimiter)))
    changes.sort(key=lambda c: (c.line, header.index(c.field)))
    target = out or path
    if sheet.exact is not None and (changes or out is not None):
        text = sheet.exact.text
        for start, end, cell in sorted(edits, reverse=True):
            text = text[:start] + cell + text[end:]
        # in place: only if the file still holds what was read (a coder saved it meanwhile: refused)
        write_bytes_atomic(target, sheet.exact.encode(text), expect=sheet.raw if out is None else None)
    elif changes or out is not None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
        writer.writerow(raw_header)
        writer.writerows(rows)
        write_bytes_atomic(
            target, buffer.getvalue().encode("utf-8"), expect=sheet.raw if out is None else None
        )
    return FixResult(str(path), str(target), len(rows), changes)
