"""Articles, sentences and quotes (E301-E304), and text that spreadsheets would run (E305): events point at text that supports them."""

from __future__ import annotations

import polars as pl

from toolkit import findings as F
from toolkit.rules import rule
from toolkit.rules.common import IMPORTED, C, Context, Mask, blank, present

E301 = rule(
    "E301",
    "unknown-article",
    "error",
    "Events point at known articles",
    "article '{article}' is not in the articles folder: {hint}",
    "Hand- and rule-coded events must name an article that exists in `data/articles/`. The message "
    "names the nearest article id when one is close (a typing slip), else how to add the article.",
)
E302 = rule(
    "E302",
    "sentence-out-of-range",
    "error",
    "Sentence numbers exist",
    "sentence {sentence} is out of range: article {article} has {count} sentences "
    "(see `evtk articles show {article}`)",
    "Sentences are numbered from 1 as `evtk articles show` prints them.",
)
E303 = rule(
    "E303",
    "quote-not-in-sentence",
    "error",
    "The quote occurs in its sentence",
    'quote "{quote}" is not in sentence {sentence} of {article}{where}; sentence {sentence} reads: "{text}"',
    "The quote must occur in the stated sentence (case, whitespace and quote marks are ignored; `...` "
    "or `…` in a quote stands for left-out words, and the parts must occur in order). The message shows "
    "the sentence, names another sentence the quote occurs in, and says when a quote runs across two "
    "sentences.",
)
E304 = rule(
    "E304",
    "no-article-text",
    "warning",
    "Text checks need article text",
    "{count} imported events have no article text: sentence and quote checks were skipped for them",
    "Imported events (method `import`) usually have no article text; the quote and sentence checks "
    "cannot run on them, and the report says so instead of failing.",
)

E305 = rule(
    "E305",
    "formula-text",
    "warning",
    "Text does not start like a spreadsheet formula",
    "{field} {value} starts like a spreadsheet formula (=, +, -, @, tab): exports write it with a "
    "leading ', reword it if it is meant as text",
    "A place name, quote or note such as `=HYPERLINK(...)` would run as a formula when an export is "
    "opened in a spreadsheet. Exports neutralise such cells (a leading `'`, as OWASP recommends); the "
    "warning points at the source, which is almost always a paste accident or an attack.",
)
#: free-text fields of an event (codes, dates and numbers have rules of their own)
TEXT_FIELDS = (
    "quote",
    "location_place",
    "location_country",
    "note",
    "coder",
    "rule_id",
    "source_event_id",
    "source_story_id",
    "url",
    "publisher",
)


def _formula_masks(ctx: Context) -> list[Mask]:
    from toolkit.cells import starts_formula

    return [
        Mask(E305, starts_formula(C(f)), E305.expr(field=f, value=C(f).str.slice(0, 40)), f)
        for f in TEXT_FIELDS
        if f in ctx.columns or not ctx.columns
    ]


def masks(ctx: Context) -> list[Mask]:
    return _formula_masks(ctx)


def unknown_articles(chunk: pl.DataFrame, ctx: Context) -> list[pl.LazyFrame]:
    """E301, with the nearest known article id, worked out once per distinct unknown id."""
    import difflib

    published = ctx.published
    if published is None:
        return []
    unknown = chunk.lazy().filter(present("_article") & ~C("_known_article"))
    values = unknown.select("_article").unique().collect()["_article"].sort()
    if values.is_empty():
        return []
    ids = published["article_id"].to_list()
    near = [next(iter(difflib.get_close_matches(v, ids, n=1, cutoff=0.75)), None) for v in values]
    hints = pl.DataFrame(
        {"_article": values, "_near": near}, schema={"_article": pl.String, "_near": pl.String}
    )
    hint = (
        pl.when(C("_near").is_not_null())
        .then(pl.format("did you mean '{}'? (`evtk articles show {}`)", C("_near"), C("_near")))
        .otherwise(pl.lit("check the id (`evtk articles show`) or add the article with `evtk articles add`"))
    )
    return [
        F.make(
            unknown.join(hints.lazy(), on="_article", how="left"),
            "E301",
            E301.expr(article=C("_article"), hint=hint),
            file=C("_file"),
            line=ctx.line("article"),
            column="article",
            event_id=C("_id"),
        )
    ]


#: how a quote marks left-out words (after :func:`normalize`)
GAP = r"\.{3,}|\u2026|\[\.\.\.\]"


