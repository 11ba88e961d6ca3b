"""Bad input never gives a traceback: a one-line message with file and line, the documented exit code
(2 unreadable, 1 data errors), and nothing written. Plus property tests of the YAML reader."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit import yamlio
from toolkit.errors import InputError
from toolkit.events_io import UnknownFields, read_yaml

ARTICLE = "afp-2023-02-07-lavrov-mali"
BAD = Path("data/coded/bad.yaml")
CSV_HEADER = "id,article,sentence,quote,date,source,target,code\n"
CSV_ROW = f"e1,{ARTICLE},3,arrived in Mali,2023-02-07,RUSGOV,MLIGOV,042\n"


@pytest.fixture
def check(data_dir: Path, evtk, tree_snapshot):
    """Write ``text`` (str or bytes) to ``name``, run ``evtk validate`` on it, prove nothing was written,
    and return the result with the finding lines (stdout minus the summary)."""

    def run(name: Path | str, content: str | bytes, *extra: str, target: str | None = None) -> Any:
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        before = tree_snapshot(Path.cwd())
        res = evtk("validate", target or path, *extra)
        assert tree_snapshot(Path.cwd()) == before, "validate wrote something"
        assert "Traceback" not in res.output
        res.findings = res.out.splitlines()[:-1]
        res.summary = res.out.splitlines()[-1] if res.out else ""
        return res

    return run


def _unreadable(res: Any, where: str, *phrases: str) -> None:
    """Exit 2 and exactly one finding line: ``FILE:LINE: error E000 unreadable-file: ...``."""
    assert res.code == 2, res.output
    assert len(res.findings) == 1, res.findings
    line = res.findings[0]
    assert line.startswith(f"{where}: error E000 unreadable-file: "), line
    for phrase in phrases:
        assert phrase in line
    assert res.summary.startswith("invalid: 1 error(s)")


# --- YAML that cannot be read ---------------------------------------------------------------------
def test_tab_indentation(check, make_event_yaml) -> None:
    res = check(BAD, make_event_yaml().replace("    quote:", "\tquote:"))
    _unreadable(res, f"{BAD}:8", "malformed YAML", "tabs for indentation: use spaces")


def test_unclosed_quote_at_end_of_file(check, make_event_yaml) -> None:
    res = check(BAD, make_event_yaml().replace('code: "042"', 'code: "042'))
    _unreadable(res, f"{BAD}:12", "quote opened on this line is never closed")


def test_unclosed_quote_mid_file(check, make_event_yaml) -> None:
    res = check(BAD, make_event_yaml().replace('quote: "arrived in Mali"', 'quote: "arrived in Mali'))
    _unreadable(res, f"{BAD}:9", "malformed YAML", "unclosed quote")


def test_duplicate_keys(check, make_event_yaml) -> None:
    res = check(BAD, make_event_yaml({"code": '"042"\n    code: "043"'}))
    _unreadable(res, f"{BAD}:13", "duplicate key 'code' (first on line 12): keep one of them")


def test_alias_bomb_refused(check) -> None:
    lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lol.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    res = check(BAD, "\n".join(lol) + "\nevents: []\n")
    assert time.perf_counter() - started < 5
    _unreadable(res, f"{BAD}:1", "anchors and aliases (&name, *name) are not allowed")


def test_alias_refused_by_loads() -> None:
    with pytest.raises(InputError, match="anchors and aliases") as info:
        yamlio.loads("x: 1\ny: &v 2\nz: *v\n", "f.yaml")
    assert info.value.line == 2


def test_empty_file(check) -> None:
    res = check(BAD, "")
    _unreadable(res, f"{BAD}:1", "the file is empty", "evtk new")


def test_comments_only_file(check) -> None:
    res = check(BAD, "# nothing coded yet\n\n")
    _unreadable(res, f"{BAD}:1", "the file is empty")


def test_list_instead_of_mapping(check) -> None:
    res = check(BAD, '- id: e1\n  code: "042"\n')
    _unreadable(res, f"{BAD}:1", "expected a mapping with 'events:' at the top, found a list")


def test_event_list_nested_one_level_too_deep(check) -> None:
    text = f'article: {ARTICLE}\nevents:\n  - - id: e1\n      code: "042"\n'
    res = check(BAD, text)
    _unreadable(res, f"{BAD}:3", "event 1 is a list", "nested one level too deep")


def test_events_not_a_list(check) -> None:
    res = check(BAD, "events:\n  id: e1\n")
    _unreadable(res, f"{BAD}:2", "'events' must be a list of events")


def test_two_documents(check, make_event_yaml) -> None:
    res = check(BAD, make_event_yaml() + "---\n" + make_event_yaml())
    _unreadable(res, f"{BAD}:13", "more than one YAML document")


# --- encodings and line endings ----------------------------------------------------------------------
def test_utf8_bom_accepted(check, make_event_yaml) -> None:
    res = check(BAD, b"\xef\xbb\xbf" + make_event_yaml().encode())
    assert res.code == 0 and res.findings == []
    res = check(BAD, b"\xef\xbb\xbf" + make_event_yaml({"code": '"42"'}).encode())
    assert res.code == 1
    assert res.findings[0].startswith(f"{BAD}:12: error E101")


def test_utf8_bom_csv_header(check) -> None:
    res = check("data/coded/sheet.csv", b"\xef\xbb\xbf" + (CSV_HEADER + CSV_ROW).encode())
    assert res.code == 0 and res.findings == [], res.out


def test_crlf_accepted_with_right_lines(check, make_event_yaml) -> None:
    text = make_event_yaml(
        {"code": '"42"'}, {"id": "e2", "sentence": "4", "quote": "welcomed", "date": '"2023-13-01"'}
    )
    res = check(BAD, text.replace("\n", "\r\n"))
    assert res.code == 1
    assert [ln.split(": error ")[0] + " " + ln.split()[2] for ln in res.findings] == [
        f"{BAD}:12 E101",
        f"{BAD}:16 E401",
    ]


def test_crlf_csv(check) -> None:
    res = check(
        "data/coded/sheet.csv",
        (CSV_HEADER + CSV_ROW + CSV_ROW.replace("e1,", "e2,").replace("042", "42")).replace("\n", "\r\n"),
    )
    assert res.code == 1
    assert res.findings == [
        "data/coded/sheet.csv:3: error E101 unknown-event-code: event code '42' is not in codebook 1.0.0: codes "
        "are strings with leading zeros; did you mean 042? [e2]"
    ]


def test_latin1_needs_encoding(check, make_event_yaml) -> None:
    text = make_event_yaml({"note": '"r\u00e9union \u00e0 Bamako"'})
    res = check(BAD, text.encode("latin-1"))
    _unreadable(res, f"{BAD}:13", "byte 0xe9 is not valid utf-8", "--encoding cp1252")
    res = check(BAD, text.encode("latin-1"), "--encoding", "latin-1")
    assert res.code == 0 and res.findings == [], res.out


def test_unknown_encoding_is_a_usage_message(check, make_event_yaml) -> None:
    res = check(BAD, make_event_yaml(), "--encoding", "klingon")
    _unreadable(res, f"{BAD}", "unknown encoding 'klingon'")


# --- size limits ---------------------------------------------------------------------------------------
def test_50mb_yaml_refused_quickly(check, data_dir: Path, evtk, tree_snapshot) -> None:
    big = data_dir / "coded" / "huge.yaml"
    with big.open("wb") as fh:  # sparse: instant, and takes no disk space
        fh.truncate(50_000_000)
    before = tree_snapshot(Path.cwd())
    started = time.perf_counter()
    res = evtk("validate", big)
    assert time.perf_counter() - started < 3
    assert tree_snapshot(Path.cwd()) == before
    assert res.code == 2
    assert res.out.splitlines()[0] == (
        "data/coded/huge.yaml: error E000 unreadable-file: file is 50.0 MB, over the 20 MB limit for this "
        "format: split it, or use JSONL or Parquet for machine-sized data"
    )


def test_50mb_csv_accepted(data_dir: Path, evtk) -> None:
    rows = 300_000
    tail = ",RUSGOV,MLIGOV,042,import,https://example.org/news/2023/02/07/" + "x" * 80 + "/"
    body = "".join(f"g{i},2023-02-07{tail}{i}\n" for i in range(rows))
    big = data_dir / "coded" / "import.csv"
    big.write_text("id,date,source,target,code,method,url\n" + body, encoding="utf-8")
    assert big.stat().st_size > 50_000_000
    res = evtk("validate", "data")
    assert res.code == 0, res.out[:2000]
    assert res.out.splitlines()[-1] == (
        f"valid: 0 error(s), 1 warning(s) in 2 files, {rows + 1} events, 1 articles [E304 no-article-text: 1]"
    )


# --- CSV shape -----------------------------------------------------------------------------------------
def test_csv_missing_required_column(check) -> None:
    res = check("data/coded/sheet.csv", CSV_HEADER.replace(",code", "") + CSV_ROW.replace(",042", ""))
    assert res.code == 1
    assert res.findings == [
        "data/coded/sheet.csv:1: error E001 missing-field: the header has no 'code' column: every event needs one",
        "data/coded/sheet.csv:2: error E001 missing-field: event has no code: add the CAMEO event code "
        '(e.g. code: "042") [e1]',
    ]


def test_csv_extra_column_is_a_warning(check) -> None:
    res = check(
        "data/coded/sheet.csv", CSV_HEADER.rstrip("\n") + ",colour\n" + CSV_ROW.rstrip("\n") + ",red\n"
    )
    assert res.code == 0
    assert res.findings == [
        "data/coded/sheet.csv:1: warning E003 unknown-field: unknown field 'colour' is ignored: known fields are "
        + ", ".join(__import__("toolkit.schema", fromlist=["INPUT_FIELDS"]).INPUT_FIELDS)
    ]


def test_csv_row_with_extra_field(check) -> None:
    res = check(
        "data/coded/sheet.csv", CSV_HEADER + CSV_ROW + CSV_ROW.replace("e1,", "e2,").rstrip("\n") + ",oops\n"
    )
    _unreadable(res, "data/coded/sheet.csv:3", "row has 9 fields, the header has 8", "stray ','")


def test_csv_duplicate_header(check) -> None:
    res = check("data/coded/sheet.csv", CSV_HEADER.rstrip("\n") + ",code\n" + CSV_ROW.rstrip("\n") + ",042\n")
    _unreadable(res, "data/coded/sheet.csv:1", "column 'code' appears twice in the header")


def test_csv_saved_by_excel(check) -> None:
    """Semicolons, CRLF, codes as numbers and dates in the locale's format."""
    text = (
        "id;article;sentence;quote;date;source;target;code\r\n"
        f"e1;{ARTICLE};3;arrived in Mali;2023-02-07;RUSGOV;MLIGOV;42\r\n"
        f"e2;{ARTICLE};4;was welcomed;7/2/2023;MLIGOV;RUSGOV;043\r\n"
        f"e3;{ARTICLE};9;Lavrov will hold talks;2023-02-07;RUSGOV;MLIGOV;40.0\r\n"
    )
    res = check("data/coded/excel.csv", text)
    assert res.code == 1
    assert res.findings == [
        "data/coded/excel.csv:2: error E101 unknown-event-code: event code '42' is not in codebook 1.0.0: "
        "codes are strings with leading zeros; did you mean 042? [e1]",
        # both orders exist; month first (July) is after the article's publication date, so day first
        "data/coded/excel.csv:3: error E401 bad-date: date '7/2/2023' is not a valid date: write ISO "
        "YYYY-MM-DD: 2023-02-07 (day first; month first, 2023-07-02, is after the article's publication "
        "date 2023-02-07) [e2]",
        "data/coded/excel.csv:4: error E101 unknown-event-code: event code '40.0' is not in codebook 1.0.0: "
        "codes are strings with leading zeros; did you mean 040? [e3]",
    ]


