"""Outputs never land in a release; readers need a valid manifest; interrupted commands clean up
after themselves; ``release build`` removes what killed builds left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from toolkit.interchange import textstream
from toolkit.release import build_release, remove_stale_builds

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "data" / "releases" / "0.1.0"
GDELT = REPO / "tests" / "fixtures" / "formats" / "gdelt2" / "sample.export.tsv"


@pytest.fixture
def rel(tmp_path: Path) -> Path:
    return Path(shutil.copytree(COMMITTED, tmp_path / "releases" / "0.1.0"))


def test_export_into_a_release_is_refused(rel: Path, evtk: Callable[..., Any]) -> None:
    before = (rel / "README.md").read_bytes()
    for out in (rel / "README.md", rel / "codebook" / "new.tsv"):
        r = evtk("export", "gdelt2", rel, "--out", out)
        assert r.code == 2, r.output
        assert "is inside the release" in r.err
    assert (rel / "README.md").read_bytes() == before
    assert not (rel / "codebook" / "new.tsv").exists()


def test_import_into_a_release_is_refused(rel: Path, evtk: Callable[..., Any], tmp_path: Path) -> None:
    src = tmp_path / "in.tsv"
    src.write_text("x\n", encoding="utf-8")
    r = evtk("import", "gdelt2", src, "--out", rel / "events.parquet")
    assert r.code == 2, r.output
    assert "is inside the release" in r.err


def test_build_into_a_release_is_refused(rel: Path, tmp_path: Path, evtk: Callable[..., Any]) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "articles", data / "articles")
    r = evtk("release", "build", "0.2.0", "--data", data, "--out", rel)
    assert r.code == 2, r.output
    assert "is inside the release" in r.err


def test_export_needs_a_manifest(rel: Path, evtk: Callable[..., Any], tmp_path: Path) -> None:
    (rel / "manifest.json").unlink()
    r = evtk("export", "gdelt2", rel, "--out", tmp_path / "o.tsv")
    assert r.code == 2, r.output
    assert "manifest.json is missing" in r.err
    half = tmp_path / "releases" / ".tmp-0.2.0-1"
    shutil.copytree(COMMITTED, half)
    (half / "manifest.json").unlink()
    r = evtk("export", "gdelt2", half, "--out", tmp_path / "o.tsv")
    assert r.code == 2 and not (tmp_path / "o.tsv").exists()


def _dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(proc.stdout)


def test_stale_builds_of_dead_processes_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "releases"
    dead = out / f".tmp-0.1.0-{_dead_pid()}"
    live = out / f".tmp-0.1.0-{os.getppid()}"
    for folder in (dead, live):
        (folder / "events").mkdir(parents=True)
        (folder / "events" / "chunk.parquet").write_bytes(b"x" * 100)
    other = out / ".notes"
    other.mkdir()
    assert remove_stale_builds(out) == [dead]
    assert not dead.exists() and live.exists() and other.exists()


def test_build_removes_stale_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "articles", data / "articles")
    (data / "coded").mkdir()
    shutil.copy(REPO / "data" / "coded" / "afp-2023-02-07-lavrov-mali.seed.yaml", data / "coded")
    dead = tmp_path / "out" / f".tmp-0.0.9-{_dead_pid()}"
    dead.mkdir(parents=True)
    build_release("0.1.0", data, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0.1.0"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signal_during_import_leaves_no_temp_files(
    sig: signal.Signals, tmp_path: Path, evtk: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python's own Ctrl-C handler, whatever an earlier test (or library) left installed
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    real = textstream.Workspace.new
    calls = []

    def new_then_signal(self: textstream.Workspace, suffix: str, create: bool = True) -> Path:
        path = real(self, suffix, create)
        calls.append(path)
        if len(calls) == 1:
            os.kill(os.getpid(), sig)  # delivered while the import is writing its temp files
        return path

    monkeypatch.setattr(textstream.Workspace, "new", new_then_signal)
    out = tmp_path / "out"
    out.mkdir()
    r = evtk("import", "gdelt2", GDELT, "--out", out / "x.parquet")
    assert r.code == 130, r.output
    assert calls and list(out.iterdir()) == []
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, previous)
