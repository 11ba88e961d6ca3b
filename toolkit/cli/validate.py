"""``evtk validate``: check coded-event files and the articles they point at."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.common import (
    CodebookOpt,
    EncodingOpt,
    Engine,
    EngineOpt,
    FormatOpt,
    IgnoreOpt,
    MaxExamplesOpt,
    QuietOpt,
    ReportFormat,
    SparkMasterOpt,
    StrictOpt,
    check_policy,
    err,
    local_path,
    out,
)


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Event files or data folders (default: data/).", show_default=False),
    ] = None,
    fmt: FormatOpt = ReportFormat.text,
    articles: Annotated[
        Path | None,
        typer.Option("--articles", help="Articles folder (default: the nearest articles/ above each path)."),
    ] = None,
    fix_ids: Annotated[
        bool,
        typer.Option(
            "--fix-ids",
            help="Fill missing event ids in YAML and CSV files "
            "(nothing else in the files changes), then validate.",
        ),
    ] = False,
    max_examples: MaxExamplesOpt = 50,
    strict: StrictOpt = None,
    ignore: IgnoreOpt = None,
    encoding: EncodingOpt = "utf-8",
    codebook: CodebookOpt = None,
    quiet: QuietOpt = False,
    max_columns: Annotated[
        int, typer.Option("--max-columns", min=1, help="Most columns a CSV event file's header may name.")
    ] = 1000,
    engine: EngineOpt = Engine.polars,
    spark_master: SparkMasterOpt = "local[*]",
) -> None:
    """Validate coded events. Exit 0 when there are no errors (warnings are shown; with --strict
    they fail too), 1 when there are errors, 2 when input cannot be read or arguments are wrong.

    Example: evtk validate data --strict --ignore E204
    """
    from toolkit.findings import render
    from toolkit.validate import validate as run

    targets = [local_path(p) for p in paths] if paths else [Path("data")]
    ignored, strict_on = check_policy(targets, ignore, strict)
    if fix_ids:
        from toolkit.fix_ids import fix_ids as do_fix

        for path, n in do_fix(targets, encoding).items():
            if n and not quiet:
                err(f"{path}: filled {n} missing id(s)")
    from toolkit.progress import Progress

    result = run(
        targets,
        articles_dir=articles,
        codebook=codebook,
        encoding=encoding,
        max_examples=max_examples,
        progress=Progress.auto(quiet),
        max_columns=max_columns,
        engine_name=engine.value,
        spark_master=spark_master,
    )
    result.report.policy(ignored, strict_on)
    out(render(result.report, fmt.value))
    raise typer.Exit(result.exit_code)
