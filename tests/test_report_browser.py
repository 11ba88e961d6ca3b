"""The release report in a real headless browser (Debian's Chromium, `make browser`): the page
loads with no console errors and no request outside itself, and the charts are drawn.
`make test-browser` runs it; it is skipped, saying why, where Chromium is missing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from toolkit.report import write

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
RELEASE = sorted((REPO / "data" / "releases").iterdir())[-1]


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed: run `make browser` (Debian's chromium package, as root)")
    # The browser's own background traffic (updates, time, spelling dictionaries) is switched
    # off, so any request left in the log is one the page made.
    quiet = [
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-default-browser-check",
        "--disable-client-side-phishing-detection",
        "--disable-features=SpellCheck,Translate,OptimizationHints,MediaRouter,NetworkTimeServiceQuerying",
    ]
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        *quiet,
        f"--user-data-dir={tmp / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_the_report_loads_offline_with_its_charts_drawn(tmp_path: Path) -> None:
    page = write(RELEASE, tmp_path / "report.html")
    shot = tmp_path / "report.png"
    done = _chromium(tmp_path, "--window-size=1200,3000", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 20_000, done.stderr[-2000:]
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    # the browser parsed four charts, each with drawn shapes
    assert len(re.findall(r"<svg\b", html)) == 4
    for figure in ("over-time", "top-codes", "top-sources", "top-targets"):
        block = html.split(f'id="{figure}"', 1)[1].split("</figure>", 1)[0]
        assert block.count("<path") >= 3, figure
    log = dom.stderr + done.stderr
    # No script error and no resource refused by the page's Content-Security-Policy, which forbids
    # every request: a request the page tried would be logged as refused (see the control below).
    console = [line for line in log.splitlines() if ":CONSOLE" in line]
    assert not console, console
    assert "Content Security Policy" not in log and "Uncaught" not in log, log[-2000:]


def test_a_request_from_the_page_would_be_seen(tmp_path: Path) -> None:
    """The control: the same page with one external image is refused, and the log says so."""
    page = write(RELEASE, tmp_path / "report.html")
    html = page.read_text(encoding="utf-8").replace(
        "<body>", '<body><img src="https://example.org/x.png">', 1
    )
    page.write_text(html, encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri())
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert any(
        "https://example.org/x.png' violates" in line and "Content Security Policy" in line
        for line in console
    ), dom.stderr[-2000:]
