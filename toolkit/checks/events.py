"""Row-level and global event checks (rules E0xx-E6xx) as polars expressions over whole frames.

:func:`prepare` parses the raw string fields once (dates with their precision, numbers, codes)
and joins the codebook; every check is then a boolean mask over the prepared frame and a
message built with ``pl.format``. No Python loop over rows: ten hand-coded events and a hundred
million imported ones run through the same code.
"""

from __future__ import annotations

import polars as pl

from toolkit import findings as F
from toolkit.codebook import Codebook
from toolkit.schema import INPUT_FIELDS, METHODS

C = pl.col
DAY_RE = r"^\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]*(?:Z|[+-]\d{2}:?\d{2})?)?$"
MONTH_RE = r"^\d{4}-\d{2}$"
YEAR_RE = r"^\d{4}$"
ACTOR_RE = r"^(?:[A-Z]{3})+$"


def line_of(frame_cols: set[str], field: str) -> pl.Expr:
    name = f"_line_{field}"
    return pl.coalesce(C(name), C("_line")) if name in frame_cols else C("_line")


def _blank(name: str) -> pl.Expr:
    # Readers strip people's formats (see events_io._scalar), so blank means null or empty.
    return C(name).is_null() | (C(name).str.len_bytes() == 0)


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
        _sentence=C("sentence").cast(pl.Int64, strict=False),
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


def hash_expr(expr: pl.Expr) -> pl.Expr:
    """The 64-bit hash behind :func:`repeated` (a function so tests can force collisions)."""
    return expr.hash()


def repeated(expr: pl.Expr) -> pl.Expr:
    """Rows whose 64-bit hash of ``expr`` occurs more than once: a superset of the true
    duplicates (hash collisions), found by sorting, which stays fast when the values do not fit
    a cache-sized hash table. Callers confirm on the real values."""
    h = hash_expr(expr)
    s = h.sort()
    return h.is_in(s.filter(s == s.shift(1)).implode())


def from_release(events: pl.LazyFrame) -> pl.LazyFrame:
    """The same ``_`` columns from a release's typed events table, so release checks reuse the rules.

    Raw string fields are null (the values are typed already) except the ones messages and the
    derived-field rule read.
    """
    raw_null = [f for f in INPUT_FIELDS if f not in ("quote", "root_code", "url")]
    return events.select(
        *[pl.lit(None, dtype=pl.String).alias(f) for f in raw_null],
        C("quote"),
        C("root_code"),
        C("source_url").alias("url"),
        C("file").alias("_file"),
        pl.lit(None, dtype=pl.Int64).alias("_line"),
        C("event_code").alias("_code"),
        C("sentence").cast(pl.Int64).alias("_sentence"),
        C("event_date").alias("_date"),
        C("date_precision").alias("_precision"),
        C("latitude").alias("_lat"),
        C("longitude").alias("_lon"),
        C("method").alias("_method"),
        C("quad_class").alias("_quad"),
        C("goldstein").alias("_goldstein"),
        C("source_actor").alias("_source"),
        C("target_actor").alias("_target"),
        C("article_id").alias("_article"),
        C("event_id").alias("_id"),
        C("event_id"),
    )


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


