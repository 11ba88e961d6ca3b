"""``evtk codebook``: check, show, search and export the codebook."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.common import CodebookOpt, FormatOpt, ReportFormat, ShowFormat, ShowFormatOpt, out

app = typer.Typer(help="Check, look up and export the CAMEO codebook.", no_args_is_help=True)


class ExportFormat(enum.StrEnum):
    csv = "csv"
    json = "json"
    markdown = "markdown"


class ExportTable(enum.StrEnum):
    events = "events"
    actors = "actors"
    crosswalk = "crosswalk"


@app.command("check")
def check(codebook: CodebookOpt = None, fmt: FormatOpt = ReportFormat.text) -> None:
    """Validate the codebook against its rules (C1xx). Exit 0 valid, 1 findings, 2 unreadable.

    Example: evtk codebook check --codebook codebook --format github
    """
    from toolkit.codebook import load_codebook
    from toolkit.findings import render
    from toolkit.rules.codebook import check_codebook

    report = check_codebook(load_codebook(codebook))
    out(render(report, fmt.value))
    raise typer.Exit(report.exit_code)


@app.command("show")
def show(
    code: Annotated[str, typer.Argument(help="Event code such as 042, or actor code such as RUSGOV.")],
    codebook: CodebookOpt = None,
    fmt: ShowFormatOpt = ShowFormat.text,
) -> None:
    """Show an event code (name, description, Goldstein, quad class, path, children) or an actor code.

    Example: evtk codebook show 042
    """
    from toolkit.codebook import load_codebook
    from toolkit.lookup import show_actor, show_event

    cb = load_codebook(codebook)
    is_event = code.strip().replace(".", "").isdigit()
    info = show_event(cb, code) if is_event else show_actor(cb, code)
    if fmt is ShowFormat.json:
        out(json.dumps(info, indent=2, ensure_ascii=False))
        return
    if not is_event:
        out(f"{info['code']}  (codebook {info['codebook_version']})")
        for p in info["parts"]:
            out(f"  {p['part']}  {p['name']}  [{', '.join(p['kinds'])}]")
        return
    gold = f"{info['goldstein']:+.1f}" + (" (inherited from parent)" if info["goldstein_inherited"] else "")
    lines = [
        f"{info['code']}  {info['name']}",
        "",
        f"  {info['description'] or '(no description)'}",
        "",
        f"  Goldstein:   {gold}",
        f"  Quad class:  {info['quad_class']} ({info['quad_name']})",
        "  Path:        " + " > ".join(f"{p['code']} {p['name']}" for p in info["path"]),
    ]
    if info["replaced_by"]:
        lines.append(f"  DEPRECATED:  use {info['replaced_by']}")
    if info["plover"]:
        lines.append(
            "  PLOVER:      "
            + "; ".join(
                "/".join(x for x in (p["plover_event"], p["plover_mode"], p["plover_context"]) if x)
                for p in info["plover"]
            )
        )
    if info["children"]:
        lines.append("  Children:")
        lines += [f"    {c['code']}  {c['name']}" for c in info["children"]]
    out("\n".join(lines))


@app.command("search")
def search(
    words: Annotated[list[str], typer.Argument(help="Words to look for in names and descriptions.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Maximum results.")] = 10,
    codebook: CodebookOpt = None,
    fmt: ShowFormatOpt = ShowFormat.text,
) -> None:
    """Rank event codes and actor codes whose name or description matches WORDS.

    Example: evtk codebook search visit
    """
    from toolkit.codebook import load_codebook
    from toolkit.lookup import search as do_search

    hits = do_search(load_codebook(codebook), words, limit)
    if fmt is ShowFormat.json:
        out(json.dumps(hits.to_dicts(), indent=2, ensure_ascii=False))
        return
    if hits.is_empty():
        out("no matches")
        raise typer.Exit(1)
    for row in hits.iter_rows(named=True):
        out(f"{row['code']:<6} {row['kind']:<6} {row['name']}")


@app.command("export")
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")] = ExportFormat.csv,
    table: Annotated[
        ExportTable, typer.Option("--table", help="Which table to export.")
    ] = ExportTable.events,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
    codebook: CodebookOpt = None,
) -> None:
    """Export the event codes, actor codes or PLOVER crosswalk as CSV, JSON or Markdown.

    Example: evtk codebook export --format csv --table events --out codes.csv
    """
    from toolkit.codebook import load_codebook
    from toolkit.export_codebook import export_table

    text = export_table(load_codebook(codebook), table.value, fmt.value)
    if output is None:
        out(text)
    else:
        from toolkit.atomic import write_text_atomic

        write_text_atomic(output, text)