def test_jsonl_malformed_line(check) -> None:
    good = {
        "id": "e1",
        "article": ARTICLE,
        "sentence": 3,
        "quote": "arrived in Mali",
        "date": "2023-02-07",
        "source": "RUSGOV",
        "target": "MLIGOV",
        "code": "042",
    }
    res = check("data/coded/m.jsonl", json.dumps(good) + "\n{'id': 'e2'}\n")
    _unreadable(res, "data/coded/m.jsonl:2", "malformed JSON")


def test_parquet_that_is_not_parquet(check) -> None:
    res = check("data/coded/x.parquet", b"PAR1 not really")
    _unreadable(res, "data/coded/x.parquet", "cannot read Parquet")


# --- values -----------------------------------------------------------------------------------------------
def test_impossible_date(check, make_event_yaml) -> None:
    res = check(BAD, make_event_yaml({"date": '"2023-02-30"'}))
    assert res.code == 1
    assert res.findings == [
        f"{BAD}:9: error E401 bad-date: date '2023-02-30' is not a valid date: no such day in that month [e1]"
    ]


def test_lower_case_actor(check, make_event_yaml) -> None:
    res = check(BAD, make_event_yaml({"source": "rusgov"}))
    assert res.code == 1
    assert res.findings == [
        f"{BAD}:10: error E201 bad-actor-format: source 'rusgov' is not upper-case: write RUSGOV [e1]"
    ]


