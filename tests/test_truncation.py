"""A cut report says so in every format, with the number left out and the option that shows it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_action import _bad_codes, _step

CODED = Path("data/coded/lavrov.alice.yaml")


@pytest.fixture
def fourteen(data_dir: Path) -> Path:
    CODED.write_text(_bad_codes(14), encoding="utf-8")
    return data_dir


def test_text_says_how_many_and_how(fourteen: Path, evtk: Callable[..., Any]) -> None:
    r = evtk("validate", fourteen, "--max-examples", "3")
    assert r.code == 1
    assert r.out.splitlines()[-2] == (
        "... 11 more finding(s) not shown (at most 3 shown per rule): raise --max-examples to see them"
    )
    assert "not shown" not in evtk("validate", fourteen).out


def test_json_has_the_counts_left_out(fourteen: Path, evtk: Callable[..., Any]) -> None:
    report = json.loads(evtk("validate", fourteen, "--max-examples", "3", "-f", "json").out)
    assert report["truncated"] == {
        "findings_not_shown": 11,
        "by_rule": {"E101": 11},
        "max_examples": 3,
        "option": "--max-examples",
    }
    assert len(report["findings"]) == 3 and report["rule_counts"] == {"E101": 14}
    assert json.loads(evtk("validate", fourteen, "-f", "json").out)["truncated"] == {}


def test_github_ends_with_a_notice(fourteen: Path, evtk: Callable[..., Any]) -> None:
    lines = evtk("validate", fourteen, "--max-examples", "3", "-f", "github").out.splitlines()
    assert [ln for ln in lines if ln.startswith("::error ")].__len__() == 3
    assert lines[-2] == (
        "::notice title=evtk::11 more finding(s) not shown (at most 3 shown per rule): "
        "raise --max-examples to see them"
    )
    assert not any(
        ln.startswith("::notice") for ln in evtk("validate", fourteen, "-f", "github").out.splitlines()
    )


def test_the_action_says_what_evtk_cut_and_what_github_hides(fourteen: Path, tmp_path: Path) -> None:
    code, out, summary = _step(tmp_path, EVTK_PATHS="data", EVTK_ARGS="--max-examples 3")
    assert code == 1
    notices = [ln for ln in out.splitlines() if ln.startswith("::notice ")]
    assert notices == [
        "::notice title=evtk::11 more finding(s) are counted but not in the report (at most 3 per rule are "
        "kept): add --max-examples N to args"
    ]
    assert "> 11 more finding(s) are counted but not in the report (at most 3 per rule are kept)" in summary


def test_the_summary_points_to_the_full_report(data_dir: Path, tmp_path: Path) -> None:
    CODED.write_text(_bad_codes(25), encoding="utf-8")
    code, out, summary = _step(tmp_path, EVTK_PATHS="data", EVTK_REPORT="out/r.json")
    assert code == 1
    assert "> 5 more finding(s) are in the full report, `out/r.json`." in summary
    assert "counted but not in the report" not in summary
    (notice,) = [ln for ln in out.splitlines() if ln.startswith("::notice ")]
    assert notice.startswith("::notice title=evtk::15 more findings are in the report (out/r.json)")
