"""The shipped codebook, its self-check (rules C101-C115), unreadable codebooks, and the look-up CLI."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.codebook import load_codebook
from toolkit.errors import CodebookError
from toolkit.export_codebook import table_frame
from toolkit.rules import RULES
from toolkit.rules.codebook import check_codebook

REPO = Path(__file__).resolve().parent.parent
GDELT_QUADS = {f"{r:02d}": 1 if r <= 5 else 2 if r <= 9 else 3 if r <= 14 else 4 for r in range(1, 21)}
INHERITED = ("155", "176", "1834", "1951", "1952")


# --- the shipped codebook ------------------------------------------------------------------------
def test_shipped_codebook_has_316_event_codes_by_level() -> None:
    ev = load_codebook().events
    assert ev.height == 316
    assert ev["code"].is_unique().all()
    by_len = dict(ev.group_by(pl.col("code").str.len_chars().alias("n")).len().iter_rows())
    assert by_len == {2: 20, 3: 149, 4: 147}
    assert sorted(ev.filter(pl.col("level") == 1)["code"]) == sorted(GDELT_QUADS)


def test_quad_classes_follow_gdelt_root_mapping() -> None:
    cb = load_codebook()
    assert cb.root_quads == GDELT_QUADS
    for code, root, quad in cb.events.select("code", "root_code", "quad_class").iter_rows():
        assert quad == GDELT_QUADS[root], code


def test_inherited_goldstein_codes_equal_their_parent() -> None:
    cb = load_codebook()
    inherited = cb.events.filter(pl.col("goldstein_inherited"))["code"].to_list()
    assert sorted(inherited) == sorted(INHERITED)
    for code in INHERITED:
        row = cb.event(code)
        assert row is not None
        parent = cb.event(row["parent"])
        assert parent is not None
        assert row["goldstein"] == parent["goldstein"], code


def test_roots_and_three_digit_codes_are_described() -> None:
    ev = load_codebook().events.filter(pl.col("level") < 3)
    assert ev.height == 169
    blank = ev.filter(pl.col("description").fill_null("").str.strip_chars() == "")
    assert blank.is_empty(), blank["code"].to_list()


def test_shipped_codebook_checks_clean() -> None:
    report = check_codebook(load_codebook())
    assert (report.errors, report.warnings) == (0, 0)
    assert report.findings.is_empty()
    assert report.counts["event codes"] == 316


# --- breaking a copy: every rule C101..C115 ------------------------------------------------------
def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _append(path: Path, text: str) -> int:
    """Append lines to a file; return the line number of the first appended line."""
    before = path.read_text(encoding="utf-8")
    assert before.endswith("\n")
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


def _block(path: Path, code: str) -> str:
    """The text of one code's entry in an events file (from its '- code:' line to the next)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f'  - code: "{code}"\n')
    end = start + 1
    while end < len(lines) and not lines[end].startswith("  - code:"):
        end += 1
    return "".join(lines[start:end])


def _edit_entry(cb: Path, code: str, old: str, new: str) -> None:
    path = cb / "events" / f"{code[:2]}.yaml"
    block = _block(path, code)
    assert block.count(old) == 1
    _edit(path, block, block.replace(old, new))


def _new_entry(code: str, name: str, description: str | None = "A test entry.") -> str:
    out = f'  - code: "{code}"\n    name: "{name}"\n    goldstein: 1.0\n    quad_class: 1\n'
    return out + (f'    description: "{description}"\n' if description else "")


# Each breaker edits the copy and returns the expected (subject, file, line) of every finding;
# ``subject`` is the code the message must name.
Expected = list[tuple[str, str, int | None]]


def c101(cb: Path) -> Expected:
    line = _append(cb / "events/04.yaml", _new_entry("0499", "Orphan code", None))
    return [("0499", "events/04.yaml", line)]


def c102(cb: Path) -> Expected:
    line = _append(cb / "events/04.yaml", _new_entry("04a", "Letter in code"))
    return [("'04a'", "events/04.yaml", line)]


