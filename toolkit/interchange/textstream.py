"""Turn user inputs (plain, ``.gz``, ``.zip``; any ASCII-compatible encoding) into UTF-8 files polars can scan.

Why a pre-pass at all: polars scans lines fast but only from UTF-8 files on disk. ``encoding=
"utf8-lossy"`` would hide bad bytes behind U+FFFD, indistinguishable from a U+FFFD that was really in
the file, so evtk checks the bytes itself, in pieces of whole lines (``CHUNK`` bytes), never holding a
file in memory:

- a plain UTF-8 file that decodes cleanly is scanned where it is (no copy);
- a line that does not decode is copied with its bad bytes replaced and :data:`MARKER` put in front, so
  the vectorised pass rejects it with its line number (reason ``encoding``) instead of guessing;
- ``.gz`` members and every ``.zip`` member are decompressed into a temporary file next to the output
  (same file system, removed afterwards), validated on the way;
- ``--encoding latin-1`` (or cp1252, ...) transcodes to UTF-8 on the way.

The pass also counts physical lines, independently of polars, so the importer can prove that every
line read was either written or rejected.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import os
import secrets
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from toolkit.errors import InputError, UsageError

CHUNK = 8 << 20
#: put in front of an undecodable line; U+FFFE is a Unicode noncharacter that real text never holds
MARKER = "\ufffeevtk-undecodable\ufffe"
_MARKER_BYTES = MARKER.encode("utf-8")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Limits:
    """What one import input may cost; each has an ``evtk import`` option to raise it (see
    docs/security.md). Checked while streaming, so a bomb stops at the limit, not at the disk's end."""

    max_bytes: int = 64 * 1024**3  # decompressed bytes of one input (--max-input-bytes)
    max_line: int = 16 * 1024**2  # bytes of one line (--max-line-bytes)
    max_members: int = 1000  # files in one zip archive (--max-members)
    max_ratio: int = 200  # decompressed / compressed size of a .gz or .zip (--max-ratio)


@dataclass(frozen=True)
class PreparedInput:
    """One stream of lines to import: a file, a ``.gz`` file or one member of a ``.zip``."""

    display: str  # how messages name it: ``path`` or ``archive.zip!member``
    path: Path  # UTF-8 file to scan (the input itself, or a temporary copy)
    lines: int  # physical lines, counted here (a last line without newline counts)
    first_line: str  # decoded, BOM and CR stripped: header detection needs it before polars runs
    bad_lines: int  # lines that did not decode


def check_encoding(encoding: str) -> tuple[str, bool]:
    """Canonical codec name and whether it is UTF-8; refuse codecs whose newline is not byte 0x0A."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r}: use e.g. utf-8, latin-1 or cp1252") from None
    if name.startswith(("utf-16", "utf-32")):
        raise UsageError(f"encoding {encoding!r} is not supported: convert the file to UTF-8 first")
    return name, name in ("utf-8", "utf-8-sig")


class _Counter:
    """Streams pieces of whole lines through decoding; counts lines and bad lines."""

    def __init__(self, dest: BinaryIO | None, encoding: str, utf8: bool) -> None:
        self.dest = dest
        self.encoding = "utf-8" if utf8 else encoding  # utf-8-sig per line would eat BOM-like bytes
        self.utf8 = utf8
        self.lines = 0
        self.bad = 0
        self.first_line: str | None = None
        self._started = False

    def feed(self, piece: bytes) -> None:
        if not self._started:
            self._started = True
            if piece.startswith(_BOM):
                piece = piece[len(_BOM) :]
            head = piece.split(b"\n", 1)[0].rstrip(b"\r")
            self.first_line = head.decode(self.encoding, "replace")
        self.lines += piece.count(b"\n") + (0 if piece.endswith(b"\n") else 1)
        if self.utf8:
            if piece.isascii():
                self._write(piece)
                return
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError:
                self._write(self._by_line(piece))
                return
            self._write(piece)
            return
        try:
            self._write(piece.decode(self.encoding).encode("utf-8"))
        except UnicodeDecodeError:
            self._write(self._by_line(piece))

    def _by_line(self, piece: bytes) -> bytes:
        # Only pieces that failed as a whole come here, so the Python loop runs on bad data only.
        out: list[bytes] = []
        for line in piece.split(b"\n"):
            try:
                out.append(line.decode(self.encoding).encode("utf-8"))
            except UnicodeDecodeError:
                self.bad += 1
                out.append(_MARKER_BYTES + line.decode(self.encoding, "replace").encode("utf-8"))
        return b"\n".join(out)

    def _write(self, data: bytes) -> None:
        if self.dest is not None:
            self.dest.write(data)


def _pump(
    src: BinaryIO, counter: _Counter, limits: Limits = Limits(), display: str = "", packed: int | None = None
) -> None:
    """Stream ``src`` through ``counter``. ``packed``: the compressed size, for the ratio limit."""
    carry = b""
    total = 0
    cap = (
        limits.max_bytes if packed is None else min(limits.max_bytes, max(packed, 1 << 20) * limits.max_ratio)
    )
    while True:
        block = src.read(CHUNK)
        if not block:
            break
        total += len(block)
        if total > cap:
            which = (
                "--max-input-bytes"
                if cap == limits.max_bytes
                else f"{limits.max_ratio}x its size, --max-ratio"
            )
            raise InputError(
                f"decompresses to more than {cap} bytes (limit: {which}): refused, raise the limit if it is real",
                display,
            )
        data = carry + block if carry else block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data  # a line longer than CHUNK: keep reading until it ends
            if len(carry) > limits.max_line:
                raise InputError(
                    f"line {counter.lines + 1} is longer than {limits.max_line} bytes (--max-line-bytes): "
                    "not an event file, or raise the limit",
                    display,
                )
            continue
        piece, carry = data[:cut], data[cut:]
        if len(piece) > limits.max_line and max(map(len, piece.split(b"\n"))) > limits.max_line:
            raise InputError(
                f"a line after line {counter.lines} is longer than {limits.max_line} bytes "
                "(--max-line-bytes): not an event file, or raise the limit",
                display,
            )
        counter.feed(piece)
    if carry:
        counter.feed(carry)


class Workspace:
    """Temporary files next to the output; all removed by :meth:`cleanup` (also on errors)."""

    def __init__(self, folder: Path, stem: str) -> None:
        self.folder = folder
        self.stem = stem
        self.paths: list[Path] = []

    def new(self, suffix: str, create: bool = True) -> Path:
        """A fresh temporary path. ``create=False`` for files that replace the output: a writer that
        creates them gets the user's umask (mkstemp would make the final file private, 0600)."""
        if create:
            fd, name = tempfile.mkstemp(prefix=f".{self.stem}.", suffix=suffix, dir=self.folder)
            os.close(fd)
            path = Path(name)
        else:
            path = self.folder / f".{self.stem}.{secrets.token_hex(8)}{suffix}"
        self.paths.append(path)
        return path

    def cleanup(self) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)
        self.paths.clear()


