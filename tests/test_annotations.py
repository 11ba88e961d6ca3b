"""GitHub annotations land on a file: paths relative to the repository root (the working directory),
release-level findings on the release's manifest.json, `release diff` changes on the file that
holds them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.test_release import diffed  # noqa: F401  (two releases with every kind of change)
from toolkit import findings as F
from toolkit.action import annotation_lines
from toolkit.rules import get


@pytest.fixture
def releases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The committed releases copied to ``tmp_path/data/releases``; cwd is ``tmp_path`` (the
    repository root in CI)."""
    dest = tmp_path / "data" / "releases"
    shutil.copytree(REPO / "data" / "releases", dest)
    monkeypatch.chdir(tmp_path)
    return Path("data/releases")


def _annotations(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("::error", "::warning", "::notice"))]


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _release_report(*rows: tuple[str, str | None]) -> F.Report:
    """A release report of R107 findings, one per (detail, file)."""
    import polars as pl

    found = pl.concat([F.single("R107", get("R107").text(detail=d), file=f) for d, f in rows])
    report = F.Report.build(found, {"files": 1})
    report.root, report.anchor = "data/releases/0.2.0", "manifest.json"
    return report


def test_release_file_findings_are_relative_to_the_repository_root(
    releases: Path, evtk: Callable[..., Any]
) -> None:
    _flip(releases / "0.2.0" / "README.md")
    r = evtk("release", "check", releases / "0.2.0", "--format", "github")
    assert r.code == 1, r.output
    (line,) = [a for a in _annotations(r.out) if "R101" in a]
    assert line.startswith("::error file=data/releases/0.2.0/README.md,title=R101 checksum-mismatch::")


def test_release_level_findings_attach_to_the_manifest(releases: Path, evtk: Callable[..., Any]) -> None:
    path = releases / "0.2.0" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["previous_manifest_sha256"] = "0" * 64
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    r = evtk("release", "check", releases / "0.2.0", "--format", "github")
    assert r.code == 1, r.output
    chain = [a for a in _annotations(r.out) if "title=R207" in a]
    assert chain and all(a.startswith("::error file=data/releases/0.2.0/manifest.json,") for a in chain)


def test_findings_with_no_file_or_a_release_level_name_use_the_anchor(releases: Path) -> None:
    report = _release_report(
        ("no file", None), ("the events as a whole", "events"), ("gone", "gone.md"), ("a file", "README.md")
    )
    lines = F.render(report, "github").splitlines()
    files = [line.split("file=")[1].split(",")[0] for line in lines if line.startswith("::error")]
    assert files == ["data/releases/0.2.0/README.md"] + ["data/releases/0.2.0/manifest.json"] * 3


def test_without_an_anchor_a_finding_with_no_file_has_no_file_property() -> None:
    report = F.Report.build(F.single("R107", get("R107").text(detail="x")), {"files": 1})
    (line, _summary) = F.render(report, "github").splitlines()
    assert line.startswith("::error title=R107 ") and "file=" not in line


def test_validate_of_one_file_anchors_on_it(data_dir: Path) -> None:
    from toolkit.validate import validate

    report = validate([data_dir / "coded" / "lavrov.alice.yaml"]).report
    assert report.anchor == "data/coded/lavrov.alice.yaml" and report.root is None
    assert validate([data_dir]).report.anchor == "data/coded/lavrov.alice.yaml"  # the one file in it
    shutil.copy(data_dir / "coded" / "lavrov.alice.yaml", data_dir / "coded" / "lavrov.bob.yaml")
    assert validate([data_dir]).report.anchor is None  # several files: no file is the one meant


def test_the_action_places_release_findings_per_release(releases: Path) -> None:
    reports = []
    for version in ("0.1.0", "0.2.0"):
        report = _release_report(("no file", None))
        report.root = str(releases / version)
        reports.append(report.to_dict())
    from toolkit.action import combine

    lines = annotation_lines(combine(reports))
    assert [line.split(",")[0] for line in lines] == [
        "::error file=data/releases/0.1.0/manifest.json",
        "::error file=data/releases/0.2.0/manifest.json",
    ]


