"""One CLI convention across every command (walked from the app, never listed by hand)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
