"""The one field map: how input fields become the typed columns rules check and the release
columns researchers load, and how a release's columns come back for ``release check``.

:func:`prepare` parses the raw string fields once (dates with their precision, numbers, codes)
and looks up the codebook; every rule then works on the ``_``-prefixed typed columns.
:func:`to_release_events` and :func:`from_release` are the two directions of :data:`FIELD_MAP`.
"""

from __future__ import annotations

import polars as pl

from toolkit.codebook import Codebook
from toolkit.schema import EVENT_COLUMNS, INPUT_FIELDS

C = pl.col
DAY_RE = r"^\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]*(?:Z|[+-]\d{2}:?\d{2})?)?$"

#: (typed or raw column of a prepared frame, release column). Release columns not listed are
#: the event id, the source file, the local id, the year and the codebook's derived values.
FIELD_MAP: tuple[tuple[str, str], ...] = (
    ("_article", "article_id"),
    ("_sentence", "sentence"),
    ("quote", "quote"),
    ("_date", "event_date"),
    ("_precision", "date_precision"),
    ("_source", "source_actor"),
    ("_target", "target_actor"),
    ("_code", "event_code"),
    ("location_country", "location_country"),
    ("location_place", "location_place"),
    ("_lat", "latitude"),
    ("_lon", "longitude"),
    ("coder", "coder"),
    ("_method", "method"),
    ("rule_id", "rule_id"),
    ("source_event_id", "source_event_id"),
    ("source_story_id", "source_story_id"),
    ("url", "source_url"),
    ("publisher", "source_name"),
    ("source_location_country", "source_location_country"),
    ("source_actor1_code", "source_actor1_code"),
    ("source_actor2_code", "source_actor2_code"),
    ("note", "note"),
)
#: The codebook's values a release carries (never the file's): prepared look-up, release column,
#: and the typed column a release check compares them with.
DERIVED: tuple[tuple[str, str, str], ...] = (
    ("_cb_root", "root_code", "root_code"),
    ("_cb_quad", "quad_class", "_quad"),
    ("_cb_goldstein", "goldstein", "_goldstein"),
)


def parse_raw(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Parse the raw string fields of event files into typed ``_``-prefixed columns.

    Values arrive stripped (see :func:`toolkit.events_io._scalar`); this is the per-row hot path,
    so the date's precision is told by its length and validated by parsing, not by regexes.
    """
    d = C("date")
    n = d.str.len_bytes()
    precision = (
        pl.when(n == 10)
        .then(pl.lit("day"))
        .when(n == 7)
        .then(pl.lit("month"))
        .when(n == 4)
        .then(pl.lit("year"))
        .when((n > 10) & d.str.contains(DAY_RE))
        .then(pl.lit("day"))
    )
    parsed_date = (
        pl.when(n == 10)
        .then(d)
        .when(n == 7)
        .then(d + "-01")
        .when(n == 4)
        .then(d + "-01-01")
        .when(precision == "day")
        .then(d.str.slice(0, 10))
    ).str.to_date("%Y-%m-%d", strict=False)
    return raw.with_columns(
        _code=C("code"),
        # `7.0` is how pandas and spreadsheets write the whole number 7
        _sentence=C("sentence").str.replace(r"^(\d+)\.0+$", "$1").cast(pl.Int64, strict=False),
        _date=parsed_date,
        _precision=pl.when(parsed_date.is_not_null()).then(precision),
        _lat=C("location_lat").cast(pl.Float64, strict=False),
        _lon=C("location_lon").cast(pl.Float64, strict=False),
        _method=C("method").fill_null("hand"),
        _quad=C("quad_class").str.replace(r"\.0+$", "").cast(pl.Int8, strict=False),
        _goldstein=C("goldstein").cast(pl.Float64, strict=False),
        _source=C("source"),
        _target=C("target"),
        _article=C("article"),
        _id=C("id"),
    )


def event_id() -> pl.Expr:
    """The stable release id: the file's path below the data folder without its extension, then
    ``#`` and the local id. Built only where needed (duplicate candidates, release columns)."""
    return (C("_key") + "#" + C("_id")).alias("event_id")


def from_release(events: pl.LazyFrame) -> pl.LazyFrame:
    """A release's typed events back in prepared columns (the inverse of :data:`FIELD_MAP`), so
    ``release check`` runs the same rules. Raw string fields are null (the values are typed
    already) except the ones the rules and their messages read."""
    mapped = {prepared for prepared, _ in FIELD_MAP} | {"root_code"}
    raw_null = [f for f in INPUT_FIELDS if f not in mapped]
    return events.select(
        *[pl.lit(None, dtype=pl.String).alias(f) for f in raw_null],
        *[C(release).alias(prepared) for prepared, release in FIELD_MAP],
        C("root_code"),
        *[C(release).alias(typed) for _, release, typed in DERIVED if typed != "root_code"],
        C("file").alias("_file"),
        pl.lit(None, dtype=pl.Int64).alias("_line"),
        C("event_id").alias("_id"),
        C("event_id"),
    ).with_columns(C("_sentence").cast(pl.Int64))


def join_reference(lf: pl.LazyFrame, cb: Codebook, published: pl.DataFrame | None = None) -> pl.LazyFrame:
    """Look up codebook values (by ``_code``) and publication dates (by ``_article``).

    One hash look-up per key gives a row index into the (small) reference table; the values are
    then gathered by index. No join: nothing copies the wide frame, and the hashing is done once.
    """
    ev = cb.events
    code_idx = C("_code").replace_strict(
        ev["code"], pl.Series(range(ev.height), dtype=pl.UInt32), default=None
    )
    lf = lf.with_columns(_cbi=code_idx)
    cols = [
        pl.lit(ev[column]).gather(C("_cbi")).alias(alias)
        for column, alias in (
            ("root_code", "_cb_root"),
            ("quad_class", "_cb_quad"),
            ("goldstein", "_cb_goldstein"),
            ("replaced_by", "_replaced_by"),
        )
    ]
    cols.append(C("_cbi").is_not_null().alias("_known_code"))
    if published is not None:
        art_idx = C("_article").replace_strict(
            published["article_id"], pl.Series(range(published.height), dtype=pl.UInt32), default=None
        )
        lf = lf.with_columns(_ai=art_idx)
        cols += [
            pl.lit(published["published"]).gather(C("_ai")).alias("_published"),
            C("_ai").is_not_null().alias("_known_article"),
        ]
    else:
        cols += [pl.lit(None, dtype=pl.Date).alias("_published"), pl.lit(False).alias("_known_article")]
    return lf.with_columns(cols)


def prepare(raw: pl.LazyFrame, cb: Codebook, published: pl.DataFrame | None = None) -> pl.LazyFrame:
    """Parse raw fields into typed columns and join codebook values. Adds ``_``-prefixed helpers."""
    return join_reference(parse_raw(raw), cb, published)


def to_release_events(prepared: pl.LazyFrame | pl.DataFrame, cb: Codebook) -> pl.LazyFrame:
    """Events in release columns (:data:`FIELD_MAP`); derived fields come from the codebook, not
    from the file."""
    return (
        prepared.lazy()
        .select(
            event_id(),
            C("_src").alias("file"),
            C("_id").alias("local_id"),
            C("_date").dt.year().alias("year"),
            *[C(prepared).alias(release) for prepared, release in FIELD_MAP],
            *[C(look_up).alias(release) for look_up, release, _ in DERIVED],
            pl.lit(cb.version).alias("codebook_version"),
        )
        .select(list(EVENT_COLUMNS))
        .cast(EVENT_COLUMNS)  # type: ignore[arg-type]
    )
