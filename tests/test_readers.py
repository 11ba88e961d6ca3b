"""The CSV reader (polars-backed) returns exactly what the row-by-row stdlib reader returns: the same
frame, ``_line`` included, the same unknown and missing columns, the same errors at the same lines."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit import events_io
from toolkit.errors import InputError
from toolkit.events_io import (
    PY_WHITESPACE,
    UnknownFields,
    _read_csv_fast,
    _read_csv_slow,
    _utf8_lf,
    read_csv,
    read_jsonl,
)


def _outcome(reader: Any, path: Path, encoding: str = "utf-8") -> tuple[Any, ...]:
    unknown = UnknownFields()
    try:
        frame = reader(path, "f.csv", encoding, unknown)
    except InputError as exc:
        return ("error", exc.message, exc.line)
    return ("ok", frame, list(unknown), list(unknown.missing))


def _same(path: Path, encoding: str = "utf-8") -> tuple[Any, ...]:
    got, want = _outcome(read_csv, path, encoding), _outcome(_read_csv_slow, path, encoding)
    assert got[0] == want[0], (got, want)
    if got[0] == "ok":
        assert got[1].schema == want[1].schema
        assert got[1].to_dicts() == want[1].to_dicts()
        assert got[2:] == want[2:]
    else:
        assert got == want
    return got


def _write(tmp: Path, content: str | bytes, name: str = "f.csv") -> Path:
    path = tmp / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _fast_taken(path: Path) -> bool:
    data = _utf8_lf(path, "utf-8")
    return data is not None and _read_csv_fast(data, "f.csv", UnknownFields()) is not None


# --- generated files ---------------------------------------------------------------------------------
COLUMNS = [
    "id",
    "code",
    "source",
    "date",
    "sentence",
    " Note ",
    "location.place",
    "Location Lat",
    "colour",
    "",
]
CELL_CHARS = st.sampled_from(list('ab ,;"\n\t\x1c\u00a0\u3000é') + ["\r\n", "\r", "xyz"])
cell_text = st.lists(CELL_CHARS, max_size=6).map("".join)


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


@st.composite
def csv_text(draw: st.DrawFn, well_formed: bool = False) -> str:
    """A CSV text. Well-formed: every row has the header's width and every cell that needs it is
    quoted. Otherwise rows may be short or long and cells may carry stray quotes."""
    width = draw(st.integers(1, 6))
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=width, max_size=width, unique=True))
    delimiter = draw(st.sampled_from([",", ";"])) if width > 1 else ","  # what csv_delimiter will pick
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))

    def render(cell: str) -> str:
        must = any(c in cell for c in ('"', delimiter, "\n", "\r"))
        if well_formed:
            return _quote(cell) if must or draw(st.booleans()) else cell
        return draw(st.sampled_from([_quote(cell), cell, cell, " " + _quote(cell), _quote(cell) + "x"]))

    lines = [delimiter.join(_quote(h) if delimiter in h or draw(st.booleans()) else h for h in header)]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["row"] * 6 + ["blank", "spaces", "delims"]))
        if kind == "blank":
            lines.append("")
        elif kind == "spaces":
            lines.append(draw(st.sampled_from([" ", "  \t", "\u00a0"])))
        elif kind == "delims":
            lines.append(delimiter * draw(st.integers(1, width + 1)))
        else:
            n = width if well_formed else draw(st.sampled_from([width] * 4 + [max(width - 1, 1), width + 1]))
            lines.append(delimiter.join(render(draw(cell_text)) for _ in range(n)))
    text = newline.join(lines)
    if draw(st.booleans()):
        text += newline * draw(st.integers(1, 2))
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=csv_text(), bom=st.booleans())
def test_read_csv_equals_the_stdlib_reader(text: str, bom: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _same(_write(Path(tmp), (b"\xef\xbb\xbf" if bom else b"") + text.encode()))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=csv_text(well_formed=True))
def test_well_formed_files_take_the_fast_path(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), text)
        got = _same(path)
        # Lines of spaces or of bare delimiters count their fields the stdlib way: slow path.
        body = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[1:]
        plain_blank = all(line == "" or line.strip(PY_WHITESPACE + ",;") != "" for line in body)
        if got[0] == "ok" and plain_blank and not text.startswith(("\n", "\r")):
            assert _fast_taken(path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=csv_text(), encoding=st.sampled_from(["latin-1", "utf-8-sig", "cp1252"]))
def test_other_encodings(text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        got = _outcome(read_csv, _write(Path(tmp), data), encoding)
        want = _outcome(_read_csv_slow, _write(Path(tmp), data), encoding)
        assert got[0] == want[0]
        if got[0] == "ok":
            assert got[1].to_dicts() == want[1].to_dicts() and got[2:] == want[2:]
        else:
            assert got == want


# --- examples ----------------------------------------------------------------------------------------
HEADER = "id,code,sentence\n"


def _frame(tmp: Path, text: str | bytes) -> pl.DataFrame:
    got = _same(_write(tmp, text))
    assert got[0] == "ok", got
    frame: pl.DataFrame = got[1]
    return frame


def test_line_is_the_line_a_record_ends_on(tmp_path: Path) -> None:
    """``_line`` is what ``csv.reader.line_num`` gives after a row: the physical line it ENDS on."""
    text = HEADER + 'e1,042,"one\ntwo\n\nthree"\n\ne2,043,x\n"e3",,"a\n"\n'
    frame = _frame(tmp_path, text)
    assert frame.select("id", "code", "sentence", "_line").rows() == [
        ("e1", "042", "one\ntwo\n\nthree", 5),
        ("e2", "043", "x", 7),
        ("e3", None, "a", 9),
    ]
    assert _fast_taken(tmp_path / "f.csv")


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (HEADER + "e1,1,s\r\ne2,2,s\r\n", [2, 3]),  # CRLF
        (HEADER.replace("\n", "\r") + "e1,1,s\re2,2,s", [2, 3]),  # CR only, no final newline
        (b"\xef\xbb\xbf" + (HEADER + "e1,1,s\n").encode(), [2]),  # BOM
        (HEADER + "\n\n e1 , 1 ,\n\n\n", [4]),  # blank lines, cells stripped
        (HEADER + "e1,1,s\n,,\n  ,\t, \ne2,2,s", [2, 5]),  # all-blank rows skipped
        (HEADER + 'e1,1,"a, ""b"""', [2]),
    ],
)
def test_line_numbers(tmp_path: Path, text: str | bytes, lines: list[int]) -> None:
    assert _frame(tmp_path, text)["_line"].to_list() == lines


