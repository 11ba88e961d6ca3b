"""``evtk import`` and ``evtk export``: other event datasets in and out.

Two plain functions the main app registers (``app.command("import")(import_cmd)``). They parse
options, call :mod:`toolkit.interchange` and render its summary; polars is imported inside the
functions so ``evtk --help`` stays instant.

Exit codes: 0 every row written; 1 some rows rejected (import) or not exported (PLOVER codes without a
crosswalk row); 2 unreadable input or bad arguments (missing file, not the format, not a release).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from toolkit.cli.common import CodebookOpt, EncodingOpt, QuietOpt, ShowFormat, err, out, release_arg
from toolkit.progress import Progress

S = TypeVar("S")

if TYPE_CHECKING:
    from toolkit.interchange import ExportSummary, ImportSummary


class ImportFormat(enum.StrEnum):
    gdelt1 = "gdelt1"
    gdelt2 = "gdelt2"
    icews = "icews"
    phoenix = "phoenix"


class ExportFormat(enum.StrEnum):
    gdelt2 = "gdelt2"
    phoenix = "phoenix"
    plover = "plover"


def _run(progress: Progress, work: Callable[[], S]) -> S:
    """Run an import or export. These commands also run on their own (registered on another app,
    as the tests do), so they turn library errors into the one-line message and exit code here."""
    from toolkit.errors import EvtkError

    try:
        return work()
    except EvtkError as exc:
        err(f"evtk: error: {exc}")
        raise typer.Exit(exc.exit_code) from None
    finally:
        progress.done()


def _finish(summary: Any, output_format: ShowFormat, render: Callable[[Any], str]) -> None:
    if output_format is ShowFormat.json:
        out(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
    else:
        out(render(summary))
    raise typer.Exit(summary.exit_code)


def _progress(command: str, quiet: bool) -> Progress:
    return Progress.auto(quiet, label=command)


def _row(label: str, n: int, indent: int = 2) -> str:
    return f"{' ' * indent}{label:<{30 - indent}}{n:>12,}"


def render_import(summary: ImportSummary) -> str:
    files = len(summary.files)
    lines = [
        f"evtk import {summary.format}: {files} input{'s' if files != 1 else ''} -> {summary.out} "
        f"({summary.seconds:.2f} s)",
        _row("rows read", summary.rows_read),
        _row("rows written", summary.rows_written),
        _row("rows rejected", summary.rows_rejected),
    ]
    lines += [_row(reason, n, 4) for reason, n in summary.rows_rejected_by_reason.items()]
    found = {k: v for k, v in summary.findings.items() if v}
    if found:
        lines.append("  findings in written rows:")
        lines += [_row(name, n, 4) for name, n in found.items()]
    for name, values in summary.details.items():
        shown = ", ".join(f"{k} ({v})" for k, v in list(values.items())[:10])
        more = f", ... {len(values) - 10} more" if len(values) > 10 else ""
        lines.append(f"  {name}: {shown}{more}")
    if summary.examples:
        lines.append("  rejected rows (the first of each reason):")
        lines += [f"    {ex.file}:{ex.line}: {ex.reason}: {ex.detail}" for ex in summary.examples]
    return "\n".join(lines)


def render_export(summary: ExportSummary) -> str:
    lines = [
        f"evtk export {summary.format}: {summary.release} -> {summary.out} ({summary.seconds:.2f} s)",
        _row("events read", summary.rows_read),
        _row("events written", summary.rows_written),
    ]
    if summary.unmapped_codes:
        share = summary.rows_skipped / summary.rows_read if summary.rows_read else 0.0
        lines.append(
            f"  events not exported ({summary.rows_skipped:,}, {share:.1%}): CAMEO codes without a PLOVER "
            "event type (see docs/plover.md):"
        )
        for code, n in summary.unmapped_codes.items():
            reason = summary.unmapped_reasons.get(code, "")
            lines.append(f"{_row(code, n, 4)}  {reason}".rstrip())
    return "\n".join(lines)


def import_cmd(
    fmt: Annotated[ImportFormat, typer.Argument(help="Format of the input files.", show_default=False)],
    files: Annotated[
        list[Path], typer.Argument(help="Input files: plain, .gz or .zip (every member).", show_default=False)
    ],
    out_path: Annotated[
        Path,
        typer.Option("--out", "-o", help="Parquet file to write (replaced atomically).", show_default=False),
    ],
    encoding: EncodingOpt = "utf-8",
    codebook: CodebookOpt = None,
    quiet: QuietOpt = False,
    max_examples: Annotated[
        int, typer.Option("--max-examples", min=1, help="Rejected rows shown per reason; counts stay exact.")
    ] = 5,
    output_format: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ShowFormat.text,
    max_input_bytes: Annotated[
        int, typer.Option("--max-input-bytes", min=1, help="Largest (decompressed) input, in bytes.")
    ] = 64 * 1024**3,
    max_line_bytes: Annotated[
        int, typer.Option("--max-line-bytes", min=1, help="Longest line, in bytes.")
    ] = 16 * 1024**2,
    max_members: Annotated[int, typer.Option("--max-members", min=1, help="Most files in one .zip.")] = 1000,
    max_ratio: Annotated[
        int, typer.Option("--max-ratio", min=1, help="Largest decompressed/compressed size of a .gz or .zip.")
    ] = 200,
) -> None:
    """Import GDELT 1.0/2.0, ICEWS or Phoenix event files into one evtk event Parquet file.

    Rows that cannot be mapped (wrong column count, repeated header, bad bytes, no id, bad date), and
    repeats of an earlier row (the same file twice), are left out and listed with file and line.
    Exit 0 all rows written, 1 some rejected, 2 unreadable input.

    Example: evtk import gdelt2 20230207.export.CSV.zip --out data/imported.parquet
    """
    from toolkit.interchange import import_events
    from toolkit.interchange.textstream import Limits

    limits = Limits(max_input_bytes, max_line_bytes, max_members, max_ratio)
    progress = _progress(f"evtk import {fmt.value}", quiet)
    summary = _run(
        progress,
        lambda: import_events(
            fmt.value,
            files,
            out_path,
            codebook=codebook,
            encoding=encoding,
            max_examples=max_examples,
            progress=progress,
            limits=limits,
        ),
    )
    _finish(summary, output_format, render_import)


def export_cmd(
    fmt: Annotated[ExportFormat, typer.Argument(help="Format to write.", show_default=False)],
    release_dir: Annotated[
        Path,
        typer.Argument(
            help="Release: a folder (with events.parquet or events/) or a version (data/releases/VERSION).",
            show_default=False,
        ),
    ],
    out_path: Annotated[
        Path, typer.Option("--out", "-o", help="File to write (replaced atomically).", show_default=False)
    ],
    codebook: CodebookOpt = None,
    quiet: QuietOpt = False,
    output_format: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ShowFormat.text,
) -> None:
    """Export a release's events as GDELT 2.0 TSV, Phoenix TSV or PLOVER JSON Lines.

    Only the files the release's manifest lists are read, with the release's own codebook snapshot
    (--codebook overrides it). Text cells that a spreadsheet would run as a formula (starting with
    =, +, -, @, tab or CR) are written with a leading ' (numbers are never changed); see
    docs/security.md.

    Exit 0 all events written, 1 some events not exported (CAMEO codes without a PLOVER mapping),
    2 the release cannot be read.

    Example: evtk export plover 0.2.0 --out events.jsonl
    """
    from toolkit import remote
    from toolkit.interchange import export_events

    progress = _progress(f"evtk export {fmt.value}", quiet)
    summary = _run(
        progress,
        lambda: export_events(
            fmt.value, release_arg(release_dir), out_path, codebook=codebook, progress=progress
        ),
    )
    summary.release = remote.shown(summary.release)  # a fetched copy is named by its URI
    _finish(summary, output_format, render_export)