def c103(cb: Path) -> Expected:
    line = _append(cb / "events/04.yaml", _new_entry("042", "Make a second visit"))
    return [("042", "events/04.yaml", 19), ("042", "events/04.yaml", line)]


def c104(cb: Path) -> Expected:
    _edit_entry(cb, "043", 'name: "Host a visit"', 'name: "Make a visit"')
    return [("042, 043", "events/04.yaml", 19), ("042, 043", "events/04.yaml", 24)]


def c105(cb: Path) -> Expected:
    _edit_entry(cb, "042", "goldstein: 1.9", "goldstein: 11.0")
    return [("042", "events/04.yaml", 19)]


def c106(cb: Path) -> Expected:
    _edit_entry(cb, "042", "quad_class: 1", "quad_class: 2")
    return [("042", "events/04.yaml", 19)]


def c107(cb: Path) -> Expected:
    # a country the rule dictionaries do not name (renaming one of theirs also breaks them: C117)
    _edit(cb / "actors/countries.csv", "\nALA,Aland Islands,country\n", "\nAL1,Aland Islands,country\n")
    return [("'AL1'", "actors/countries.csv", 31)]


def c108(cb: Path) -> Expected:
    line = _append(cb / "actors/countries.csv", "WSB,West Bank again,region\n")
    return [("WSB", "actors/countries.csv", 2), ("WSB", "actors/countries.csv", line)]


def c109(cb: Path) -> Expected:
    _edit(cb / "crosswalk/cameo_plover.csv", "\n030,AGREE,,diplomatic\n", "\n0399,AGREE,,diplomatic\n")
    return [("0399", "crosswalk/cameo_plover.csv", 2)]


def c110(cb: Path) -> Expected:
    block = _block(cb / "events/04.yaml", "042")
    _edit(cb / "events/04.yaml", block, "")
    line = _append(cb / "events/05.yaml", block)
    return [("042", "events/05.yaml", line)]


def c111(cb: Path) -> Expected:
    _edit(cb / "actors/roles.csv", "\nGOV,Government,role\n", "\nGOV,Government,rol\n")
    return [("GOV", "actors/roles.csv", 3)]


def c112(cb: Path) -> Expected:
    _edit_entry(cb, "042", "quad_class: 1\n", 'quad_class: 1\n    replaced_by: "0499"\n')
    return [("0499", "events/04.yaml", 19)]


def c113(cb: Path) -> Expected:
    block = _block(cb / "events/04.yaml", "042")
    desc = next(ln for ln in block.splitlines(keepends=True) if ln.lstrip().startswith("description:"))
    _edit_entry(cb, "042", desc, "")
    return [("042", "events/04.yaml", 19)]


def c114(cb: Path) -> Expected:
    _edit(cb / "codebook.yaml", "\nversion: 1.0.0\n", '\nversion: "1.0"\n')
    return [("'1.0'", "codebook.yaml", 4)]


def c115(cb: Path) -> Expected:
    _edit(cb / "crosswalk/cameo_plover.csv", "\n030,AGREE,,diplomatic\n", "\n030,AGREES,,diplomatic\n")
    return [("AGREES", "crosswalk/cameo_plover.csv", 2)]


VERBS, ACTORS, AGENTS = "dictionaries/verbs.yaml", "dictionaries/actors.yaml", "dictionaries/agents.yaml"


def c116(cb: Path) -> Expected:
    line = _append(cb / VERBS, '  - id: broken\n    code: "0999"\n    verbs: [frobnicate]\n')
    return [("0999", VERBS, line)]


def c117(cb: Path) -> Expected:
    line = _append(cb / ACTORS, "  - {names: [Nobody Known], code: XYZGOV, from: 2000-01-01}\n")
    return [("XYZGOV", ACTORS, line)]


def c118(cb: Path) -> Expected:
    line = _append(cb / VERBS, '  - id: nostar\n    code: "040"\n    verbs: [frobnicate]\n    patterns:\n      "talks": "040"\n')
    return [("talks", VERBS, line + 4)]


