"""``evtk code``: a dictionary-and-pattern event coder (needs the ``coder`` extra: spaCy).

- :mod:`toolkit.coder.dictionaries`: the verb, actor and agent dictionaries (project YAML, PETRARCH2 text);
- :mod:`toolkit.coder.engine`: tokens, actor phrases, verb patterns, source/target, dates;
- :mod:`toolkit.coder.dates`: dates relative to the publication date;
- :mod:`toolkit.coder.score`: precision/recall/F1 against reference codings.

spaCy is imported only when a coder is built, so the rest of the toolkit works without it.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import InputError, UsageError

if TYPE_CHECKING:
    from toolkit.codebook import Codebook
    from toolkit.coder.dictionaries import Dictionaries
    from toolkit.coder.engine import Coder, Event

RULE_SUFFIX = ".rules.yaml"


@dataclass
class Loaded:
    coder: Coder
    dictionaries: Dictionaries
    codebook: Codebook


def build(codebook: Path | None = None, extra: list[Path] | None = None) -> Loaded:
    """The coder for the codebook's dictionaries plus PETRARCH2-format files in ``extra``."""
    from toolkit.codebook import load_codebook
    from toolkit.coder.dictionaries import load_dictionaries, read_petrarch

    try:
        import spacy  # noqa: F401
        import spacy_lookups_data  # noqa: F401
    except ImportError:
        raise UsageError(
            "evtk code needs spaCy and spacy-lookups-data: install the coder extra (pip install 'evtk[coder]')"
        ) from None
    cb = load_codebook(codebook)
    for path in extra or []:
        if not path.is_file():
            raise InputError("no such dictionary file", path)
    files = sorted((cb.path / "dictionaries").glob("*")) + list(extra or [])
    key = (cb.path, cb.version, tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.is_file()))
    if key in _BUILT:
        return _BUILT[key]
    dicts = load_dictionaries(cb.path)
    if not dicts.verbs:
        raise InputError("the codebook has no rule dictionaries (dictionaries/dictionaries.yaml)", cb.path)
    for path in extra or []:
        dicts.merge(read_petrarch(path))
    from toolkit.coder.engine import Coder

    loaded = Loaded(Coder(dicts, set(cb.events["code"].to_list())), dicts, cb)
    _BUILT.clear()  # one coder at a time: it holds spaCy's vocabulary and the lemma table
    _BUILT[key] = loaded
    return loaded


_BUILT: dict[tuple[object, ...], Loaded] = {}


def code_sentences(loaded: Loaded, sentences: list[tuple[int, str]], published: dt.date) -> list[Event]:
    return loaded.coder.code_article(sentences, published)


@dataclass
class CodedArticle:
    article_id: str
    published: dt.date
    sentences: list[tuple[int, str]]
    events: list[Event]


def code_articles(loaded: Loaded, data: Path, article_ids: list[str] | None = None) -> list[CodedArticle]:
    """Code the articles of ``data/articles`` (all of them, or ``article_ids``) with their frozen
    sentences and publication dates."""
    import polars as pl

    from toolkit.articles import load_articles

    arts_dir = data / "articles"
    if not arts_dir.is_dir():
        raise InputError("no articles folder: pass --data DIR (a folder with articles/)", arts_dir)
    arts = load_articles([arts_dir])
    known = arts.articles["article_id"].to_list()
    ids = article_ids or sorted(known)
    if not ids:
        raise InputError("no articles to code", arts_dir)
    out = []
    for aid in ids:
        if aid not in known:
            raise InputError(f"no article {aid!r} in {arts_dir}; list them with `evtk articles list`")
        row = arts.articles.filter(pl.col("article_id") == aid).row(0, named=True)
        if row["published"] is None:
            raise InputError(f"article {aid!r} has no valid publication date (see `evtk validate`)", arts_dir)
        sents = list(
            arts.sentences.filter(pl.col("article_id") == aid).sort("sentence").select("sentence", "text").iter_rows()
        )
        out.append(CodedArticle(aid, row["published"], sents, code_sentences(loaded, sents, row["published"])))
    return out


def _q(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_yaml(
    events: list[Event],
    coder: str,
    article_id: str | None,
    sentences: list[tuple[int, str]],
    published: dt.date,
    dictionaries: str,
) -> str:
    """A coded-event file as ``evtk validate`` reads it, with the sentences as comments."""
    lines = [
        f"# Events coded by rule (evtk code, dictionaries {dictionaries}) from "
        f"{article_id or 'text'} (published {published.isoformat()}).",
        "# Review before use: rule_id names the pattern that fired. Check with: evtk validate",
        "#",
        "# Sentences:",
    ]
    for n, text in sentences:
        wrapped = textwrap.wrap(text, 100) or [""]
        lines.append(f"# {n:>3}  {wrapped[0]}")
        lines += [f"#      {w}" for w in wrapped[1:]]
    lines.append("")
    if article_id is not None:
        lines.append(f"article: {_q(article_id)}")
    lines += [f"coder: {_q(coder)}", "method: rule"]
    if not events:
        lines.append("events: []")
        return "\n".join(lines) + "\n"
    lines.append("events:")
    for i, e in enumerate(events, start=1):
        lines += [
            f"  - id: r{i}",
            f"    sentence: {e.sentence}",
            f"    quote: {_q(e.quote)}",
            f"    date: {_q(e.date)}",
            f"    source: {_q(e.source)}",
        ]
        if e.target:
            lines.append(f"    target: {_q(e.target)}")
        lines += [f"    code: {_q(e.code)}", f"    rule_id: {_q(e.rule_id)}"]
    return "\n".join(lines) + "\n"


def render_jsonl(events: list[Event], coder: str, article_id: str | None) -> str:
    out = []
    for i, e in enumerate(events, start=1):
        row: dict[str, object] = {"id": f"r{i}"}
        if article_id is not None:
            row["article"] = article_id
        row.update(
            sentence=e.sentence,
            quote=e.quote,
            date=e.date,
            source=e.source,
            target=e.target or "",
            code=e.code,
            coder=coder,
            method="rule",
            rule_id=e.rule_id,
        )
        out.append(json.dumps(row, ensure_ascii=False))
    return "".join(line + "\n" for line in out)


def may_overwrite(path: Path) -> bool:
    """True when ``path`` does not exist or is a file evtk code wrote (``method: rule``)."""
    if not path.exists():
        return True
    from toolkit import yamlio

    try:
        doc = yamlio.load_file(path)
    except InputError:
        return False
    return isinstance(doc, dict) and str(doc.get("method", "")) == "rule"
