"""Shared fixtures: codebook copies, a small data folder, event-file builders, an in-process CLI."""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTICLE_ID = "afp-2023-02-07-lavrov-mali"

# One clean hand-coded event. Field order is fixed, so line numbers are known:
# line 1 comment, 2 article, 3 coder, 4 method, 5 events:, 6 "- id", then one line per field.
EVENT_FIELDS = ("id", "sentence", "quote", "date", "source", "target", "code")
CLEAN_EVENT: dict[str, str] = {
    "id": "e1",
    "sentence": "3",
    "quote": '"arrived in Mali"',
    "date": '"2023-02-07"',
    "source": "RUSGOV",
    "target": "MLIGOV",
    "code": '"042"',
}
HEADER_LINES = 5  # lines before the first "- id:" line


# ---------------------------------------------------------------- every rule, from the catalogue
# Every report any test builds passes through here: each message must match one of its rule's
# templates (messages are built from the catalogue, never written by hand), and the rules that
# fired and the kinds of clean runs are recorded. At the end of a full run, every rule in the
# catalogue must have fired in some test and been quiet in a clean run of the command that
# checks it; nothing here is a hand-kept list.
FIRED: set[str] = set()
QUIET: set[str] = set()  # rule families that ran clean somewhere: "E", "A", "C", "R"


def _families_of(counts: dict[str, int]) -> set[str]:
    if "event codes" in counts:
        return {"C"}
    if "articles" in counts and "events" in counts:
        return {"E", "A"}
    if "events" in counts or "files" in counts:
        return {"R", "E"}
    return set()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """pytest-xdist: merge what a worker saw fire and run clean."""
    out = getattr(node, "workeroutput", {})
    FIRED.update(out.get("fired", ()))
    QUIET.update(out.get("quiet", ()))


@pytest.fixture(autouse=True)
def _rules_follow_the_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit import findings
    from toolkit.rules import RULES

    build = findings.Report.build.__func__  # type: ignore[attr-defined]

    def checked(cls, found, counts=None, max_examples=None):  # type: ignore[no-untyped-def]
        for rule_id, message in found.select("rule", "message").iter_rows():
            assert RULES[rule_id].pattern().match(message or ""), (
                f"{rule_id} message does not follow its template {RULES[rule_id].templates()}: {message!r}"
            )
            FIRED.add(rule_id)
        if found.is_empty():
            QUIET.update(_families_of(dict(counts or {})))
        return build(cls, found, counts, max_examples)

    monkeypatch.setattr(findings.Report, "build", classmethod(checked))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On a full run (``make test``: every test not marked slow, in one process or spread over
    pytest-xdist workers), fail when a rule of the catalogue never fired or its family
    never ran clean."""
    from toolkit.rules import RULES

    config = session.config
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller merges and decides
        workeroutput["fired"], workeroutput["quiet"] = sorted(FIRED), sorted(QUIET)
        return
    markexpr = config.option.markexpr or ""
    full = all(part.strip().startswith("not ") for part in markexpr.split(" and ") if part.strip())
    full = full and not config.option.keyword and not getattr(config.option, "lf", False)
    full = full and not getattr(config.option, "deselect", None)
    full = full and all(Path(a).resolve() == REPO / "tests" for a in config.args)
    if not full or exitstatus != 0 or session.testsfailed:
        return
    never = sorted(set(RULES) - FIRED)
    not_quiet = sorted({r[0] for r in RULES} - QUIET)
    if never or not_quiet:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"rule coverage: never fired: {never or 'none'}; families never clean: {not_quiet or 'none'}",
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never depend on the developer's environment (nor leak --debug between tests)."""
    monkeypatch.delenv("EVTK_CODEBOOK", raising=False)
    monkeypatch.delenv("EVTK_DEBUG", raising=False)


def event_yaml(*events: dict[str, str | None], header: dict[str, str] | None = None) -> str:
    """A coded-event YAML file. Each event starts from CLEAN_EVENT; a value of None drops a field,
    extra keys are appended after ``code`` in the order given."""
    head = {"article": ARTICLE_ID, "coder": "alice", "method": "hand"}
    head.update(header or {})
    lines = ["# coded by alice, checked by bob"]
    lines += [f"{k}: {v}" for k, v in head.items()]
    lines.append("events:")
    for overrides in events or ({},):
        ev = {**CLEAN_EVENT, **overrides}
        first = True
        for key, value in ev.items():
            if value is None:
                continue
            lines.append(f"  {'- ' if first else '  '}{key}: {value}")
            first = False
    return "\n".join(lines) + "\n"


@pytest.fixture
def make_event_yaml() -> Callable[..., str]:
    return event_yaml


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


@pytest.fixture
def evtk(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``toolkit.cli.main`` in-process (it maps EvtkError to exit codes) and capture its output."""
    from toolkit.cli import main

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def codebook_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped codebook, to break in small ways."""
    from toolkit.codebook import default_path

    dest = tmp_path / "codebook"
    shutil.copytree(default_path(), dest)
    return dest


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path/data`` with the repo's articles and one clean coded file
    (``data/coded/lavrov.alice.yaml``); cwd is ``tmp_path`` so findings name files ``data/...``."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "articles", data / "articles")
    (data / "coded").mkdir()
    (data / "coded" / "lavrov.alice.yaml").write_text(event_yaml(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return Path("data")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, to prove a command wrote nothing."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def tree_snapshot() -> Callable[[Path], dict[str, bytes]]:
    return snapshot


@pytest.fixture
def python() -> str:
    return sys.executable


@contextlib.contextmanager
def refusals_off() -> Iterator[None]:
    """Build a release that `release build` refuses (a removal without a retraction, a bump too
    small): such a release reaches a folder by hand or from an older evtk, and `release check` is
    what must catch it. Only the build's own R201/R202 gate is switched off."""
    import toolkit.release as rel

    saved = rel._refuse_change
    rel._refuse_change = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        rel._refuse_change = saved


@contextlib.contextmanager
def tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """A real tmpfs mounted on ``folder`` with ``options`` (``ro,size=1m``, ``size=64k``): read-only
    and full file systems that root cannot write through. Skips where mounting is not allowed."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({options}) here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
