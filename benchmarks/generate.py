"""Deterministic generator of realistic synthetic event data for benchmarks and tests.

Articles have news-like sentences built from templates; events point at them with quotes that
occur in their sentence, codes drawn from the codebook with a skewed (Zipf-like) distribution as
in GDELT, actors built from real country and role parts, and dates before publication. A share of
rows carries deliberate errors of every rule family. Everything is vectorised (numpy + polars):
10 million events take seconds, and the same seed gives the same files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from toolkit.articles import sha256_text
from toolkit.codebook import load_codebook
from toolkit.schema import INPUT_FIELDS
from toolkit.segment import SEGMENTER_VERSION

VERBS = {
    "042": "travelled to",
    "043": "hosted",
    "036": "said it wanted to meet",
    "040": "held talks with",
    "057": "signed an agreement with",
    "061": "agreed to trade with",
    "070": "sent aid to",
    "111": "criticized",
    "112": "accused",
    "120": "rejected a proposal from",
    "130": "threatened",
    "172": "imposed restrictions on",
    "190": "fought against",
    "193": "fired rifles at",
}
BLOCK = 5_000_000  # events generated and written at a time
ERROR_KINDS = ("code", "actor", "date", "sentence", "quote", "duplicate_id", "derived", "future")


@dataclass(frozen=True)
class Spec:
    events: int
    articles: int = 0  # 0: one article per 1,000 events, at least 10
    sentences_per_article: int = 20
    error_share: float = 0.0
    seed: int = 42

    @property
    def n_articles(self) -> int:
        return self.articles or max(10, self.events // 1000)


def _choice(rng: np.random.Generator, values: list[str], n: int, skew: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, len(values) + 1) ** skew
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=weights / weights.sum())]


def generate(spec: Spec, out: Path) -> dict[str, Path]:
    """Write ``out/articles/bulk.jsonl`` and ``out/coded/events.parquet``; return their paths."""
    rng = np.random.default_rng(spec.seed)
    cb = load_codebook()
    countries = cb.actors.filter(pl.col("kind") == "country")["code"].to_list()
    roles = cb.actors.filter(pl.col("kind").is_in(["role", "sector"]))["code"].to_list()
    codes = cb.events.filter(pl.col("level") >= 2)["code"].to_list()
    rng.shuffle(codes)
    n_art, n_sent = spec.n_articles, spec.sentences_per_article

    # Articles: sentence s of article a is "<Country> officials <verb> <country> leaders on day d."
    verbs = list(VERBS.values())
    art_pub = np.datetime64("2015-01-01") + rng.integers(0, 3000, n_art).astype("timedelta64[D]")
    sent_verb = rng.integers(0, len(verbs), (n_art, n_sent))
    sent_a = rng.integers(0, len(countries), (n_art, n_sent))
    sent_b = rng.integers(0, len(countries), (n_art, n_sent))
    out.mkdir(parents=True, exist_ok=True)
    (out / "articles").mkdir(exist_ok=True)
    (out / "coded").mkdir(exist_ok=True)
    art_path = out / "articles" / "bulk.jsonl"
    with art_path.open("w", encoding="utf-8") as fh:
        for a in range(n_art):
            sents = [
                f"{countries[sent_a[a, s]]} officials {verbs[sent_verb[a, s]]} {countries[sent_b[a, s]]} "
                f"leaders in talk number {s + 1}."
                for s in range(n_sent)
            ]
            text = "\n".join(sents) + "\n"
            # Frozen sentences, as `evtk articles add` stores them: one sentence per line here.
            starts = np.cumsum([0] + [len(x) + 1 for x in sents[:-1]])
            spans = [[int(b), int(b) + len(x)] for b, x in zip(starts, sents, strict=True)]
            record = {
                "id": f"art-{a:07d}",
                "title": f"Synthetic article {a}",
                "source": f"src{a % 37}",
                "published": str(art_pub[a]),
                "language": "en",
                "text": text,
                "segmenter": SEGMENTER_VERSION,
                "text_sha256": sha256_text(text),
                "sentences": spans,
            }
            fh.write(json.dumps(record) + "\n")

    def events(start: int, n: int) -> pl.DataFrame:
        """Events ``start`` to ``start + n``: each quotes the verb of the sentence it points at."""
        art = rng.integers(0, n_art, n)
        sent = rng.integers(0, n_sent, n)
        verb_idx = sent_verb[art, sent]
        back = rng.integers(0, 365, n).astype("timedelta64[D]")
        dates = (art_pub[art] - back).astype("datetime64[D]").astype(str)
        return pl.DataFrame(
            {
                "id": np.char.add("r", np.arange(start, start + n).astype(str)),
                "article": np.char.add("art-", np.char.zfill(art.astype(str), 7)),
                "sentence": (sent + 1).astype(str),
                "quote": np.asarray(verbs, dtype=object)[verb_idx],
                "date": dates,
                "source": np.char.add(
                    np.asarray(countries)[sent_a[art, sent]].astype(str), _choice(rng, roles, n).astype(str)
                ),
                "target": np.asarray(countries)[sent_b[art, sent]].astype(str),
                "code": _choice(rng, codes, n),
                "coder": np.full(n, "petrarch-like"),
                "method": np.full(n, "rule"),
                "rule_id": np.char.add("r", rng.integers(0, 500, n).astype(str)),
            }
        ).with_columns(pl.all().cast(pl.String))

    events_path = out / "coded" / "events.parquet"
    writer: pq.ParquetWriter | None = None
    try:
        # Blocks of events, each written as it is made: the generator's memory stays flat at any
        # size (100M events as one frame of numpy strings would take tens of GiB).
        for start in range(0, max(spec.events, 1), BLOCK):
            n = min(BLOCK, spec.events - start)
            block = events(start, n)
            block = _inject_errors(block, rng, spec.error_share)
            for f in INPUT_FIELDS:
                if f not in block.columns:
                    block = block.with_columns(pl.lit(None, dtype=pl.String).alias(f))
            table = block.select(list(INPUT_FIELDS)).to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(events_path, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=1_000_000)
    finally:
        if writer is not None:
            writer.close()
    return {"articles": art_path, "events": events_path}


def _inject_errors(frame: pl.DataFrame, rng: np.random.Generator, share: float) -> pl.DataFrame:
    """Spread ``share`` of rows over the error kinds, one kind per row."""
    if share <= 0:
        return frame
    n = frame.height
    bad = rng.random(n) < share
    kind = np.where(bad, rng.integers(0, len(ERROR_KINDS), n), -1)
    k = pl.Series("k", kind)
    c = pl.col
    return (
        frame.with_columns(k)
        .with_columns(
            code=pl.when(c("k") == 0).then(c("code").str.strip_chars_start("0")).otherwise(c("code")),
            source=pl.when(c("k") == 1).then(c("source").str.to_lowercase()).otherwise(c("source")),
            date=pl.when(c("k") == 2)
            .then(pl.lit("2019-02-30"))
            .when(c("k") == 7)
            .then(pl.lit("2099-01-01"))
            .otherwise(c("date")),
            sentence=pl.when(c("k") == 3).then(pl.lit("999")).otherwise(c("sentence")),
            quote=pl.when(c("k") == 4).then(pl.lit("words that are nowhere")).otherwise(c("quote")),
            id=pl.when(c("k") == 5).then(pl.lit("r0")).otherwise(c("id")),
            quad_class=pl.when(c("k") == 6).then(pl.lit("9")).otherwise(pl.lit(None, dtype=pl.String)),
        )
        .drop("k")
    )
