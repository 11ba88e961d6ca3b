"""The event and article data model: field names in files and columns of release tables.

Two vocabularies, one mapping:

- **input fields**: what coders and machines write in YAML, CSV, JSONL or Parquet event files
  (``id``, ``article``, ``sentence``, ``quote``, ``date``, ``source``, ``target``, ``code``, ...).
  Nested YAML ``location: {country, place, lat, lon}`` is flattened to ``location_country`` etc.
- **release columns**: the events table of a release (``event_id``, ``article_id``, ``event_date``,
  ``date_precision``, ``source_actor``, ...), see :data:`EVENT_COLUMNS`.

``SCHEMA_VERSION`` names the release table layout; bump its major part when a column is removed,
renamed or retyped (a release with a new major schema needs a major dataset version).
"""

from __future__ import annotations

from typing import Any

import polars as pl

SCHEMA_VERSION = "1.0.0"

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
    # ``location_country`` holds the codebook's code for it. Kept in the imported file, not in releases.
    "source_location_country": "source_location_country",
    # the actor codes as an imported dataset wrote them (GDELT's ``GHAAKA``); ``source`` and ``target``
    # hold them in the codebook's form (``GHAaka``). Kept in the imported file, not in releases.
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
    "codebook_version": pl.String,
    "note": pl.String,
}

#: what each events column holds: the one description the dataset card and docs/data.md show
EVENT_COLUMN_DOCS: dict[str, str] = {
    "event_id": "stable id, `<file>#<local_id>`; kept across releases while file and local id are unchanged",
    "file": "the coded-event file below the data folder, without its extension",
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
    "codebook_version": "the codebook version the event was validated against",
    "note": "the coder's note",
}
assert list(EVENT_COLUMN_DOCS) == list(EVENT_COLUMNS), "describe every events column, in schema order"


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