#: zip compression methods the standard library reads (stored, deflate, bzip2, lzma)
ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})


def _readable_member(info: zipfile.ZipInfo, display: str) -> None:
    """Refuse, before reading, a zip member that cannot be read: encrypted, or compressed with a
    method such as deflate64 (9) that only some archivers write."""
    where = f"{display}!{info.filename}"
    if info.flag_bits & 0x1:
        raise InputError("the zip member is encrypted: extract it with its password first", where)
    if info.compress_type not in ZIP_METHODS:
        raise InputError(
            f"the zip member uses compression method {info.compress_type} (e.g. deflate64), which evtk "
            "cannot read: re-zip it with standard deflate, or extract it first",
            where,
        )


@contextmanager
def _open_error(display: str) -> Iterator[None]:
    """Turn I/O and decompression errors into one-line :class:`InputError` messages naming the input."""
    try:
        yield
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise InputError("no such file", display) from None
        if isinstance(exc, IsADirectoryError):
            raise InputError("is a directory, expected a file", display) from None
        if isinstance(exc, PermissionError):
            raise InputError("permission denied", display) from None
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise InputError(
                "no space left to decompress or convert this input next to --out", display
            ) from None
        lower = display.lower()
        if "!" in display or lower.endswith(".zip"):
            kind = "zip archive"
        elif lower.endswith(".gz"):
            kind = "gzip file"
        else:
            kind = "file"
        raise InputError(f"cannot read this {kind}: {exc}", display) from None


def _copy_into(
    src: BinaryIO,
    display: str,
    ws: Workspace,
    encoding: str,
    utf8: bool,
    limits: Limits = Limits(),
    packed: int | None = None,
) -> PreparedInput:
    tmp = ws.new(".tsv")
    with _open_error(display), tmp.open("wb") as dest:
        counter = _Counter(dest, encoding, utf8)
        _pump(src, counter, limits, display, packed)
    return PreparedInput(display, tmp, counter.lines, counter.first_line or "", counter.bad)


def prepare(
    path: Path, ws: Workspace, encoding: str = "utf-8", limits: Limits = Limits()
) -> list[PreparedInput]:
    """The line streams in ``path`` (one, or one per ``.zip`` member), ready for :func:`polars.scan_lines`."""
    name, utf8 = check_encoding(encoding)
    display = str(path)
    if not path.exists():
        raise InputError("no such file", display)
    if path.is_dir():
        raise InputError("is a directory, expected a file", display)
    if not path.is_file():
        raise InputError("is not a regular file (a FIFO or device would never end): refused", display)
    suffix = path.suffix.lower()
    if suffix not in (".gz", ".zip"):
        from toolkit.textio import utf16

        with _open_error(display), path.open("rb") as fh:
            if utf16(fh.read(4096)) is not None:
                raise InputError(
                    "the file is UTF-16 (Excel saves 'Unicode text' so): re-save it as UTF-8 "
                    "(e.g. `iconv -f UTF-16 -t UTF-8`)",
                    display,
                )
    packed = path.stat().st_size
    if suffix == ".gz":
        with _open_error(display), gzip.open(path, "rb") as fh:
            return [_copy_into(fh, display, ws, name, utf8, limits, packed)]  # type: ignore[arg-type]
    if suffix == ".zip":
        out: list[PreparedInput] = []
        with _open_error(display), zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if not i.is_dir()]
            if len(members) > limits.max_members:
                raise InputError(
                    f"the zip archive has {len(members)} files, over the limit of {limits.max_members} "
                    "(--max-members)",
                    display,
                )
            for info in archive.infolist():
                if info.is_dir():
                    continue
                _readable_member(info, display)
                with archive.open(info) as member:
                    out.append(
                        _copy_into(member, f"{display}!{info.filename}", ws, name, utf8, limits, packed)  # type: ignore[arg-type]
                    )
        if not out:
            raise InputError("the zip archive has no files", display)
        return out
    if utf8:
        # first pass reads only: most files are clean and are then scanned in place, without a copy
        with _open_error(display), path.open("rb") as fh:
            counter = _Counter(None, name, utf8)
            _pump(fh, counter, limits, display)
        if counter.bad == 0:
            with _open_error(display), path.open("rb") as fh:
                has_bom = fh.read(3) == _BOM
            if not has_bom:
                return [PreparedInput(display, path, counter.lines, counter.first_line or "", 0)]
    with _open_error(display), path.open("rb") as fh:
        return [_copy_into(fh, display, ws, name, utf8, limits)]