def test_unquoted_code_stays_a_string(check, make_event_yaml) -> None:
    res = check(BAD, make_event_yaml({"code": "042"}))
    assert res.code == 0 and res.findings == []


def test_bulk_article_id_with_dot_dot(check) -> None:
    art = {"id": "../../etc/passwd", "published": "2023-02-07", "text": "A sentence. Another one."}
    res = check("data/articles/bulk.jsonl", json.dumps(art) + "\n", target="data")
    assert res.code == 1
    assert res.findings == [
        "data/articles/bulk.jsonl:1: error A101 bad-article-id: article id '../../etc/passwd' is not a safe "
        "slug: use lower-case letters, digits, '.', '_', '-'"
    ]


def test_articles_add_refuses_dot_dot(tmp_path: Path, evtk, tree_snapshot) -> None:
    src = tmp_path / "a.txt"
    src.write_text("A sentence. Another one.\n", encoding="utf-8")
    before = tree_snapshot(tmp_path)
    res = evtk(
        "articles",
        "add",
        src,
        "--published",
        "2023-02-07",
        "--articles",
        tmp_path / "arts",
        "--id",
        "../../outside",
    )
    assert res.code == 2
    assert res.err.count("\n") == 1 and "Traceback" not in res.output
    assert "article id '../../outside' is not a safe slug" in res.err
    assert tree_snapshot(tmp_path) == before


