"""The wheel is complete: built from the checkout, installed in a fresh venv, every command works
from a folder with no codebook of its own (`make test-package`; marked slow, it downloads the
locked dependencies into the new venv)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(args: list[str | Path], cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, **kw)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the built wheel (and its locked dependencies) installed."""
    tmp = tmp_path_factory.mktemp("pkg")
    dist = tmp / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, REPO], cwd=tmp)
    assert built.returncode == 0, built.stderr
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    wheel = next(dist.glob("evtk-*.whl"))
    got = _run(
        [py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", REPO / "requirements.lock", wheel],
        cwd=tmp,
    )
    assert got.returncode == 0, got.stderr
    return env_dir / "bin"


def test_the_wheel_carries_the_codebook() -> None:
    dist = REPO / "build" / "wheel-test"
    shutil.rmtree(dist, ignore_errors=True)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, REPO], cwd=REPO)
    assert built.returncode == 0, built.stderr
    names = zipfile.ZipFile(next(dist.glob("evtk-*.whl"))).namelist()
    shutil.rmtree(dist, ignore_errors=True)
    shipped = {n.removeprefix("toolkit/_codebook/") for n in names if n.startswith("toolkit/_codebook/")}
    in_repo = {p.relative_to(REPO / "codebook").as_posix() for p in (REPO / "codebook").rglob("*") if p.is_file()}
    assert in_repo and in_repo <= shipped


def test_commands_work_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    evtk = installed / "evtk"
    work = tmp_path / "project"
    shutil.copytree(REPO / "data", work / "data")
    env = {"PATH": f"{installed}:/usr/bin:/bin", "HOME": str(tmp_path)}
    check = _run([evtk, "codebook", "check"], cwd=work, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    shown = _run([evtk, "codebook", "show", "042"], cwd=work, env=env)
    assert shown.returncode == 0 and "Make a visit" in shown.stdout, shown.stdout + shown.stderr
    valid = _run([evtk, "validate", "data"], cwd=work, env=env)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "codebook directory not found" not in valid.stdout + valid.stderr
    releases = sorted((work / "data" / "releases").iterdir())
    checked = _run([evtk, "release", "check", releases[-1]], cwd=work, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_projects_own_codebook_takes_precedence(installed: Path, tmp_path: Path) -> None:
    """./codebook beats the bundled one: a codebook whose code 042 is renamed is the one shown."""
    own = tmp_path / "codebook"
    shutil.copytree(REPO / "codebook", own)
    events = own / "events" / "04.yaml"
    text = events.read_text(encoding="utf-8")
    assert "Make a visit" in text
    events.write_text(text.replace("Make a visit", "Make a local visit"), encoding="utf-8")
    env = {"PATH": f"{installed}:/usr/bin:/bin", "HOME": str(tmp_path)}
    shown = _run([installed / "evtk", "codebook", "show", "042"], cwd=tmp_path, env=env)
    assert shown.returncode == 0 and "Make a local visit" in shown.stdout, shown.stdout + shown.stderr
