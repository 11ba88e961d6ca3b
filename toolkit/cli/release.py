"""``evtk release``: build, check and diff versioned releases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.common import (
    CodebookOpt,
    EncodingOpt,
    FormatOpt,
    MaxExamplesOpt,
    QuietOpt,
    ReportFormat,
    ShowFormat,
    ShowFormatOpt,
    err,
    out,
)

app = typer.Typer(help="Build, check and compare versioned Parquet releases.", no_args_is_help=True)


@app.command("build")
def build(
    version: Annotated[str, typer.Argument(help="Release version, MAJOR.MINOR.PATCH.")],
    data: Annotated[
        Path, typer.Option("--data", help="Data folder (articles/, coded/, retractions.csv).")
    ] = Path("data"),
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder that holds releases (default: DATA/releases).")
    ] = None,
    partition_threshold: Annotated[
        int,
        typer.Option("--partition-threshold", min=0, help="Partition events by year above this many rows."),
    ] = 1_000_000,
    fmt: FormatOpt = ReportFormat.text,
    codebook: CodebookOpt = None,
    encoding: EncodingOpt = "utf-8",
    quiet: QuietOpt = False,
) -> None:
    """Validate the data and write release VERSION. Refuses to build on errors, over an existing
    version, and what `release check` would reject (exit 1, naming the rule and the version that
    passes): a version not after the latest published one, events gone without a retraction, a bump
    too small for the change. Same inputs give byte-identical files (set SOURCE_DATE_EPOCH to fix the
    timestamp)."""
    from toolkit.findings import render
    from toolkit.progress import Progress
    from toolkit.release import BuildBlocked, build_release

    try:
        result = build_release(
            version,
            data,
            out_dir,
            codebook=codebook,
            partition_threshold=partition_threshold,
            encoding=encoding,
            progress=Progress.auto(quiet),
        )
    except BuildBlocked as exc:
        out(render(exc.report, fmt.value))
        err(f"evtk: error: {exc.message}")
        raise typer.Exit(2 if exc.report.rule_counts.get("E000") else 1) from None
    c = result.manifest["counts"]
    out(
        f"built {result.path}: {c['events']} events, {c['articles']} articles, {c['sentences']} sentences, "
        f"{c['retractions']} retractions (codebook {result.manifest['codebook']['version']}, "
        f"previous {result.manifest['previous_version'] or 'none'})"
    )
    if result.report.warnings:
        out(f"{result.report.warnings} warning(s) in the data: see evtk validate")


@app.command("check")
def check(
    release_dir: Annotated[Path, typer.Argument(help="Release folder (holds manifest.json).")],
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous", help="Previous release (default: the next lower version in the same folder)."
        ),
    ] = None,
    no_previous: Annotated[
        bool, typer.Option("--no-previous", help="Do not compare with a previous release.")
    ] = False,
    drift_quad: Annotated[
        float, typer.Option("--drift-quad", help="Warn when a quad class share moves more.")
    ] = 0.10,
    drift_duplicates: Annotated[
        float, typer.Option("--drift-duplicates", help="Warn when the duplicate rate moves more.")
    ] = 0.05,
    drift_source: Annotated[
        float, typer.Option("--drift-source", help="Warn when a source's share moves more.")
    ] = 0.20,
    fmt: FormatOpt = ReportFormat.text,
    max_examples: MaxExamplesOpt = 50,
    quiet: QuietOpt = False,
) -> None:
    """Verify checksums, sizes, row counts, schema, every event rule (against the release's own
    codebook snapshot) and the change against the previous release. Exit 0/1/2 as validate."""
    from toolkit.findings import render
    from toolkit.progress import Progress
    from toolkit.release import check_release
    from toolkit.release_io import CheckOptions, DriftThresholds

    opts = CheckOptions(
        previous=previous,
        find_previous=not no_previous,
        drift=DriftThresholds(drift_quad, drift_duplicates, drift_source),
        max_examples=max_examples,
        progress=Progress.auto(quiet),
    )
    report = check_release(release_dir, opts)
    out(render(report, fmt.value))
    raise typer.Exit(report.exit_code)


@app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="Older release folder.")],
    new: Annotated[Path, typer.Argument(help="Newer release folder.")],
    examples: Annotated[int, typer.Option("--examples", min=0, help="Examples per kind of change.")] = 20,
    fmt: ShowFormatOpt = ShowFormat.text,
) -> None:
    """Added, removed (with retraction reasons), recoded, re-actored and redated events."""
    from toolkit.errors import InputError
    from toolkit.release import diff_releases, public_diff, render_diff_text
    from toolkit.release_io import is_release

    for p in (old, new):
        if not is_release(p):
            raise InputError("not a release folder (no manifest.json)", p)
    d = diff_releases(old, new, examples=examples)
    if fmt is ShowFormat.json:
        out(json.dumps(public_diff(d), indent=2, default=str))
    else:
        out(render_diff_text(d))