def check_rows(p: pl.DataFrame, cb: Codebook, have_articles: bool) -> list[pl.LazyFrame]:
    """Checks that look at one event at a time."""
    cols = set(p.columns)
    lf = p.lazy()
    eid = C("_id")
    out: list[pl.LazyFrame] = []
    pending: list[tuple[pl.Expr, str, pl.Expr, str | None]] = []

    imported = C("_method") == "import"

    def emit(
        mask: pl.Expr, rule: str, msg: pl.Expr, field: str | None, imported_rule: str | None = None
    ) -> None:
        """Findings of ``rule``; with ``imported_rule``, imported events get that (warning) rule
        instead: a source dataset's own values are reported, not blocked."""
        split = (
            [(mask, rule)]
            if imported_rule is None
            else [(mask & ~imported, rule), (mask & imported, imported_rule)]
        )
        pending.extend((m, r, msg, field) for m, r in split)

    # E001 missing fields; what is required depends on the method
    hand = C("_method") == "hand"
    not_import = C("_method") != "import"
    required: list[tuple[str, pl.Expr, str]] = [
        ("id", pl.lit(True), "event has no id: add one, or run `evtk validate --fix-ids`"),
        ("code", pl.lit(True), 'event has no code: add the CAMEO event code (e.g. code: "042")'),
        ("source", not_import, "event has no source actor (e.g. source: RUSGOV)"),
        ("date", pl.lit(True), "event has no date: write YYYY-MM-DD, YYYY-MM or YYYY"),
        ("article", not_import, "event has no article: name the article id (evtk articles show ID)"),
        ("sentence", hand, "event has no sentence number: see `evtk articles show ARTICLE`"),
        ("quote", hand, "event has no quote: copy the words that carry the event from its sentence"),
    ]
    typed = {
        "id": "_id",
        "code": "_code",
        "source": "_source",
        "date": "_date",
        "article": "_article",
        "sentence": "_sentence",
        "quote": "quote",
    }
    for field, when, message in required:
        value = C(typed[field])
        missing = value.is_null() | (value.cast(pl.String).str.strip_chars() == "")  # `code: ""` is missing
        emit(when & _blank(field) & missing, "E001", pl.lit(message), field)
    emit(
        imported & _blank("source") & C("_source").is_null(),
        "E205",
        pl.lit("imported event has no source actor (the source dataset leaves it empty)"),
        "source",
    )

    # E002 field types
    emit(
        ~_blank("sentence") & (C("_sentence").is_null() | (C("_sentence") < 1)),
        "E002",
        pl.format("sentence '{}' is not a positive whole number", C("sentence")),
        "sentence",
    )
    emit(
        ~C("_method").is_in(list(METHODS)),
        "E002",
        pl.format("method '{}' is not one of {}", C("method"), pl.lit(", ".join(METHODS))),
        "method",
    )
    for field, parsed, lo, hi in (("location_lat", "_lat", -90, 90), ("location_lon", "_lon", -180, 180)):
        emit(
            ~_blank(field) & ~C(parsed).is_between(lo, hi),
            "E002",
            pl.format(
                "{} '{}' is not a number between {} and {}",
                pl.lit(field.split("_")[1]),
                C(field),
                pl.lit(lo),
                pl.lit(hi),
            ),
            field,
        )
    emit(
        ~_blank("quad_class") & C("_quad").is_null(),
        "E002",
        pl.format("quad_class '{}' is not 1, 2, 3 or 4", C("quad_class")),
        "quad_class",
    )
    emit(
        ~_blank("goldstein") & C("_goldstein").is_null(),
        "E002",
        pl.format("goldstein '{}' is not a number", C("goldstein")),
        "goldstein",
    )

    # E101/E102 event codes
    from toolkit.checks.codes import suggestion_expr

    # Suggestions are computed once per distinct unknown code, then joined to the offending rows.
    unknown_code = C("_code").is_not_null() & (C("_code") != "") & ~C("_known_code")
    bad_codes = lf.filter(unknown_code).select("_code").unique()
    hints = bad_codes.with_columns(_hint=suggestion_expr(C("_code"), cb.events["code"]))
    offenders = lf.filter(unknown_code).join(hints, on="_code", how="left")
    written = pl.coalesce(C("code"), C("_code"))
    out.append(
        F.make(
            offenders,
            "E101",
            pl.when(C("_hint").is_not_null())
            .then(
                pl.format(
                    "event code '{}' is not in codebook {}: codes are strings with leading zeros; did you mean {}?",
                    written,
                    pl.lit(cb.version),
                    C("_hint"),
                )
            )
            .otherwise(
                pl.format(
                    "event code '{}' is not in codebook {}: look it up with `evtk codebook search`",
                    written,
                    pl.lit(cb.version),
                )
            ),
            file=C("_file"),
            line=line_of(cols, "code"),
            column="code",
            event_id=eid,
        )
    )
    emit(
        C("_replaced_by").is_not_null(),
        "E102",
        pl.format("event code {} is deprecated: use {}", C("_code"), C("_replaced_by")),
        "code",
    )

    # E201 actor format (E202/E203 are in check_actors)
    for field in ("source", "target"):
        v = C(f"_{field}")
        bad = v.is_not_null() & (v != "") & ~v.str.contains(ACTOR_RE)
        upper_ok = v.str.to_uppercase().str.contains(ACTOR_RE)
        emit(
            bad,
            "E201",
            pl.when(upper_ok)
            .then(pl.format("{} '{}' is not upper-case: write {}", pl.lit(field), v, v.str.to_uppercase()))
            .otherwise(
                pl.format(
                    "{} '{}' is not a sequence of three-letter upper-case parts (e.g. RUSGOV)",
                    pl.lit(field),
                    v,
                )
            ),
            field,
            "E206",
        )
    emit(
        C("_source").is_not_null() & (C("_source") != "") & (C("_source") == C("_target")),
        "E204",
        pl.format("source and target are both {}: code distinct actors, or leave target empty", C("_source")),
        "target",
    )

    # E3xx articles (only when articles are known)
    if have_articles:
        emit(
            C("_article").is_not_null() & (C("_article") != "") & ~C("_known_article"),
            "E301",
            pl.format(
                "article '{}' is not in the articles folder: check the id (`evtk articles show`) or add "
                "the article with `evtk articles add`",
                C("_article"),
            ),
            "article",
        )

    # E4xx dates
    emit(
        ~_blank("date") & C("_date").is_null(),
        "E401",
        pl.format("date '{}' is not a valid date: {}", C("date"), _date_hint()),
        "date",
    )
    later = (
        pl.when(C("_precision") == "day")
        .then(C("_date"))
        .when(C("_precision") == "month")
        .then(C("_date").dt.month_start())
        .otherwise(C("_date").dt.truncate("1y"))
    )
    emit(
        C("_published").is_not_null() & (later > C("_published")),
        "E402",
        pl.format(
            "date {} is after the article's publication date {}: check the year and month",
            _date_text(),
            C("_published"),
        ),
        "date",
    )
    emit(
        C("_date") < pl.date(1900, 1, 1),
        "E403",
        pl.format("date {} is before 1900: probably a typing error", _date_text()),
        "date",
    )

    # E601 derived fields stated in the file must agree with the codebook
    emit(
        ~_blank("root_code") & C("_known_code") & (C("root_code").str.strip_chars() != C("_cb_root")),
        "E601",
        pl.format(
            "root_code {} disagrees with the codebook's {} for code {}",
            C("root_code"),
            C("_cb_root"),
            C("_code"),
        ),
        "root_code",
        "E602",
    )
    emit(
        C("_quad").is_not_null() & C("_known_code") & (C("_quad") != C("_cb_quad")),
        "E601",
        pl.format(
            "quad_class {} disagrees with the codebook's {} for code {}",
            C("_quad"),
            C("_cb_quad"),
            C("_code"),
        ),
        "quad_class",
        "E602",
    )
    emit(
        C("_goldstein").is_not_null()
        & C("_known_code")
        & ((C("_goldstein") - C("_cb_goldstein")).abs() > 1e-6),
        "E601",
        pl.format(
            "goldstein {} disagrees with the codebook's {} for code {}",
            C("goldstein"),
            C("_cb_goldstein"),
            C("_code"),
        ),
        "goldstein",
        "E602",
    )
    # Every mask in one pass over the frame; messages are built only for the flagged rows
    # (none in clean data), instead of one filter over millions of rows per rule.
    names = [f"_m{i}" for i in range(len(pending))]
    flagged = (
        lf.with_columns(
            *[m.fill_null(False).alias(n) for (m, _, _, _), n in zip(pending, names, strict=True)]
        )
        .filter(pl.any_horizontal(*names))
        .collect()
        .lazy()
    )
    for (_, rule, msg, column), n in zip(pending, names, strict=True):
        out.append(
            F.make(
                flagged.filter(C(n)),
                rule,
                msg,
                file=C("_file"),
                line=line_of(cols, column) if column else C("_line"),
                column=column,
                event_id=eid,
            )
        )
    return out


