"""Codings: who coded which article, read from event files, and which coding a release takes.

A *coding* is the set of events one coder wrote for one article (``data/coded/ARTICLE.CODER.yaml``).
Its identity is the event's ``coder``, except that events of an adjudicated file
(``ARTICLE.adjudicated.yaml``, any format) form the coding ``adjudicated`` whatever their coder
says, and imported events belong to no coding (they are never paired, and always released).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from toolkit.errors import InputError

if TYPE_CHECKING:
    from toolkit.codebook import Codebook

C = pl.col
ADJUDICATED = "adjudicated"
ADJUDICATED_RE = r"\.adjudicated\.[A-Za-z0-9]+$"


def coding_expr(file: str = "file", coder: str = "coder", method: str = "method") -> pl.Expr:
    """The coding an event belongs to (null for imported events)."""
    return (
        pl.when(C(method) == "import")
        .then(pl.lit(None, dtype=pl.String))
        .when(C(file).str.contains(ADJUDICATED_RE))
        .then(pl.lit(ADJUDICATED))
        .otherwise(C(coder).fill_null(""))
    )


def adjudicated_name(article_id: str) -> str:
    return f"{article_id}.{ADJUDICATED}.yaml"


@dataclass
class Codings:
    """Coded (not imported) events in release columns plus ``_file`` (as findings name it),
    ``_line``, ``_ord`` (input order) and ``coding``; ``problems`` are E000 findings of files that
    could not be read."""

    events: pl.DataFrame
    problems: list[pl.DataFrame]


def read_codings(paths: list[Path], cb: Codebook, encoding: str = "utf-8") -> Codings:
    """Every event under ``paths`` with its coding (no rules run: ``evtk validate`` does that)."""
    from toolkit.events_io import event_files
    from toolkit.fields import to_release_events
    from toolkit.validate import CHUNK_ROWS, FileSource

    for p in paths:
        if not p.exists():
            raise InputError("no such file or directory", p)
        if p.is_dir() and (p / "manifest.json").is_file():
            raise InputError("is a release, not a data folder: releases hold one coding per article", p)
    source = FileSource(event_files(paths), cb, None, encoding, CHUNK_ROWS)

    def coded(chunk: pl.DataFrame) -> pl.DataFrame:
        # Imported events belong to no coding: dropped chunk by chunk, they never fill memory.
        both = pl.concat(
            [to_release_events(chunk, cb).collect(), chunk.select("_file", "_line")], how="horizontal"
        )
        return both.with_columns(coding=coding_expr()).filter(C("coding").is_not_null())

    frames = [coded(chunk) for chunk in source.chunks()]
    events = pl.concat(frames) if frames else coded(pl.DataFrame(schema=source.empty_schema()))
    events = events.with_columns(_ord=pl.int_range(pl.len(), dtype=pl.UInt32))
    return Codings(events, source.problems)


def multiply_coded(codings: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """``article_id`` and ``coders`` (sorted list) of every article with two or more codings,
    the adjudicated one not counted. ``codings`` has ``article_id`` and ``coding``."""
    return (
        codings.lazy()
        .filter(C("coding").is_not_null() & (C("coding") != ADJUDICATED) & C("article_id").is_not_null())
        .group_by("article_id")
        .agg(coders=C("coding").unique().sort())
        .filter(C("coders").list.len() >= 2)
        .sort("article_id")
    )


def release_selection(codings: pl.DataFrame, primary: str | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Which coding a release takes for each article: the adjudicated one when there is one,
    else the primary coder's, else the only one. ``codings`` holds distinct
    (``article_id``, ``coding``) rows.

    Returns (``article_id``, ``coding``) kept, and the articles coded twice with neither
    (``article_id``, ``coders``): a build refuses those."""
    per = (
        codings.lazy()
        .filter(C("coding").is_not_null())
        .unique()
        .group_by("article_id")
        .agg(
            codings=C("coding").sort(),
            adjudicated=(C("coding") == ADJUDICATED).any(),
            has_primary=(C("coding") == primary).any() if primary is not None else pl.lit(False),
        )
        .with_columns(
            keep=pl.when(C("adjudicated"))
            .then(pl.lit(ADJUDICATED))
            .when(C("codings").list.len() == 1)
            .then(C("codings").list.first())
            .when(C("has_primary"))
            .then(pl.lit(primary, dtype=pl.String))
        )
        .sort("article_id")
        .collect()
    )
    kept = per.filter(C("keep").is_not_null()).select("article_id", C("keep").alias("coding"))
    stuck = per.filter(C("keep").is_null()).select("article_id", C("codings").alias("coders"))
    return kept, stuck
