"""pandera models of every table the toolkit produces: release events, articles and sentences,
and the codebook's frames.

These are the typed description of the data (documentation, the build's last safety net, the
codebook's schema check, tests). They are imported only where they are used: pandera (with pandas
installed) takes about half a second to import, which the coder's ``evtk validate`` loop does not
pay. The row-level rules themselves are polars expressions in :mod:`toolkit.checks`.
A test keeps these models and the dtypes in :mod:`toolkit.schema` in agreement.
"""

from __future__ import annotations

import warnings

import polars as pl

with warnings.catch_warnings():
    # With evtk[spark] installed, pandera imports pyspark.pandas, which warns about pandas 3; evtk
    # never uses pandas-on-Spark.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    import pandera.polars as pa

from toolkit.schema import ARTICLE_ID_PATTERN, METHODS, PRECISIONS

CODE = r"^\d{2,4}$"


class EventsTable(pa.DataFrameModel):
    """One row per event of a release (``events.parquet``)."""

    event_id: str = pa.Field(str_matches=r"^.+#.+$")
    file: str
    local_id: str
    article_id: str = pa.Field(nullable=True, str_matches=ARTICLE_ID_PATTERN)
    sentence: pl.Int32 = pa.Field(nullable=True, ge=1)
    quote: str = pa.Field(nullable=True)
    event_date: pl.Date = pa.Field(ge=pl.date(1900, 1, 1))
    date_precision: str = pa.Field(isin=list(PRECISIONS))
    year: pl.Int32
    # Imported events keep their source's actor codes, which may be empty or outside the CAMEO
    # grammar (rules E205/E206); hand- and rule-coded ones are held to it by E001/E201-E203.
    source_actor: str = pa.Field(nullable=True)
    target_actor: str = pa.Field(nullable=True)
    event_code: str = pa.Field(str_matches=CODE)
    root_code: str = pa.Field(str_matches=r"^\d{2}$")
    quad_class: pl.Int8 = pa.Field(isin=[1, 2, 3, 4])
    goldstein: pl.Float64 = pa.Field(ge=-10, le=10)
    location_country: str = pa.Field(nullable=True)
    location_place: str = pa.Field(nullable=True)
    latitude: pl.Float64 = pa.Field(nullable=True, ge=-90, le=90)
    longitude: pl.Float64 = pa.Field(nullable=True, ge=-180, le=180)
    coder: str = pa.Field(nullable=True)
    method: str = pa.Field(isin=list(METHODS))
    rule_id: str = pa.Field(nullable=True)
    source_event_id: str = pa.Field(nullable=True)
    source_story_id: str = pa.Field(nullable=True)
    source_url: str = pa.Field(nullable=True)
    source_name: str = pa.Field(nullable=True)
    source_location_country: str = pa.Field(nullable=True)
    source_actor1_code: str = pa.Field(nullable=True)
    source_actor2_code: str = pa.Field(nullable=True)
    codebook_version: str = pa.Field(str_matches=r"^\d+\.\d+\.\d+$")
    note: str = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = True


class ArticlesTable(pa.DataFrameModel):
    """One row per article (``articles.parquet``)."""

    article_id: str = pa.Field(unique=True, str_matches=ARTICLE_ID_PATTERN)
    title: str = pa.Field(nullable=True)
    source: str = pa.Field(nullable=True)
    url: str = pa.Field(nullable=True)
    published: pl.Date
    language: str = pa.Field(nullable=True)
    segmenter: str
    text_sha256: str = pa.Field(str_matches=r"^[0-9a-f]{64}$")
    sentence_count: pl.Int32 = pa.Field(ge=0)
    text: str

    class Config:
        strict = True
        ordered = True


class SentencesTable(pa.DataFrameModel):
    """One row per sentence of every article (``sentences.parquet``)."""

    article_id: str = pa.Field(str_matches=ARTICLE_ID_PATTERN)
    sentence: pl.Int32 = pa.Field(ge=1)
    start: pl.Int32 = pa.Field(ge=0)
    end: pl.Int32 = pa.Field(ge=1)
    text: str

    class Config:
        strict = True
        ordered = True


class CodebookEvents(pa.DataFrameModel):
    """``Codebook.events``: the event codes with their derived hierarchy columns."""

    code: str  # uniqueness is rule C103, which names the duplicate and its line
    name: str
    description: str = pa.Field(nullable=True)
    goldstein: pl.Float64
    goldstein_inherited: bool
    quad_class: pl.Int8
    replaced_by: str = pa.Field(nullable=True)
    root_code: str
    parent: str = pa.Field(nullable=True)
    level: pl.Int8 = pa.Field(isin=[1, 2, 3])
    file: str
    line: pl.Int32 = pa.Field(nullable=True)

    class Config:
        strict = True


class CodebookActors(pa.DataFrameModel):
    """``Codebook.actors``: every actor code part with its kind and table."""

    code: str
    name: str
    kind: str = pa.Field(nullable=True)
    table: str
    file: str
    line: pl.Int32

    class Config:
        strict = True


class Crosswalk(pa.DataFrameModel):
    """``Codebook.crosswalk``: CAMEO to PLOVER."""

    cameo_code: str = pa.Field(str_matches=CODE)
    plover_event: str
    plover_mode: str = pa.Field(nullable=True)
    plover_context: str = pa.Field(nullable=True)
    line: pl.Int32

    class Config:
        strict = True


def failures(model: type[pa.DataFrameModel], frame: pl.DataFrame) -> pl.DataFrame:
    """pandera's failure cases for ``frame`` (empty when it is valid)."""
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return (
            pl.DataFrame(exc.failure_cases)
            if not isinstance(exc.failure_cases, pl.DataFrame)
            else exc.failure_cases
        )
    return pl.DataFrame()
