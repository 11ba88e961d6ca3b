"""Reading text files the way coders produce them: BOMs, CRLF, legacy encodings.

Every failure is an :class:`InputError` carrying the file and line, never a raw
``UnicodeDecodeError``.
"""

from __future__ import annotations

import re
from pathlib import Path

from toolkit.errors import InputError

UTF8_BOM = b"\xef\xbb\xbf"


def decode(data: bytes, path: Path | str, encoding: str = "utf-8") -> str:
    """Decode bytes to text with LF line endings; strip a UTF-8 BOM."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1]
        raise InputError(
            f"byte 0x{bad.hex()} is not valid {encoding}: the file is probably Latin-1 or Windows-1252; "
            f"re-save it as UTF-8, or pass --encoding latin-1",
            path,
            line,
        ) from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}: use e.g. utf-8, latin-1 or cp1252", path) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """A file's bytes, refusing files over ``max_bytes``; a missing or unreadable file is an InputError."""
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise InputError(
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit for this format: "
                "split it, or use JSONL or Parquet for machine-sized data",
                path,
            )
        return path.read_bytes()
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path) from None
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None


def read_text(path: Path, encoding: str = "utf-8", max_bytes: int | None = None) -> str:
    """Read a text file, refusing files over ``max_bytes`` with a clear message."""
    return decode(read_bytes(path, max_bytes), path, encoding)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def plain(value: object) -> str:
    """A value for one line of text output: control characters (newlines, escape sequences, line
    separators) shown as ``\\xNN`` / ``\\uNNNN``, so data can never start a line of its own (a
    forged ``::error`` annotation) or drive the terminal."""

    def esc(m: re.Match[str]) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _CONTROL.sub(esc, str(value))
