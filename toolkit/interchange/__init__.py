"""Interchange with other event datasets: import GDELT/ICEWS/Phoenix files, export GDELT/Phoenix/PLOVER.

The library does the work (streaming polars plans, summaries as data); ``toolkit.cli.interchange`` only
parses options and renders. Mapping rules and quirks are documented in ``codebook/mappings/README.md``.
"""

from __future__ import annotations

from toolkit.interchange.exporter import export_events
from toolkit.interchange.importer import OUTPUT_FIELDS, import_events
from toolkit.interchange.layouts import EXPORT_FORMATS, IMPORT_FORMATS
from toolkit.interchange.summary import ExportSummary, ImportSummary, RejectedRow

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "OUTPUT_FIELDS",
    "ExportSummary",
    "ImportSummary",
    "RejectedRow",
    "export_events",
    "import_events",
]