def test_the_action_step_annotates_a_tampered_release(releases: Path, tmp_path: Path) -> None:
    from tests.test_action import _step

    _flip(releases / "0.2.0" / "README.md")
    code, out, _ = _step(tmp_path, EVTK_COMMAND="release-check", EVTK_PATHS="data/releases/0.2.0")
    assert code == 1, out
    assert any(a.startswith("::error file=data/releases/0.2.0/README.md,") for a in _annotations(out))


# ---------------------------------------------------------------------------- release diff
KINDS = ("added", "removed", "recoded", "reactored", "redated", "moved", "edited")


@pytest.fixture
def pair(diffed: tuple[Path, Path, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:  # noqa: F811
    """Releases 0.1.0 and 0.2.0 with every kind of change, cwd the folder above releases/."""
    a, b, _ = diffed
    monkeypatch.chdir(a.parent.parent)
    return "releases/0.1.0", "releases/0.2.0"


def test_diff_github_puts_each_change_on_the_file_that_holds_it(
    pair: tuple[str, str], evtk: Callable[..., Any]
) -> None:
    r = evtk("release", "diff", *pair, "--format", "github")
    assert r.code == 0, r.output
    lines = r.out.splitlines()
    assert lines and all(line.startswith("::notice file=releases/0.2.0/") for line in lines)
    d = json.loads(evtk("release", "diff", *pair, "--format", "json").out)
    for kind in ("added", "recoded", "reactored", "redated", "moved", "edited"):
        for row in d[kind]:
            assert any(
                line.startswith("::notice file=releases/0.2.0/events.parquet,title=evtk diff%3A " + kind)
                and f"::{row['event_id']} " in line
                for line in lines
            ), (kind, row)
    for row in d["removed"]:
        holder = "retractions.csv" if row["reason"] else "manifest.json"
        assert any(f"0.2.0/{holder},title=evtk diff%3A removed::{row['event_id']}" in ln for ln in lines)
    assert d["removed"] and d["added"] and d["recoded"]
    assert lines[-1].startswith("::notice file=releases/0.2.0/manifest.json,title=evtk diff::0.1.0 -> 0.2.0")


def test_diff_says_what_it_left_out_in_every_format(pair: tuple[str, str], evtk: Callable[..., Any]) -> None:
    full = json.loads(evtk("release", "diff", *pair, "--format", "json").out)
    assert full["truncated"] == {}
    total = sum(full["counts"][k] for k in KINDS)
    cut = json.loads(evtk("release", "diff", *pair, "--format", "json", "--max-examples", "1").out)
    shown = sum(len(cut[k]) for k in KINDS)
    assert shown < total
    assert cut["truncated"] == {
        "changes_not_shown": total - shown,
        "max_examples": 1,
        "option": "--max-examples",
    }
    text = evtk("release", "diff", *pair, "--max-examples", "1").out
    assert f"{total - shown} change(s) not shown (raise --max-examples" in text
    gh = evtk("release", "diff", *pair, "--format", "github", "--max-examples", "1").out
    assert gh.splitlines()[-1].endswith(
        f"::{total - shown} change(s) not shown (raise --max-examples above 1 to see them)"
    )
    # the former spelling still works
    old = json.loads(evtk("release", "diff", *pair, "--format", "json", "--examples", "1").out)
    assert old == cut


def test_diff_escapes_values_through_the_findings_helpers(releases: Path) -> None:
    from toolkit.release import render_diff_github

    diff = {
        "old": "0.1.0",
        "new": "0.2.0",
        "counts": dict.fromkeys(KINDS, 0),
        "changed_fields": {},
        **{k: [] for k in ("added", "removed", "recoded", "reactored", "redated", "moved")},
        "edited": [{"event_id": "x\n::error::forged", "changes": "quote: 'a%' -> 'b'"}],
    }
    diff["counts"]["edited"] = 1
    lines = render_diff_github(diff, releases / "0.2.0", 20).splitlines()
    assert not any(line.startswith("::error") for line in lines)
    assert lines[0] == (
        "::notice file=data/releases/0.2.0/manifest.json,title=evtk diff%3A edited::"
        "x%0A::error::forged changes=quote: 'a%25' -> 'b'"
    )