def c119(cb: Path) -> Expected:
    line = _append(cb / ACTORS, "  - {names: [Nobody Known], code: RUSGOV, from: 2010-01-01, to: 2001-01-01}\n")
    return [("Nobody Known", ACTORS, line)]


def c120(cb: Path) -> Expected:
    line = _append(cb / AGENTS, "  AGR: [insurgency]\n")
    return [("AGR and INS", AGENTS, line - 1), ("AGR and INS", AGENTS, line)]


def c121(cb: Path) -> Expected:
    _edit(cb / "dictionaries/dictionaries.yaml", "\nversion: 0.1.0\n", '\nversion: "0.1"\n')
    return [("'0.1'", "dictionaries/dictionaries.yaml", 5)]


BREAKERS: dict[str, Callable[[Path], Expected]] = {
    "C101": c101,
    "C102": c102,
    "C103": c103,
    "C104": c104,
    "C105": c105,
    "C106": c106,
    "C107": c107,
    "C108": c108,
    "C109": c109,
    "C110": c110,
    "C111": c111,
    "C112": c112,
    "C113": c113,
    "C114": c114,
    "C115": c115,
    "C116": c116,
    "C117": c117,
    "C118": c118,
    "C119": c119,
    "C120": c120,
    "C121": c121,
}


def test_every_codebook_rule_has_a_breaker() -> None:
    # C100 (the pandera models of the codebook frames) is exercised with the models, not here.
    assert sorted(BREAKERS) == [f"C{n}" for n in range(101, 122)]
    assert set(BREAKERS) <= set(RULES)


def test_unbroken_copy_is_clean(codebook_copy: Path) -> None:
    assert check_codebook(load_codebook(codebook_copy)).findings.is_empty()


@pytest.mark.parametrize("rule_id", sorted(BREAKERS))
def test_codebook_rule_fires_alone(rule_id: str, codebook_copy: Path, evtk) -> None:
    expected = BREAKERS[rule_id](codebook_copy)
    report = check_codebook(load_codebook(codebook_copy))
    found = report.findings
    assert set(found["rule"]) == {rule_id}, found.select("rule", "file", "line", "message").rows()
    assert found["severity"].to_list() == [RULES[rule_id].severity] * len(expected)
    assert found["name"].to_list() == [RULES[rule_id].name] * len(expected)
    got = sorted(found.select("file", "line", "message").rows(), key=lambda r: (r[0], r[1] or 0))
    assert [(f, ln) for f, ln, _ in got] == [(f, ln) for _, f, ln in expected]
    for (_, _, message), (subject, _, _) in zip(got, expected, strict=True):
        assert subject in message

    # The CLI: exit 1 for errors (0 for the one warning rule), the rule and file:line in the text,
    # and --format json equal to the library's findings.
    res = evtk("codebook", "check", "--codebook", codebook_copy)
    assert res.code == (1 if RULES[rule_id].severity == "error" else 0)
    text = res.out
    assert f"{rule_id} {RULES[rule_id].name}" in text
    for _, file, line in expected:
        assert f"{file}:{line}: {RULES[rule_id].severity} {rule_id}" in text
    assert f"[{rule_id} {RULES[rule_id].name}: {len(expected)}]" in text.splitlines()[-1]

    res = evtk("codebook", "check", "--codebook", codebook_copy, "--format", "json")
    doc = json.loads(res.out)
    assert doc["findings"] == report.findings.to_dicts()
    assert doc["rule_counts"] == {rule_id: len(expected)}
    assert doc["valid"] is (RULES[rule_id].severity == "warning")


