"""``evtk code``: code articles (or a text) with the rule dictionaries, or score the coder."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.common import CodebookOpt, err, out


class CodeFormat(enum.StrEnum):
    yaml = "yaml"
    jsonl = "jsonl"


def code(
    article_ids: Annotated[
        list[str] | None,
        typer.Argument(help="Articles to code (default: every article in DATA/articles).", show_default=False),
    ] = None,
    data: Annotated[Path, typer.Option("--data", help="Data folder (articles/ and coded/).")] = Path("data"),
    output: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help="Write all events to this file ('-' for stdout) instead of DATA/coded/ARTICLE.rules.yaml.",
        ),
    ] = None,
    fmt: Annotated[CodeFormat, typer.Option("--format", "-f", help="Output format.")] = CodeFormat.yaml,
    text: Annotated[
        str | None, typer.Option("--text", help="Code this text instead of articles (printed to stdout).")
    ] = None,
    published: Annotated[
        str | None, typer.Option("--published", help="Publication date of --text, YYYY-MM-DD (default: today).")
    ] = None,
    dictionary: Annotated[
        list[Path] | None,
        typer.Option("--dictionary", help="PETRARCH2-format verb, actor or agent dictionary to add (repeatable)."),
    ] = None,
    gold: Annotated[
        Path | None,
        typer.Option(
            "--score",
            help="Score against reference codings: evtk event files, or a PLOVER gold-standard JSON file.",
        ),
    ] = None,
    codebook: CodebookOpt = None,
) -> None:
    """Code events with the rule dictionaries (codebook/dictionaries): writes
    DATA/coded/ARTICLE.rules.yaml per article, never over a hand-coded file. Needs the coder
    extra (spaCy). Exit 0 done, 2 bad input.

    Example: evtk code afp-2023-02-07-lavrov-mali --out - --format yaml
    """
    import datetime as dt

    from toolkit.atomic import write_text_atomic
    from toolkit.coder import RULE_SUFFIX, build, code_sentences, may_overwrite, render_jsonl, render_yaml
    from toolkit.errors import InputError, UsageError

    if text is not None and (article_ids or gold):
        raise UsageError("--text codes one text: give no article ids and no --score with it")
    if published is not None and text is None:
        raise UsageError("--published goes with --text (articles have their own publication date)")
    loaded = build(codebook, dictionary)
    version = loaded.dictionaries.version
    coder = loaded.dictionaries.coder

    if gold is not None:
        from toolkit.coder.evaluate import is_plover, score_events, score_plover
        from toolkit.coder.score import render as render_score

        if not gold.exists():
            raise InputError("no such file or directory", gold)
        if is_plover(gold):
            result, n = score_plover(loaded, gold)
            what = f"{n} PLOVER records"
        else:
            result, n = score_events(loaded, gold, data)
            what = f"{n} article(s)"
        out(render_score(result, f"{gold}: {what}, coder {coder}"))
        return

    if text is not None:
        from toolkit.segment import sentences as split

        try:
            day = dt.date.fromisoformat(published) if published else dt.date.today()
        except ValueError:
            raise UsageError(f"--published {published!r} is not a date: write YYYY-MM-DD") from None
        sents = list(enumerate(split(text) or [text], start=1))
        events = code_sentences(loaded, sents, day)
        body = (
            render_yaml(events, coder, None, sents, day, version)
            if fmt is CodeFormat.yaml
            else render_jsonl(events, coder, None)
        )
        _write(body, output or "-")
        return


    from toolkit.coder import code_articles

    coded = code_articles(loaded, data, article_ids)
    chunks: list[str] = []
    for art in coded:
        aid, events = art.article_id, art.events
        if output is None:
            target = data / "coded" / f"{aid}{RULE_SUFFIX}"
            if not may_overwrite(target):
                raise UsageError(
                    f"{target} exists and is not a rule-coded file (no 'method: rule'): evtk code never "
                    "overwrites it; pass --out to write elsewhere"
                )
            write_text_atomic(target, render_yaml(events, coder, aid, art.sentences, art.published, version))
            err(f"wrote {target}: {len(events)} events from {len(art.sentences)} sentences ({coder})")
        elif fmt is CodeFormat.jsonl:
            chunks.append(render_jsonl(events, coder, aid))
        else:
            if len(coded) > 1:
                raise UsageError("--format yaml holds one article per file: code one article, or use --format jsonl")
            chunks.append(render_yaml(events, coder, aid, art.sentences, art.published, version))
    if output is not None:
        _write("".join(chunks), output)


def _write(body: str, output: str) -> None:
    import sys

    if output == "-":
        sys.stdout.write(body)
        return
    from toolkit.atomic import write_text_atomic
    from toolkit.coder import may_overwrite
    from toolkit.errors import UsageError

    path = Path(output)
    if path.suffix in (".yaml", ".yml") and not may_overwrite(path):
        raise UsageError(f"{path} exists and is not a rule-coded file: evtk code never overwrites it")
    write_text_atomic(path, body)
