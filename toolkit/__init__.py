"""evtk: an event-coding dataset toolkit.

The library does the work; the CLI (``toolkit.cli``) only parses arguments and renders.
Heavy modules (polars, pandera, pyarrow) are imported lazily so ``evtk --help`` stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "build_release", "check_release", "diff_releases", "load", "load_codebook", "validate"]


def __getattr__(name: str) -> Any:
    if name == "load_codebook":
        from toolkit.codebook import load_codebook

        return load_codebook
    if name == "validate":
        from toolkit.validate import validate

        return validate
    if name in ("build_release", "check_release", "load", "diff_releases"):
        import toolkit.release as release

        return getattr(release, name)
    raise AttributeError(name)
