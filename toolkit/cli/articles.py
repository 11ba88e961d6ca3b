"""``evtk articles`` (add, show, list) and ``evtk new`` (a YAML skeleton for a coder)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.common import EncodingOpt, ShowFormat, ShowFormatOpt, err, out

app = typer.Typer(help="Add and read articles (texts with frozen sentence numbers).", no_args_is_help=True)
ArticlesDirOpt = Annotated[Path, typer.Option("--articles", help="Articles folder.")]


@app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="Plain-text article (UTF-8).")],
    published: Annotated[
        str | None,
        typer.Option(
            "--published", help="Publication date, YYYY-MM-DD (required; with --replace, default: kept)."
        ),
    ] = None,
    article_id: Annotated[
        str | None, typer.Option("--id", help="Article id (safe slug); default from the file name.")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title (default: the first line).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Publisher, e.g. AFP.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Address of the original.")] = None,
    language: Annotated[str, typer.Option("--language", help="Language code.")] = "en",
    replace: Annotated[
        bool, typer.Option("--replace", help="Re-import an existing article (re-segments it).")
    ] = False,
    remap: Annotated[
        bool,
        typer.Option(
            "--remap",
            help="With --replace: move coded events to the sentences that hold their quotes "
            "(rewrites the YAML/CSV event files; exit 1 when some cannot be moved).",
        ),
    ] = False,
    articles_dir: ArticlesDirOpt = Path("data/articles"),
    encoding: EncodingOpt = "utf-8",
) -> None:
    """Import a plain-text article: copy the text, segment it into numbered sentences, freeze them.

    Example: evtk articles add story.txt --published 2023-02-07 --source AFP
    """
    from toolkit.articles import add_article

    info = add_article(
        file,
        articles_dir,
        article_id=article_id,
        title=title,
        source=source,
        url=url,
        published=published,
        language=language,
        encoding=encoding,
        replace=replace,
        remap=remap,
    )
    out(f"added {info['id']}: {info['sentences']} sentences ({info['path']})")
    for warning in info["warnings"]:
        err(f"evtk: warning: {warning}")
    if info["remapped"]:
        out(f"moved {info['remapped']} coded event(s) to the sentences that hold their quotes")
    for u in info["unmapped"]:
        where = f"{u.file}:{u.line}" if u.line else u.file
        quote = f" (quote {u.quote!r})" if u.quote else ""
        err(f"{where}: event {u.event}{quote} not moved: {u.reason}; fix its sentence by hand")
    if info["unmapped"]:
        raise typer.Exit(1)


@app.command("show")
def show(
    article_id: Annotated[str, typer.Argument(help="Article id.")],
    articles_dir: ArticlesDirOpt = Path("data/articles"),
    fmt: ShowFormatOpt = ShowFormat.text,
) -> None:
    """Print an article's metadata and its numbered sentences (the numbers events refer to).

    Example: evtk articles show afp-2023-02-07-lavrov-mali
    """
    from toolkit.articles import find_article

    row, sents = find_article(articles_dir, article_id)
    meta = row.drop("text").to_dicts()[0]
    if fmt is ShowFormat.json:
        out(
            json.dumps(
                {**meta, "sentences": sents.select("sentence", "text").to_dicts()},
                indent=2,
                ensure_ascii=False,
                default=str,
            )
        )
        return
    out(f"{meta['article_id']}  {meta['title'] or ''}")
    out(
        f"  {meta['source'] or '?'}, published {meta['published']}, {meta['language'] or '?'}, "
        f"{meta['sentence_count']} sentences ({meta['segmenter']})"
    )
    out("")
    for n, text in sents.select("sentence", "text").iter_rows():
        out(f"{n:>4}  {text}")


@app.command("list")
def list_articles(articles_dir: ArticlesDirOpt = Path("data/articles")) -> None:
    """List the articles with their publication date and sentence count.

    Example: evtk articles list --articles data/articles
    """
    from toolkit.articles import load_articles

    arts = load_articles([articles_dir]) if articles_dir.exists() else None
    if arts is None or arts.articles.is_empty():
        out("no articles")
        return
    for row in arts.articles.sort("article_id").iter_rows(named=True):
        out(
            f"{row['article_id']}  {row['published']}  {row['sentence_count']:>4} sentences  {row['title'] or ''}"
        )


def new(
    article_id: Annotated[str, typer.Argument(help="Article to code.")],
    coder: Annotated[str, typer.Option("--coder", help="Your coder name (goes into the file name).")],
    articles_dir: ArticlesDirOpt = Path("data/articles"),
    output: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write (default: data/coded/ARTICLE.CODER.yaml)."),
    ] = None,
) -> None:
    """Write a YAML skeleton for coding an article, with its numbered sentences as comments.

    Example: evtk new afp-2023-02-07-lavrov-mali --coder jdoe
    """
    from toolkit.articles import find_article
    from toolkit.atomic import write_text_atomic
    from toolkit.errors import UsageError
    from toolkit.skeleton import skeleton

    row, sents = find_article(articles_dir, article_id)
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", coder):
        raise UsageError(f"--coder {coder!r} must be a safe slug (lower-case letters, digits, '.', '_', '-')")
    if coder == "adjudicated":
        raise UsageError(
            "--coder adjudicated is reserved for the file `evtk adjudicate` writes: choose your own name"
        )
    target = output or Path("data/coded") / f"{article_id}.{coder}.yaml"
    if target.exists():
        raise UsageError(f"{target} already exists: edit it, or pass --out to write elsewhere")
    write_text_atomic(target, skeleton(row.to_dicts()[0], sents, coder))
    out(f"wrote {target}: {sents.height} sentences to code")
