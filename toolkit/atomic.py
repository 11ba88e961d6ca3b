"""Atomic writes: output appears whole or not at all (never half-written)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from toolkit.errors import InputError


def write_bytes_atomic(path: Path, data: bytes, expect: bytes | None = None) -> None:
    """Replace ``path`` with ``data``. With ``expect``, only if the file still holds exactly those
    bytes just before the replace (someone saved it meanwhile: :class:`InputError`, nothing written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if expect is not None and path.read_bytes() != expect:
            raise InputError(
                "the file changed while evtk was editing it (saved by someone else?): nothing was "
                "written; run the command again",
                path,
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))
