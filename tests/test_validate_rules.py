"""Every event and article rule (E000-E601, A101-A104) fires where it should and stays quiet where it
should not; the validate CLI (formats, exit codes, --fix-ids), ``evtk new`` and ``evtk articles``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.rules import RULES
from toolkit.validate import validate

ARTICLE = "afp-2023-02-07-lavrov-mali"
CODED = Path("data/coded/lavrov.alice.yaml")
FILE = CODED.as_posix()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _rows(findings: pl.DataFrame) -> list[tuple[Any, ...]]:
    return findings.select("rule", "file", "line", "event_id").rows()


def _messages(findings: pl.DataFrame) -> str:
    return "\n".join(findings["message"])


# --- YAML rules: (rule, events, header, expected [(line, event_id)], key phrase) -------------------
FIRE: dict[str, tuple[str, list[dict[str, Any]], dict[str, str], list[tuple[int, str | None]], str]] = {
    "E001-code": ("E001", [{"code": None}], {}, [(6, "e1")], "event has no code"),
    "E001-quote": ("E001", [{"quote": None}], {}, [(6, "e1")], "event has no quote"),
    "E001-empty-code": ("E001", [{"code": '""'}], {}, [(12, "e1")], "event has no code"),
    "E001-header-article": ("E001", [{}], {"article": '""'}, [(2, "e1")], "event has no article"),
    "E001-id": ("E001", [{"id": None}], {}, [(6, None)], "event has no id"),
    "E002-sentence": ("E002", [{"sentence": "three"}], {}, [(7, "e1")], "'three' is not a positive whole"),
    "E002-method": ("E002", [{}], {"method": "manual"}, [(4, "e1")], "method 'manual' is not one of hand"),
    "E002-lat": (
        "E002",
        [{"location": '{country: MLI, lat: "95", lon: "-8"}'}],
        {},
        [(13, "e1")],
        "lat '95' is not a number between -90 and 90",
    ),
    "E002-decimal-comma": (
        "E002",
        [{"location": "{country: NGA, lat: '11,8', lon: '8.5'}"}],
        {},
        [(13, "e1")],
        "lat '11,8' is not a number with a decimal point: write 11.8",
    ),
    "E207": (
        "E207",
        [{"location": "{country: Nigeria}"}],
        {},
        [(13, "e1")],
        "location country 'Nigeria' is not a country or region code of the codebook: write its code NGA",
    ),
    "E002-quad": ("E002", [{"quad_class": "one"}], {}, [(13, "e1")], "quad_class 'one' is not 1, 2, 3 or 4"),
    "E101": ("E101", [{"code": '"42"'}], {}, [(12, "e1")], "did you mean 042?"),
    "E101-nohint": ("E101", [{"code": '"999"'}], {}, [(12, "e1")], "look it up with `evtk codebook search`"),
    "E201": (
        "E201",
        [{"source": "rusgov"}],
        {},
        [(10, "e1")],
        "source 'rusgov' is not upper-case: write RUSGOV",
    ),
    "E201-shape": ("E201", [{"target": "MLIGO"}], {}, [(11, "e1")], "not a sequence of three-letter"),
    "E202": ("E202", [{"source": "RUSQQQ"}], {}, [(10, "e1")], "part QQQ (position 2) is not in"),
    "E203": ("E203", [{"source": "GOVRUS"}], {}, [(10, "e1")], "RUS (country) cannot stand in position 2"),
    "E204": ("E204", [{"target": "RUSGOV"}], {}, [(11, "e1")], "source and target are both RUSGOV"),
    "E301": ("E301", [{}], {"article": "no-such-article"}, [(2, "e1")], "'no-such-article' is not in the"),
    "E301-event": (
        "E301",
        [{"article": "afp-2023-02-07-lavrov-mail"}],
        {},
        [(13, "e1")],
        "'afp-2023-02-07-lavrov-mail' is not in the articles folder",
    ),
    "E302": ("E302", [{"sentence": "21"}], {}, [(7, "e1")], "sentence 21 is out of range: article"),
    "E303-elsewhere": (
        "E303",
        [{"quote": '"was welcomed upon his arrival"'}],
        {},
        [(8, "e1")],
        "is not in sentence 3 of afp-2023-02-07-lavrov-mali: it is in sentence 4",
    ),
    "E303-nowhere": (
        "E303",
        [{"quote": '"arrived in Moscow"'}],
        {},
        [(8, "e1")],
        "nor in any other sentence",
    ),
    "E305-note": (
        "E305",
        [{"note": '"=HYPERLINK(1)"'}],
        {},
        [(13, "e1")],
        "note =HYPERLINK(1) starts like a spreadsheet formula",
    ),
    "E401": (
        "E401",
        [{"date": '"2023-02-30"'}],
        {},
        [(9, "e1")],
        "'2023-02-30' is not a valid date: no such day",
    ),
    "E401-month": ("E401", [{"date": '"2023-13"'}], {}, [(9, "e1")], "no such month"),
    "E402": (
        "E402",
        [{"date": '"2023-02-08"'}],
        {},
        [(9, "e1")],
        "after the article's publication date 2023-02-07",
    ),
    "E402-month": ("E402", [{"date": '"2023-03"'}], {}, [(9, "e1")], "date 2023-03 is after the article's"),
    "E403": ("E403", [{"date": '"1899-12-31"'}], {}, [(9, "e1")], "date 1899-12-31 is before 1900"),
    "E501": (
        "E501",
        [{}, {"sentence": "4", "quote": "welcomed"}],
        {},
        [(6, "e1"), (13, "e1")],
        "event id 'e1' is used 2 times in this file",
    ),
    "E502": ("E502", [{}, {"id": "e2"}], {}, [(13, "e2")], "as event e1 in data/coded/lavrov.alice.yaml"),
    "E601-root": (
        "E601",
        [{"root_code": '"05"'}],
        {},
        [(13, "e1")],
        "root_code 05 disagrees with the codebook's 04",
    ),
    "E601-quad": (
        "E601",
        [{"quad_class": "2"}],
        {},
        [(13, "e1")],
        "quad_class 2 disagrees with the codebook's 1",
    ),
    "E601-goldstein": (
        "E601",
        [{"goldstein": "3.0"}],
        {},
        [(13, "e1")],
        "goldstein 3.0 disagrees with the codebook's 1.9",
    ),
}

# Near misses: each would trip a rule if the check were too eager. All must be completely clean.
QUIET: dict[str, tuple[list[dict[str, Any]], dict[str, str]]] = {
    "clean": ([{}], {}),
    "E001-import-needs-no-sentence-or-quote": ([{"sentence": None, "quote": None}], {"method": "import"}),
    "E002-location-in-range": (
        [{"location": '{country: MLI, place: Bamako, lat: "12.65", lon: "-8.0"}'}],
        {},
    ),
    "E002-rule-method": ([{"rule_id": "visit-1"}], {"method": "rule"}),
    "E003-known-fields": ([{"note": '"first trip"', "url": "https://example.org/a"}], {}),
    "E101-padded-code": ([{"code": '" 042 "'}], {}),
    "E101-four-digit": (
        [{"sentence": "8", "quote": "security and economic cooperation", "code": '"0311"'}],
        {},
    ),
    "E201-empty-target": ([{"target": '""'}], {}),
    "E201-no-target": ([{"target": None}], {}),
    "E201-null-target": ([{"target": "null"}], {}),
    "E201-blank-target": ([{"target": ""}], {}),
    "E203-igo-then-org": ([{"target": "IGOUNO"}], {}),
    "E203-regional-body": ([{"target": "IGOMLI"}], {}),
    "E204-different-actors": ([{"target": "RUS"}], {}),
    "E301-per-event-article": ([{"article": ARTICLE}], {"article": '""'}),
    "E302-last-sentence": ([{"sentence": "20", "quote": "Lavrov slammed the West"}], {}),
    "E303-case-space-quotes": ([{"quote": '"ARRIVED   in\\tmali"'}], {}),
    "E303-curly-quotes": ([{"sentence": "8", "quote": '"is \u201cthe first of its kind\u201d"'}], {}),
    "E305-sign-inside": ([{"note": '"talks - then +2 days @ Bamako"'}], {}),
    "E401-month": ([{"date": '"2023-02"'}], {}),
    "E401-year": ([{"date": '"2023"'}], {}),
    "E401-leap-day": ([{"date": '"2020-02-29"'}], {}),
    "E402-same-day": ([{"date": '"2023-02-07"'}], {}),
    "E403-1900": ([{"date": '"1900-01-01"'}], {}),
    "E501-E502-distinct": ([{}, {"id": "e2", "sentence": "4", "quote": "welcomed", "code": '"043"'}], {}),
    "E502-other-target": ([{}, {"id": "e2", "target": "MLI"}], {}),
    "E601-agreeing": ([{"root_code": '"04"', "quad_class": "1", "goldstein": "1.9"}], {}),
}


def test_every_event_and_article_rule_is_covered() -> None:
    covered = {case[0] for case in FIRE.values()} | {"E000", "E003", "E102", "E304", "E503"}
    covered |= {"E205", "E206", "E602"}  # test_imported_rules_fire_as_warnings
    covered |= {"A101", "A102", "A103", "A104"}
    covered |= {"E701"}  # tests/test_adjudicate.py
    covered |= {"E004"}  # tests/test_user_cases.py::test_a_workbook_among_the_event_files_is_named_not_skipped
    assert covered == {r for r in RULES if r[0] in "EA"}


@pytest.mark.parametrize("case", sorted(FIRE))
def test_rule_fires(case: str, data_dir: Path, make_event_yaml) -> None:
    rule_id, events, header, expected, phrase = FIRE[case]
    _write(CODED, make_event_yaml(*events, header=header))
    result = validate([data_dir])
    found = result.report.findings
    assert _rows(found) == [(rule_id, FILE, line, eid) for line, eid in expected], found.rows()
    assert phrase in _messages(found)
    assert set(found["severity"]) == {RULES[rule_id].severity}
    assert result.exit_code == (1 if RULES[rule_id].severity == "error" else 0)


@pytest.mark.parametrize("case", sorted(QUIET))
def test_rule_stays_quiet(case: str, data_dir: Path, make_event_yaml) -> None:
    events, header = QUIET[case]
    _write(CODED, make_event_yaml(*events, header=header))
    result = validate([data_dir])
    assert result.report.findings.is_empty(), result.report.findings.rows()
    assert result.exit_code == 0
    assert result.events.height == len(events)


def test_clean_fixture_validates_into_release_columns(data_dir: Path) -> None:
    result = validate([data_dir])
    assert result.report.counts == {"files": 1, "events": 1, "articles": 1}
    row = result.events.row(0, named=True)
    assert row["event_id"].endswith("coded/lavrov.alice#e1")  # stable: file path and local id
    assert (row["event_code"], row["root_code"], row["quad_class"], row["goldstein"]) == ("042", "04", 1, 1.9)
    assert (row["article_id"], row["sentence"], row["date_precision"]) == (ARTICLE, 3, "day")


# --- rules that need more than one YAML file ---------------------------------------------------------
def test_e000_unreadable_file(data_dir: Path, make_event_yaml) -> None:
    _write(CODED, make_event_yaml().replace("    sentence: 3", "\tsentence: 3"))
    result = validate([data_dir])
    found = result.report.findings
    assert _rows(found) == [("E000", FILE, 7, None)]
    assert "malformed YAML" in found["message"][0] and "tabs" in found["message"][0]
    assert result.exit_code == 2


def test_e000_quiet_for_other_files(data_dir: Path, make_event_yaml) -> None:
    _write(data_dir / "coded" / "broken.yaml", "events: [\n")
    result = validate([data_dir])
    assert _rows(result.report.findings) == [("E000", "data/coded/broken.yaml", 2, None)]
    assert result.report.counts["events"] == 1  # the good file was still checked


def test_e003_unknown_field(data_dir: Path, make_event_yaml) -> None:
    _write(CODED, make_event_yaml({"notes": "x"}, header={"coders": "bob"}))
    found = validate([data_dir]).report.findings
    # Unknown keys are reported per key, at the key's line (they belong to no parsed field).
    assert _rows(found) == [("E003", FILE, 5, None), ("E003", FILE, 14, None)]
    assert "unknown field 'coders' is ignored: did you mean 'coder'?" in _messages(found)
    assert "unknown field 'notes' is ignored: did you mean 'note'?" in _messages(found)
    assert set(found["severity"]) == {"warning"}


def test_e003_unknown_location_key(data_dir: Path, make_event_yaml) -> None:
    _write(CODED, make_event_yaml({"location": "{country: MLI, city: Bamako}"}))
    found = validate([data_dir]).report.findings
    assert _rows(found) == [("E003", FILE, 13, None)]
    assert "unknown field 'location.city'" in found["message"][0]


def _deprecate_042(codebook_copy: Path) -> None:
    path = codebook_copy / "events" / "04.yaml"
    text = path.read_text(encoding="utf-8")
    old = '    name: "Make a visit"\n'
    assert text.count(old) == 1
    path.write_text(text.replace(old, old + '    replaced_by: "043"\n'), encoding="utf-8")


def test_e102_deprecated_code(data_dir: Path, codebook_copy: Path) -> None:
    _deprecate_042(codebook_copy)
    result = validate([data_dir], codebook=codebook_copy)
    found = result.report.findings
    assert _rows(found) == [("E102", FILE, 12, "e1")]
    assert found["message"][0] == "event code 042 is deprecated: use 043"
    assert result.exit_code == 0


def test_e102_quiet_for_replacement(data_dir: Path, codebook_copy: Path, make_event_yaml) -> None:
    _deprecate_042(codebook_copy)
    _write(CODED, make_event_yaml({"code": '"043"'}))
    assert validate([data_dir], codebook=codebook_copy).report.findings.is_empty()


def _imported(path: Path, article: str | None) -> None:
    pl.DataFrame(
        {
            "id": ["g1", "g2"],
            "article": [article, article],
            "date": ["2023-02-07", "2023-02-06"],
            "source": ["RUSGOV", "MLIGOV"],
            "target": ["MLIGOV", "RUSGOV"],
            "code": ["042", "043"],
            "method": ["import", "import"],
            "url": ["https://example.org/1", "https://example.org/2"],
        }
    ).write_parquet(path)


def test_e304_imported_events_without_text(data_dir: Path) -> None:
    _imported(data_dir / "coded" / "gdelt.parquet", None)
    result = validate([data_dir])
    found = result.report.findings
    # One finding per file (a summary, not per event): no line, no event id.
    assert _rows(found) == [("E304", "data/coded/gdelt.parquet", None, None)]
    assert found["message"][0].startswith("2 imported events have no article text")
    assert result.exit_code == 0
    assert result.report.counts["events"] == 3


def test_e304_quiet_when_imported_events_name_an_article(data_dir: Path) -> None:
    _imported(data_dir / "coded" / "gdelt.parquet", ARTICLE)
    assert validate([data_dir]).report.findings.is_empty()


def test_e503_same_stem_same_local_id(data_dir: Path, make_event_yaml) -> None:
    shutil.move(CODED, data_dir / "coded" / "x.yaml")
    _write(
        data_dir / "coded" / "x.csv",
        "id,article,sentence,quote,date,source,target,code\n"
        f"e1,{ARTICLE},4,was welcomed,2023-02-06,MLIGOV,RUSGOV,043\n",
    )
    found = validate([data_dir]).report.findings
    assert _rows(found) == [("E503", "data/coded/x.yaml", 6, "e1")]
    assert "x#e1 is also produced by data/coded/x.csv" in found["message"][0]


def test_e503_quiet_for_different_stems(data_dir: Path) -> None:
    _write(
        data_dir / "coded" / "y.csv",
        "id,article,sentence,quote,date,source,target,code\n"
        f"e1,{ARTICLE},4,was welcomed,2023-02-06,MLIGOV,RUSGOV,043\n",
    )
    assert validate([data_dir]).report.findings.is_empty()


def test_csv_findings_point_at_the_row_line(data_dir: Path) -> None:
    CODED.unlink()
    _write(
        data_dir / "coded" / "sheet.csv",
        "id,article,sentence,quote,date,source,target,code\n"
        f"e1,{ARTICLE},3,arrived in Mali,2023-02-07,RUSGOV,MLIGOV,042\n"
        "\n"
        f"e2,{ARTICLE},4,was welcomed,2023-02-07,MLIGOV,RUSGOV,42\n",
    )
    found = validate([data_dir]).report.findings
    assert _rows(found) == [("E101", "data/coded/sheet.csv", 4, "e2")]


# --- article rules --------------------------------------------------------------------------------
ARTICLE_META = Path("data/articles") / f"{ARTICLE}.yaml"


def _bulk(data_dir: Path, *ids: str) -> Path:
    lines = [
        json.dumps({"id": i, "title": "T", "published": "2023-02-01", "text": "One sentence here. Two here."})
        for i in ids
    ]
    return _write(data_dir / "articles" / "bulk.jsonl", "\n".join(lines) + "\n")


def test_a101_unsafe_bulk_article_id(data_dir: Path) -> None:
    _bulk(data_dir, "good-one", "../etc/passwd")
    found = validate([data_dir]).report.findings
    assert _rows(found) == [("A101", "data/articles/bulk.jsonl", 2, None)]
    assert "article id '../etc/passwd' is not a safe slug" in found["message"][0]


def test_a101_quiet_for_safe_bulk_ids(data_dir: Path) -> None:
    _bulk(data_dir, "good-one", "reuters.2023_02_07-x")
    result = validate([data_dir])
    assert result.report.findings.is_empty()
    assert result.report.counts["articles"] == 3


def test_a102_text_changed(data_dir: Path) -> None:
    txt = ARTICLE_META.with_suffix(".txt")
    txt.write_text(txt.read_text(encoding="utf-8").replace("Lavrov", "Lavrow", 1), encoding="utf-8")
    found = validate([data_dir]).report.findings
    assert _rows(found) == [("A102", ARTICLE_META.as_posix(), 1, None)]
    assert f"the text of article {ARTICLE} changed since it was segmented" in found["message"][0]


def test_a103_duplicate_article(data_dir: Path) -> None:
    _bulk(data_dir, "other", ARTICLE)
    found = validate([data_dir]).report.findings
    assert sorted(_rows(found), key=str) == sorted(
        [("A103", "data/articles/bulk.jsonl", 2, None), ("A103", ARTICLE_META.as_posix(), 1, None)], key=str
    )
    assert f"article id {ARTICLE} is defined more than once" in found["message"][0]


def test_a104_bad_publication_date(data_dir: Path) -> None:
    text = ARTICLE_META.read_text(encoding="utf-8")
    ARTICLE_META.write_text(
        text.replace('published: "2023-02-07"', 'published: "2023-02-30"'), encoding="utf-8"
    )
    found = validate([data_dir]).report.findings
    assert _rows(found) == [("A104", ARTICLE_META.as_posix(), 5, None)]
    assert found["message"][0] == "published '2023-02-30' is not a valid YYYY-MM-DD date"


def test_article_rules_quiet_on_the_shipped_article(data_dir: Path) -> None:
    from toolkit.articles import load_articles

    arts = load_articles([data_dir / "articles"])
    assert arts.findings.is_empty()
    assert arts.articles["sentence_count"].to_list() == [20]


# --- the validate command ---------------------------------------------------------------------------
def _two_errors_one_warning(make_event_yaml) -> str:
    return make_event_yaml({}, {"id": "e2", "code": '"42"', "date": '"2023-02-30"', "target": "RUSGOV"})


def test_cli_json_equals_library(data_dir: Path, make_event_yaml) -> None:
    _write(CODED, _two_errors_one_warning(make_event_yaml))
    result = CliRunner().invoke(app, ["validate", "data", "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc == validate([data_dir], max_examples=50).report.to_dict()
    assert doc["rule_counts"] == {"E101": 1, "E204": 1, "E401": 1}
    assert (doc["valid"], doc["errors"], doc["warnings"]) == (False, 2, 1)


def test_cli_json_clean(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--format", "json"])  # default path: data/
    assert result.exit_code == 0
    assert json.loads(result.stdout) == validate([data_dir], max_examples=50).report.to_dict()


def test_cli_github_annotations(data_dir: Path, make_event_yaml, evtk) -> None:
    _write(CODED, _two_errors_one_warning(make_event_yaml))
    res = evtk("validate", "data", "--format", "github")
    assert res.code == 1
    lines = res.out.splitlines()
    assert f"::error file={FILE},line=19,title=E101 unknown-event-code::event code '42'" in res.out
    assert any(ln.startswith(f"::error file={FILE},line=16,title=E401 bad-date::") for ln in lines)
    assert any(
        ln.startswith(f"::warning file={FILE},line=18,title=E204 source-equals-target::") for ln in lines
    )
    assert lines[-1].startswith("invalid: 2 error(s), 1 warning(s)")


def test_cli_text_summary_counts_per_rule(data_dir: Path, make_event_yaml, evtk) -> None:
    _write(CODED, _two_errors_one_warning(make_event_yaml))
    res = evtk("validate", "data")
    assert res.code == 1
    lines = res.out.splitlines()
    assert lines[-1] == (
        "invalid: 2 error(s), 1 warning(s) in 1 files, 2 events, 1 articles "
        "[E101 unknown-event-code: 1; E204 source-equals-target: 1; E401 bad-date: 1]"
    )
    assert f"{FILE}:19: error E101 unknown-event-code: event code '42'" in res.out
    assert lines[0].startswith(f"{FILE}:16: error E401")  # sorted by file and line
    assert res.out.rstrip().endswith("]") and "[e2]" in lines[0]


def test_cli_exit_0_clean_and_with_warnings(data_dir: Path, make_event_yaml, evtk) -> None:
    res = evtk("validate", "data")
    assert (res.code, res.out.strip()) == (
        0,
        "valid: 0 error(s), 0 warning(s) in 1 files, 1 events, 1 articles",
    )
    _write(CODED, make_event_yaml({"target": "RUSGOV"}))
    res = evtk("validate", "data")
    assert res.code == 0
    assert res.out.splitlines()[-1].startswith("valid: 0 error(s), 1 warning(s)")


def test_cli_exit_2_unreadable(data_dir: Path, evtk) -> None:
    _write(data_dir / "coded" / "bad.yaml", "events:\n  - id: e1\n    code: '042\n")
    res = evtk("validate", "data")
    assert res.code == 2
    assert "data/coded/bad.yaml:3: error E000 unreadable-file: malformed YAML" in res.out
    assert "Traceback" not in res.output


def test_cli_exit_2_missing_path(data_dir: Path, evtk) -> None:
    res = evtk("validate", "data/nope.yaml")
    assert res.code == 2
    assert res.err == "evtk: error: data/nope.yaml: no such file or directory\n"


def test_cli_max_examples_caps_examples_not_counts(data_dir: Path, make_event_yaml, evtk) -> None:
    events = [{"id": f"e{i}", "code": '"42"', "date": f'"2023-02-0{i}"'} for i in range(1, 8)]
    _write(CODED, make_event_yaml(*events))
    res = evtk("validate", "data", "--max-examples", "2")
    assert res.code == 1
    assert res.out.count("E101 unknown-event-code: event code") == 2
    assert "... 5 more finding(s) not shown" in res.out
    assert "[E101 unknown-event-code: 7]" in res.out


# --- --fix-ids ------------------------------------------------------------------------------------
FIX_BEFORE = """\
# coded by alice; ids are filled by evtk validate --fix-ids
article: afp-2023-02-07-lavrov-mali   # the AFP piece
coder: alice
events:
  # the visit itself
  - sentence: 3
    quote: "arrived in Mali"
    date: "2023-02-07"
    source: RUSGOV
    target: MLIGOV
    code: "042"
  - id: e7
    sentence: 4
    quote: 'welcomed upon his arrival'
    date: "2023-02-07"
    source: MLIGOV
    target: RUSGOV
    code: "043"   # hosting
  -
    # id goes here
    sentence: 9
    quote: Lavrov will hold talks
    date: "2023-02-07"
    source: RUSGOV
    target: MLIGOV
    code: "040"
  - {sentence: 8, quote: "the visit by Lavrov", date: "2023-02-07", source: RUSGOV, target: MLI, code: "042"}
