"""Progress on long runs: one self-overwriting status line on stderr (stage, rows, rows/s).

Shown only when stderr is a terminal and ``--quiet`` is not given, so logs, pipes and CI output
stay clean. Work happens in bulk polars operations, so progress is reported per stage and per
chunk, not per row. A ``Progress`` is also a plain callable ``(stage, rows)`` for library code.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str = "evtk", enabled: bool = True, stream: TextIO | None = None) -> None:
        self.label = label
        self.enabled = enabled
        self.stream = stream
        self.started = time.perf_counter()
        self.shown = False

    @classmethod
    def auto(cls, quiet: bool = False, label: str = "evtk") -> Progress:
        return cls(label, enabled=not quiet and sys.stderr.isatty())

    def stage(self, name: str, rows: int | None = None) -> None:
        """Report that ``name`` is done (with ``rows`` processed so far, if known)."""
        if not self.enabled:
            return
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        text = f"{self.label}: {name}"
        if rows is not None:
            text += f": {rows:,} rows ({rows / elapsed:,.0f} rows/s)"
        stream = self.stream or sys.stderr
        stream.write(f"\r{text} [{elapsed:.1f} s]\x1b[K")
        stream.flush()
        self.shown = True

    __call__ = stage

    def done(self) -> None:
        if self.shown:
            stream = self.stream or sys.stderr
            stream.write("\n")
            stream.flush()
            self.shown = False


NULL = Progress(enabled=False)
