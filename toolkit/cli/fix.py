"""``evtk fix``: repair spreadsheet damage in a coded-event CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.common import EncodingOpt, out


def fix(
    path: Annotated[
        Path,
        typer.Argument(
            help="A coded-event CSV file, or an .xlsx workbook (first sheet).", show_default=False
        ),
    ],
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the repaired file here (default: in place).")
    ] = None,
    encoding: EncodingOpt = "utf-8",
) -> None:
    """Repair what spreadsheets do to a CSV file: leading zeros of codes (42 -> 042), dates
    (7/2/2023 -> ISO, read as validation reads them), decimal commas (11,8 -> 11.8) and whole
    numbers written 7.0. Writes in place atomically, or to --out; prints each change with its line.
    A workbook (.xlsx, read with openpyxl: pip install 'evtk[xlsx]') is never changed: it is written
    as CSV (default: the same name with .csv). Run `evtk validate` afterwards for what needs a person.

    Example: evtk fix data/coded/sheet.csv --out data/coded/sheet.fixed.csv
    """
    from toolkit.fix import fix_csv

    result = fix_csv(path, out_path, encoding=encoding)
    for c in result.changes:
        out(f"{result.path}:{c.line}: {c.field} '{c.old}' -> '{c.new}'")
    where = "" if result.out == result.path else f" (written to {result.out})"
    out(f"{len(result.changes)} change(s) in {result.rows} row(s){where}")
