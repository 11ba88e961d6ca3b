"""Import GDELT 1.0/2.0, ICEWS and Phoenix event files into one evtk input Parquet file.

The output has exactly the input fields of :data:`toolkit.schema.INPUT_FIELDS`, all strings: parsing and
checking values is ``evtk validate``'s job, so an importer that typed them would check twice and
differently. The importer only decides what it must to map a row: its shape (column count, header,
encoding), its id and its date. Rows that fail those are rejected with file, line and reason; rows that
pass are written, and what looks wrong in them (stated quad class vs the codebook, unknown codes,
unmapped ICEWS names) is counted so the user knows what ``evtk validate`` will say.

Three passes, all vectorised polars plans that stream (no file is ever held in memory):

1. lines -> classified rows: :func:`polars.scan_lines` with a row index (the line number), column
   counts by counting tabs, fields by ``str.split`` + ``list.get``; every row, written or rejected, goes
   into one temporary Parquet file in the output folder (one sink: a plan sunk twice is parsed twice);
2. that file is aggregated: rejection counts and examples, consistency counts (a join with the
   codebook's 300-odd codes) and the ids that occur more than once;
3. the final file is written (repeated ids made unique) to a temporary name and renamed over ``out``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from toolkit.codebook import Codebook, load_codebook
from toolkit.errors import InputError, UsageError
from toolkit.interchange.actors import COLUMNS as ACTOR_COLUMNS
from toolkit.interchange.actors import canonical_actors
from toolkit.interchange.layouts import LAYOUTS, Layout, layout_for_width, normalise_name
from toolkit.interchange.mappings import CountryMaps, IcewsMaps, load_country_maps, load_icews_maps
from toolkit.interchange.summary import FINDINGS, REJECT_REASONS, ImportSummary, InputInfo, RejectedRow
from toolkit.interchange.textstream import MARKER, Limits, PreparedInput, Workspace, check_encoding, prepare
from toolkit.schema import INPUT_FIELDS

#: output columns, in schema order: the input field names (``id``, ``article``, ``sentence``, ...)
OUTPUT_FIELDS: tuple[str, ...] = tuple(INPUT_FIELDS)
#: per-row flags kept in the staging file for pass 2 and dropped from the output
HELPERS: dict[str, Any] = {
    "_padded": pl.Boolean,
    "_loc_unmapped": pl.String,
    "_src_country_unmapped": pl.String,
    "_tgt_country_unmapped": pl.String,
    "_src_bare": pl.Boolean,
    "_tgt_bare": pl.Boolean,
    "_src_nosector": pl.Boolean,
    "_tgt_nosector": pl.Boolean,
    "_src_unknown_sectors": pl.String,
    "_tgt_unknown_sectors": pl.String,
}
ROOTS = [f"{i:02d}" for i in range(1, 21)]
#: lines read to choose the layout (e.g. GDELT 1.0's 57 or 58 columns) before the full pass
SAMPLE_LINES = 10_000
EXAMPLE_TEXT_CHARS = 200
#: rows per Parquet row group: a reader holds one group decompressed, so this bounds memory per pass
ROW_GROUP = 65_536

Progress = Callable[[str, int], None]


# --- field expressions -----------------------------------------------------------------------------


class _Fields:
    """Expressions for the cells of one layout, with the layout's null tokens turned into nulls."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    def _blank_to_null(self, cell: pl.Expr) -> pl.Expr:
        tokens = list(self.layout.null_tokens)
        keep = cell != tokens[0] if len(tokens) == 1 else ~cell.is_in(tokens)  # != is the cheaper test
        return pl.when(keep).then(cell)

    def raw(self, column: str) -> pl.Expr:
        """The cell as written (text fields such as place names keep their spaces)."""
        return self._blank_to_null(pl.col("_fields").list.get(self.layout.index(column), null_on_oob=True))

    def clean(self, column: str) -> pl.Expr:
        """Trimmed value; blank becomes null (ids, codes, numbers: surrounding spaces are never data)."""
        cell = pl.col("_fields").list.get(self.layout.index(column), null_on_oob=True).str.strip_chars()
        return self._blank_to_null(cell)