def normalize(text: pl.Expr) -> pl.Expr:
    """Case-, whitespace- and quote-mark-insensitive form used to match quotes to sentences."""
    return (
        text.str.to_lowercase()
        .str.replace_all(r"[\"'`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a]", "")
        .str.replace_all(r"[\u2010-\u2015]", "-")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def _rows_with(rows: pl.LazyFrame, keys: pl.DataFrame, on: list[str]) -> pl.LazyFrame:
    """The rows whose ``on`` values are among the (few) offending ``keys``, with their columns.

    A hash pre-filter keeps the join small: joining millions of rows on string keys to find a
    handful of offenders would cost more than the check itself."""
    wanted = keys.select(pl.struct(on).hash().alias("_h"))["_h"].implode()
    return rows.filter(pl.struct(on).hash().is_in(wanted)).join(keys.lazy(), on=on, how="inner")


def findings(chunk: pl.DataFrame, ctx: Context) -> list[pl.LazyFrame]:
    """E302 sentence out of range, E303 quote not in its sentence (with the sentence it is in).

    Rule coders quote the same words of a sentence many times, so the text match runs once per
    distinct (article, sentence, quote) and only offending events are joined back.
    """
    sentences = ctx.sentences
    if sentences is None or not ctx.have_articles:
        return []
    counts: pl.DataFrame = ctx.once(
        "sentence_counts",
        lambda: sentences.group_by(C("article_id").alias("_article")).agg(
            _count=C("sentence").max().cast(pl.Int64)
        ),
    )
    base = chunk.lazy().filter(C("_known_article") & C("_sentence").is_not_null() & (C("_sentence") >= 1))
    pairs = base.select("_article", "_sentence").unique().join(counts.lazy(), on="_article", how="left")
    out_of_range = pairs.filter(C("_sentence") > C("_count").fill_null(0)).collect()
    out = []
    if out_of_range.height:
        out.append(
            F.make(
                _rows_with(base, out_of_range, ["_article", "_sentence"]),
                "E302",
                E302.expr(sentence=C("_sentence"), article=C("_article"), count=C("_count").fill_null(0)),
                file=C("_file"),
                line=ctx.line("sentence"),
                column="sentence",
                event_id=C("_id"),
            )
        )
    sent = ctx.once(
        "normalized_sentences",
        lambda: sentences.select(
            C("article_id").alias("_article"),
            C("sentence").cast(pl.Int64).alias("_sentence"),
            normalize(C("text")).alias("_stext"),
        ),
    ).lazy()
    triples = (
        base.filter(~blank("quote"))
        .select("_article", "_sentence", "quote")
        .unique()
        .join(sent, on=["_article", "_sentence"], how="inner")
        .with_columns(_q=normalize(C("quote")))
        .with_columns(_gap=C("_q").str.contains(GAP))
        # `...` stands for left-out words: the parts must occur in order
        .with_columns(
            _qre=pl.when(C("_gap")).then(
                C("_q")
                .str.replace_all(GAP, "\u0000")
                .str.split("\u0000")
                .list.eval(pl.element().str.strip_chars().str.escape_regex())
                .list.join(".*")
            )
        )
    )

    def occurs(text: pl.Expr) -> pl.Expr:
        return (
            pl.when(C("_gap"))
            .then(text.str.contains(C("_qre")))
            .otherwise(text.str.contains(C("_q"), literal=True))
        )

    missing = triples.filter(~occurs(C("_stext"))).select(
        "_article", "_sentence", "quote", "_q", "_gap", "_qre"
    )
    elsewhere = (
        missing.join(sent.rename({"_sentence": "_other"}), on="_article", how="inner")
        .filter(occurs(C("_stext")))
        .group_by("_article", "_sentence", "quote")
        .agg(_other=C("_other").min())
    )
    # a quote that runs on from one sentence into the next: it occurs in the two joined
    pairs2 = sent.join(
        sent.select("_article", (C("_sentence") - 1).alias("_sentence"), C("_stext").alias("_next")),
        on=["_article", "_sentence"],
        how="inner",
    ).select("_article", C("_sentence").alias("_first"), (C("_stext") + " " + C("_next")).alias("_stext"))
    across = (
        missing.join(pairs2, on="_article", how="inner")
        .filter(((C("_first") == C("_sentence")) | (C("_first") == C("_sentence") - 1)) & occurs(C("_stext")))
        .group_by("_article", "_sentence", "quote")
        .agg(_across=C("_first").min())
    )
    keys = ["_article", "_sentence", "quote"]
    bad = (
        missing.join(elsewhere, on=keys, how="left")
        .join(across, on=keys, how="left")
        .join(
            ctx.once(
                "sentence_texts",
                lambda: sentences.select(
                    C("article_id").alias("_article"),
                    C("sentence").cast(pl.Int64).alias("_sentence"),
                    C("text"),
                ),
            ).lazy(),
            on=["_article", "_sentence"],
            how="left",
        )
        .collect()
    )
    if bad.is_empty():
        return out
    short = (
        pl.when(C("quote").str.len_chars() > 60)
        .then(C("quote").str.slice(0, 57) + "...")
        .otherwise(C("quote"))
    )
    where = (
        pl.when(C("_other").is_not_null())
        .then(pl.format(": it is in sentence {}", C("_other")))
        .when(C("_across").is_not_null())
        .then(
            pl.format(
                ": it runs across sentences {} and {}; quote the words of one sentence (or code one event "
                "per sentence)",
                C("_across"),
                C("_across") + 1,
            )
        )
        .otherwise(pl.lit(" nor in any other sentence: copy the words exactly"))
    )
    text = C("text").str.replace_all(r"\s+", " ").str.strip_chars()
    text = pl.when(text.str.len_chars() > 160).then(text.str.slice(0, 157) + "...").otherwise(text)
    out.append(
        F.make(
            _rows_with(base, bad, keys),
            "E303",
            E303.expr(quote=short, sentence=C("_sentence"), article=C("_article"), where=where, text=text),
            file=C("_file"),
            line=ctx.line("quote"),
            column="quote",
            event_id=C("_id"),
        )
    )
    return out


NO_TEXT = ~C("_known_article") & IMPORTED


def no_text_counts(chunk: pl.DataFrame) -> pl.DataFrame:
    """Partial state of E304: imported events without article text, per file (merge by summing)."""
    return chunk.filter(NO_TEXT).group_by("_file").agg(n=pl.len().cast(pl.Int64))


def no_text_findings(counts: pl.DataFrame) -> pl.DataFrame:
    merged = counts.group_by("_file").agg(C("n").sum()).filter(C("n") > 0).sort("_file")
    return F.make(merged, "E304", E304.expr(count=C("n")), file=C("_file")).collect()
