"""One CLI convention across every command (walked from the app, never listed by hand)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from toolkit.cli import app


def _commands() -> Iterator[tuple[str, ...]]:
    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        yield path
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


def test_every_command_takes_dash_h(evtk) -> None:
    paths = list(_commands())
    assert len(paths) > 10
    for path in paths:
        short, long = evtk(*path, "-h"), evtk(*path, "--help")
        assert short.code == 0, (path, short.output)
        assert short.out.startswith("Usage: evtk"), (path, short.out[:200])
        assert short.out == long.out, path


def _leaves() -> Iterator[tuple[str, ...]]:
    for path in _commands():
        if path and not getattr(_command(path), "commands", None):
            yield path


def _command(path: tuple[str, ...]) -> Any:
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    return cmd


def test_every_command_shows_an_example(evtk) -> None:
    leaves = list(_leaves())
    assert len(leaves) > 15
    for path in leaves:
        help_text = evtk(*path, "--help").out
        examples = [ln.strip() for ln in help_text.splitlines() if ln.strip().startswith("Example: evtk ")]
        assert examples, (path, "no 'Example: evtk ...' line in --help")
        assert examples[0].startswith("Example: " + " ".join(["evtk", *path]) + " "), (path, examples)


def test_same_option_names_mean_the_same(evtk) -> None:
    """--max-examples everywhere a report is capped (no --examples left visible); --out says in
    every help whether it is a file or a folder."""
    for path in _leaves():
        params = {p.name: p for p in _command(path).params}
        opts = {o: p for p in params.values() for o in getattr(p, "opts", [])}
        visible = {o for o, p in opts.items() if not getattr(p, "hidden", False)}
        assert "--examples" not in visible, path
        if "--out" in opts:
            helped = (opts["--out"].help or "").lower()
            assert "file" in helped or "folder" in helped, (path, helped)


@pytest.fixture
def committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import shutil

    from tests.conftest import REPO

    shutil.copytree(REPO / "data" / "releases", tmp_path / "data" / "releases")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ("release", "check", "0.2.0"),
        ("release", "check", "latest"),
        ("release", "diff", "0.1.0", "0.2.0"),
        ("release", "report", "0.2.0", "--out", "r.html"),
        ("export", "gdelt2", "0.2.0", "--out", "e.tsv"),
    ],
)
def test_a_version_names_a_release(committed: Path, evtk, args: tuple[str, ...]) -> None:
    r = evtk(*args)
    assert r.code == 0, r.output


@pytest.mark.parametrize(
    "args",
    [
        ("release", "check", "{uri}/data/releases/0.2.0"),
        ("release", "diff", "{uri}/data/releases/0.1.0", "{uri}/data/releases/0.2.0"),
        ("validate", "{uri}/data/releases/../../data/coded"),
    ],
)
def test_a_file_uri_is_a_local_path(committed: Path, evtk, args: tuple[str, ...]) -> None:
    import shutil

    from tests.conftest import REPO

    shutil.copytree(REPO / "data" / "coded", committed / "data" / "coded")
    shutil.copytree(REPO / "data" / "articles", committed / "data" / "articles")
    uri = committed.as_uri()
    r = evtk(*[a.format(uri=uri) for a in args])
    assert r.code == 0, r.output


@pytest.mark.parametrize(
    ("args", "scheme"),
    [
        (("validate", "hdfs://head:8020/data"), "hdfs"),
        (("validate", "s3a://bucket/data", "--engine", "spark"), "s3a"),
        (("export", "gdelt2", "https://example.org/releases/1.0.0", "--out", "x.tsv"), "https"),
        (("release", "check", "ftp://example.org/releases/1.0.0"), "ftp"),
    ],
)
def test_a_remote_uri_is_refused_with_what_to_do(committed: Path, evtk, args: tuple[str, ...], scheme: str) -> None:
    """Event files are read from this machine; releases from a folder or an object store
    (tests/test_remote.py), never from other URIs."""
    r = evtk(*args)
    assert r.code == 2, r.output
    assert f"{scheme}:// URIs are not read" in r.err, r.err
    hint = "mount the bucket" if args[0] == "validate" else "download it first"
    assert hint in r.err.lower(), r.err
    assert f"{scheme}://" in r.err.splitlines()[0]  # the URI as the user wrote it
    assert not (committed / "x.tsv").exists()


def test_an_unknown_version_says_where_it_looked(committed: Path, evtk) -> None:
    for args in (
        ("release", "check", "9.9.9"),
        ("release", "report", "9.9.9"),
        ("export", "gdelt2", "9.9.9", "-o", "x"),
    ):
        r = evtk(*args)
        assert r.code == 2, (args, r.output)
        assert (
            "no release '9.9.9': not a release folder (no manifest.json), nor a release version in data/releases"
            in r.err
        )


LIBRARY_WORDS = (
    "Value error",
    "Assertion error",
    "Input should",
    "pydantic",
    "ValidationError",
    "BadParameter",
    "typer.",
    "click.",
    "Traceback",
    "yaml.",
    "ScannerError",
    "ParserError",
    "TOMLDecodeError",
    "internal error",
)


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "--format", "xml"),  # a choice
        ("validate", "--max-examples", "abc"),  # an integer
        ("validate", "--max-examples", "0"),  # a range
        ("release", "diff", "a", "b", "--max-examples", "-1"),
        ("release", "check", "data/releases/0.2.0", "--drift-quad", "much"),  # a number
        ("validate", "--bogus"),  # an unknown option
        ("release", "diff"),  # a missing argument
        ("release", "build", "1.x"),  # a bad version
        ("validate", "--ignore", "E5020"),  # an unknown rule
        ("agree", "data", "--min", "root=abc"),  # a bad minimum
        ("validate", "data/coded/bad.yaml"),  # a file that is not YAML
        ("validate", "data"),  # a bad evtk.toml
    ],
)
def test_messages_carry_no_library_prefixes(committed: Path, evtk, args: tuple[str, ...]) -> None:
    import shutil

    from tests.conftest import REPO

    shutil.copytree(REPO / "data" / "articles", committed / "data" / "articles")
    (committed / "data" / "coded").mkdir()
    if args[-1] == "data/coded/bad.yaml":
        (committed / "data" / "coded" / "bad.yaml").write_text("events:\n\t- id: [\n", encoding="utf-8")
    if args == ("validate", "data"):
        (committed / "data" / "evtk.toml").write_text("[check\nstrict = 1\n", encoding="utf-8")
    r = evtk(*args)
    assert r.code == 2, (args, r.output)
    for word in LIBRARY_WORDS:
        assert word not in r.output, (args, word, r.output)