def test_header_normalised_unknown_and_missing(tmp_path: Path) -> None:
    path = _write(tmp_path, " ID ,Location.Place,Colour,Source Event Id\ne1,Bamako,red,x\n")
    got = _same(path)
    assert got[0] == "ok"
    frame, unknown, missing = got[1], got[2], got[3]
    assert frame.select("id", "location_place", "source_event_id").row(0) == ("e1", "Bamako", "x")
    assert unknown == [("colour", 1, "f.csv")]
    assert missing == [("code", "f.csv"), ("source", "f.csv"), ("date", "f.csv")]
    assert _fast_taken(path)


def test_semicolons(tmp_path: Path) -> None:
    frame = _frame(tmp_path, 'id;code;sentence\ne1;042;"a; b, c"\n')
    assert frame.select("id", "code", "sentence").row(0) == ("e1", "042", "a; b, c")


def test_python_whitespace_is_stripped(tmp_path: Path) -> None:
    frame = _frame(tmp_path, HEADER + "\x1ce1\u3000,\u00a0042\x1f,\u2028s\n")
    assert frame.select("id", "code", "sentence").row(0) == ("e1", "042", "s")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (HEADER + "e1,1,s\ne2,2\n", "row has 2 fields, the header has 3", 3),
        (HEADER + "e1,1,s\n\ne2,2,s,x\n", "row has 4 fields, the header has 3", 4),
        (HEADER + 'e1,1,"a\nb"\ne2,2,"c\nd",x\n', "row has 4 fields, the header has 3", 5),
        ("id,code,id\ne1,1,e1\n", "column 'id' appears twice in the header", 1),
        ("  \n\n", "the file is empty", 1),
        ("\u3000\n", "the file is empty", 1),
    ],
)
def test_errors(tmp_path: Path, text: str, message: str, line: int) -> None:
    got = _same(_write(tmp_path, text))
    assert got[0] == "error" and got[1].startswith(message) and got[2] == line