"""
FIX_AFTER = (
    FIX_BEFORE.replace("  - sentence: 3\n", "  - id: e8\n    sentence: 3\n")
    .replace("    # id goes here\n    sentence: 9\n", "    # id goes here\n    id: e9\n    sentence: 9\n")
    .replace("  - {sentence: 8,", "  - {id: e10, sentence: 8,")
)


def test_fix_ids_leaves_codebook_copies_and_releases_alone(data_dir: Path, evtk) -> None:
    """--fix-ids touches the files validate reads as event files, and no other: a codebook copy
    (whose crosswalk and mapping CSVs have no id column) and a release inside the data folder
    keep every byte."""
    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "codebook", data_dir / "mycodebook")
    shutil.copytree(repo / "data" / "releases", data_dir / "releases")
    _write(CODED, FIX_BEFORE)
    untouched = {
        p: p.read_bytes()
        for d in ("mycodebook", "releases", "articles")
        for p in (data_dir / d).rglob("*")
        if p.is_file()
    }
    assert any(p.suffix == ".csv" for p in untouched)
    res = evtk("validate", "data", "--fix-ids")
    assert res.code == 0, res.out
    assert f"{CODED}: filled 3 missing id(s)" in res.err
    assert "mycodebook" not in res.err and "releases" not in res.err
    assert {p: p.read_bytes() for p in untouched} == untouched
    assert CODED.read_text(encoding="utf-8") == FIX_AFTER


def test_fix_ids_yaml_inserts_only_id_lines(data_dir: Path, evtk) -> None:
    _write(CODED, FIX_BEFORE)
    res = evtk("validate", "data")
    assert res.code == 1 and "[E001 missing-field: 3]" in res.out
    res = evtk("validate", "data", "--fix-ids")
    assert res.code == 0, res.out
    assert f"{CODED}: filled 3 missing id(s)" in res.err
    assert CODED.read_text(encoding="utf-8") == FIX_AFTER
    # Apart from the inserted ids the file is the same, byte for byte (comments, quoting, layout).
    undone = (
        CODED.read_text(encoding="utf-8")
        .replace("  - id: e8\n    sentence: 3", "  - sentence: 3")
        .replace("    id: e9\n", "")
        .replace("{id: e10, ", "{")
    )
    assert undone == FIX_BEFORE
    assert validate([data_dir]).report.findings.is_empty()
    # A second run changes nothing.
    res = evtk("validate", "data", "--fix-ids")
    assert res.code == 0 and res.err == ""
    assert CODED.read_text(encoding="utf-8") == FIX_AFTER


def test_fix_ids_yaml_fills_empty_id_and_keeps_crlf(data_dir: Path, make_event_yaml, evtk) -> None:
    text = make_event_yaml({"id": '""'}).replace("\n", "\r\n")
    CODED.write_bytes(b"\xef\xbb\xbf" + text.encode())
    res = evtk("validate", "data", "--fix-ids")
    assert res.code == 0, res.out
    assert CODED.read_bytes() == b"\xef\xbb\xbf" + text.replace('- id: ""', "- id: e1").encode()


def test_fix_ids_keeps_the_file_encoding(data_dir: Path, make_event_yaml, evtk) -> None:
    text = make_event_yaml({"id": None, "note": '"r\u00e9union \u00e0 Bamako"'})
    CODED.write_bytes(text.encode("latin-1"))
    res = evtk("validate", "data", "--fix-ids", "--encoding", "latin-1")
    assert res.code == 0, res.out
    assert CODED.read_bytes() == text.replace("  - sentence: 3\n", "  - id: e1\n    sentence: 3\n").encode(
        "latin-1"
    )


def test_fix_ids_csv(data_dir: Path, evtk) -> None:
    sheet = data_dir / "coded" / "sheet.csv"
    _write(
        sheet,
        "id,article,sentence,quote,date,source,target,code\n"
        f",{ARTICLE},4,was welcomed,2023-02-07,MLIGOV,RUSGOV,043\n"
        f"e1,{ARTICLE},9,Lavrov will hold talks,2023-02-07,RUSGOV,MLIGOV,040\n"
        f",{ARTICLE},8,the visit by Lavrov,2023-02-07,RUSGOV,MLI,042\n",
    )
    res = evtk("validate", "data", "--fix-ids")
    assert res.code == 0, res.out
    assert sheet.read_text(encoding="utf-8").splitlines() == [
        "id,article,sentence,quote,date,source,target,code",
        f"e2,{ARTICLE},4,was welcomed,2023-02-07,MLIGOV,RUSGOV,043",
        f"e1,{ARTICLE},9,Lavrov will hold talks,2023-02-07,RUSGOV,MLIGOV,040",
        f"e3,{ARTICLE},8,the visit by Lavrov,2023-02-07,RUSGOV,MLI,042",
    ]
    assert validate([data_dir]).report.findings.is_empty()


def test_fix_ids_csv_without_id_column_semicolons(data_dir: Path, evtk) -> None:
    sheet = data_dir / "coded" / "excel.csv"
    sheet.write_bytes(
        (
            "article;sentence;quote;date;source;target;code\r\n"
            f"{ARTICLE};4;was welcomed;2023-02-07;MLIGOV;RUSGOV;043\r\n"
        ).encode()
    )
    res = evtk("validate", "data", "--fix-ids")
    assert res.code == 0, res.out
    assert (
        sheet.read_bytes()
        == (
            "id;article;sentence;quote;date;source;target;code\r\n"
            f"e1;{ARTICLE};4;was welcomed;2023-02-07;MLIGOV;RUSGOV;043\r\n"
        ).encode()
    )


# --- evtk new ---------------------------------------------------------------------------------------
def test_new_writes_skeleton_with_numbered_sentences(data_dir: Path, evtk) -> None:
    res = evtk("new", ARTICLE, "--coder", "bob")
    assert res.code == 0, res.err
    target = data_dir / "coded" / f"{ARTICLE}.bob.yaml"
    assert res.out.strip() == f"wrote {target}: 20 sentences to code"
    text = target.read_text(encoding="utf-8")
    assert "#   1  Russian Foreign Minister Sergei Lavrov (right)" in text
    assert "#   4  Lavrov, who was in Iraq on Monday, was welcomed" in text
    assert "#  20  In January, Lavrov slammed the West" in text
    assert f'article: "{ARTICLE}"' in text and 'coder: "bob"' in text
    from toolkit import yamlio

    doc = yamlio.loads(text, target)
    assert doc["events"][0]["date"] == "2023-02-07"
    # The skeleton is readable: validation reports what is still to fill in, nothing unreadable.
    result = validate([target])
    assert result.exit_code == 1
    assert set(result.report.findings["rule"]) == {"E001"}


def test_new_refuses_to_overwrite(data_dir: Path, evtk) -> None:
    target = data_dir / "coded" / "mine.yaml"
    _write(target, "# my work\n")
    res = evtk("new", ARTICLE, "--coder", "bob", "--out", target)
    assert res.code == 2
    assert "already exists" in res.err and str(target) in res.err
    assert target.read_text(encoding="utf-8") == "# my work\n"


def test_new_unknown_article_and_bad_coder(data_dir: Path, evtk) -> None:
    res = evtk("new", "afp-2023-02-07-lavrov", "--coder", "bob")
    assert res.code == 2 and f"did you mean {ARTICLE}?" in res.err
    res = evtk("new", ARTICLE, "--coder", "Bob Smith")
    assert res.code == 2 and "--coder 'Bob Smith' must be a safe slug" in res.err
    assert not (data_dir / "coded" / f"{ARTICLE}.Bob Smith.yaml").exists()


# --- evtk articles ------------------------------------------------------------------------------------
TEXT = "Mali's junta met Russian envoys on Monday. The talks ended without a statement.\n"


def test_articles_add(tmp_path: Path, evtk) -> None:
    src = _write(tmp_path / "Mali Talks.txt", TEXT)
    arts = tmp_path / "articles"
    res = evtk("articles", "add", src, "--published", "2023-02-06", "--articles", arts, "--source", "AFP")
    assert res.code == 0, res.err
    assert res.out.startswith("added mali-talks: 2 sentences")
    assert (arts / "mali-talks.txt").read_text(encoding="utf-8") == TEXT
    res = evtk("articles", "show", "mali-talks", "--articles", arts)
    assert res.code == 0
    assert "   2  The talks ended without a statement." in res.out
    assert "AFP, published 2023-02-06, en, 2 sentences" in res.out
    # Adding it again is refused unless --replace.
    res = evtk("articles", "add", src, "--published", "2023-02-06", "--articles", arts)
    assert res.code == 2 and "already exists" in res.err and "--replace" in res.err
    res = evtk("articles", "add", src, "--published", "2023-02-06", "--articles", arts, "--replace")
    assert res.code == 0


def test_articles_add_refuses_path_traversal(tmp_path: Path, evtk) -> None:
    src = _write(tmp_path / "a.txt", TEXT)
    arts = tmp_path / "articles"
    res = evtk("articles", "add", src, "--published", "2023-02-06", "--articles", arts, "--id", "../evil")
    assert res.code == 2
    assert "article id '../evil' is not a safe slug" in res.err
    assert "Traceback" not in res.output
    assert not arts.exists() and not (tmp_path / "evil.yaml").exists()


def test_articles_add_latin1(tmp_path: Path, evtk) -> None:
    src = tmp_path / "bamako.txt"
    src.write_bytes(
        "Le ministre a visit\u00e9 Bamako. Il a rencontr\u00e9 le pr\u00e9sident.\n".encode("latin-1")
    )
    arts = tmp_path / "articles"
    res = evtk("articles", "add", src, "--published", "2023-02-06", "--articles", arts)
    assert res.code == 2
    assert f"{src}:1:" in res.err and "--encoding cp1252" in res.err
    assert res.err.count("\n") == 1
    assert not arts.exists()
    res = evtk(
        "articles", "add", src, "--published", "2023-02-06", "--articles", arts, "--encoding", "latin-1"
    )
    assert res.code == 0, res.err
    # Stored as UTF-8, so later reads need no --encoding.
    assert "visit\u00e9 Bamako" in (arts / "bamako.txt").read_text(encoding="utf-8")
    res = evtk("articles", "show", "bamako", "--articles", arts)
    assert "   1  Le ministre a visit\u00e9 Bamako." in res.out


def test_articles_add_bad_date(tmp_path: Path, evtk) -> None:
    src = _write(tmp_path / "a.txt", TEXT)
    res = evtk("articles", "add", src, "--published", "2023-02-30", "--articles", tmp_path / "arts")
    assert res.code == 2 and "--published '2023-02-30' is not a valid YYYY-MM-DD date" in res.err


def test_articles_show_unknown_suggests_closest(data_dir: Path, evtk) -> None:
    res = evtk("articles", "show", "afp-2023-02-07-lavrov-mail")
    assert res.code == 2
    assert res.err.count("\n") == 1
    assert f"did you mean {ARTICLE}?" in res.err


def test_articles_show_json(data_dir: Path, evtk) -> None:
    res = evtk("articles", "show", ARTICLE, "--format", "json")
    doc = json.loads(res.out)
    assert doc["article_id"] == ARTICLE and len(doc["sentences"]) == 20
    assert doc["sentences"][4] == {
        "sentence": 5,
        "text": "The two men did not make any statements to journalists.",
    }
    assert doc["url"] is None  # `url: null` in the metadata is no URL, not the string "null"


def test_validate_latin1_events_with_utf8_articles(data_dir: Path, evtk, tmp_path: Path) -> None:
    """--encoding applies to event files; articles (always written as UTF-8) keep their text."""
    src = tmp_path / "fr.txt"
    src.write_text(
        "Le ministre a visit\u00e9 Bamako. Il a rencontr\u00e9 le pr\u00e9sident.\n", encoding="utf-8"
    )
    assert evtk("articles", "add", src, "--published", "2023-02-07", "--articles", "data/articles").code == 0
    CODED.write_bytes(
        (
            "# cod\u00e9 par Jos\u00e9\narticle: fr\nevents:\n  - id: e1\n    sentence: 1\n"
            '    quote: "a visit\u00e9 Bamako"\n    date: "2023-02-07"\n    source: RUSGOV\n    code: "042"\n'
        ).encode("latin-1")
    )
    assert evtk("validate", "data").code == 2
    res = evtk("validate", "data", "--encoding", "latin-1")
    assert res.code == 0, res.out


def _imported_rows(path: Path, **columns: list[str | None]) -> None:
    base: dict[str, list[str | None]] = {
        "id": ["g1"],
        "date": ["2023-02-07"],
        "source": ["RUSGOV"],
        "target": ["MLIGOV"],
        "code": ["042"],
        "method": ["import"],
        "url": ["https://example.org/1"],
    }
    base.update(columns)
    pl.DataFrame(base, schema=dict.fromkeys(base, pl.String)).write_parquet(path)


@pytest.mark.parametrize(
    ("columns", "rule", "phrase"),
    [
        ({"source": [None]}, "E205", "imported event has no source actor"),
        ({"source": ["cor"]}, "E206", "source 'cor' is not upper-case"),
        ({"target": ["MLIXXX"]}, "E206", "part XXX (position 2)"),
        ({"goldstein": ["-5"]}, "E602", "goldstein -5 disagrees with the codebook's 1.9 for code 042"),
        ({"quad_class": ["3"]}, "E602", "quad_class 3 disagrees"),
    ],
)
def test_imported_rules_fire_as_warnings(data_dir: Path, columns, rule: str, phrase: str) -> None:
    _imported_rows(data_dir / "coded" / "gdelt.parquet", **columns)
    result = validate([data_dir])
    found = result.report.findings.filter(pl.col("rule") == rule)
    assert found.height == 1, result.report.findings
    assert found["file"][0] == "data/coded/gdelt.parquet" and found["line"][0] == 1
    assert found["event_id"][0] == "g1"
    assert phrase in found["message"][0]
    assert result.exit_code == 0  # warnings: a source dataset's own values are reported, not blocked


@pytest.mark.parametrize(
    ("columns", "hand_rule"),
    [({"source": [None]}, "E001"), ({"source": ["cor"]}, "E201"), ({"goldstein": ["-5"]}, "E601")],
)
def test_same_problems_are_errors_for_hand_coded_events(data_dir: Path, columns, hand_rule: str) -> None:
    _imported_rows(
        data_dir / "coded" / "gdelt.parquet", method=["rule"], article=[ARTICLE], sentence=["3"], **columns
    )
    rules = set(validate([data_dir]).report.findings["rule"].to_list())
    assert hand_rule in rules and not rules & {"E205", "E206", "E602"}


def test_imported_rules_quiet_on_clean_imports(data_dir: Path) -> None:
    _imported_rows(data_dir / "coded" / "gdelt.parquet", goldstein=["1.9"], quad_class=["1"])
    rules = set(validate([data_dir]).report.findings["rule"].to_list())
    assert not rules & {"E205", "E206", "E602"}
