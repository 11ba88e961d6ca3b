"""The GitHub Action's step (scripts/action.sh -> toolkit.action), run locally as the runner runs
it: inputs in EVTK_* variables, GITHUB_STEP_SUMMARY set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO, event_yaml
from toolkit.action import annotation_lines, gh_data, gh_property


def _step(cwd: Path, **env: str) -> tuple[int, str, str]:
    summary = cwd / "summary.md"
    full = {
        **os.environ,
        "EVTK_PYTHON": sys.executable,
        "GITHUB_STEP_SUMMARY": str(summary),
        **env,
    }
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "action.sh")], cwd=cwd, env=full, capture_output=True, text=True
    )
    return proc.returncode, proc.stdout, summary.read_text(encoding="utf-8") if summary.exists() else ""


def _bad_codes(n: int) -> str:
    return event_yaml(*[{"id": f"e{i}", "code": f'"9{i:02d}"'} for i in range(n)])


def test_a_clean_folder_passes_with_a_summary(data_dir: Path, tmp_path: Path) -> None:
    code, out, summary = _step(tmp_path, EVTK_PATHS="data")
    assert code == 0, out
    assert "## evtk validate: clean" in summary
    assert not [line for line in out.splitlines() if line.startswith(("::error", "::warning"))]
    report = json.loads((tmp_path / "evtk-report.json").read_text(encoding="utf-8"))
    assert report["errors"] == 0


def test_errors_fail_with_at_most_the_annotations_github_shows(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "data" / "coded" / "lavrov.alice.yaml").write_text(_bad_codes(14), encoding="utf-8")
    code, out, summary = _step(tmp_path, EVTK_PATHS="data", EVTK_REPORT="reports/validate.json")
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(errors) == 10
    assert all("file=data/coded/lavrov.alice.yaml,line=" in line for line in errors)
    assert any(line.startswith("::notice ") and "4 more findings" in line for line in out.splitlines())
    assert "| E101 | unknown-event-code | error | 14 |" in summary
    report = json.loads((tmp_path / "reports" / "validate.json").read_text(encoding="utf-8"))
    assert report["rule_counts"]["E101"] == 14 and len(report["findings"]) == 14


def test_fail_on_decides_the_exit_code(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "data" / "coded" / "lavrov.alice.yaml").write_text(_bad_codes(1), encoding="utf-8")
    assert _step(tmp_path, EVTK_PATHS="data", EVTK_FAIL_ON="never")[0] == 0
    # a warning only: the same event twice (E502)
    (tmp_path / "data" / "coded" / "lavrov.alice.yaml").write_text(
        event_yaml({"id": "e1"}, {"id": "e2"}), encoding="utf-8"
    )
    assert _step(tmp_path, EVTK_PATHS="data")[0] == 0
    code, out, _ = _step(tmp_path, EVTK_PATHS="data", EVTK_FAIL_ON="warning")
    assert code == 1 and "::warning " in out


def test_bad_inputs_are_usage_errors(data_dir: Path, tmp_path: Path) -> None:
    code, out, _ = _step(tmp_path, EVTK_COMMAND="publish")
    assert code == 2 and "unknown command 'publish'" in out
    code, out, _ = _step(tmp_path, EVTK_FAIL_ON="sometimes")
    assert code == 2 and "unknown fail-on" in out
    code, out, summary = _step(tmp_path, EVTK_PATHS="no/such/folder")
    assert code == 2 and out.startswith("::error title=evtk validate::") and "failed" in summary


def test_release_check_of_every_committed_release(tmp_path: Path) -> None:
    releases = sorted((REPO / "data" / "releases").iterdir())
    assert len(releases) >= 2
    paths = "\n".join(str(r) for r in releases)
    code, out, summary = _step(tmp_path, EVTK_COMMAND="release-check", EVTK_PATHS=paths)
    assert code == 0, out
    assert "## evtk release-check: clean" in summary and f"{len(releases)} releases" in summary
    report = json.loads((tmp_path / "evtk-report.json").read_text(encoding="utf-8"))
    assert len(report["reports"]) == len(releases)


def test_agree_reports_alpha_and_gates(tmp_path: Path) -> None:
    code, out, summary = _step(tmp_path, EVTK_COMMAND="agree", EVTK_PATHS=str(REPO / "data"))
    assert code == 0, out
    assert "| root | 1.000 |" in summary
    code, _, _ = _step(
        tmp_path, EVTK_COMMAND="agree", EVTK_PATHS=str(REPO / "data"), EVTK_ARGS="--min code=0.99"
    )
    assert code == 1


def test_values_cannot_forge_workflow_commands() -> None:
    report = {
        "findings": [
            {
                "severity": "error",
                "rule": "E101",
                "name": "unknown-event-code",
                "file": "x,y:z.yaml",
                "line": 3,
                "message": "bad\n::stop-commands::token\r%",
            }
        ],
        "rule_counts": {"E101": 1},
    }
    (line,) = annotation_lines(report)
    assert "\n" not in line and "\r" not in line
    assert "file=x%2Cy%3Az.yaml" in line and line.endswith("::bad%0A::stop-commands::token%0D%25")
    assert gh_property("a:b,c") == "a%3Ab%2Cc" and gh_data("50%") == "50%25"


def test_action_yml_passes_inputs_through_the_environment() -> None:
    spec = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert spec["runs"]["using"] == "composite"
    assert {"paths", "command", "version", "fail-on"} <= set(spec["inputs"])
    for step in spec["runs"]["steps"]:
        run = step.get("run", "")
        # inputs reach the scripts as variables only: an input pasted into `run` could inject code
        assert "inputs." not in run, step
