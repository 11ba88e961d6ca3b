"""Export codebook tables as CSV, JSON or Markdown (also used to generate docs/codebook.md)."""

from __future__ import annotations

import json

import polars as pl

from toolkit.cells import neutralise_frame
from toolkit.codebook import PUBLIC_EVENT_COLUMNS, Codebook
from toolkit.errors import UsageError


def table_frame(cb: Codebook, table: str) -> pl.DataFrame:
    if table == "events":
        return cb.events.select(PUBLIC_EVENT_COLUMNS)
    if table == "actors":
        return cb.actors.select("code", "name", "kind", "table")
    if table == "crosswalk":
        return cb.crosswalk.drop("line")
    raise UsageError(f"unknown table {table!r}: use events, actors or crosswalk")


def _md_cell(value: object) -> str:
    if value is None:
        return ""
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pl.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    sep = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([head, sep, *rows])


def export_table(cb: Codebook, table: str, fmt: str) -> str:
    frame = table_frame(cb, table)
    if fmt == "csv":
        return neutralise_frame(frame).write_csv()  # a name like "=HYPERLINK(...)" stays text
    if fmt == "json":
        return json.dumps(
            {"codebook": cb.name, "version": cb.version, "table": table, "rows": frame.to_dicts()},
            indent=2,
            ensure_ascii=False,
        )
    if fmt == "markdown":
        return markdown_table(frame) + "\n"
    raise UsageError(f"unknown format {fmt!r}: use csv, json or markdown")
