"""The event and article data model: field names in files and columns of release tables.

Two vocabularies, one mapping:

- **input fields**: what coders and machines write in YAML, CSV, JSONL or Parquet event files
  (``id``, ``article``, ``sentence``, ``quote``, ``date``, ``source``, ``target``, ``code``, ...).
  Nested YAML ``location: {country, place, lat, lon}`` is flattened to ``location_country`` etc.
- **release columns**: the events table of a release (``event_id``, ``article_id``, ``event_date``,
  ``date_precision``, ``source_actor``, ...), see :data:`EVENT_COLUMNS`.

``SCHEMA_VERSION`` names the release table layout; bump its major part when a column is removed,
renamed or retyped (a release with a new major schema needs a major dataset version), its minor part
when a column is added (:data:`ADDED_COLUMNS`: a release of an older minor version lacks them, and
readers see them as nulls).
"""

from __future__ import annotations

from typing import Any

import polars as pl

SCHEMA_VERSION = "1.1.0"

#: input field -> (release column, polars dtype of the parsed value)
INPUT_FIELDS: dict[str, str] = {
    "id": "local_id",
    "article": "article_id",
    "sentence": "sentence",
    "quote": "quote",
    "date": "event_date",
    "source": "source_actor",
    "target": "target_actor",
    "code": "event_code",
    "root_code": "root_code",
    "quad_class": "quad_class",
    "goldstein": "goldstein",
    "location_country": "location_country",
    "location_place": "location_place",
    "location_lat": "latitude",
    "location_lon": "longitude",
    # the location country as an imported dataset wrote it (a GDELT FIPS code, an ICEWS country name);
    # ``location_country`` holds the codebook's code for it.
    "source_location_country": "source_location_country",
    # the actor codes as an imported dataset wrote them (GDELT's ``GHAAKA``); ``source`` and ``target``
    # hold them in the codebook's form (``GHAaka``).
    "source_actor1_code": "source_actor1_code",
    "source_actor2_code": "source_actor2_code",
    "coder": "coder",
    "method": "method",
    "rule_id": "rule_id",
    "source_event_id": "source_event_id",
    "source_story_id": "source_story_id",
    "url": "source_url",
    "publisher": "source_name",
    "note": "note",
}
#: fields a file may state but that the release derives from the codebook (checked by E601)
DERIVED_FIELDS = ("root_code", "quad_class", "goldstein")
METHODS = ("hand", "rule", "import")
PRECISIONS = ("day", "month", "year")

EVENT_COLUMNS: dict[str, Any] = {
    "event_id": pl.String,
    "file": pl.String,
    "local_id": pl.String,
    "article_id": pl.String,
    "sentence": pl.Int32,
    "quote": pl.String,
    "event_date": pl.Date,
    "date_precision": pl.String,
    "year": pl.Int32,
    "source_actor": pl.String,
    "target_actor": pl.String,
    "event_code": pl.String,
    "root_code": pl.String,
    "quad_class": pl.Int8,
    "goldstein": pl.Float64,
    "location_country": pl.String,
    "location_place": pl.String,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
    "coder": pl.String,
    "method": pl.String,
    "rule_id": pl.String,
    "source_event_id": pl.String,
    "source_story_id": pl.String,
    "source_url": pl.String,
    "source_name": pl.String,
    "source_location_country": pl.String,
    "source_actor1_code": pl.String,
    "source_actor2_code": pl.String,
    "codebook_version": pl.String,
    "note": pl.String,
}

