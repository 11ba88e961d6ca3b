"""``evtk release report``: one self-contained HTML page about a release, for the researcher who
has to decide whether to trust it.

The page needs nothing outside itself: charts are static SVG drawn by matplotlib and inlined, the
style sheet is inline, and a Content-Security-Policy forbids every request (no scripts, fonts,
images or styles from anywhere). It shows events over time by quad class, the top codes and
actors, coverage by country, coder, method and date precision, what changed since the previous
release, and the agreement between coders where the release records it.

Every figure is an aggregate computed lazily over the release's events (only the files the
manifest lists), so the page costs one pass over a release of any size. The output is
deterministic: the same release gives the same bytes (fixed SVG ids, no timestamps).
"""

from __future__ import annotations

import html
import io
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from toolkit.codebook import Codebook, load_codebook
from toolkit.release_io import read_manifest, scan_events

QUADS = {
    1: ("Verbal cooperation", "#4c78a8"),
    2: ("Material cooperation", "#72b7b2"),
    3: ("Verbal conflict", "#f58518"),
    4: ("Material conflict", "#e45756"),
}
TOP = 15
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
.meta { color: #555; } .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { padding: 0.2em 0.7em; text-align: left; }
th { border-bottom: 1px solid #999; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0; } svg { max-width: 100%; height: auto; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; white-space: pre-wrap; }
"""


def _figure(draw: Any, width: float = 10.0, height: float = 3.6) -> str:
    """An inline SVG from ``draw(ax)``: text stays text, ids are fixed, no date in the metadata."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"svg.hashsalt": "evtk-report", "svg.fonttype": "none", "font.size": 10}):
        fig, ax = plt.subplots(figsize=(width, height))
        try:
            draw(ax)
            ax.spines[["top", "right"]].set_visible(False)
            fig.tight_layout()
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def _table(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{v:,}</td>' if isinstance(v, int) else f"<td>{html.escape(str(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _counts(lf: pl.LazyFrame, column: str, n: int | None = None) -> list[tuple[str, int]]:
    """(value, count) by count then value; nulls as "(none)"."""
    df = (
        lf.group_by(pl.col(column).cast(pl.String).fill_null("(none)").alias("v"))
        .len()
        .sort(["len", "v"], descending=[True, False])
    )
    if n is not None:
        df = df.head(n)
    return [(str(v), int(c)) for v, c in df.collect().iter_rows()]


def _over_time(events: pl.LazyFrame) -> str:
    by = (
        events.filter(pl.col("event_date").is_not_null())
        .group_by(pl.col("event_date").dt.truncate("1mo").alias("month"), "quad_class")
        .len()
        .sort("month", "quad_class")
        .collect()
    )
    if by.is_empty():
        return "<p>No dated events.</p>"
    first, last = by["month"].min(), by["month"].max()
    span_years = (last - first).days / 365.25 if isinstance(first, date) and isinstance(last, date) else 0.0
    unit = "1y" if span_years > 8 else "1mo"
    if unit == "1y":
        by = (
            by.group_by(pl.col("month").dt.truncate("1y"), "quad_class")
            .agg(pl.col("len").sum())
            .sort("month")
        )
    wide = by.pivot(on="quad_class", index="month", values="len").sort("month").fill_null(0)

    def draw(ax: Any) -> None:
        x = wide["month"].to_list()
        bottom = [0] * len(x)
        for q, (label, color) in QUADS.items():
            if str(q) not in wide.columns:
                continue
            y = wide[str(q)].to_list()
            ax.bar(x, y, bottom=bottom, width=300 if unit == "1y" else 25, color=color, label=f"{q} {label}")
            bottom = [a + b for a, b in zip(bottom, y, strict=True)]
        ax.set_ylabel("events per " + ("year" if unit == "1y" else "month"))
        ax.legend(frameon=False, fontsize=8, ncols=4, loc="upper left")

    return _figure(draw)


def _bars(items: list[tuple[str, int]], title: str, width: float = 5.2) -> str:
    if not items:
        return "<p>None.</p>"
    labels = [k if len(k) <= 48 else k[:47] + "…" for k, _ in items][::-1]
    values = [v for _, v in items][::-1]

    def draw(ax: Any) -> None:
        ax.barh(range(len(values)), values, color="#4c78a8")
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_title(title, fontsize=10, loc="left")

    return _figure(draw, width=width, height=0.28 * len(items) + 0.9)


def _code_label(cb: Codebook) -> dict[str, str]:
    return dict(zip(cb.events["code"].to_list(), cb.events["name"].to_list(), strict=True))


def _changes(path: Path) -> str:
    if not path.is_file():
        return "<p>No changelog in this release.</p>"
    text = path.read_text(encoding="utf-8", errors="replace")
    return f"<pre>{html.escape(text[:20000])}</pre>"


def _agreement(manifest: dict[str, Any]) -> str:
    agreement = manifest.get("agreement")
    if not isinstance(agreement, dict) or not agreement.get("alpha"):
        return "<p>No article of this release is coded by more than one coder.</p>"
    rows = [
        (level, "undefined" if value is None else f"{float(value):.3f}")
        for level, value in dict(agreement["alpha"]).items()
    ]
    intro = (
        f"<p>{int(agreement.get('articles', 0)):,} article(s) coded by "
        f"{html.escape(', '.join(map(str, agreement.get('coders', []))))}; "
        f"{int(agreement.get('paired', 0)):,} events paired, {int(agreement.get('unpaired', 0)):,} found by one "
        "coder only. Krippendorff's alpha:</p>"
    )
    return intro + _table(rows, ("level", "alpha"))


def render(release_dir: Path) -> str:
    """The report page of the published release in ``release_dir`` (read through its manifest)."""
    manifest = read_manifest(release_dir)
    snapshot = release_dir / "codebook"
    cb = load_codebook(snapshot if (snapshot / "codebook.yaml").is_file() else None)
    return page(manifest, scan_events(release_dir), cb, release_dir / "CHANGES.md")


def page(manifest: dict[str, Any], events: pl.LazyFrame, cb: Codebook, changes: Path) -> str:
    """The report page from a release's manifest, events and codebook (``release build`` calls this
    before the manifest lists its files, so the page can be one of them)."""
    names = _code_label(cb)
    total = int(events.select(pl.len()).collect().item())
    name = str(manifest.get("name", "events"))
    version = str(manifest.get("version", "?"))
    codebook = manifest.get("codebook") or {}
    span = events.select(
        pl.col("event_date").min().alias("a"), pl.col("event_date").max().alias("b")
    ).collect()
    first, last = span["a"][0], span["b"][0]
    codes = [(f"{c} {names.get(c, '')}".strip(), n) for c, n in _counts(events, "event_code", TOP)]
    sources = _counts(events, "source_actor", TOP)
    targets = _counts(events, "target_actor", TOP)
    country = (
        "location_country"
        if events.select(pl.col("location_country").is_not_null().any()).collect().item()
        else None
    )
    by_country = (
        _counts(events, country, 25)
        if country
        else _counts(events.with_columns(pl.col("source_actor").str.slice(0, 3).alias("_c")), "_c", 25)
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(name)} {html.escape(version)}: release report</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(name)} {html.escape(version)}</h1>",
        f'<p class="meta">{total:,} events from {first} to {last}; codebook '
        f"{html.escape(str(codebook.get('name', '')))} {html.escape(str(codebook.get('version', '')))}; "
        f"built {html.escape(str(manifest.get('created', '')))}; previous release: "
        f"{html.escape(str(manifest.get('previous_version') or 'none'))}.</p>",
        "<h2>Events over time, by quad class</h2>",
        f'<figure id="over-time">{_over_time(events)}</figure>',
        "<h2>Top codes and actors</h2>",
        f'<figure id="top-codes">{_bars(codes, f"Top {TOP} event codes", width=10.0)}</figure>',
        '<div class="grid">',
        f'<figure id="top-sources">{_bars(sources, f"Top {TOP} source actors")}</figure>',
        f'<figure id="top-targets">{_bars(targets, f"Top {TOP} target actors")}</figure>',
        "</div>",
        "<h2>Coverage</h2>",
        '<div class="grid"><div>',
        f"<h3>By {'location country' if country else 'source actor country (first part)'}</h3>",
        _table(by_country, ("country", "events")),
        "</div><div>",
        "<h3>By coder</h3>",
        _table(_counts(events, "coder"), ("coder", "events")),
        "<h3>By method</h3>",
        _table(_counts(events, "method"), ("method", "events")),
        "<h3>By date precision</h3>",
        _table(_counts(events, "date_precision"), ("precision", "events")),
        "</div></div>",
        "<h2>What changed since the previous release</h2>",
        _changes(changes),
        "<h2>Agreement between coders</h2>",
        _agreement(manifest),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write(release_dir: Path, out: Path) -> Path:
    """Write the report of ``release_dir`` to ``out`` atomically."""
    from toolkit.atomic import write_text_atomic

    write_text_atomic(out, render(release_dir))
    out.chmod(0o644)
    return out
