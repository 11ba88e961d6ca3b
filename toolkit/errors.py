"""Exceptions for when the toolkit cannot do its job (as opposed to findings about the data)."""

from __future__ import annotations

from pathlib import Path


class EvtkError(Exception):
    """Base class: a one-line, user-facing message. The CLI exits with ``exit_code``."""

    exit_code = 2

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        return where + self.message


class InputError(EvtkError):
    """Input that cannot be read at all: missing, unparseable, wrong shape, unsafe."""


class LimitError(InputError):
    """Input over one of the documented limits (docs/security.md): refused with exit 2, naming the
    limit and the option that raises it, before the cost is paid."""


class UsageError(EvtkError):
    """Arguments that do not make sense together."""


class CodebookError(InputError):
    """The codebook directory is missing or a codebook file cannot be read."""


class ReleaseError(EvtkError):
    """A release cannot be built or read (e.g. the version already exists)."""
