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
        [
            py,
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-c",
            REPO / "requirements.lock",
            wheel,
        ],
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
    in_repo = {
        p.relative_to(REPO / "codebook").as_posix() for p in (REPO / "codebook").rglob("*") if p.is_file()
    }
    assert in_repo and in_repo <= shipped
    assert "toolkit/spark_log4j2.properties" in names  # --engine spark's log configuration


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


def _git(cwd: Path, *args: str) -> None:
    got = _run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd)
    assert got.returncode == 0, got.stderr


def test_pre_commit_hooks_in_a_dataset_repository(tmp_path: Path) -> None:
    """`pre-commit try-repo` of this checkout in a dataset repository made here: a bad event file
    fails evtk-validate with its message, the fixed file passes, a broken codebook fails."""
    repo = tmp_path / "dataset"
    shutil.copytree(REPO / "data" / "articles", repo / "data" / "articles")
    (repo / "data" / "coded").mkdir(parents=True)
    seed = next((REPO / "data" / "coded").glob("*.yaml"))
    good = seed.read_text(encoding="utf-8")
    coded = repo / "data" / "coded" / seed.name
    head, events = good.split("\nevents:", 1)
    coded.write_text(head + "\nevents:" + events.replace('code: "042"', 'code: "999"', 1), encoding="utf-8")
    assert coded.read_text(encoding="utf-8") != good
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }
    pre_commit = Path(sys.executable).parent / "pre-commit"

    def hook(name: str, *files: str) -> subprocess.CompletedProcess[str]:
        args = [pre_commit, "try-repo", REPO, name, "--verbose"]
        args += ["--files", *files] if files else ["--all-files"]
        return _run(args, cwd=repo, env=env)

    bad = hook("evtk-validate", f"data/coded/{seed.name}")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "E101" in bad.stdout and "999" in bad.stdout
    coded.write_text(good, encoding="utf-8")
    _git(repo, "add", "-A")
    ok = hook("evtk-validate", f"data/coded/{seed.name}")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    shutil.copytree(REPO / "codebook", repo / "codebook")
    (repo / "codebook" / "codebook.yaml").write_text("version: [not a version\n", encoding="utf-8")
    _git(repo, "add", "-A")
    broken = hook("evtk-codebook-check")
    assert broken.returncode != 0, broken.stdout + broken.stderr