def test_unterminated_quote_is_what_the_stdlib_makes_of_it(tmp_path: Path) -> None:
    frame = _frame(tmp_path, HEADER + 'e1,1,"never closed\ne2,2,s\n')
    assert frame.select("id", "sentence", "_line").rows() == [("e1", "never closed\ne2,2,s", 3)]


def test_stray_quotes_take_the_slow_path(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + 'e1,1,5" tall\ne2,2,"a"b\n')
    assert _frame(tmp_path, path.read_bytes())["sentence"].to_list() == ['5" tall', "ab"]
    assert not _fast_taken(path)


def test_field_larger_than_the_limit(tmp_path: Path) -> None:
    got = _same(_write(tmp_path, HEADER + "e1,1," + "x" * 131_073 + "\n"))
    assert got[0] == "error" and got[1].startswith("malformed CSV: field larger than field limit")


def test_invalid_utf8_is_reported_by_the_decoder(tmp_path: Path) -> None:
    got = _same(_write(tmp_path, HEADER.encode() + b"e1,1,caf\xe9\n"))
    assert got[0] == "error" and "not valid utf-8" in got[1] and got[2] == 2


def test_header_only(tmp_path: Path) -> None:
    assert _frame(tmp_path, "id,code").height == 0


# --- JSONL -------------------------------------------------------------------------------------------
def test_jsonl_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, '\n{"id": "e1"}\n\n  \n{"id": "e2", "colour": 1}\n\n', "f.jsonl")
    unknown = UnknownFields()
    frame = read_jsonl(path, "f.jsonl", "utf-8", unknown)
    assert frame.select("id", "_line").rows() == [("e1", 2), ("e2", 5)]
    assert list(unknown) == [("colour", 5, "f.jsonl")]


jsonl_line = st.one_of(
    st.sampled_from(["", " ", "\t", "  \t "]),
    st.fixed_dictionaries(
        {"id": st.sampled_from(["e1", "e2", None])},
        optional={"code": st.sampled_from(["042", None]), "colour": st.just("red")},
    ).map(json.dumps),
)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(jsonl_line, min_size=1, max_size=8), end=st.sampled_from(["", "\n", "\n\n"]))
def test_jsonl_fast_path_equals_line_by_line(lines: list[str], end: str) -> None:
    """Same records, lines and unknown fields (values: the fast path takes them as written)."""
    text = "\n".join(lines) + end
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), text, "f.jsonl")
        if not text.strip():  # a blank file is E000, as an empty YAML or CSV file
            with pytest.raises(InputError, match="the file is empty"):
                read_jsonl(path, "f.jsonl", "utf-8", UnknownFields())
            return
        fast_unknown, slow_unknown = UnknownFields(), UnknownFields()
        got = read_jsonl(path, "f.jsonl", "utf-8", fast_unknown)
        original = events_io._read_jsonl_fast
        events_io._read_jsonl_fast = lambda *a: None  # type: ignore[assignment]
        try:
            want = read_jsonl(path, "f.jsonl", "utf-8", slow_unknown)
        finally:
            events_io._read_jsonl_fast = original
    assert got.select("id", "_file", "_line").to_dicts() == want.select("id", "_file", "_line").to_dicts()
    assert list(fast_unknown) == list(slow_unknown)


def test_a_short_row_and_a_long_last_row_do_not_cancel_out(tmp_path: Path) -> None:
    """Field counts are checked record by record: one field too few and one too many (on a last
    line polars cuts silently) add up to the right total, and must still be reported."""
    for text in ('id,code\n"a"\n,,', "id,code\na\nb,c,d\n", "id,code\na,b,c\nd\n"):
        _same(_write(tmp_path, text.encode()))
        assert _outcome(read_csv, _write(tmp_path, text.encode()), "utf-8")[0] == "error", text
