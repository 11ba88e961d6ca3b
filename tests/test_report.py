"""`evtk release report`: the page's content, escaping and determinism (the browser test is in
tests/test_report_browser.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl

from tests.conftest import REPO
from toolkit.report import render

RELEASE = sorted((REPO / "data" / "releases").iterdir())[-1]


def test_the_page_holds_every_section_and_is_deterministic(evtk, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = evtk("release", "report", RELEASE, "--out", out)
    assert res.code == 0, res.output
    page = out.read_text(encoding="utf-8")
    for part in (
        "Events over time",
        "Top codes and actors",
        "By coder",
        "By method",
        "By date precision",
        "What changed since the previous release",
        "Agreement between coders",
    ):
        assert part in page, part
    assert page.count("<svg") == 4
    assert "042 Make a visit" in page
    assert render(RELEASE) == page  # the same release gives the same bytes


def test_the_page_requests_nothing(tmp_path: Path) -> None:
    page = render(RELEASE)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", page)
    assert "<script" not in page


def test_values_from_the_release_are_escaped(evtk, tmp_path: Path) -> None:
    release = tmp_path / "rel"
    shutil.copytree(RELEASE, release)
    events = next(release.glob("events*.parquet")) if list(release.glob("events*.parquet")) else None
    assert events is not None
    frame = pl.read_parquet(events).with_columns(coder=pl.lit("<script>alert(1)</script>"))
    frame.write_parquet(events)
    page = render(release)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_not_a_release_is_a_usage_error(evtk, tmp_path: Path) -> None:
    res = evtk("release", "report", tmp_path)
    assert res.code == 2 and "not a release folder" in res.output
