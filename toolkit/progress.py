"""Progress on long runs: one status line on stderr (stage, rows, rows per second).

Shown only when stderr is a terminal and ``--quiet`` is not given, so logs, pipes and CI output
stay clean. Work happens in bulk polars operations, so progress is reported per stage and per
chunk, not per row.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.t0 = time.perf_counter()
        self.stage_t0 = self.t0
        self._width = 0

    @classmethod
    def auto(cls, quiet: bool = False) -> Progress:
        return cls(enabled=not quiet and sys.stderr.isatty())

    def stage(self, name: str, rows: int | None = None) -> None:
        """Report that ``name`` is done (with ``rows`` processed so far, if known)."""
        if not self.enabled:
            return
        now = time.perf_counter()
        text = f"evtk: {name}"
        if rows is not None:
            rate = rows / max(now - self.t0, 1e-9)
            text += f": {rows:,} rows, {rate:,.0f} rows/s"
        text += f" [{now - self.t0:.1f} s]"
        pad = max(0, self._width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)
        self.stage_t0 = now

    def done(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


NULL = Progress(enabled=False)
