"""Reading text files the way coders produce them: BOMs, CRLF, legacy encodings.

Every failure is an :class:`InputError` carrying the file and line, never a raw
``UnicodeDecodeError``.
"""

from __future__ import annotations

import codecs
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import InputError

UTF8_BOM = b"\xef\xbb\xbf"


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: bytes that are printable characters in Windows-1252 but C1 control characters in Latin-1
CP1252_ONLY = re.compile(rb"[\x80\x82-\x8c\x8e\x91-\x9c\x9e\x9f]")


def utf16(data: bytes) -> str | None:
    """The UTF-16 codec of ``data`` (Excel's "Unicode text"): by its byte-order mark, or, without
    one, by the NUL bytes every ASCII character has on one side. None for anything else."""
    if data.startswith(UTF16_BOMS):
        return "utf-16"
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > 4 * even:
            return "utf-16-le"
        if even > 4 * odd:
            return "utf-16-be"
    return None


def suggest_encoding(data: bytes) -> str:
    """What to tell a user whose file is not UTF-8: Windows-1252 when its bytes say so."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "the file is probably Latin-1: re-save it as UTF-8, or pass --encoding latin-1"
    found = CP1252_ONLY.search(data)
    if found is not None:
        return (
            f"the file is probably Windows-1252 (byte 0x{found.group().hex()} is "
            f"{found.group().decode('cp1252')!r} there): re-save it as UTF-8, or pass --encoding cp1252"
        )
    return "the file is probably Windows-1252 or Latin-1: re-save it as UTF-8, or pass --encoding cp1252"


def decode(data: bytes, path: Path | str, encoding: str = "utf-8") -> str:
    """Decode bytes to text with LF line endings; strip a UTF-8 BOM; read UTF-16 (Excel's "Unicode
    text") whatever ``encoding`` says. Latin-1 text with Windows-1252 bytes (curly quotes, dashes)
    is refused, because Latin-1 would turn them into invisible control characters."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    wide = utf16(data)
    if wide is not None:
        encoding = wide
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1]
        raise InputError(
            f"byte 0x{bad.hex()} is not valid {encoding}: {suggest_encoding(data)}", path, line
        ) from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}: use e.g. utf-8, latin-1 or cp1252", path) from None
    if codecs.lookup(encoding).name == "iso8859-1":
        c1 = CP1252_ONLY.search(data)
        if c1 is not None:
            raise InputError(
                f"byte 0x{c1.group().hex()} is a control character in Latin-1 but "
                f"{c1.group().decode('cp1252')!r} in Windows-1252: the file is Windows-1252; pass "
                "--encoding cp1252",
                path,
                data[: c1.start()].count(b"\n") + 1,
            )
    if wide is not None:
        text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


@dataclass(frozen=True)
class Exact:
    """A text file as written: ``text`` with its own line endings, and how to write it back the
    same way (``codec`` and ``bom``), so an edit changes only what it edits."""

    text: str
    codec: str
    bom: bytes
    #: the text as :func:`decode` gives it (LF line endings, no BOM): what parsers read
    normalised: str

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


def decode_exact(data: bytes, path: Path | str, encoding: str = "utf-8") -> Exact:
    """``data`` decoded as :func:`decode` reads it (the same checks and messages), keeping its line
    endings, encoding and byte-order mark for writing it back."""
    normalised = decode(data, path, encoding)
    for bom, codec in ((UTF8_BOM, encoding), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return Exact(data[len(bom) :].decode(codec), codec, bom, normalised)
    codec = utf16(data) or encoding
    return Exact(data.decode(codec), codec, b"", normalised)


NOT_REGULAR = "is not a regular file (a pipe, device or socket): give a file saved on disk"


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """A file's bytes, refusing files over ``max_bytes``; a missing or unreadable file, or one that
    is not a regular file (a FIFO would block, ``/dev/zero`` never ends), is an InputError."""
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(NOT_REGULAR, path)
        size = st.st_size
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
