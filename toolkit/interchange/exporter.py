"""Export a release's events table as GDELT 2.0 TSV, Phoenix TSV or PLOVER JSON Lines.

Exports are for tools that only read those formats. They carry what evtk knows and leave the rest
empty rather than invent it: GDELT's mention counts, tone and actor-part columns stay empty, and an
event whose CAMEO code has no PLOVER crosswalk row is left out of the PLOVER file and counted in the
summary (no fallback to the parent code: the crosswalk maps some children differently from their
parents, e.g. 0813/0814 -> RETREAT under 081 CONCEDE, so inheriting would invent mappings).

Everything is one streaming polars plan per file: scan the Parquet (single file or Hive-partitioned
``events/year=YYYY/``), build string columns, sink to a temporary file, rename over ``out``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from toolkit.cells import neutralise
from toolkit.codebook import Codebook, load_codebook
from toolkit.errors import InputError, UsageError
from toolkit.interchange.layouts import EXPORT_FORMATS, GDELT2, PHOENIX, PHOENIX_AGENTS, PHOENIX_PENTA
from toolkit.interchange.summary import ExportSummary
from toolkit.interchange.textstream import Workspace
from toolkit.schema import EVENT_COLUMNS

REQUIRED = ("event_id", "event_date", "event_code")
Progress = Callable[[str, int], None]


def scan_release_events(release_dir: Path) -> pl.LazyFrame:
    """The events table of a release, with every :data:`EVENT_COLUMNS` column (absent optional ones
    null). Only a folder with a valid manifest is a release, and only the files it lists are read
    (a stray partition dropped into ``events/`` is not data; `evtk release check` reports it)."""
    from toolkit.release_io import open_release, scan_events

    if not release_dir.is_dir():
        raise InputError("release directory not found", release_dir)
    lf = scan_events(open_release(release_dir))
    try:
        names = lf.collect_schema().names()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"cannot read the events table: {exc}".splitlines()[0], release_dir) from None
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InputError(f"the events table has no column {missing[0]!r}", release_dir)
    fill = [pl.lit(None, dtype).alias(c) for c, dtype in EVENT_COLUMNS.items() if c not in names]
    return lf.with_columns(fill) if fill else lf


#: numeric release columns: written as numbers (``-10.0`` is a value, never a formula)
NUMERIC = frozenset(c for c, t in EVENT_COLUMNS.items() if t.is_numeric())


def _text(col: str) -> pl.Expr:
    """A column as a TSV-safe string: tabs and newlines inside a value would shift or split the
    row, and text a spreadsheet would run as a formula gets a leading ``'`` (see
    :mod:`toolkit.cells`)."""
    out = pl.col(col).cast(pl.String)
    if col in NUMERIC:
        return out
    return neutralise(out).str.replace_all(r"[\t\r\n]+", " ")


def _coordinate(col: str) -> pl.Expr:
    """Degrees as GDELT writes them: whole numbers without ``.0`` (``38``, ``-123.133``)."""
    return _text(col).str.replace(r"\.0$", "")


def _event_id() -> pl.Expr:
    """The original id for imported events (GDELT readers expect theirs back), else evtk's event id."""
    return pl.coalesce(_text("source_event_id"), _text("event_id"))


def _root() -> pl.Expr:
    return pl.coalesce(_text("root_code"), pl.col("event_code").str.slice(0, 2))


