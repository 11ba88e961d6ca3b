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


def test_values_from_the_release_are_escaped(tmp_path: Path) -> None:
    """A coder name that is markup is shown as text (the events are rewritten and resealed)."""
    from tests.test_release import _release_meta, _rewrite_events

    release = tmp_path / "rel"
    shutil.copytree(RELEASE, release)
    path = release / "events.parquet"
    frame = pl.read_parquet(path).with_columns(coder=pl.lit("<script>alert(1)</script>"))
    _rewrite_events(release, frame, _release_meta(path))
    page = render(release)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_not_a_release_is_a_usage_error(evtk, tmp_path: Path) -> None:
    res = evtk("release", "report", tmp_path)
    assert res.code == 2 and "not a release folder" in res.output
