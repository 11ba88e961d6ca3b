"""evtk: an event-coding dataset toolkit.

The library does the work; the CLI (``toolkit.cli``) only parses arguments and renders.
Heavy modules (polars, pandera, pyarrow) are imported lazily so ``evtk --help`` stays fast.
"""

from __future__ import annotations

import os
from typing import Any

__version__ = "0.1.0"

#: ``SPARK_LOCAL_IP`` as the user's environment had it, before any import could set it (pandera sets
#: it to 127.0.0.1 when pyspark is installed, which keeps a cluster's executors from reaching the
#: driver); :func:`toolkit.spark_engine.bind_address` restores it for cluster masters.
SPARK_LOCAL_IP_AT_START = os.environ.get("SPARK_LOCAL_IP")

__all__ = [
    "__version__",
    "build_release",
    "check_release",
    "diff_releases",
    "load",
    "load_codebook",
    "validate",
]


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