def _fraction_date() -> pl.Expr:
    """GDELT's FractionDate: year + ((month - 1) * 30 + day) / 365, four decimals (2018-10-24 -> 2018.8055)."""
    d = pl.col("event_date")
    frac = (((d.dt.month().cast(pl.Int64) - 1) * 30 + d.dt.day().cast(pl.Int64)) * 10_000 / 365).round(0)
    scaled = d.dt.year().cast(pl.Int64) * 10_000 + frac.cast(pl.Int64)
    return pl.format("{}.{}", scaled // 10_000, (scaled % 10_000).cast(pl.String).str.zfill(4))


def _country(maps: dict[str, str]) -> pl.Expr:
    """The release's location country (a codebook code) in another dataset's code system; a code the
    table does not list is written as it is (most CAMEO country codes are ISO 3166 alpha-3 codes)."""
    return pl.col("location_country").replace(maps)


def _gdelt2_columns(cb: Codebook) -> list[pl.Expr]:
    from toolkit.interchange.mappings import load_country_maps

    to_fips = load_country_maps(cb).to_fips
    d = pl.col("event_date")
    mapped: dict[str, pl.Expr] = {
        "GLOBALEVENTID": _event_id(),
        "SQLDATE": d.dt.strftime("%Y%m%d"),
        "MonthYear": d.dt.strftime("%Y%m"),
        "Year": d.dt.strftime("%Y"),
        "FractionDate": _fraction_date(),
        "Actor1Code": _text("source_actor"),
        "Actor2Code": _text("target_actor"),
        "EventCode": _text("event_code"),
        "EventBaseCode": pl.col("event_code").str.slice(0, 3),
        "EventRootCode": _root(),
        "QuadClass": _text("quad_class"),
        "GoldsteinScale": _text("goldstein"),
        "ActionGeo_FullName": _text("location_place"),
        # GDELT writes FIPS 10-4 codes; a code with no FIPS code (a region) is left empty
        "ActionGeo_CountryCode": pl.col("location_country").replace_strict(
            to_fips, default=None, return_dtype=pl.String
        ),
        "ActionGeo_Lat": _coordinate("latitude"),
        "ActionGeo_Long": _coordinate("longitude"),
        "SOURCEURL": _text("source_url"),
    }
    return [mapped.get(c, pl.lit(None, pl.String)).alias(c) for c in GDELT2]


def _actor_parts(col: str, roots: list[str]) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Phoenix's split of an actor code (postprocess.py ``process_actors``), vectorised.

    Entity: the first part when it is a country, region or international code; role: the second part
    when it is one of Phoenix's primary agents; attributes: the remaining three-letter parts, ``;``-joined.
    """
    a = pl.col(col).fill_null("")
    entity = pl.when(a.str.slice(0, 3).is_in(roots)).then(a.str.slice(0, 3)).otherwise(pl.lit(""))
    agent = (
        pl.when(a.str.slice(3, 3).is_in(list(PHOENIX_AGENTS))).then(a.str.slice(3, 3)).otherwise(pl.lit(""))
    )
    rest = pl.when(agent != "").then(a.str.slice(6)).otherwise(a.str.slice(3))
    others = rest.str.extract_all(r".{1,3}").list.join(";")
    return entity, agent, others


def _phoenix_columns(cb: Codebook) -> list[pl.Expr]:
    from toolkit.interchange.mappings import load_country_maps

    to_iso = {cameo: iso for iso, cameo in load_country_maps(cb).iso.items() if cameo}
    d = pl.col("event_date")
    roots = cb.actors.filter(pl.col("kind").is_in(["country", "region", "international"]))["code"].to_list()
    s_ent, s_agent, s_rest = _actor_parts("source_actor", roots)
    t_ent, t_agent, t_rest = _actor_parts("target_actor", roots)
    mapped: dict[str, pl.Expr] = {
        "EventID": _event_id(),
        "Date": d.dt.strftime("%Y%m%d"),
        "Year": d.dt.strftime("%Y"),
        "Month": d.dt.strftime("%m"),
        "Day": d.dt.strftime("%d"),
        "SourceActorFull": _text("source_actor"),
        "SourceActorEntity": s_ent,
        "SourceActorRole": s_agent,
        "SourceActorAttribute": s_rest,
        "TargetActorFull": _text("target_actor"),
        "TargetActorEntity": t_ent,
        "TargetActorRole": t_agent,
        "TargetActorAttribute": t_rest,
        "EventCode": _text("event_code"),
        "EventRootCode": _root(),
        "PentaClass": _root().replace_strict(
            {k: str(v) for k, v in PHOENIX_PENTA.items()}, default=None, return_dtype=pl.String
        ),
        "GoldsteinScore": _text("goldstein"),
        "Lat": _coordinate("latitude"),
        "Lon": _coordinate("longitude"),
        "LocationName": _text("location_place"),
        "CountryCode": _country(to_iso),
        "SentenceID": _text("source_story_id"),
        "URLs": _text("source_url"),
        "NewsSources": _text("source_name"),
    }
    return [mapped.get(c, pl.lit(None, pl.String)).alias(c) for c in PHOENIX]


def _crosswalk(cb: Codebook) -> pl.LazyFrame:
    """The crosswalk's rows, plus the root codes PLOVER's cue-category table gives one event type
    (``04`` -> CONSULT; the crosswalk has no root lines). Root 08 goes to CONCEDE and to RETREAT, so it
    stays unmapped, as do 01 and 02, for which PLOVER has no event type."""
    cw = cb.crosswalk.select("cameo_code", "plover_event", "plover_mode", "plover_context")
    roots = (
        cb.plover_event_types.select(
            pl.col("cameo_root_codes").str.split(";").alias("cameo_code"),
            pl.col("event_type").alias("plover_event"),
        )
        .explode("cameo_code")
        .filter(pl.col("cameo_code").str.len_chars() == 2)
        .filter(pl.len().over("cameo_code") == 1)
        .select(
            "cameo_code",
            "plover_event",
            plover_mode=pl.lit(None, pl.String),
            plover_context=pl.lit(None, pl.String),
        )
    )
    return pl.concat([cw, roots]).unique("cameo_code", keep="first", maintain_order=True).lazy()


def unmapped_reason(code: str, cb: Codebook) -> str:
    """Why a CAMEO code has no PLOVER event type (the summary and docs/plover.md say it per code)."""
    if code[:2] in ("01", "02"):
        return "PLOVER has no event type for CAMEO 01 (statements) and 02 (appeals)"
    if code == "08":
        return "root 08 is CONCEDE (081-083) or RETREAT (084-087) in PLOVER: code the 3-digit event"
    if cb.event(code) is None:
        return "not a code of the codebook"
    return "not in the 2021 CAMEO-to-PLOVER crosswalk (a code only the CAMEO manual lists)"


def _plover(events: pl.LazyFrame, cb: Codebook) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(records to write, unmapped codes with counts)."""
    j = events.join(
        _crosswalk(cb), left_on="event_code", right_on="cameo_code", how="left", maintain_order="left"
    )
    blank_to_null = {
        c: pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)) for c in ("plover_mode", "plover_context")
    }
    records = (
        j.filter(pl.col("plover_event").is_not_null())
        .with_columns(**blank_to_null)
        .select(
            event_id=pl.col("event_id"),
            event_date=pl.col("event_date").dt.strftime("%Y-%m-%d"),
            source_actor=pl.col("source_actor"),
            target_actor=pl.col("target_actor"),
            event_type=pl.col("plover_event"),
            mode=pl.col("plover_mode"),
            context=pl.col("plover_context").str.split(";").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            cameo_code=pl.col("event_code"),
            location_country=pl.col("location_country"),
            location_place=pl.col("location_place"),
            latitude=pl.col("latitude"),
            longitude=pl.col("longitude"),
            source_event_id=pl.col("source_event_id"),
            source_url=pl.col("source_url"),
        )
    )
    unmapped = (
        j.filter(pl.col("plover_event").is_null())
        .group_by(code=pl.col("event_code").fill_null("(none)"))
        .len()
    )
    return records, unmapped


