"""Articles (A101-A104): ids, dates and the frozen segmentation of the article texts."""

from __future__ import annotations

import polars as pl

from toolkit import findings as F
from toolkit.rules import rule

A101 = rule(
    "A101",
    "bad-article-id",
    "error",
    "Article ids are safe slugs",
    "article id '{id}' is not a safe slug: use lower-case letters, digits, '.', '_', '-'",
    "Ids match `[a-z0-9][a-z0-9._-]*`, at most 120 characters: no slashes, no `..`, no spaces.",
)
A102 = rule(
    "A102",
    "article-text-changed",
    "error",
    "Frozen segmentation matches the text",
    "the text of article {id} changed since it was segmented: restore it, or re-add it with "
    "`evtk articles add --replace` and re-check its events",
    "Sentence numbers are frozen when an article is added; editing the text would move them under "
    "existing events. Restore the text, or run `evtk articles add --replace` and re-check events.",
)
A103 = rule(
    "A103",
    "duplicate-article",
    "error",
    "Article ids are unique",
    "article id {id} is defined more than once: rename one of them",
    "Each article id appears in exactly one article file or bulk row.",
)
A104 = rule(
    "A104",
    "bad-article-date",
    "error",
    "Articles have a valid publication date",
    "published '{value}' is not a valid YYYY-MM-DD date",
    "The publication date bounds event dates, so it must be a real date.",
)


def check_articles(art: pl.DataFrame, id_pattern: str) -> list[pl.LazyFrame]:
    """``art``: one row per article with ``article_id``, ``published`` (parsed), ``published_raw``,
    ``text_sha256`` (stated), ``_actual_sha`` and the ``_file``/``_line*`` they were read from."""
    file, aid = pl.col("_file"), pl.col("article_id")
    return [
        F.make(
            art.filter(~aid.str.contains(id_pattern) | aid.str.contains(r"\.\.")),
            "A101",
            A101.expr(id=aid),
            file=file,
            line=pl.col("_line_id"),
            column=pl.lit("id"),
        ),
        F.make(
            art.filter(aid.is_duplicated()),
            "A103",
            A103.expr(id=aid),
            file=file,
            line=pl.col("_line_id"),
            column=pl.lit("id"),
        ),
        F.make(
            art.filter(pl.col("published").is_null()),
            "A104",
            A104.expr(value=pl.col("published_raw").fill_null("")),
            file=file,
            line=pl.col("_line_published"),
            column=pl.lit("published"),
        ),
        F.make(
            art.filter(pl.col("text_sha256") != pl.col("_actual_sha")),
            "A102",
            A102.expr(id=aid),
            file=file,
            line=pl.col("_line"),
            column=pl.lit("text"),
        ),
    ]
