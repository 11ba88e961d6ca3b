"""The YAML skeleton ``evtk new`` writes for a coder."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import polars as pl


def skeleton(article: dict[str, Any], sentences: pl.DataFrame, coder: str) -> str:
    lines = [
        f"# Events coded from article {article['article_id']} ({article['source'] or '?'}, "
        f"published {article['published']}).",
        "# One entry per event under 'events:'. Codes are strings: write code: \"042\", not 42.",
        "# Dates: YYYY-MM-DD (day), YYYY-MM (month) or YYYY (year). Check with: evtk validate",
        "#",
        "# Sentences:",
    ]
    for n, text in sentences.select("sentence", "text").iter_rows():
        wrapped = textwrap.wrap(text, 100) or [""]
        lines.append(f"# {n:>3}  {wrapped[0]}")
        lines += [f"#      {w}" for w in wrapped[1:]]
    lines += [
        "",
        f"article: {json.dumps(article['article_id'])}",
        f"coder: {json.dumps(coder)}",
        "method: hand",
        "events:",
        "  - id: e1",
        "    sentence: 1",
        '    quote: ""',
        f'    date: "{article["published"]}"',
        '    source: ""',
        '    target: ""',
        '    code: ""',
    ]
    return "\n".join(lines) + "\n"