def restore_zero(code: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The code with a lost leading zero put back, and whether that happened.

    Rule: a code of 1-3 digits whose first two digits cannot be a CAMEO root (01-20) lost its leading
    zero, so one ``0`` is put in front: ``42`` -> ``042``, ``211`` -> ``0211``, ``4`` -> ``04``.
    Codes whose first two digits are a root are kept as written, even two-digit ``10``-``20`` (a root
    code, or ``010``-``020`` with the zero lost: the file cannot tell, and evtk does not guess). A code
    with the right digits never matches the rule, so it is safe on every format. Excel's ``42.0`` loses
    its ``.0`` first.
    """
    s = code.str.strip_chars().str.replace(r"\.0+$", "")
    pad = s.str.contains(r"^\d{1,3}$") & ~s.str.slice(0, 2).is_in(ROOTS)
    return pl.when(pad).then(pl.lit("0") + s).otherwise(s), pad.fill_null(False)


def _lookup(mapping: dict[str, str], key: str, value: str) -> pl.LazyFrame:
    """``mapping`` as a two-column frame to join on ``key``: lookups in the import are joins, which
    stream in bounded memory, where a ``replace_strict`` whose result is used again grew with the input."""
    return pl.LazyFrame(
        {key: list(mapping), value: list(mapping.values())}, schema={key: pl.String, value: pl.String}
    )


def _icews_countries(lf: pl.LazyFrame, f: _Fields, maps: IcewsMaps) -> pl.LazyFrame:
    """``_src_ccode`` / ``_tgt_ccode``: the CAMEO country code of each side's ICEWS country name,
    by a join (:func:`_lookup`)."""
    table = _lookup(maps.country, "_ckey", "_ccode")
    for side, key in (("Source", "_src"), ("Target", "_tgt")):
        lf = (
            lf.with_columns(_ckey=f.clean(f"{side} Country").str.to_lowercase())
            .join(table, on="_ckey", how="left", maintain_order="left")
            .rename({"_ccode": f"{key}_ccode"})
            .drop("_ckey")
        )
    return lf


def _location(original: pl.Expr, key: pl.Expr) -> dict[str, pl.Expr]:
    """The location country as written (``source_location_country``) and the key it is looked up
    by (``_loc_key``); :func:`_map_location` joins the key to the codebook's codes."""
    return {"source_location_country": original, "_loc_key": key}


def _location_table(fmt: str, countries: CountryMaps) -> pl.LazyFrame:
    """Key -> codebook code for the location countries of ``fmt``: GDELT's FIPS codes, ICEWS's
    country names (lower case), Phoenix's ISO codes and the codebook's own codes."""
    table, own = {
        "gdelt1": (countries.fips, frozenset()),
        "gdelt2": (countries.fips, frozenset()),
        "icews": (countries.names, frozenset()),
        "phoenix": (countries.iso, countries.codes),
    }[fmt]
    return _lookup({**{c: c for c in own}, **table}, "_loc_key", "_loc_code")


def _map_location(lf: pl.LazyFrame, fmt: str, countries: CountryMaps) -> pl.LazyFrame:
    """``location_country`` (the codebook's code) and ``_loc_unmapped`` (a value no table maps,
    counted and listed in the summary), by a join on ``_loc_key`` (:func:`_lookup`)."""
    code = pl.col("_loc_code")
    return (
        lf.join(_location_table(fmt, countries), on="_loc_key", how="left", maintain_order="left")
        .with_columns(location_country=pl.when(code != "").then(code))
        .with_columns(
            _loc_unmapped=pl.when(
                pl.col("source_location_country").is_not_null() & pl.col("location_country").is_null()
            ).then(pl.col("source_location_country"))
        )
        .drop("_loc_key", "_loc_code")
    )


def _gdelt(f: _Fields, maps: IcewsMaps | None, countries: CountryMaps) -> dict[str, pl.Expr]:
    code, padded = restore_zero(f.clean("EventCode"))
    fips = f.clean("ActionGeo_CountryCode")
    return {
        "id": f.clean("GLOBALEVENTID"),
        "_date_raw": f.clean("SQLDATE"),
        "source": f.clean("Actor1Code"),
        "target": f.clean("Actor2Code"),
        "code": code,
        "_padded": padded,
        "root_code": restore_zero(f.clean("EventRootCode"))[0],
        "quad_class": f.clean("QuadClass"),
        "goldstein": f.clean("GoldsteinScale"),
        **_location(fips, fips.str.to_uppercase()),
        "location_place": f.raw("ActionGeo_FullName"),
        "location_lat": f.clean("ActionGeo_Lat"),
        "location_lon": f.clean("ActionGeo_Long"),
        "source_event_id": f.clean("GLOBALEVENTID"),
        "url": f.clean("SOURCEURL") if "SOURCEURL" in f.layout.columns else pl.lit(None, pl.String),
    }


def _icews_actor(f: _Fields, side: str, maps: IcewsMaps) -> dict[str, pl.Expr]:
    """CAMEO actor code from ICEWS country name + sector list (rules in codebook/mappings/README.md)."""
    country = f.clean(f"{side} Country")
    sectors = f.clean(f"{side} Sectors")
    key = "_src" if side == "Source" else "_tgt"
    code = pl.col(f"{key}_ccode")  # joined by _icews_countries
    code = pl.when(code == "").then(None).otherwise(code)
    names = sectors.str.split(",").list.eval(pl.element().str.strip_chars())
    lower = names.list.eval(pl.element().str.to_lowercase())

    def first(mapping: dict[str, str]) -> pl.Expr:
        found = lower.list.eval(pl.element().replace_strict(mapping, default=None, return_dtype=pl.String))
        return found.list.drop_nulls().list.first()

    role = first(maps.role)
    intl = first(maps.international)
    actor = (
        pl.when(code.is_not_null())
        .then(code + role.fill_null(""))
        .when(country.is_null() & intl.is_not_null())
        .then(intl + role.fill_null(""))
        .otherwise(None)
    )
    known = list(maps.sectors)
    unknown = names.list.eval(pl.element().filter(~pl.element().str.to_lowercase().is_in(known))).list.join(
        "|"
    )
    return {
        "actor": actor,
        f"{key}_country_unmapped": pl.when(country.is_not_null() & code.is_null()).then(country),
        f"{key}_bare": code.is_not_null() & sectors.is_not_null() & role.is_null(),
        f"{key}_nosector": code.is_not_null() & sectors.is_null(),
        f"{key}_unknown_sectors": pl.when(unknown != "").then(unknown),
    }


def _icews(f: _Fields, maps: IcewsMaps | None, countries: CountryMaps) -> dict[str, pl.Expr]:
    assert maps is not None
    src = _icews_actor(f, "Source", maps)
    tgt = _icews_actor(f, "Target", maps)
    code, padded = restore_zero(f.clean("CAMEO Code"))
    helpers = {k: v for k, v in (src | tgt).items() if k.startswith("_")}
    return {
        "id": f.clean("Event ID"),
        "_date_raw": f.clean("Event Date"),
        "sentence": f.clean("Sentence Number"),
        "source": src["actor"],
        "target": tgt["actor"],
        "code": code,
        "_padded": padded,
        "goldstein": f.clean("Intensity"),
        **_location(f.clean("Country"), f.clean("Country").str.to_lowercase()),
        # ICEWS leaves City NA for events placed only at district or province level
        "location_place": pl.coalesce(f.raw("City"), f.raw("District"), f.raw("Province")),
        "location_lat": f.clean("Latitude"),
        "location_lon": f.clean("Longitude"),
        "source_event_id": f.clean("Event ID"),
        "source_story_id": f.clean("Story ID"),
        "publisher": f.raw("Publisher"),
        **helpers,
    }


def _phoenix(f: _Fields, maps: IcewsMaps | None, countries: CountryMaps) -> dict[str, pl.Expr]:
    code, padded = restore_zero(f.clean("EventCode"))
    penta = f.clean("PentaClass")
    return {
        "id": f.clean("EventID"),
        "_date_raw": f.clean("Date"),
        "source": f.clean("SourceActorFull"),
        "target": f.clean("TargetActorFull"),
        "code": code,
        "_padded": padded,
        "root_code": restore_zero(f.clean("EventRootCode"))[0],
        # PentaClass is Phoenix's own scale (0 = neutral, 09 and 16 elsewhere), not the codebook's quad
        # class: stating it as quad_class would make every 01/02/09/14/16 event fail E601, so it is kept
        # in the note.
        "note": pl.when(penta.is_not_null()).then(pl.format("penta_class={}", penta)),
        "goldstein": f.clean("GoldsteinScore"),
        **_location(f.clean("CountryCode"), f.clean("CountryCode").str.to_uppercase()),
        "location_place": f.raw("LocationName"),
        "location_lat": f.clean("Lat"),
        "location_lon": f.clean("Lon"),
        "source_event_id": f.clean("EventID"),
        "source_story_id": f.clean("SentenceID"),
        "url": f.clean("URLs").str.split(";").list.first(),
        "publisher": f.raw("NewsSources"),
    }


_BUILDERS: dict[str, Callable[[_Fields, IcewsMaps | None, CountryMaps], dict[str, pl.Expr]]] = {
    "gdelt1": _gdelt,
    "gdelt2": _gdelt,
    "icews": _icews,
    "phoenix": _phoenix,
}
#: (id column, date column, date regex, strptime format, how the message names the format)
_KEYS = {
    "gdelt1": ("GLOBALEVENTID", "SQLDATE", r"^\d{8}$", "%Y%m%d", "YYYYMMDD"),
    "gdelt2": ("GLOBALEVENTID", "SQLDATE", r"^\d{8}$", "%Y%m%d", "YYYYMMDD"),
    "icews": ("Event ID", "Event Date", r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d", "YYYY-MM-DD"),
    "phoenix": ("EventID", "Date", r"^\d{8}$", "%Y%m%d", "YYYYMMDD"),
}


# --- pass 1: lines -> classified rows -------------------------------------------------------------

#: staging-only columns: where a row came from and, for rejected rows, what a message needs
ROW_COLUMNS: dict[str, Any] = {
    "_src": pl.UInt32,  # index of the input (file or zip member)
    "_line": pl.Int64,
    "_reason": pl.String,  # null for rows that are written
    "_width": pl.Int64,
    "_bad_text": pl.String,  # the line, for rejected rows only (keeps the staging file small)
    "_bad_date": pl.String,  # the raw date, for bad-date rows only
}


def _plan(
    inp: PreparedInput,
    index: int,
    layout: Layout,
    has_header: bool,
    maps: IcewsMaps | None,
    countries: CountryMaps,
) -> pl.LazyFrame:
    """One input's lines, each with its mapped fields and, if it cannot be written, a rejection reason.

    Messages are not built here: ``when/then`` evaluates every branch on every row, so text for the
    few rejected rows is made in pass 2 from ``_width``, ``_bad_text`` and ``_bad_date``.
    """
    fmt = layout.fmt
    _id_col, _date_col, date_re, date_fmt, _date_name = _KEYS[fmt]
    lf = pl.scan_lines(inp.path, name="_text", row_index_name="_n")
    if has_header:
        lf = lf.filter(pl.col("_n") > 0)
    text = pl.col("_text")
    lf = lf.with_columns(
        _width=text.str.count_matches("\t", literal=True).cast(pl.Int64) + 1,
        _fields=text.str.split("\t"),
    )
    # The layout is told per row: real GDELT 1.0 files mix 57-column (historical) and 58-column
    # (daily, with SOURCEURL) rows. The widest layout names the cells; a cell a shorter row lacks is null.
    detected = layout
    layout = row_layout(layout)
    cell = pl.col("_fields").list
    fits = pl.col("_width") == detected.width
    for other in LAYOUTS[fmt]:
        if other.width == detected.width or layout.columns[: other.width] != other.columns:
            continue
        looks = [
            cell.get(other.index(column), null_on_oob=True).str.contains(regex).fill_null(False) == must
            for column, regex, must in other.signature
        ]
        fits = fits | ((pl.col("_width") == other.width) & pl.all_horizontal(pl.lit(True), *looks))
    built = _BUILDERS[fmt](_Fields(layout), maps, countries)
    if fmt == "icews":
        assert maps is not None
        lf = _icews_countries(lf, _Fields(layout), maps)
    raw_date = pl.col("_date_raw")
    lf = _map_location(lf.with_columns(**built), fmt, countries).with_columns(
        date=pl.when(raw_date.str.contains(date_re))
        .then(raw_date.str.strptime(pl.Date, date_fmt, strict=False))
        .dt.to_string("%Y-%m-%d"),
    )
    built = {
        **built,
        "location_country": pl.col("location_country"),
        "_loc_unmapped": pl.col("_loc_unmapped"),
    }
    first = pl.col("_fields").list.first().str.to_lowercase().str.replace_all("[^a-z0-9]", "")
    width = pl.col("_width")
    reason = (
        pl.when(text.str.starts_with(MARKER))
        .then(pl.lit("encoding"))
        .when(first == normalise_name(layout.columns[0]))
        .then(pl.lit("repeated-header"))
        .when(text.str.strip_chars() == "")
        .then(pl.lit("blank-line"))
        .when(~fits & (width > detected.width))
        .then(pl.lit("extra-columns"))
        .when(~fits)
        .then(pl.lit("missing-columns"))
        .when(pl.col("id").is_null())
        .then(pl.lit("missing-id"))
        .when(pl.col("date").is_null())
        .then(pl.lit("bad-date"))
        .otherwise(None)
    )
    lf = lf.with_columns(_reason=reason).with_columns(
        _src=pl.lit(index, pl.UInt32),
        _line=pl.col("_n").cast(pl.Int64) + 1,
        _bad_text=pl.when(pl.col("_reason").is_not_null()).then(text),
        _bad_date=pl.when(pl.col("_reason") == "bad-date").then(raw_date),
    )
    fixed = {"coder": pl.lit(fmt), "method": pl.lit("import")}
    out = [
        fixed[k] if k in fixed else pl.col(k) if k in built or k == "date" else pl.lit(None)
        for k in OUTPUT_FIELDS
    ]
    helpers = [pl.col(k) if k in built else pl.lit(None) for k in HELPERS]
    return lf.select(
        *[e.cast(pl.String).alias(k) for e, k in zip(out, OUTPUT_FIELDS, strict=True)],
        *[e.cast(t).alias(k) for e, (k, t) in zip(helpers, HELPERS.items(), strict=True)],
        *[pl.col(k).cast(t) for k, t in ROW_COLUMNS.items()],
    )


def row_layout(layout: Layout) -> Layout:
    """The layout rows of ``layout``'s format are read with: the widest of the format's layouts whose
    columns start with every narrower one's (GDELT 1.0: 58 columns, the 57 plus SOURCEURL), else ``layout``."""
    widest = max(LAYOUTS[layout.fmt], key=lambda lay: lay.width)
    if widest.columns[: layout.width] == layout.columns:
        return widest
    return layout


def expected_widths(layout: Layout) -> str:
    """The column counts a row of ``layout``'s file may have (``57 or 58``), for messages."""
    wide = row_layout(layout)
    widths = sorted({lay.width for lay in LAYOUTS[layout.fmt] if wide.columns[: lay.width] == lay.columns})
    return " or ".join(str(w) for w in widths)


def _repeat_detail(prepared: Sequence[PreparedInput], repeats: pl.DataFrame, src: int, line: int) -> str:
    first_src, first_line = (
        repeats.filter((pl.col("_src") == src) & (pl.col("_line") == line))
        .select("_first_src", "_first_line")
        .row(0)
    )
    where = f"line {first_line}" if first_src == src else f"{prepared[first_src].display}:{first_line}"
    return (
        f"the same event as {where} (every field equal, the id too): written once (the same file "
        "imported twice, or overlapping downloads?)"
    )


def _detail(reason: str, width: int, want: str, raw_date: str | None, fmt: str, encoding: str) -> str:
    """The message for one rejected example row (pass 2, on at most ``max_examples`` rows per reason)."""
    id_col, date_col, _re, _fmt, date_name = _KEYS[fmt]
    if reason == "encoding":
        return f"bytes that are not valid {encoding}: re-save the file as UTF-8, or pass --encoding cp1252"
    if reason == "repeated-header":
        return "a header line inside the data (files concatenated with their headers?)"
    if reason == "blank-line":
        return "empty line"
    if reason == "extra-columns":
        return f"{width} columns, expected {want} (a stray tab inside a field?)"
    if reason == "missing-columns":
        return f"{width} columns, expected {want}"
    if reason == "missing-id":
        return f"no event id in column {id_col!r}"
    return f"{date_col} {raw_date or ''!r} is not a valid {date_name} date"


# --- layout and header -----------------------------------------------------------------------------


def _is_header(first_line: str, layout: Layout) -> bool:
    first = first_line.split("\t", 1)[0]
    return normalise_name(first) == normalise_name(layout.columns[0])


def _widths(inp: PreparedInput, has_header: bool, n_rows: int | None) -> dict[int, int]:
    lf = pl.scan_lines(inp.path, name="t", n_rows=n_rows, row_index_name="n")
    if has_header:
        lf = lf.filter(pl.col("n") > 0)
    frame = (
        lf.select(w=pl.col("t").str.count_matches("\t", literal=True).cast(pl.Int64) + 1)
        .group_by("w")
        .len()
        .collect()
    )
    return {int(w): int(n) for w, n in frame.iter_rows()}


def detect_layout(inp: PreparedInput, fmt: str, has_header: bool) -> Layout:
    """The layout most lines fit (by column count), from a sample, or the whole file if the sample has none.

    No line at all with a layout's column count means the file is not in this format: that is an
    :class:`InputError` (exit 2) naming the format it looks like, not thousands of rejected rows.
    """
    layouts = LAYOUTS[fmt]

    def pick(counts: dict[int, int]) -> Layout | None:
        scored = [(counts.get(lay.width, 0), -i, lay) for i, lay in enumerate(layouts)]
        best = max(scored, key=lambda t: (t[0], t[1]))
        return best[2] if best[0] > 0 else None

    counts = _widths(inp, has_header, SAMPLE_LINES)
    found = pick(counts)
    if found is None and inp.lines > SAMPLE_LINES:
        counts = _widths(inp, has_header, None)
        found = pick(counts)
    if found is not None:
        return found
    if not counts:
        return layouts[0]  # an empty file: nothing to read, nothing wrong
    common = max(counts, key=lambda w: counts[w])
    expected = " or ".join(str(lay.width) for lay in layouts)
    other = layout_for_width(common)
    hint = f": this looks like {other.name}, not {fmt}" if other is not None and other.fmt != fmt else ""
    raise InputError(
        f"no line has the {expected} tab-separated columns of {fmt}; most lines have {common}{hint}",
        inp.display,
    )


def check_header(inp: PreparedInput, layout: Layout) -> None:
    """A header on line 1 must name the layout's columns in order, or fields would be misassigned."""
    names = inp.first_line.split("\t")
    if len(names) != layout.width:
        raise InputError(
            f"the header has {len(names)} columns, the {layout.name} layout has {layout.width}",
            inp.display,
            1,
        )
    for i, (got, want) in enumerate(zip(names, layout.columns, strict=True), start=1):
        if normalise_name(got) != normalise_name(want):
            raise InputError(
                f"header column {i} is {got.strip()!r}, expected {want!r} ({layout.name} layout)",
                inp.display,
                1,
            )


# --- passes 2 and 3 ---------------------------------------------------------------------------------


def _written(staging: list[Path]) -> pl.LazyFrame:
    return pl.scan_parquet(staging).filter(pl.col("_reason").is_null())


def _actor_counts(s: pl.LazyFrame, cb: Codebook) -> tuple[pl.DataFrame, dict[str, int], dict[str, int]]:
    """The actor values to rewrite (``value``, ``canonical``), the counts of rewritten and ambiguous
    actor sides, and the ambiguous values with their counts."""
    counts = (
        pl.concat([s.select(value=pl.col(side)) for side in ACTOR_COLUMNS])
        .drop_nulls()
        .group_by("value")
        .len()
        .collect()
    )
    table = canonical_actors(counts["value"], cb).join(counts, on="value")
    status = pl.col("status")
    totals = {
        "actor_code_rewritten": int(table.filter(status == "rewritten")["len"].sum()),
        "actor_code_ambiguous": int(table.filter(status == "ambiguous")["len"].sum()),
    }
    ambiguous = table.filter(status == "ambiguous").sort(["len", "value"], descending=[True, False])
    rewrite = table.filter(status == "rewritten").select("value", "canonical")
    return rewrite, totals, {str(v): int(n) for v, n in ambiguous.select("value", "len").iter_rows()}


def _consistency(
    staging: list[Path], cb: Codebook, dups: pl.Series | None = None
) -> tuple[dict[str, int], dict[str, dict[str, int]], pl.Series, pl.DataFrame]:
    """The findings in the rows to write, their details, the ids that repeat (``dups`` when they
    are known already) and the actor codes to rewrite."""
    s = _written(staging)
    ev = (
        cb.events.lazy()
        .unique("code", keep="first")
        .select(
            "code",
            _cb_quad=pl.col("quad_class").cast(pl.Int64),
            _cb_gold=pl.col("goldstein"),
            _known=pl.lit(True),
        )
    )
    j = s.join(ev, on="code", how="left")
    known = pl.col("_known").fill_null(False)
    quad = pl.col("quad_class").cast(pl.Int64, strict=False)
    gold = pl.col("goldstein").cast(pl.Float64, strict=False)
    root = pl.col("root_code")

    def n(expr: pl.Expr) -> pl.Expr:
        return expr.fill_null(False).sum().cast(pl.Int64)

    counts_q = j.select(
        quad_class_mismatch=n(known & (quad != pl.col("_cb_quad"))),
        goldstein_mismatch=n(known & ((gold - pl.col("_cb_gold")).abs() > 1e-6)),
        root_code_mismatch=n(known & (root != pl.col("code").str.slice(0, 2))),
        unknown_event_code=n(pl.col("code").is_not_null() & ~known),
        missing_event_code=n(pl.col("code").is_null()),
        code_zero_restored=n(pl.col("_padded")),
        empty_source_actor=n(pl.col("source").is_null()),
        empty_target_actor=n(pl.col("target").is_null()),
        icews_unmapped_country=n(pl.col("_src_country_unmapped").is_not_null())
        + n(pl.col("_tgt_country_unmapped").is_not_null()),
        icews_unmapped_sector=n(pl.col("_src_bare")) + n(pl.col("_tgt_bare")),
        icews_no_sector=n(pl.col("_src_nosector")) + n(pl.col("_tgt_nosector")),
        location_country_unmapped=n(pl.col("_loc_unmapped").is_not_null()),
    )
    unknown_q = j.filter(pl.col("code").is_not_null() & ~known).group_by("code").len()
    countries_q = (
        pl.concat(
            [
                s.select(name=pl.col("_src_country_unmapped")),
                s.select(name=pl.col("_tgt_country_unmapped")),
            ]
        )
        .drop_nulls()
        .group_by("name")
        .len()
    )
    sectors_q = (
        pl.concat(
            [
                s.select(name=pl.col("_src_unknown_sectors")),
                s.select(name=pl.col("_tgt_unknown_sectors")),
            ]
        )
        .drop_nulls()
        .select(pl.col("name").str.split("|"))
        .explode("name")
        .group_by("name")
        .len()
    )
    places_q = s.select(name=pl.col("_loc_unmapped")).drop_nulls().group_by("name").len()
    # Queries run one after the other: collect_all would run them side by side and add up their memory.
    counts, unknown, countries, sectors, places = (
        q.collect() for q in (counts_q, unknown_q, countries_q, sectors_q, places_q)
    )
    if dups is None:
        dups = _duplicate_ids(s)
    rewrite, actor_totals, ambiguous = _actor_counts(s, cb)
    findings = {k: int(v) for k, v in counts.row(0, named=True).items()} | actor_totals

    def as_dict(frame: pl.DataFrame) -> dict[str, int]:
        frame = frame.sort(["len", frame.columns[0]], descending=[True, False])
        return {str(k): int(v) for k, v in frame.iter_rows()}

    details = {
        "unknown_event_codes": as_dict(unknown),
        "icews_unmapped_countries": as_dict(countries),
        "icews_unknown_sectors": as_dict(sectors),
        "unmapped_location_countries": as_dict(places),
        "ambiguous_actor_codes": ambiguous,
    }
    return findings, {k: v for k, v in details.items() if v}, dups, rewrite


def _repeated_rows(
    staging: list[Path], ws: Workspace, ids: pl.Series
) -> tuple[list[Path], pl.DataFrame | None]:
    """Rows equal in every mapped field, id included, to an earlier row (the same file imported
    twice, overlapping downloads) are rejected as ``duplicate-row``: the same event is written once.

    Only rows whose id repeats (``ids``) can be such rows, so nothing but the ids is compared until
    one does. Returns the staging files to go on with (rewritten when there were such rows) and, for
    each rejected row (``_src``, ``_line``), the row it repeats (``_first_src``, ``_first_line``)."""
    if not ids.len():
        return staging, None
    written = _written(staging)
    keys = [k for k in OUTPUT_FIELDS if k not in ("coder", "method")]
    # Two independent 64-bit hashes of each candidate row (a 128-bit fingerprint, 32 bytes with the
    # row's place), never the rows themselves: memory stays small when a whole file repeats. Two
    # different rows with the same id and both hashes equal: about one chance in 2^128.
    group = ["_h", "_h2"]
    rows = (
        written.filter(pl.col("id").is_in(ids.implode()))
        .select("_src", "_line", _h=pl.struct(keys).hash(seed=0), _h2=pl.struct(keys).hash(seed=7919))
        .collect()
        .sort("_src", "_line")
        .with_columns(
            _first_src=pl.col("_src").first().over(group), _first_line=pl.col("_line").first().over(group)
        )
        .filter(pl.int_range(pl.len()).over(group) > 0)
        .select("_src", "_line", "_first_src", "_first_line")
    )
    if not rows.height:
        return staging, None
    again = ws.new(".dedup.parquet")
    pl.scan_parquet(staging).join(
        rows.lazy().select("_src", "_line", _repeat=pl.lit(True)),
        on=["_src", "_line"],
        how="left",
        maintain_order="left",
    ).with_columns(
        _reason=pl.when(pl.col("_repeat")).then(pl.lit("duplicate-row")).otherwise(pl.col("_reason"))
    ).drop("_repeat").sink_parquet(again, compression="lz4", row_group_size=ROW_GROUP)
    for part in staging:
        part.unlink()
    return [again], rows


def _duplicate_ids(rows: pl.LazyFrame) -> pl.Series:
    """Ids that occur more than once (sorted 64-bit hashes first, 8 bytes per row; the one part
    of an import that grows with the data), by the toolkit's one duplicate finder."""
    from toolkit.rules.duplicates import repeated_values

    return repeated_values(rows, "id")


def _write_final(staging: list[Path], target: Path, dup_ids: pl.Series, rewrite: pl.DataFrame) -> int:
    """Write the output columns; ids that occur more than once become ``<id>-<date>`` (then ``-<n>``);
    actor codes are written in the codebook's form (``rewrite``: value -> canonical), as written in
    ``source_actor1_code`` / ``source_actor2_code``.

    Returns how many rows got a new id. The original id stays in ``source_event_id``.
    """
    base = _written(staging).with_columns(*[pl.col(side).alias(kept) for side, kept in ACTOR_COLUMNS.items()])
    if rewrite.height:
        base = base.with_columns(
            pl.col(side).replace(rewrite["value"], rewrite["canonical"]) for side in ACTOR_COLUMNS
        )
    cols = [pl.col(k) for k in OUTPUT_FIELDS]
    changed = 0
    if dup_ids.len():
        rows = (
            base.with_row_index("_r")
            .filter(pl.col("id").is_in(dup_ids.implode()))
            .select("_r", "id", "date")
            .collect()
        )
        new = pl.col("id") + "-" + pl.col("date").fill_null("nodate")
        rows = rows.with_columns(new=new).with_columns(
            new=pl.when(pl.len().over("new") > 1)
            .then(pl.col("new") + "-" + (pl.int_range(pl.len()).over("new") + 1).cast(pl.String))
            .otherwise(pl.col("new"))
        )
        # a new id could equal an id already in the data; those take the row number instead
        clash = base.filter(pl.col("id").is_in(rows["new"].implode())).select("id").collect()["id"]
        if clash.len():
            rows = rows.with_columns(
                new=pl.when(pl.col("new").is_in(clash.implode()))
                .then(pl.col("new") + "-r" + pl.col("_r").cast(pl.String))
                .otherwise(pl.col("new"))
            )
        changed = rows.height
        base = base.with_row_index("_r").with_columns(
            id=pl.col("_r").replace_strict(
                rows["_r"], rows["new"], default=pl.col("id"), return_dtype=pl.String
            )
        )
    base.select(cols).sink_parquet(target, compression="zstd", row_group_size=ROW_GROUP, sync_on_close="all")
    return changed


# --- entry point ------------------------------------------------------------------------------------


def _resolve_codebook(codebook: Codebook | Path | str | None) -> Codebook:
    if isinstance(codebook, Codebook):
        return codebook
    return load_codebook(codebook)


def _check_out(out: Path, inputs: Sequence[Path]) -> None:
    from toolkit.release_io import refuse_output_in_release

    refuse_output_in_release(out)
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory: name the Parquet file to write")
    for path in inputs:
        if path.exists() and out.exists() and os.path.samefile(path, out):
            raise UsageError(f"--out {out} is also an input file: choose another name")


def import_events(
    fmt: str,
    paths: Sequence[Path | str],
    out: Path | str,
    *,
    codebook: Codebook | Path | str | None = None,
    encoding: str = "utf-8",
    max_examples: int = 5,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> ImportSummary:
    """Import event files of format ``fmt`` into one Parquet file ``out`` (zstd, all columns strings).

    ``paths`` may be plain, ``.gz`` or ``.zip`` (every member is imported). Rows that cannot be mapped
    are left out and reported (file, line, reason); ``ImportSummary.rows_read == rows_written +
    rows_rejected`` always. Raises :class:`InputError` for input that cannot be read at all (missing
    file, not this format) and :class:`UsageError` for bad arguments; nothing is written then.
    """
    started = time.perf_counter()
    if fmt not in LAYOUTS:
        raise UsageError(f"unknown import format {fmt!r}: use one of {', '.join(LAYOUTS)}")
    if not paths:
        raise UsageError("no input files given")
    encoding_name, _utf8 = check_encoding(encoding)
    in_paths = [Path(p) for p in paths]
    out_path = Path(out)
    _check_out(out_path, in_paths)
    cb = _resolve_codebook(codebook)
    maps = load_icews_maps(cb) if fmt == "icews" else None
    countries = load_country_maps(cb)
    report = progress or (lambda _stage, _rows: None)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    ws = Workspace(out_path.parent, out_path.name)
    try:
        prepared: list[PreparedInput] = []
        for path in in_paths:
            prepared.extend(prepare(path, ws, encoding, limits or Limits()))
            report("checking bytes", sum(p.lines for p in prepared))
        plans: list[pl.LazyFrame] = []
        infos: list[InputInfo] = []
        widths: list[str] = []
        for index, inp in enumerate(prepared):
            has_header = _is_header(inp.first_line, LAYOUTS[fmt][0])
            layout = detect_layout(inp, fmt, has_header)
            if has_header:
                check_header(inp, layout)
            infos.append(InputInfo(inp.display, layout.name, inp.lines, has_header))
            widths.append(expected_widths(layout))
            plans.append(_plan(inp, index, layout, has_header, maps, countries))
        rows_read = sum(i.lines - int(i.header) for i in infos)

        # one sink for all rows: two sinks of one plan would parse every line twice
        # one sink per input, read back as one table in input order: a sink of the inputs' plans
        # concatenated held far more than one input's rows in memory (2 GB more for two 2M-row files)
        staging = []
        for plan in plans:
            part = ws.new(".rows.parquet")
            plan.sink_parquet(part, compression="lz4", row_group_size=ROW_GROUP)
            staging.append(part)
        report("parsed", rows_read)

        ids = _duplicate_ids(_written(staging))
        staging, repeats = _repeated_rows(staging, ws, ids)
        # the ids that repeat are known unless repeated rows were taken out
        findings, details, dup_ids, rewrite = _consistency(staging, cb, ids if repeats is None else None)
        rejected = pl.scan_parquet(staging).filter(pl.col("_reason").is_not_null())
        example_cols = ["_src", "_line", "_reason", "_width", "_bad_text", "_bad_date"]
        by_reason_df, written_df, *example_dfs = pl.collect_all(
            [
                rejected.group_by("_reason").len(),
                _written(staging).select(pl.len()),
                # head() per reason stops reading early; the staging file is already in input order
                *[
                    rejected.filter(pl.col("_reason") == r).select(example_cols).head(max_examples)
                    for r in REJECT_REASONS
                ],
            ]
        )
        report("checked", rows_read)

        final = ws.new(".parquet", create=False)
        findings["disambiguated_ids"] = _write_final(staging, final, dup_ids, rewrite)
        os.replace(final, out_path)
        rows_written = int(written_df.item())
        report("written", rows_written)
    except pl.exceptions.PolarsError as exc:
        # the byte pass guarantees UTF-8 and line structure, so this is an I/O problem (disk full, ...)
        raise InputError(f"cannot import: {exc}".splitlines()[0], out_path) from None
    finally:
        ws.cleanup()

    counts = {str(r): int(n) for r, n in by_reason_df.iter_rows()}
    by_reason = {r: counts[r] for r in REJECT_REASONS if r in counts}
    examples = [
        RejectedRow(
            prepared[row["_src"]].display,
            row["_line"],
            row["_reason"],
            _repeat_detail(prepared, repeats, row["_src"], row["_line"])
            if repeats is not None and row["_reason"] == "duplicate-row"
            else _detail(
                row["_reason"], row["_width"], widths[row["_src"]], row["_bad_date"], fmt, encoding_name
            ),
            str(row["_bad_text"] or "").replace(MARKER, "")[:EXAMPLE_TEXT_CHARS],
        )
        for row in pl.concat(example_dfs).sort("_src", "_line").iter_rows(named=True)
    ]
    summary = ImportSummary(
        format=fmt,
        out=str(out_path),
        files=infos,
        rows_read=rows_read,
        rows_written=rows_written,
        rows_rejected_by_reason=by_reason,
        examples=examples,
        findings={k: findings.get(k, 0) for k in FINDINGS},
        details=details,
        seconds=round(time.perf_counter() - started, 3),
    )
    if summary.rows_read != summary.rows_written + summary.rows_rejected:  # pragma: no cover - a bug
        raise AssertionError(
            f"rows read {summary.rows_read} != written {summary.rows_written} + rejected "
            f"{summary.rows_rejected}"
        )
    return summary