#: what each events column holds: the one description the dataset card and docs/data.md show
EVENT_COLUMN_DOCS: dict[str, str] = {
    "event_id": "stable id, `<file without its extension>#<local_id>`; kept across releases while "
    "file and local id are unchanged",
    "file": "the coded-event file the event comes from: its path below the data folder, with its extension",
    "local_id": "the event's id within its file (`id` in the file)",
    "article_id": "the article the event was coded from (`articles.parquet`)",
    "sentence": "1-based sentence number in the article (`sentences.parquet`)",
    "quote": "the words of the sentence that carry the event",
    "event_date": "first day of the period the source gives",
    "date_precision": "`day`, `month` or `year`: how much of `event_date` the source states",
    "year": "the year of `event_date` (the partition key of partitioned releases)",
    "source_actor": "actor code of who acts: three-letter parts, e.g. `RUSGOV`",
    "target_actor": "actor code of who is acted upon (empty when there is none)",
    "event_code": "CAMEO event code, a string such as `042`",
    "root_code": "two-digit root of `event_code`, from the codebook",
    "quad_class": "1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict",
    "goldstein": "Goldstein score of `event_code` in [-10, 10], from the codebook",
    "location_country": "country or region code of where it happened",
    "location_place": "place name of where it happened",
    "latitude": "decimal degrees of the place",
    "longitude": "decimal degrees of the place",
    "coder": "who coded the event (a person, or a rule coder's name)",
    "method": "`hand`, `rule` or `import`",
    "rule_id": "the rule of a rule coder that produced the event",
    "source_event_id": "the event's id in the dataset it was imported from",
    "source_story_id": "the story id in the dataset it was imported from",
    "source_url": "the URL of the imported event's source",
    "source_name": "the publisher of the imported event's source",
    "source_location_country": "the location country as the imported dataset wrote it (a GDELT FIPS code, "
    "an ICEWS country name); `location_country` holds the codebook's code for it",
    "source_actor1_code": "the source actor's code as the imported dataset wrote it, when evtk rewrote it "
    "into the codebook's form (GDELT's `GHAAKA` for `GHAaka`)",
    "source_actor2_code": "the target actor's code as the imported dataset wrote it, when evtk rewrote it",
    "codebook_version": "the codebook version the event was validated against",
    "note": "the coder's note",
}
assert list(EVENT_COLUMN_DOCS) == list(EVENT_COLUMNS), "describe every events column, in schema order"

#: columns added after schema 1.0.0, with the schema version that added them. A release of an
#: older schema has none of them (``release check`` accepts that); readers fill them with nulls.
ADDED_COLUMNS: dict[str, str] = {
    "source_location_country": "1.1.0",
    "source_actor1_code": "1.1.0",
    "source_actor2_code": "1.1.0",
}


def version_tuple(version: str) -> tuple[int, ...]:
    """``"1.1.0"`` as ``(1, 1, 0)``; a part that is not a number reads as 0."""
    return tuple(int(p) if p.isdigit() else 0 for p in (version.split(".") + ["0", "0"])[:3])


def columns_of(schema_version: str) -> dict[str, Any]:
    """The events columns a release of ``schema_version`` (same major version) must have."""
    have = version_tuple(schema_version)
    return {
        c: t
        for c, t in EVENT_COLUMNS.items()
        if c not in ADDED_COLUMNS or have >= version_tuple(ADDED_COLUMNS[c])
    }


def conform(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Events of a release of any 1.x schema with the columns of this one: added columns a release
    of an older schema lacks are nulls of their type. Other columns are left as they are (a
    missing required column is ``release check``'s R106, not something to paper over)."""
    try:
        names = lf.collect_schema().names()
    except (pl.exceptions.PolarsError, OSError):
        return lf  # unreadable: the caller's own read reports it
    fill = [pl.lit(None, EVENT_COLUMNS[c]).alias(c) for c in ADDED_COLUMNS if c not in names]
    return lf.with_columns(fill) if fill else lf


def column_table() -> str:
    """The events columns as a Markdown table (column, type, description): the dataset card's and
    docs/data.md's."""
    rows = "\n".join(
        f"| `{name}` | {dtype} | {EVENT_COLUMN_DOCS[name]} |" for name, dtype in EVENT_COLUMNS.items()
    )
    return "| column | type | description |\n|---|---|---|\n" + rows + "\n"


ARTICLE_COLUMNS: dict[str, Any] = {
    "article_id": pl.String,
    "title": pl.String,
    "source": pl.String,
    "url": pl.String,
    "published": pl.Date,
    "language": pl.String,
    "segmenter": pl.String,
    "text_sha256": pl.String,
    "sentence_count": pl.Int32,
    "text": pl.String,
}

SENTENCE_COLUMNS: dict[str, Any] = {
    "article_id": pl.String,
    "sentence": pl.Int32,
    "start": pl.Int32,
    "end": pl.Int32,
    "text": pl.String,
}

RETRACTION_COLUMNS: dict[str, Any] = {
    "event_id": pl.String,
    "reason": pl.String,
    "since": pl.String,
}

ARTICLE_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,119}$"