def export_events(
    fmt: str,
    release_dir: Path | str,
    out: Path | str,
    *,
    codebook: Codebook | Path | str | None = None,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write the events of ``release_dir`` to ``out`` in format ``fmt`` (gdelt2, phoenix or plover).

    GDELT and Phoenix files are TSV without a header, as those projects publish them; PLOVER is JSON
    Lines. Codes and labels come from the release's own codebook snapshot unless ``codebook`` is given. ``out`` appears whole or not at all. Raises :class:`InputError` when the release cannot be
    read and :class:`UsageError` for a bad format or output path.
    """
    started = time.perf_counter()
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    release = Path(release_dir)
    out_path = Path(out)
    from toolkit.release_io import refuse_output_in_release

    refuse_output_in_release(out_path)
    if out_path.is_dir():
        raise UsageError(f"--out {out_path} is a directory: name the file to write")
    events = scan_release_events(release)
    if codebook is None:
        from toolkit.release_io import open_release

        opened = open_release(release)
        if "codebook/codebook.yaml" in opened.entries:
            # the release's own snapshot (only the files its manifest lists), not the bundled codebook
            codebook = opened.codebook()
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    report = progress or (lambda _stage, _rows: None)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    ws = Workspace(out_path.parent, out_path.name)
    unmapped: dict[str, int] = {}
    reasons: dict[str, str] = {}
    try:
        tmp = ws.new(".tmp", create=False)
        total_q = events.select(pl.len())
        if fmt == "plover":
            records, unmapped_q = _plover(events, cb)
            sink = records.sink_ndjson(tmp, lazy=True)
            total, unmapped_df, _ = pl.collect_all([total_q, unmapped_q, sink])
            unmapped = {
                str(c): int(n)
                for c, n in unmapped_df.sort(["len", "code"], descending=[True, False]).iter_rows()
            }
            reasons = {code: unmapped_reason(code, cb) for code in unmapped}
        else:
            cols = _gdelt2_columns(cb) if fmt == "gdelt2" else _phoenix_columns(cb)
            sink = events.select(cols).sink_csv(
                tmp, separator="\t", include_header=False, quote_style="never", null_value="", lazy=True
            )
            total, _ = pl.collect_all([total_q, sink])
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out_path)
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"cannot export: {exc}".splitlines()[0], release) from None
    finally:
        ws.cleanup()
    rows_read = int(total.item())
    rows_written = rows_read - sum(unmapped.values())
    report("written", rows_written)
    return ExportSummary(
        fmt,
        str(release),
        str(out_path),
        rows_read,
        rows_written,
        unmapped,
        round(time.perf_counter() - started, 3),
        reasons,
    )