def test_codebook_check_json_through_clirunner(codebook_copy: Path) -> None:
    c106(codebook_copy)
    result = CliRunner().invoke(app, ["codebook", "check", "--codebook", str(codebook_copy), "-f", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == check_codebook(load_codebook(codebook_copy)).to_dict()


def test_codebook_check_github_format(codebook_copy: Path, evtk) -> None:
    c105(codebook_copy)
    res = evtk("codebook", "check", "--codebook", codebook_copy, "--format", "github")
    assert res.code == 1
    assert (
        "::error file=events/04.yaml,line=19,title=C105 goldstein-out-of-range::code 042 has Goldstein "
        "value 11.0" in res.out
    )


def test_codebook_is_reloaded_after_an_edit(codebook_copy: Path) -> None:
    assert load_codebook(codebook_copy).event("042")["goldstein"] == 1.9
    _edit_entry(codebook_copy, "042", "goldstein: 1.9", "goldstein: 2.5")
    path = codebook_copy / "events/04.yaml"
    import os

    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # a clearly newer mtime
    assert load_codebook(codebook_copy).event("042")["goldstein"] == 2.5


# --- unreadable codebooks: exit 2, one line on stderr ---------------------------------------------
def _unreadable(evtk, cb: Path, *phrases: str) -> None:
    with pytest.raises(CodebookError):
        load_codebook(cb)
    res = evtk("codebook", "check", "--codebook", cb)
    assert res.code == 2
    assert res.out == ""
    err = res.err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("evtk: error: ")
    for phrase in phrases:
        assert phrase in err


def test_missing_codebook_directory(tmp_path: Path, evtk) -> None:
    _unreadable(evtk, tmp_path / "nowhere", "nowhere", "codebook directory not found", "--codebook")


def test_missing_codebook_yaml(codebook_copy: Path, evtk) -> None:
    (codebook_copy / "codebook.yaml").unlink()
    _unreadable(evtk, codebook_copy, "codebook.yaml is missing")


def test_tab_indented_events_file(codebook_copy: Path, evtk) -> None:
    _edit(codebook_copy / "events/04.yaml", '    name: "Make a visit"\n', '\tname: "Make a visit"\n')
    _unreadable(evtk, codebook_copy, "events/04.yaml:20:", "malformed YAML", "tabs")


def test_unknown_field_in_an_entry(codebook_copy: Path, evtk) -> None:
    _edit_entry(codebook_copy, "042", "quad_class: 1\n", "quad_class: 1\n    colour: red\n")
    _unreadable(evtk, codebook_copy, "events/04.yaml:23:", "unknown field 'colour'", "known: code, name")


def test_actor_csv_row_with_extra_field(codebook_copy: Path, evtk) -> None:
    _edit(codebook_copy / "actors/roles.csv", "\nGOV,Government,role\n", "\nGOV,Government,role,x\n")
    _unreadable(evtk, codebook_copy, "roles.csv:3:", "row has 4 fields, the header has 3")


def test_non_numeric_goldstein(codebook_copy: Path, evtk) -> None:
    _edit_entry(codebook_copy, "042", "goldstein: 1.9", "goldstein: high")
    _unreadable(evtk, codebook_copy, "events/04.yaml:21:", "goldstein of 042 'high' is not a number")


# --- look-ups --------------------------------------------------------------------------------------
def test_show_event_code(evtk) -> None:
    res = evtk("codebook", "show", "042")
    assert res.code == 0
    out = res.out
    assert out.startswith("042  Make a visit\n")
    assert "Goldstein:   +1.9" in out
    assert "Quad class:  1 (Verbal cooperation)" in out
    assert "Path:        04 CONSULT > 042 Make a visit" in out


def test_show_inherited_goldstein_and_children(evtk) -> None:
    res = evtk("codebook", "show", "155")
    assert "(inherited from parent)" in res.out
    res = evtk("codebook", "show", "183")
    assert "Children:" in res.out and "1834  Carry out location bombing" in res.out


def test_show_json(evtk) -> None:
    res = evtk("codebook", "show", "042", "--format", "json")
    info = json.loads(res.out)
    assert info["name"] == "Make a visit"
    assert info["quad_class"] == 1 and info["root_code"] == "04"
    assert [p["code"] for p in info["path"]] == ["04", "042"]


@pytest.mark.parametrize("raw", ["42", "0420", "42.0"])
def test_show_suggests_the_code_meant(raw: str, evtk) -> None:
    res = evtk("codebook", "show", raw)
    assert res.code == 1
    assert res.out == ""
    assert "did you mean 042?" in res.err
    assert res.err.count("\n") == 1 and "Traceback" not in res.err


def test_show_unknown_code_without_suggestion(evtk) -> None:
    res = evtk("codebook", "show", "999")
    assert res.code == 1
    assert "no event code '999'" in res.err and "evtk codebook search" in res.err


def test_show_actor_code(evtk) -> None:
    res = evtk("codebook", "show", "RUSGOV")
    assert res.code == 0
    lines = res.out.splitlines()
    assert lines[0].startswith("RUSGOV")
    assert "RUS  Russia  [country]" in lines[1]
    assert "GOV  Government  [role]" in lines[2]


def test_show_lower_case_actor_code(evtk) -> None:
    res = evtk("codebook", "show", "rusgov")
    assert res.code == 1
    assert "actor 'rusgov' is not upper-case: write RUSGOV" in res.err


def test_search_visit(evtk) -> None:
    res = evtk("codebook", "search", "visit")
    assert res.code == 0
    codes = [line.split()[0] for line in res.out.splitlines()]
    assert codes[:2] == ["042", "043"]


def test_search_no_match(evtk) -> None:
    res = evtk("codebook", "search", "zzyzxq")
    assert res.code == 1
    assert res.out.strip() == "no matches"


@pytest.mark.parametrize("table", ["events", "actors", "crosswalk"])
@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_export(table: str, fmt: str, evtk) -> None:
    frame = table_frame(load_codebook(), table)
    res = evtk("codebook", "export", "--format", fmt, "--table", table)
    assert res.code == 0
    out = res.out
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert len(rows) == frame.height
        assert list(rows[0]) == frame.columns
        assert rows[0]["code" if table != "crosswalk" else "cameo_code"] == str(frame.row(0)[0])
    elif fmt == "json":
        doc = json.loads(out)
        assert doc["table"] == table and doc["version"] == "1.0.0"
        assert len(doc["rows"]) == frame.height
        assert doc["rows"] == frame.to_dicts()
    else:
        lines = out.rstrip("\n").split("\n")
        assert lines[0] == "| " + " | ".join(frame.columns) + " |"
        assert len(lines) == frame.height + 2


def test_export_to_file(tmp_path: Path, evtk) -> None:
    target = tmp_path / "events.csv"
    res = evtk("codebook", "export", "--out", target)
    assert res.code == 0 and res.out == ""
    assert len(list(csv.DictReader(target.open(encoding="utf-8")))) == 316


def test_export_keeps_leading_zeros(evtk) -> None:
    rows = list(csv.DictReader(io.StringIO(evtk("codebook", "export").out)))
    assert {"01", "042", "0211"} <= {r["code"] for r in rows}


# --- the command line as a whole ------------------------------------------------------------------
def test_version(evtk) -> None:
    from toolkit import __version__

    res = evtk("--version")
    assert res.code == 0
    assert res.out.strip() == f"evtk {__version__}"


def test_python_m_toolkit_help_subprocess(python: str) -> None:
    proc = subprocess.run(
        [python, "-m", "toolkit", "--help"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    for command in ("codebook", "articles", "validate", "new"):
        assert command in proc.stdout
    assert "Exit codes" in proc.stdout


HELP_PROBE = """
import sys
from toolkit.cli import main
try:
    main(["--help"])
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in ("polars", "pandera", "pyarrow") if m in sys.modules)
print("HEAVY=" + ",".join(heavy), "CODE=" + str(code), file=sys.stderr)
"""


def test_help_imports_no_heavy_libraries(python: str) -> None:
    proc = subprocess.run([python, "-c", HELP_PROBE], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert "Usage:" in proc.stdout
    assert "HEAVY= CODE=0" in proc.stderr, proc.stderr
