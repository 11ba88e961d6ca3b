"""A large synthetic *release* written partition by partition (for `release check` at 100M events),
so that generating it never holds more than one partition in memory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from toolkit import __version__
from toolkit.codebook import load_codebook
from toolkit.release import ROW_GROUP_SIZE, _resources, coverage, render_card
from toolkit.schema import ADDED_COLUMNS, EVENT_COLUMNS, SCHEMA_VERSION


def generate_release(
    events: int, root: Path, version: str = "1.0.0", per_partition: int = 10_000_000, seed: int = 7
) -> Path:
    cb = load_codebook()
    rng = np.random.default_rng(seed)
    target = root / version
    if (target / "manifest.json").exists():
        return target
    countries = cb.actors.filter(pl.col("kind") == "country")["code"].to_numpy().astype(str)
    roles = cb.actors.filter(pl.col("kind").is_in(["role", "sector"]))["code"].to_numpy().astype(str)
    ev = cb.events.filter(pl.col("level") >= 2)
    meta = {
        "evtk.dataset": "synthetic",
        "evtk.version": version,
        "evtk.codebook_version": cb.version,
        "evtk.schema_version": SCHEMA_VERSION,
    }
    written, year = 0, 2000
    while written < events:
        n = min(per_partition, events - written)
        idx = rng.integers(0, ev.height, n)
        days = rng.integers(0, 365, n)
        frame = (
            pl.DataFrame(
                {
                    "event_id": np.char.add(f"imports/y{year}#", np.arange(n).astype(str)),
                    "code_idx": idx,
                    "event_date": (np.datetime64(f"{year}-01-01") + days.astype("timedelta64[D]")),
                    "source_actor": np.char.add(
                        countries[rng.integers(0, len(countries), n)], roles[rng.integers(0, len(roles), n)]
                    ),
                    "target_actor": countries[rng.integers(0, len(countries), n)],
                }
            )
            .with_columns(
                event_code=pl.col("code_idx").replace_strict(np.arange(ev.height), ev["code"]),
            )
            .with_columns(
                root_code=pl.col("event_code").str.slice(0, 2),
                quad_class=pl.col("event_code").replace_strict(ev["code"], ev["quad_class"]),
                goldstein=pl.col("event_code").replace_strict(ev["code"], ev["goldstein"]),
            )
        )
        frame = frame.select(
            pl.col("event_id"),
            pl.lit(f"imports/y{year}.parquet").alias("file"),
            pl.col("event_id").str.split("#").list.get(1).alias("local_id"),
            *[pl.lit(None).cast(EVENT_COLUMNS[c]).alias(c) for c in ("article_id", "sentence", "quote")],
            pl.col("event_date").cast(pl.Date),
            pl.lit("day").alias("date_precision"),
            pl.lit(year).alias("year"),
            "source_actor",
            "target_actor",
            "event_code",
            "root_code",
            "quad_class",
            "goldstein",
            *[
                pl.lit(None).cast(EVENT_COLUMNS[c]).alias(c)
                for c in ("location_country", "location_place", "latitude", "longitude")
            ],
            pl.lit("synthetic").alias("coder"),
            pl.lit("import").alias("method"),
            *[pl.lit(None).cast(EVENT_COLUMNS[c]).alias(c) for c in ("rule_id",)],
            pl.col("event_id").str.split("#").list.get(1).alias("source_event_id"),
            *[
                pl.lit(None).cast(EVENT_COLUMNS[c]).alias(c)
                for c in ("source_story_id", "source_url", "source_name", *ADDED_COLUMNS)
            ],
            pl.lit(cb.version).alias("codebook_version"),
            pl.lit(None, dtype=pl.String).alias("note"),
        ).cast(EVENT_COLUMNS)  # type: ignore[arg-type]
        path = target / "events" / f"year={year}" / "part-0.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.drop("year").write_parquet(
            path, compression="zstd", row_group_size=ROW_GROUP_SIZE, metadata=meta
        )
        written += n
        year += 1
        del frame
    for name, schema in (("articles", "ARTICLE_COLUMNS"), ("sentences", "SENTENCE_COLUMNS")):
        import toolkit.schema as s

        pl.DataFrame(schema=getattr(s, schema)).write_parquet(target / f"{name}.parquet", metadata=meta)
    (target / "retractions.csv").write_text("event_id,reason,since\n", encoding="utf-8")
    for rel, text in cb.sources.items():
        dest = target / "codebook" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
    manifest = {
        "name": "synthetic",
        "version": version,
        "created": "2020-01-01T00:00:00Z",
        "schema_version": SCHEMA_VERSION,
        "codebook": {"name": cb.name, "version": cb.version},
        "toolkit": {"name": "evtk", "version": __version__},
        "previous_version": None,
        "events_layout": {"partitioned": True, "partition_by": "year", "partition_threshold": 0},
        "counts": {
            "events": events,
            "articles": 0,
            "sentences": 0,
            "retractions": 0,
            "by_quad_class": {},
            "by_root_code": {},
        },
        "resources": [],
    }
    events_lf = pl.scan_parquet(target / "events" / "**" / "*.parquet", hive_partitioning=True)
    (target / "README.md").write_text(render_card(manifest, coverage(events_lf, cb)), encoding="utf-8")
    (target / "CHANGES.md").write_text("# Synthetic release\n", encoding="utf-8")
    manifest["resources"] = _resources(target)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return target
