"""Articles: texts with metadata and a frozen sentence segmentation.

Per-article form (for people): ``data/articles/<id>.txt`` holds the text byte for byte and
``data/articles/<id>.yaml`` its metadata (id, title, source, url, published, language) plus the
segmentation frozen when the article was added: the segmenter version, the text's sha256 and
the ``[start, end)`` character offsets of every sentence. Because the offsets are stored, a
later segmenter change can never move sentence numbers under existing events; a changed text
is caught by its checksum (rule A102).

Bulk form (for corpora): ``data/articles/*.jsonl`` or ``*.parquet`` with the same fields, one
article per row, ``text`` inline and optional ``sentences`` (list of ``[start, end]``); rows
without frozen sentences are segmented with the current segmenter when read.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from toolkit import findings as F
from toolkit import yamlio
from toolkit.atomic import write_text_atomic
from toolkit.errors import InputError, UsageError
from toolkit.rules.articles import check_articles
from toolkit.rules.files import unreadable
from toolkit.schema import ARTICLE_COLUMNS, ARTICLE_ID_PATTERN, SENTENCE_COLUMNS
from toolkit.segment import SEGMENTER_VERSION, segment
from toolkit.textio import decode, read_bytes, read_text

ARTICLE_ID_RE = re.compile(ARTICLE_ID_PATTERN)
META_FIELDS = (
    "id",
    "title",
    "source",
    "url",
    "published",
    "language",
    "segmenter",
    "text_sha256",
    "sentences",
)


@dataclass
class Articles:
    """All articles of a data folder: one row per article, one row per sentence, and findings."""

    articles: pl.DataFrame
    sentences: pl.DataFrame
    findings: pl.DataFrame
    files: int = 0

    @classmethod
    def empty(cls) -> Articles:
        return cls(pl.DataFrame(schema=ARTICLE_COLUMNS), pl.DataFrame(schema=SENTENCE_COLUMNS), F.empty())


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def slugify(value: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", value.lower()).strip("-._")
    return slug[:120] or "article"


def check_article_id(article_id: str) -> None:
    if not ARTICLE_ID_RE.match(article_id) or ".." in article_id:
        raise UsageError(
            f"article id {article_id!r} is not a safe slug: use lower-case letters, digits, '.', '_' and '-', "
            f"starting with a letter or digit (e.g. {slugify(article_id)!r})"
        )


def _row(meta: dict[str, Any], text: str, spans: list[tuple[int, int]]) -> dict[str, Any]:
    return {**meta, "text": text, "_spans": spans}


def _spans_from(node: Any, path: Path, text: str, line: int | None = None) -> list[tuple[int, int]] | None:
    """Frozen sentence offsets: ``[start, end]`` pairs, in order, inside the text."""
    if node is None:
        return None
    if not isinstance(node, list):
        raise InputError(
            "'sentences' must be a list of [start, end] offsets", path, yamlio.line_of(node, line)
        )
    spans: list[tuple[int, int]] = []
    for item in node:
        where = yamlio.line_of(item, yamlio.line_of(node, line))
        if not (
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(x, (int, str)) and not isinstance(x, bool) and str(x).isdigit() for x in item)
            and all(len(str(x)) < 19 for x in item)
        ):
            raise InputError("each sentence must be [start, end] with two non-negative integers", path, where)
        start, end = int(item[0]), int(item[1])
        if not start < end <= len(text) or (spans and start < spans[-1][1]):
            raise InputError(
                f"sentence {len(spans) + 1} is [{start}, {end}]: offsets must increase, not overlap, and "
                f"stay within the text ({len(text)} characters); fix or remove 'sentences' to re-segment",
                path,
                where,
            )
        spans.append((start, end))
    return spans


def read_article_yaml(meta_path: Path, encoding: str = "utf-8") -> dict[str, Any]:
    doc = yamlio.load_file(meta_path, encoding)
    if not isinstance(doc, yamlio.YMap):
        raise InputError(
            "an article metadata file must be a mapping (id, title, source, published, ...)",
            meta_path,
            yamlio.line_of(doc, 1),
        )
    unknown = sorted(set(doc) - set(META_FIELDS))
    if unknown:
        raise InputError(
            f"unknown field {unknown[0]!r} (known: {', '.join(META_FIELDS)})",
            meta_path,
            doc.key_lines.get(unknown[0]),
        )
    text_path = meta_path.with_suffix(".txt")
    if not text_path.is_file():
        raise InputError(f"article text {text_path.name} is missing next to its metadata", meta_path)
    text = read_text(text_path, encoding)
    meta = {k: (str(doc[k]) if doc.get(k) is not None else None) for k in META_FIELDS if k != "sentences"}
    meta["id"] = meta["id"] or meta_path.stem
    out: dict[str, Any] = {**meta, "_file": meta_path.as_posix(), "_line": doc.line}
    # Findings about one field point at its line (A101/A103 at `id:`, A104 at `published:`).
    out["_line_id"] = doc.key_lines.get("id")
    out["_line_published"] = doc.key_lines.get("published")
    return _row(out, text, _spans_from(doc.get("sentences"), meta_path, text) or [])


def read_bulk(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        try:
            frame = pl.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - any parquet failure is unreadable input
            raise InputError(f"cannot read Parquet: {exc}", path) from None
        records = frame.to_dicts()
        lines = list(range(1, len(records) + 1))
    else:
        text = read_text(path)
        from toolkit.events_io import iter_json_lines

        pairs = list(iter_json_lines(text, path, "an article"))
        records = [rec for _, rec in pairs]
        lines = [i for i, _ in pairs]
    rows = []
    for rec, line in zip(records, lines, strict=True):
        if not isinstance(rec.get("text"), str):
            raise InputError("article has no 'text' string", path, line)
        meta: dict[str, Any] = {
            k: (str(rec[k]) if rec.get(k) is not None else None) for k in META_FIELDS if k != "sentences"
        }
        if meta.get("id") is None:
            raise InputError("article has no 'id'", path, line)
        meta["_file"], meta["_line"] = path.as_posix(), line
        spans = _spans_from(rec.get("sentences"), path, rec["text"], line)
        rows.append(_row(meta, rec["text"], spans or []))
    return rows


def load_articles(paths: list[Path], encoding: str = "utf-8", root: Path | None = None) -> Articles:
    """Read article files (per-article YAML+TXT pairs and bulk JSONL/Parquet) under ``paths``."""
    rows: list[dict[str, Any]] = []
    problems: list[pl.DataFrame] = []
    files = 0
    for base in paths:
        candidates = sorted(base.rglob("*")) if base.is_dir() else [base]
        for path in candidates:
            if path.suffix not in (".yaml", ".yml", ".jsonl", ".parquet") or path.name.startswith("."):
                continue
            files += 1
            try:
                rows.extend(
                    [read_article_yaml(path, encoding)]
                    if path.suffix in (".yaml", ".yml")
                    else read_bulk(path)
                )
            except InputError as exc:
                problems.append(unreadable(exc, _rel(exc.path, root)))
    for row in rows:
        row["_file"] = _rel(row["_file"], root)
        if not row["_spans"]:
            row["segmenter"] = SEGMENTER_VERSION
            row["_spans"] = [(s.start, s.end) for s in segment(row["text"])]
            row["text_sha256"] = row.get("text_sha256") or sha256_text(row["text"])
    if not rows:
        empty = Articles.empty()
        empty.findings = F.concat(problems) if problems else F.empty()
        empty.files = files
        return empty
    raw = pl.DataFrame(
        {
            "article_id": [r["id"] for r in rows],
            "title": [r.get("title") for r in rows],
            "source": [r.get("source") for r in rows],
            "url": [r.get("url") for r in rows],
            "published_raw": [r.get("published") for r in rows],
            "language": [r.get("language") for r in rows],
            "segmenter": [r.get("segmenter") for r in rows],
            "text_sha256": [r.get("text_sha256") for r in rows],
            "text": [r["text"] for r in rows],
            "_file": [r["_file"] for r in rows],
            "_line": [r["_line"] for r in rows],
            "_line_id": [r.get("_line_id") or r["_line"] for r in rows],
            "_line_published": [r.get("_line_published") or r["_line"] for r in rows],
        },
    )
    # Sentences as flat columns: building nested lists per article is slow for large corpora.
    n_spans = [len(r["_spans"]) for r in rows]
    spans = pl.DataFrame(
        {
            "_idx": [i for i, n in enumerate(n_spans) for _ in range(n)],
            "sentence": [k for n in n_spans for k in range(1, n + 1)],
            "start": [a for r in rows for a, _ in r["_spans"]],
            "end": [b for r in rows for _, b in r["_spans"]],
        },
        schema={"_idx": pl.UInt32, "sentence": pl.Int32, "start": pl.Int32, "end": pl.Int32},
    )
    art = raw.with_columns(
        published=pl.col("published_raw").str.strip_chars().str.to_date("%Y-%m-%d", strict=False),
        sentence_count=pl.Series(n_spans, dtype=pl.Int32),
        _actual_sha=pl.col("text").map_elements(sha256_text, return_dtype=pl.String),
    )
    checks = check_articles(art, ARTICLE_ID_PATTERN)
    sentences = spans.join(
        art.select("article_id", "text").with_row_index("_idx"), on="_idx", how="left", maintain_order="left"
    ).select(
        "article_id",
        "sentence",
        "start",
        "end",
        pl.col("text").str.slice(pl.col("start"), pl.col("end") - pl.col("start")).alias("text"),
    )
    articles = art.select(list(ARTICLE_COLUMNS)).cast(ARTICLE_COLUMNS)  # type: ignore[arg-type]
    return Articles(
        articles.with_columns(pl.col("article_id")), sentences, F.concat([*checks, *problems]), files
    )


@functools.lru_cache(maxsize=4096)
def _rel(path: str | None, root: Path | None) -> str | None:
    if path is None or root is None:
        return path
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def render_article_yaml(meta: dict[str, Any], spans: list[tuple[int, int]]) -> str:
    def q(v: Any) -> str:
        return "null" if v is None else json.dumps(str(v), ensure_ascii=False)

    lines = [f"{k}: {q(meta.get(k))}" for k in ("id", "title", "source", "url", "published", "language")]
    lines += [
        f"segmenter: {q(meta['segmenter'])}",
        f"text_sha256: {q(meta['text_sha256'])}",
        "# Sentence offsets [start, end) into the .txt file, frozen when the article was added.",
        "sentences:",
    ]
    lines += [f"  - [{a}, {b}]" for a, b in spans]
    return "\n".join(lines) + "\n"


def add_article(
    text_file: Path,
    articles_dir: Path,
    *,
    article_id: str | None = None,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: str | None = None,
    language: str = "en",
    encoding: str = "utf-8",
    replace: bool = False,
    remap: bool = False,
) -> dict[str, Any]:
    """Import a plain-text article: copy its text, segment it, freeze the segmentation.

    ``remap`` (with ``replace``): coded events whose sentence the new text moves get the sentence that
    holds their quote (:mod:`toolkit.remap`); ``remapped`` and ``unmapped`` in the result say how it went.
    """
    if remap and not replace:
        raise UsageError("--remap re-numbers the events of a replaced article: pass it with --replace")
    if published is not None:
        try:
            dt.date.fromisoformat(published)
        except ValueError:
            raise UsageError(f"--published {published!r} is not a valid YYYY-MM-DD date") from None
    if text_file.suffix.lower() not in (".txt", ".text", ".md", ""):
        raise UsageError(f"{text_file}: expected a plain-text file (.txt)")
    text = decode(read_bytes(text_file), text_file, encoding)
    if not text.strip():
        raise InputError("the article text is empty", text_file)
    article_id = article_id or slugify(text_file.stem)
    check_article_id(article_id)
    meta_path = articles_dir / f"{article_id}.yaml"
    if meta_path.exists() and not replace:
        raise UsageError(f"article {article_id} already exists ({meta_path}); pass --replace to re-import it")
    if published is None and not meta_path.exists():
        raise UsageError("--published YYYY-MM-DD is required: event dates are checked against it")
    spans = [(s.start, s.end) for s in segment(text)]
    warnings: list[str] = []
    old: dict[str, Any] = {}
    new_texts = [text[a:b] for a, b in spans]
    moved = pl.DataFrame()
    paths: dict[str, Path] = {}
    if meta_path.exists():
        # Replacing keeps what it is not told: title, source, url, publication date, language of the
        # article it replaces.
        row, sentences = find_article(articles_dir, article_id)
        old = row.row(0, named=True)
        moved, paths = _moved_events(articles_dir, article_id, sentences, new_texts)
        if not remap:
            _refuse_moved_sentences(article_id, moved)
    digest = sha256_text(text)
    if articles_dir.exists():
        same = load_articles([articles_dir]).articles.filter(
            (pl.col("text_sha256") == digest) & (pl.col("article_id") != article_id)
        )
        if same.height:
            warnings.append(
                f"the same text is already article {same['article_id'][0]}: events coded against both ids "
                "count the same report twice"
            )
    meta = {
        "id": article_id,
        "title": title or old.get("title") or text.strip().split("\n", 1)[0][:200],
        "source": source if source is not None else old.get("source"),
        "url": url if url is not None else old.get("url"),
        "published": published if published is not None else old.get("published"),
        "language": language if language != "en" or not old.get("language") else old["language"],
        "segmenter": SEGMENTER_VERSION,
        "text_sha256": digest,
    }
    write_text_atomic(articles_dir / f"{article_id}.txt", text)
    write_text_atomic(meta_path, render_article_yaml(meta, spans))
    remapped, unmapped = 0, list[Any]()
    if moved.height:
        from toolkit.remap import remap_events

        remapped, unmapped = remap_events(moved, new_texts, paths)
    return {
        **meta,
        "sentences": len(spans),
        "path": str(meta_path),
        "warnings": warnings,
        "remapped": remapped,
        "unmapped": unmapped,
    }


def _shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _moved_events(
    articles_dir: Path, article_id: str, old_sentences: pl.DataFrame, new_texts: list[str]
) -> tuple[pl.DataFrame, dict[str, Path]]:
    """The coded events of ``article_id`` whose sentence number would read differently in the new text
    (columns ``_file``, ``id``, ``sentence``, ``quote``, ``_line``, ``_line_sentence``), and each shown
    file name's path."""
    from toolkit.events_io import UnknownFields, event_files, read_events
    from toolkit.rules.text import normalize

    root = articles_dir.parent
    paths = {_shown_path(path): path for path, _base in event_files([root])}
    columns = ["article", "sentence", "id", "quote", "_file", "_line", "_line_sentence"]

    def read(path: Path, shown: str) -> pl.LazyFrame:
        lf = read_events(path, shown, "utf-8", UnknownFields())
        have = lf.collect_schema().names()
        return lf.select(
            [pl.col(c) if c in have else pl.lit(None, dtype=pl.Int64).alias(c) for c in columns]
        ).with_columns(pl.col("_line", "_line_sentence").cast(pl.Int64))

    frames = [read(path, shown) for shown, path in paths.items()]
    empty = pl.DataFrame(schema={c: pl.Int64 if c.startswith("_line") else pl.String for c in columns})
    if not frames:
        return empty.with_columns(pl.col("sentence").cast(pl.Int64)), paths
    new = pl.DataFrame(
        {"sentence": list(range(1, len(new_texts) + 1)), "_new": new_texts},
        schema={"sentence": pl.Int64, "_new": pl.String},
    )
    old = old_sentences.select(pl.col("sentence").cast(pl.Int64), pl.col("text").alias("_old"))
    events = (
        pl.concat(frames)
        .filter(pl.col("article") == article_id)
        .with_columns(pl.col("sentence").str.replace(r"\.0+$", "").cast(pl.Int64, strict=False))
        .join(old.lazy(), on="sentence", how="left")
        .join(new.lazy(), on="sentence", how="left")
        .filter(~normalize(pl.col("_old")).eq_missing(normalize(pl.col("_new"))))
        .sort("_file", "sentence")
        .drop("_old", "_new")
        .collect()
    )
    return events, paths


def _refuse_moved_sentences(article_id: str, events: pl.DataFrame) -> None:
    """A re-import whose sentence numbers no longer hold the text that coded events quote is refused:
    the events would point at other sentences (E303 by the dozen). Names the first such event."""
    if events.height:
        first = events.row(0, named=True)
        raise UsageError(
            f"the new text moves the sentences of {events.height} coded event(s) of {article_id}: "
            f"{first['_file']} event {first['id']} points at sentence {first['sentence']}, which would read "
            "differently; keep the sentences as they were (the same first lines), pass --remap to move "
            "the events to the sentences that hold their quotes, or re-code those events"
        )


def find_article(articles_dir: Path, article_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One article's row and its sentences (raises InputError when unknown)."""
    check_article_id(article_id)
    arts = load_articles([articles_dir]) if articles_dir.exists() else Articles.empty()
    row = arts.articles.filter(pl.col("article_id") == article_id)
    if row.is_empty():
        known = arts.articles["article_id"].to_list()
        import difflib

        close = difflib.get_close_matches(article_id, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else "; add it with `evtk articles add FILE`"
        raise InputError(f"no article {article_id!r} in {articles_dir}{hint}")
    return row, arts.sentences.filter(pl.col("article_id") == article_id).sort("sentence")
