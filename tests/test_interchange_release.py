"""Every real sample imports, validates and builds into a release; the round trip through a real
release (not a hand-made one) keeps every mapped GDELT field."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from toolkit.interchange import export_events, import_events
from toolkit.release import build_release, check_release, load
from toolkit.validate import validate

# Real samples of other datasets' files, with their sources: tests/fixtures/formats/README.md
FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"

SAMPLES = [
    # format, file, rows written, warnings by rule after validation
    ("gdelt2", "gdelt2/sample.export.tsv", 100, {"E205": 47, "E304": 1}),
    ("gdelt1", "gdelt1/sample.58col.tsv", 100, {"E304": 1}),
    ("gdelt1", "gdelt1/sample.57col.tsv", 50, {"E304": 1}),
    ("icews", "icews/sample.tab", 300, {"E304": 1, "E602": 4}),
]


@pytest.mark.parametrize(("fmt", "sample", "rows", "expected"), SAMPLES, ids=[s[1] for s in SAMPLES])
def test_sample_imports_validates_and_builds(
    tmp_path: Path, fmt: str, sample: str, rows: int, expected: dict[str, int]
) -> None:
    data = tmp_path / "data"
    summary = import_events(fmt, [FORMATS / sample], data / "imports" / "events.parquet")
    assert (summary.rows_read, summary.rows_written) == (rows, rows)

    result = validate([data])
    assert result.exit_code == 0, result.report.summary()
    assert result.report.counts["events"] == rows
    for rule, count in expected.items():
        assert result.report.rule_counts.get(rule, 0) == count, (rule, result.report.rule_counts)

    built = build_release("0.1.0", data, tmp_path / "releases")
    assert built.manifest["counts"]["events"] == rows
    report = check_release(built.path)
    assert report.errors == 0
    events = load(built.path).collect()
    assert events.height == rows
    assert events["method"].unique().to_list() == ["import"]
    assert events["source_event_id"].null_count() == 0
    # Derived fields always come from the codebook, whatever the source stated.
    assert events["quad_class"].null_count() == 0 and events["goldstein"].null_count() == 0


def test_gdelt2_round_trip_through_a_built_release(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sample = FORMATS / "gdelt2" / "sample.export.tsv"
    import_events("gdelt2", [sample], data / "imports" / "gdelt.parquet")
    built = build_release("1.0.0", data, tmp_path / "releases")
    out = tmp_path / "back.tsv"
    export_events("gdelt2", built.path, out)

    def rows(path: Path) -> dict[str, list[str]]:
        with path.open(encoding="utf-8", newline="") as fh:
            return {r[0]: r for r in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)}

    original, back = rows(sample), rows(out)
    assert original.keys() == back.keys()
    mapped = {
        "GLOBALEVENTID": 0,
        "SQLDATE": 1,
        "Actor1Code": 5,
        "Actor2Code": 15,
        "EventCode": 26,
        "EventRootCode": 28,
        "QuadClass": 29,
        "GoldsteinScale": 30,
        "ActionGeo_FullName": 52,
        "ActionGeo_CountryCode": 53,
        "ActionGeo_Lat": 56,
        "ActionGeo_Long": 57,
        "SOURCEURL": 60,
    }
    for event_id, row in original.items():
        for name, i in mapped.items():
            a, b = row[i], back[event_id][i]
            if name in ("GoldsteinScale", "ActionGeo_Lat", "ActionGeo_Long") and a and b:
                assert float(a) == pytest.approx(float(b)), (event_id, name)
            else:
                assert a == b, (event_id, name, a, b)


def test_imported_release_diff_reports_recoded_events(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = data / "imports" / "gdelt.parquet"
    import_events("gdelt2", [FORMATS / "gdelt2" / "sample.export.tsv"], path)
    first = build_release("1.0.0", data, tmp_path / "releases")
    frame = pl.read_parquet(path)
    recoded = frame.with_columns(
        code=pl.when(pl.int_range(pl.len()) < 3).then(pl.lit("043")).otherwise(pl.col("code")),
        root_code=pl.lit(None, dtype=pl.String),
        quad_class=pl.lit(None, dtype=pl.String),
        goldstein=pl.lit(None, dtype=pl.String),
    )
    recoded.write_parquet(path)
    second = build_release("1.0.1", data, tmp_path / "releases")
    from toolkit.release import diff_releases

    diff = diff_releases(first.path, second.path)
    changed = frame.head(3).filter(pl.col("code") != "043").height
    assert diff["counts"]["recoded"] == changed
    assert diff["counts"]["added"] == diff["counts"]["removed"] == 0


def test_export_reads_only_the_files_the_manifest_lists(tmp_path: Path) -> None:
    """A stray partition file dropped into a partitioned release is not data: export gives the
    rows `load` gives, and `release check` reports the file (R105)."""
    data = tmp_path / "data"
    import_events("icews", [FORMATS / "icews" / "sample.tab"], data / "imports" / "icews.parquet")
    built = build_release("1.0.0", data, tmp_path / "releases", partition_threshold=10)
    parts = sorted((built.path / "events").rglob("*.parquet"))
    assert parts, "the release should be partitioned"
    listed = load(built.path).collect()
    stray = parts[0].parent / "part-1.parquet"
    pl.read_parquet(parts[0]).head(5).write_parquet(stray)

    for fmt in ("gdelt2", "phoenix", "plover"):
        out = tmp_path / f"out.{fmt}"
        summary = export_events(fmt, built.path, out)
        assert summary.rows_read == listed.height, fmt
    assert load(built.path).collect().height == listed.height
    report = check_release(built.path)
    assert report.rule_counts.get("R105") == 1
    assert report.findings.filter(pl.col("rule") == "R105")["file"].to_list() == [
        str(stray.relative_to(built.path))
    ]


def test_export_uses_the_release_codebook_snapshot(tmp_path: Path) -> None:
    """Root codes and labels come from the codebook the release was built with, not the bundled one."""
    data = tmp_path / "data"
    import_events("gdelt2", [FORMATS / "gdelt2" / "sample.export.tsv"], data / "imports" / "g.parquet")
    built = build_release("1.0.0", data, tmp_path / "releases")
    (built.path / "codebook" / "codebook.yaml").write_text("not: [a codebook\n", encoding="utf-8")
    from toolkit.errors import InputError

    with pytest.raises(InputError):
        export_events("phoenix", built.path, tmp_path / "out.tsv")


# ------------------------------------------------------------------ provenance columns (schema 1.1.0)
def test_release_keeps_the_imported_country_and_actor_codes_as_written(tmp_path: Path) -> None:
    """The codebook's code goes in location_country and the source's value in
    source_location_country, in the release as in the imported file (ICEWS names, GDELT FIPS)."""
    data = tmp_path / "data"
    import_events("icews", [FORMATS / "icews" / "sample.tab"], data / "imports" / "icews.parquet")
    import_events("gdelt1", [FORMATS / "gdelt1" / "sample.58col.tsv"], data / "imports" / "gdelt.parquet")
    built = build_release("0.1.0", data, tmp_path / "releases")
    assert built.manifest["schema_version"] == "1.1.0"
    assert check_release(built.path).errors == 0
    events = load(built.path).collect()
    icews = events.filter(pl.col("file") == "imports/icews.parquet")
    pairs = dict(icews.select("source_location_country", "location_country").unique().iter_rows())
    assert pairs["Vietnam"] == "VNM" and pairs["Japan"] == "JPN"
    gdelt = events.filter(pl.col("file") == "imports/gdelt.parquet", pl.col("source_location_country").is_not_null())
    assert gdelt.height > 0
    # FIPS codes as GDELT wrote them (two letters), the codebook's three-letter codes beside them
    assert gdelt["source_location_country"].str.len_chars().max() == 2
    assert gdelt["location_country"].str.len_chars().min() == 3
    assert {"source_actor1_code", "source_actor2_code"} <= set(events.columns)


def test_a_release_of_the_older_schema_reads_and_checks_with_the_added_columns_null() -> None:
    """0.1.0 is a schema 1.0.0 release (no provenance columns): it passes its check, and every
    reader shows the added columns as typed nulls, in schema order."""
    from toolkit.schema import ADDED_COLUMNS, EVENT_COLUMNS

    old = Path(__file__).resolve().parent.parent / "data" / "releases" / "0.1.0"
    report = check_release(old)
    assert report.errors == 0 and "R106" not in report.rule_counts
    events = load(old).collect()
    assert events.columns == list(EVENT_COLUMNS)
    for column in ADDED_COLUMNS:
        assert events[column].dtype == pl.String and events[column].null_count() == events.height


def _rewrite_manifest_schema(release: Path, schema: str, drop: str | None = None, add: str | None = None) -> None:
    import json

    from toolkit.release import _resources

    events = release / "events.parquet"
    frame = pl.read_parquet(events)
    if drop:
        frame = frame.drop(drop)
    if add:
        frame = frame.with_columns(pl.lit("x").alias(add))
    meta = pl.read_parquet_metadata(events)
    meta["evtk.schema_version"] = schema
    frame.write_parquet(events, metadata=meta)
    manifest = json.loads((release / "manifest.json").read_text())
    manifest["schema_version"] = schema
    manifest["resources"] = _resources(release)
    (release / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def test_a_release_that_says_schema_1_1_needs_its_added_columns(tmp_path: Path) -> None:
    data = tmp_path / "data"
    import_events("icews", [FORMATS / "icews" / "sample.tab"], data / "imports" / "icews.parquet")
    built = build_release("0.1.0", data, tmp_path / "releases")
    _rewrite_manifest_schema(built.path, "1.1.0", drop="source_location_country")
    report = check_release(built.path)
    r106 = report.findings.filter(pl.col("rule") == "R106")
    assert r106.height == 1 and "column source_location_country missing" in r106["message"][0]


def test_a_release_of_a_newer_minor_schema_says_upgrade(tmp_path: Path) -> None:
    data = tmp_path / "data"
    import_events("icews", [FORMATS / "icews" / "sample.tab"], data / "imports" / "icews.parquet")
    built = build_release("0.1.0", data, tmp_path / "releases")
    _rewrite_manifest_schema(built.path, "1.9.0", add="brand_new")
    r106 = check_release(built.path).findings.filter(pl.col("rule") == "R106")
    assert r106.height == 1
    assert "unexpected column brand_new" in r106["message"][0] and "upgrade evtk" in r106["message"][0]