# --- property tests: the YAML reader ---------------------------------------------------------------------
# PyYAML's emitter writes NEL and the Unicode line/paragraph separators raw inside quoted scalars with
# allow_unicode=True, and every YAML reader (yaml.safe_load too) then folds them into spaces; the
# ASCII-escaping dump (the default) round-trips them, see test_loads_round_trips_escaped_dump.
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x85\u2028\u2029"), max_size=12)
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
TREES = st.recursive(
    TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=25,
)


@settings(database=None, max_examples=150, deadline=None)
@given(TREES)
def test_loads_round_trips_safe_dump(doc: Any) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    assert yamlio.loads(text, "t.yaml") == doc


@settings(database=None, max_examples=100, deadline=None)
@given(
    st.recursive(
        ANY_TEXT, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4)
    )
)
def test_loads_round_trips_escaped_dump(doc: Any) -> None:
    assert yamlio.loads(yaml.safe_dump(doc), "t.yaml") == doc


def test_loads_nulls_and_quoted_strings() -> None:
    doc = yamlio.loads("a:\nb: null\nc: ''\nd: ~\ne: 'null'\nf: 042\ng: 2023-02-07\nh: yes\n", "t.yaml")
    assert doc == {
        "a": None,
        "b": None,
        "c": "",
        "d": None,
        "e": "null",
        "f": "042",
        "g": "2023-02-07",
        "h": "yes",
    }
    assert doc["e"].quoted and not doc["f"].quoted
    assert doc.key_lines == {k: i for i, k in enumerate("abcdefgh", start=1)}


def _as_strings(node: Any) -> Any:
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, int):
        return str(node)
    if isinstance(node, dict):
        return {k: _as_strings(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_as_strings(v) for v in node]
    return node


@settings(database=None, max_examples=100, deadline=None)
@given(
    st.recursive(
        TEXT | st.integers() | st.booleans() | st.none(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
        max_leaves=25,
    )
)
def test_loads_reads_every_scalar_as_a_string(doc: Any) -> None:
    """Numbers and booleans come back as the strings written (``042`` stays ``042``); null stays None."""
    text = yaml.safe_dump(doc, allow_unicode=True)
    assert yamlio.loads(text, "t.yaml") == _as_strings(doc)


CODES = st.sampled_from(["01", "042", '"042"', "'0211'", "190", '"20"'])
VALUES = st.from_regex(r"[A-Za-z][A-Za-z0-9 .,-]{0,14}[A-Za-z0-9]", fullmatch=True)
FILLER = st.lists(st.sampled_from(["", "# a comment", "    # indented comment"]), max_size=2)


@st.composite
def event_files(draw: st.DrawFn) -> tuple[str, list[int]]:
    """A coded-event YAML file with comments and blank lines in random places, and the 1-based line of
    every event's ``code:`` key."""
    lines = ["# generated", f"article: {ARTICLE}"] + draw(FILLER) + ["events:"]
    code_lines: list[int] = []
    for n in range(draw(st.integers(1, 6))):
        keys = draw(st.permutations(["id", "code", "date", "source", "quote"]))
        for i, key in enumerate(keys):
            lines += draw(FILLER)
            value = {"id": f"e{n + 1}", "code": draw(CODES), "date": "2023-02-07"}.get(key) or draw(VALUES)
            lines.append(("  - " if i == 0 else "    ") + f"{key}: {value}")
            if key == "code":
                code_lines.append(len(lines))
    lines += draw(FILLER)
    return "\n".join(lines) + "\n", code_lines


@settings(database=None, max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_files())
def test_reader_line_numbers_match_code_keys(generated: tuple[str, list[int]]) -> None:
    text, code_lines = generated
    doc = yamlio.loads(text, "g.yaml")
    assert [ev.key_lines["code"] for ev in doc["events"]] == code_lines
    assert [ev["code"].line for ev in doc["events"]] == code_lines
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.yaml"
        path.write_text(text, encoding="utf-8")
        frame = read_yaml(path, "g.yaml", "utf-8", UnknownFields())
    assert frame["_line_code"].to_list() == code_lines
    assert frame["code"].to_list() == [
        ln.split("code: ")[1].strip("\"'") for ln in text.split("\n") if "code: " in ln
    ]
