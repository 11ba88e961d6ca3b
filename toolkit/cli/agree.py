"""``evtk agree`` and ``evtk adjudicate``: agreement between coders, and resolving it."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.common import CodebookOpt, EncodingOpt, PrimaryOpt, err, out


class AgreeFormat(enum.StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _data_root(paths: list[Path]) -> Path | None:
    from toolkit.validate import find_data_root

    for p in paths:
        root = find_data_root(p if p.is_dir() else p.parent)
        if root is not None:
            return root
    return None


def agree(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Event files or data folders (default: data/).", show_default=False),
    ] = None,
    fmt: Annotated[AgreeFormat, typer.Option("--format", "-f", help="Output format.")] = AgreeFormat.text,
    minimum: Annotated[
        str | None,
        typer.Option(
            "--min",
            help="Minimum alpha per level, e.g. root=0.8,code=0.667 (replaces [agreement.minimum] "
            "of evtk.toml). Exit 1 when a level is below its minimum or undefined.",
            show_default=False,
        ),
    ] = None,
    primary: PrimaryOpt = None,
    encoding: EncodingOpt = "utf-8",
    codebook: CodebookOpt = None,
) -> None:
    """Agreement between coders over every article coded by two or more of them: Krippendorff's
    alpha at every level of the codebook, events found by one coder only, per coder pair and the
    codes swapped per root. Exit 0, 1 when a minimum is not met, 2 on bad input.

    Example: evtk agree data --min root=0.8,code=0.667
    """
    from toolkit.agreement.codings import read_codings
    from toolkit.agreement.levels import parse_minimums
    from toolkit.agreement.measure import below, measure, render_markdown, render_text
    from toolkit.codebook import load_codebook
    from toolkit.config import load_config
    from toolkit.findings import Report, render

    targets = paths or [Path("data")]
    minimums = parse_minimums(minimum) if minimum is not None else None
    config = load_config(_data_root(targets))
    if minimums is None:
        minimums = config.minimums
    cb = load_codebook(codebook)
    codings = read_codings(targets, cb, encoding)
    if codings.problems:
        from toolkit import findings as F

        report = Report.build(F.concat(codings.problems), {"files": len(codings.problems)})
        out(render(report, "text"))
        err("evtk: error: some event files cannot be read (see above): fix them and run again")
        raise typer.Exit(2)
    result = measure(codings.events, primary or config.primary_coder)
    failing = below(result, minimums)
    result["minimum"] = minimums
    result["below"] = [{"level": lv, "alpha": a, "minimum": m} for lv, a, m in failing]
    if fmt is AgreeFormat.json:
        out(json.dumps(result, indent=2, ensure_ascii=False))
    elif fmt is AgreeFormat.markdown:
        out(render_markdown(result))
    else:
        out(render_text(result))
    if minimums and fmt is AgreeFormat.text:
        out(
            "gate: "
            + (
                "every level meets its minimum ("
                + ", ".join(f"{k} >= {v:g}" for k, v in minimums.items())
                + ")"
                if not failing
                else "below minimum: "
                + ", ".join(
                    f"{lv} {'undefined' if a is None else f'{a:.3f}'} < {m:g}" for lv, a, m in failing
                )
            )
        )
    if failing:
        if fmt is not AgreeFormat.text:
            err(
                "evtk: agreement below minimum: " + ", ".join(f"{lv} (minimum {m:g})" for lv, _, m in failing)
            )
        raise typer.Exit(1)


def adjudicate(
    article_id: Annotated[
        str, typer.Argument(help="The article to adjudicate (coded by two or more coders).")
    ],
    data: Annotated[Path, typer.Option("--data", help="Data folder (articles/, coded/).")] = Path("data"),
    primary: PrimaryOpt = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Write the file anew even if it exists (its resolutions are lost)."),
    ] = False,
    encoding: EncodingOpt = "utf-8",
    codebook: CodebookOpt = None,
) -> None:
    """Write data/coded/ARTICLE.adjudicated.yaml: the events every coder coded alike, merged, and
    each disagreement with every coder's version, marked unresolved. A release takes this file's
    events for the article. Exit 0, 2 on bad input.

    Example: evtk adjudicate afp-2023-02-07-lavrov-mali
    """
    from toolkit.agreement.adjudicate import adjudicate as run
    from toolkit.codebook import load_codebook
    from toolkit.config import load_config

    config = load_config(data if (data / "articles").is_dir() else None)
    result = run(
        article_id,
        data,
        load_codebook(codebook),
        primary=primary or config.primary_coder,
        encoding=encoding,
        force=force,
    )
    out(
        f"wrote {result.path}: {result.agreed} agreed event(s), {result.disagreements} unresolved "
        f"disagreement(s) between {', '.join(result.coders)}"
    )
    if result.disagreements:
        out("resolve each under disagreements: (see the file's header), then run evtk validate")