def _date_text() -> pl.Expr:
    """The date as written, or as stored in a release (formatted to its precision)."""
    stored = (
        pl.when(C("_precision") == "year")
        .then(C("_date").dt.strftime("%Y"))
        .when(C("_precision") == "month")
        .then(C("_date").dt.strftime("%Y-%m"))
        .otherwise(C("_date").dt.strftime("%Y-%m-%d"))
    )
    return pl.coalesce(C("date"), stored)


def _date_hint() -> pl.Expr:
    d = C("date").str.strip_chars()
    slash = d.str.extract_groups(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
    a, b, y = slash.struct.field("1"), slash.struct.field("2"), slash.struct.field("3")
    return (
        pl.when(d.str.contains(r"^\d{1,2}[/.]\d{1,2}[/.]\d{4}$"))
        .then(
            pl.format(
                "this looks like a spreadsheet date; write ISO YYYY-MM-DD: {}-{}-{} if month first, {}-{}-{} if day "
                "first",
                y,
                a.str.zfill(2),
                b.str.zfill(2),
                y,
                b.str.zfill(2),
                a.str.zfill(2),
            )
        )
        .when(d.str.contains(r"^\d{8}$"))
        .then(
            pl.format(
                "write it with dashes: {}-{}-{}", d.str.slice(0, 4), d.str.slice(4, 2), d.str.slice(6, 2)
            )
        )
        .when(d.str.contains(r"^\d{4}-\d{2}-\d{2}$"))
        .then(pl.lit("no such day in that month"))
        .when(d.str.contains(r"^\d{4}-\d{2}$"))
        .then(pl.lit("no such month"))
        .otherwise(pl.lit("write YYYY-MM-DD (day), YYYY-MM (month) or YYYY (year)"))
    )


def check_actors(p: pl.DataFrame, cb: Codebook) -> list[pl.LazyFrame]:
    """E202 unknown part, E203 part in an invalid position.

    Actor codes repeat a lot (thousands of distinct values in millions of events), so the parts
    are checked once per distinct code and only offending events are joined back.
    """
    cols = set(p.columns)
    parts_table = cb.actor_parts.select(
        C("code").alias("part"), C("kind").alias("kinds"), pl.lit(True).alias("_k")
    )
    values = (
        pl.concat(
            [p.lazy().select(C("_source").alias("value")), p.lazy().select(C("_target").alias("value"))]
        )
        .unique()
        .filter(C("value").is_not_null() & C("value").str.contains(ACTOR_RE))
    )
    long = (
        values.with_columns(part=C("value").str.extract_all(r"[A-Z]{3}"))
        .with_columns(position=pl.int_ranges(1, C("part").list.len() + 1))
        .explode("part", "position")
        .join(parts_table.lazy(), on="part", how="left", maintain_order="left")
        .with_columns(_prev_kinds=C("kinds").shift(1).over("value"))
    )
    kinds = C("kinds")
    only_country = kinds.list.eval(pl.element().is_in(["country", "region"])).list.all()
    only_generic = kinds.list.eval(pl.element() == "international").list.all()
    prev_is_org = (
        C("_prev_kinds")
        .list.eval(pl.element().is_in(["international", "group", "organization"]))
        .list.any()
        .fill_null(False)
    )
    misplaced = C("_k").is_not_null() & (C("position") > 1) & (only_generic | (only_country & ~prev_is_org))
    bad = (
        long.filter(C("_k").is_null() | misplaced)
        .select(
            "value",
            pl.when(C("_k").is_null()).then(pl.lit("E202")).otherwise(pl.lit("E203")).alias("_rule"),
            pl.when(C("_k").is_null())
            .then(
                pl.format(
                    "part {} (position {}) is not in the codebook's actor tables; look it up with "
                    "`evtk codebook search`",
                    C("part"),
                    C("position"),
                )
            )
            .otherwise(
                pl.format(
                    "{} ({}) cannot stand in position {}: countries and generic international codes "
                    "open an actor code (e.g. {}...)",
                    C("part"),
                    kinds.list.join("/"),
                    C("position"),
                    C("part"),
                )
            )
            .alias("_detail"),
        )
        .collect()
    )
    out: list[pl.LazyFrame] = []
    if bad.is_empty():
        return out
    for field in ("source", "target"):
        v = C(f"_{field}")
        hits = (
            p.lazy()
            .filter(v.is_in(bad["value"].unique().implode()))
            .select("_file", "_id", "_method", line_of(cols, field).alias("_fline"), v.alias("value"))
            .join(bad.lazy(), on="value", how="inner")
        )
        imported = C("_method") == "import"
        for rule, mask in (("E202", ~imported), ("E203", ~imported), ("E206", imported)):
            out.append(
                F.make(
                    hits.filter(mask & ((C("_rule") == rule) if rule != "E206" else pl.lit(True))),
                    rule,
                    pl.format("{} {}: {}", pl.lit(field), C("value"), C("_detail")),
                    file=C("_file"),
                    line=C("_fline"),
                    column=field,
                    event_id=C("_id"),
                )
            )
    return out


def _rows_with(rows: pl.LazyFrame, keys: pl.DataFrame, on: list[str]) -> pl.LazyFrame:
    """The rows whose ``on`` values are among the (few) offending ``keys``, with their columns.

    A hash pre-filter keeps the join small: joining millions of rows on string keys to find a
    handful of offenders would cost more than the check itself."""
    wanted = keys.select(pl.struct(on).hash().alias("_h"))["_h"].implode()
    return rows.filter(pl.struct(on).hash().is_in(wanted)).join(keys.lazy(), on=on, how="inner")


def check_text(p: pl.DataFrame, sentences: pl.DataFrame) -> list[pl.LazyFrame]:
    """E302 sentence out of range, E303 quote not in its sentence (with the sentence it is in).

    Rule coders quote the same words of a sentence many times, so the text match runs once per
    distinct (article, sentence, quote) and only offending events are joined back.
    """
    cols = set(p.columns)
    counts = sentences.group_by(C("article_id").alias("_article")).agg(
        _count=C("sentence").max().cast(pl.Int64)
    )
    base = p.lazy().filter(C("_known_article") & C("_sentence").is_not_null() & (C("_sentence") >= 1))
    pairs = base.select("_article", "_sentence").unique().join(counts.lazy(), on="_article", how="left")
    out_of_range = pairs.filter(C("_sentence") > C("_count").fill_null(0)).collect()
    out = []
    if out_of_range.height:
        out.append(
            F.make(
                _rows_with(base, out_of_range, ["_article", "_sentence"]),
                "E302",
                pl.format(
                    "sentence {} is out of range: article {} has {} sentences (see `evtk articles show {}`)",
                    C("_sentence"),
                    C("_article"),
                    C("_count").fill_null(0),
                    C("_article"),
                ),
                file=C("_file"),
                line=line_of(cols, "sentence"),
                column="sentence",
                event_id=C("_id"),
            )
        )
    sent = sentences.lazy().select(
        C("article_id").alias("_article"),
        C("sentence").cast(pl.Int64).alias("_sentence"),
        normalize(C("text")).alias("_stext"),
    )
    triples = (
        base.filter(~_blank("quote"))
        .select("_article", "_sentence", "quote")
        .unique()
        .join(sent, on=["_article", "_sentence"], how="inner")
        .with_columns(_q=normalize(C("quote")))
    )
    missing = triples.filter(~C("_stext").str.contains(C("_q"), literal=True)).select(
        "_article", "_sentence", "quote", "_q"
    )
    elsewhere = (
        missing.join(sent.rename({"_sentence": "_other"}), on="_article", how="inner")
        .filter(C("_stext").str.contains(C("_q"), literal=True))
        .group_by("_article", "_sentence", "quote")
        .agg(_other=C("_other").min())
    )
    bad = missing.join(elsewhere, on=["_article", "_sentence", "quote"], how="left").collect()
    if bad.is_empty():
        return out
    hits = _rows_with(base, bad, ["_article", "_sentence", "quote"])
    short = (
        pl.when(C("quote").str.len_chars() > 60)
        .then(C("quote").str.slice(0, 57) + "...")
        .otherwise(C("quote"))
    )
    out.append(
        F.make(
            hits,
            "E303",
            pl.when(C("_other").is_not_null())
            .then(
                pl.format(
                    'quote "{}" is not in sentence {} of {}: it is in sentence {}',
                    short,
                    C("_sentence"),
                    C("_article"),
                    C("_other"),
                )
            )
            .otherwise(
                pl.format(
                    'quote "{}" is not in sentence {} of {} nor in any other sentence: copy the words '
                    "exactly",
                    short,
                    C("_sentence"),
                    C("_article"),
                )
            ),
            file=C("_file"),
            line=line_of(cols, "quote"),
            column="quote",
            event_id=C("_id"),
        )
    )
    return out


def normalize(text: pl.Expr) -> pl.Expr:
    """Case-, whitespace- and quote-mark-insensitive form used to match quotes to sentences."""
    return (
        text.str.to_lowercase()
        .str.replace_all(r"[\"'`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a]", "")
        .str.replace_all(r"[\u2010-\u2015]", "-")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


DUPLICATE_KEY = ("_k1", "_sentence", "_date", "_source", "_target", "_code")


def check_duplicates(p: pl.DataFrame) -> list[pl.LazyFrame]:
    """E501 duplicate local id in a file, E502 same content coded twice, E503 release id collision.

    One pass over hashes per key finds the candidates (:func:`repeated`); the exact rules (counts,
    the first occurrence) run on the candidates only, which are few in real data, and compare the
    real values, so a hash collision never produces a finding.
    """
    cols = set(p.columns)
    out = []
    has_id = C("_id").is_not_null()
    # A repeated (file, id) or event id always repeats the local id, so one pass over a 64-bit
    # hash of the (short) local id finds the candidates for both rules; the exact rules below
    # compare the real values, so a hash collision never produces a finding.
    # Candidates in file and line order: "first" below must not depend on the order joins left.
    ids = (
        p.lazy()
        .filter(has_id & repeated(C("_id")))
        .with_columns(event_id=pl.col("event_id") if "event_id" in cols else event_id())
        .sort("_file", "_line", nulls_last=True, maintain_order=True)
        .with_columns(_first_file=C("_file").first().over("event_id"))
    )
    out.append(
        F.make(
            ids.filter(pl.len().over("_file", "_id") > 1),
            "E501",
            pl.format(
                "event id '{}' is used {} times in this file: ids must be unique within a file",
                C("_id"),
                pl.len().over("_file", "_id"),
            ),
            file=C("_file"),
            line=line_of(cols, "id"),
            column="id",
            event_id=C("_id"),
        )
    )
    out.append(
        F.make(
            ids.filter(C("_first_file") != C("_file")),
            "E503",
            pl.format(
                "event id {} is also produced by {}: two files with the same name (e.g. x.yaml and x.csv) "
                "cannot share local ids; rename one file",
                C("event_id"),
                C("_first_file"),
            ),
            file=C("_file"),
            line=line_of(cols, "id"),
            column="id",
            event_id=C("_id"),
        )
    )
    keyed = (
        p.lazy()
        .with_columns(_k1=pl.coalesce(C("_article"), C("url")))
        .filter(C("_code").is_not_null() & C("_date").is_not_null() & C("_k1").is_not_null())
    )
    dup = (
        keyed.filter(repeated(pl.struct(DUPLICATE_KEY)))
        .sort("_file", "_line", nulls_last=True, maintain_order=True)
        .with_columns(
            _rank=pl.int_range(pl.len()).over(DUPLICATE_KEY),
            _first=C("_id").first().over(DUPLICATE_KEY),
            _first_file=C("_file").first().over(DUPLICATE_KEY),
        )
        .filter(C("_rank") > 0)
    )
    out.append(
        F.make(
            dup,
            "E502",
            pl.format(
                "same article, sentence, date, source, target and code as event {} in {}: remove one of them",
                C("_first"),
                C("_first_file"),
            ),
            file=C("_file"),
            line=C("_line"),
            column=None,
            event_id=C("_id"),
        )
    )
    return out
