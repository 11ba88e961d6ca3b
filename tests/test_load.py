"""toolkit.load: row order, types across layouts, pandas, labels, filters pushed into the scan,
the flat code tables (R116), and the reader snippets of docs/loading.md run against a release."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toolkit
from tests.test_release import make_data, read_manifest, write_manifest
from toolkit.codebook import load_codebook
from toolkit.errors import UsageError
from toolkit.release import build_release, check_release
from toolkit.release_io import CODE_TABLES, code_tables, scan_events
from toolkit.schema import EVENT_COLUMNS

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed data built twice: one events file, and Hive-partitioned by year."""
    root = tmp_path_factory.mktemp("load")
    data = make_data(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        single = build_release("0.1.0", data, root / "single").path
        parts = build_release("0.1.0", data, root / "parts", partition_threshold=0).path
    return {"single": single, "partitioned": parts}


@pytest.fixture
def cli(evtk: Callable[..., Any]) -> Callable[..., Any]:
    return evtk


# ------------------------------------------------------------------ order and types
def test_rows_are_sorted_by_event_id_and_stable(layouts: dict[str, Path]) -> None:
    for path in layouts.values():
        first = toolkit.load(path).collect()
        assert first["event_id"].is_sorted() and first.height == 33
        assert first.equals(toolkit.load(path).collect())
    # the file order is not the id order, so the sort is real
    raw = scan_events(layouts["single"]).collect()["event_id"]
    assert not raw.is_sorted()


def test_both_layouts_load_the_same_frame(layouts: dict[str, Path]) -> None:
    single = toolkit.load(layouts["single"])
    parts = toolkit.load(layouts["partitioned"])
    assert single.collect_schema() == parts.collect_schema()
    assert dict(parts.collect_schema()) == EVENT_COLUMNS
    assert parts.collect_schema()["year"] == pl.Int32
    assert single.collect().equals(parts.collect())
    labelled = [toolkit.load(p, labels=True).collect() for p in layouts.values()]
    assert labelled[0].equals(labelled[1])


@pytest.mark.parametrize("table", ["articles", "sentences", "retractions"])
def test_other_tables_are_sorted_by_their_key(layouts: dict[str, Path], table: str) -> None:
    frame = toolkit.load(layouts["partitioned"], table).collect()
    key = {"articles": ["article_id"], "sentences": ["article_id", "sentence"], "retractions": ["event_id"]}
    assert frame.equals(frame.sort(key[table]))


def test_pandas_has_dates_and_the_same_dtypes_in_both_layouts(layouts: dict[str, Path]) -> None:
    frames = {k: toolkit.load(p, as_pandas=True) for k, p in layouts.items()}
    single, parts = frames["single"], frames["partitioned"]
    assert list(single.columns) == list(EVENT_COLUMNS)
    assert single.dtypes.to_dict() == parts.dtypes.to_dict()
    assert str(single["event_date"].dtype) == "datetime64[ms]"
    assert str(single["year"].dtype) == "Int32" and str(single["quad_class"].dtype) == "Int8"
    assert single["event_code"].iloc[0].startswith("0") or single["event_code"].str.len().min() >= 3
    assert single.equals(parts)
    assert single["event_id"].tolist() == sorted(single["event_id"].tolist())


def test_pandas_integer_dtypes_do_not_depend_on_nulls(layouts: dict[str, Path]) -> None:
    from toolkit.release_io import to_pandas

    with_null = pl.DataFrame({"sentence": pl.Series([1, None], dtype=pl.Int32)})
    without = pl.DataFrame({"sentence": pl.Series([1, 2], dtype=pl.Int32)})
    assert str(to_pandas(with_null)["sentence"].dtype) == str(to_pandas(without)["sentence"].dtype) == "Int32"


# ------------------------------------------------------------------ labels
def test_labels_name_codes_roots_and_actor_parts(layouts: dict[str, Path]) -> None:
    events = toolkit.load(layouts["single"], labels=True).collect()
    cb = load_codebook(layouts["single"] / "codebook")
    for col in ("event_name", "root_name", "quad_name", "source_country_name", "source_actor_name"):
        assert events[col].null_count() == 0, col
    row = events.filter(pl.col("source_actor") == "MLIGOV").row(0, named=True)
    assert row["source_country_name"] == "Mali"
    assert row["source_actor_name"] == "Mali / Government"
    assert row["root_name"] == cb.events.filter(pl.col("code") == row["root_code"])["name"][0]
    assert row["event_name"] == cb.events.filter(pl.col("code") == row["event_code"])["name"][0]
    # a target-less event has no target names; an unknown part keeps its code
    lf = pl.LazyFrame(
        {"source_actor": ["RUSXYZ"], "target_actor": [None], "event_code": ["042"], "root_code": ["04"]},
        schema_overrides={"target_actor": pl.String},
    ).with_columns(quad_class=pl.lit(1, pl.Int8))
    from toolkit.release_io import _label_events

    got = _label_events(lf, cb).collect().row(0, named=True)
    assert got["source_actor_name"] == "Russia / XYZ"
    assert got["target_actor_name"] is None and got["target_country_name"] is None


# ------------------------------------------------------------------ filters
def test_date_country_and_code_filters(layouts: dict[str, Path]) -> None:
    every = toolkit.load(layouts["single"]).collect()
    for path in layouts.values():
        got = toolkit.load(path, start="2022-01-01", end=dt.date(2022, 12, 31)).collect()
        want = every.filter(pl.col("event_date").is_between(dt.date(2022, 1, 1), dt.date(2022, 12, 31)))
        assert got.equals(want) and got.height == 5

        mli = toolkit.load(path, countries="MLI").collect()
        first = pl.col("source_actor").str.slice(0, 3)
        want = every.filter(
            (pl.col("location_country") == "MLI")
            | (first == "MLI")
            | (pl.col("target_actor").str.slice(0, 3) == "MLI")
        )
        assert mli.equals(want) and 0 < mli.height < every.height

        consult = toolkit.load(path, codes=["04", "190"]).collect()
        want = every.filter(
            pl.col("event_code").str.starts_with("04") | pl.col("event_code").str.starts_with("190")
        )
        assert consult.equals(want) and set(consult["root_code"]) == {"04", "19"}

        both = toolkit.load(path, countries=["MLI", "RUS"], codes="042", start="2023-01-01").collect()
        assert set(both["event_code"]) == {"042"} and both["event_date"].min() >= dt.date(2023, 1, 1)


def test_filters_on_year_prune_partitions(layouts: dict[str, Path], tmp_path: Path) -> None:
    """A partition outside the date range is never opened: garbage of the right size in year 2020
    (the manifest's size, so the reader's size check passes) breaks a full load, not a filtered one."""
    rel = shutil.copytree(layouts["partitioned"], tmp_path / "0.1.0")
    broken = rel / "events" / "year=2020" / "part-0.parquet"
    broken.write_bytes(b"x" * broken.stat().st_size)
    assert toolkit.load(rel, start="2022-01-01").collect().height == 30
    assert toolkit.load(rel, end="2015-12-31").collect().height == 1
    with pytest.raises(pl.exceptions.ComputeError):
        toolkit.load(rel).collect()


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"start": "2023-13-01"}, "start='2023-13-01' is not a date: write YYYY-MM-DD"),
        ({"start": "2023-02-01", "end": "2023-01-01"}, "start 2023-02-01 is after end 2023-01-01"),
        ({"codes": "42"}, "codes: '42' is not an event code of codebook 1.0.0"),
        ({"countries": ["MLI", "XXX"]}, "countries: 'XXX' is not an actor code part"),
        ({"table": "articles", "codes": "042"}, "codes filter or label events only, not the articles table"),
        ({"table": "sentences", "labels": True}, "labels filter or label events only"),
        ({"table": "nope"}, "unknown table 'nope'"),
    ],
)
def test_bad_filters_are_usage_errors(layouts: dict[str, Path], kwargs: dict[str, Any], said: str) -> None:
    with pytest.raises(UsageError) as exc:
        toolkit.load(layouts["single"], **kwargs)
    assert said in str(exc.value)


# ------------------------------------------------------------------ flat code tables (R116)
def test_every_release_carries_flat_code_tables(layouts: dict[str, Path]) -> None:
    for path in layouts.values():
        m = read_manifest(path)
        listed = {r["path"]: r for r in m["resources"]}
        cb = load_codebook(path / "codebook")
        for rel, want in code_tables(cb).items():
            assert rel in listed and listed[rel]["rows"] == want.height
            data = (path / rel).read_bytes()
            assert listed[rel]["sha256"] == hashlib.sha256(data).hexdigest()
            assert pl.read_parquet(path / rel).equals(want)
        assert "042" in pl.read_parquet(path / CODE_TABLES[0])["code"].to_list()
        # the snapshot is still the codebook: the tables are no codebook source
        assert not any(k.endswith(".parquet") for k in cb.sources)


def _reseal(release: Path, rel: str) -> None:
    m = read_manifest(release)
    data = (release / rel).read_bytes()
    for r in m["resources"]:
        if r["path"] == rel:
            r.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
            r["rows"] = pl.read_parquet(release / rel).height
    write_manifest(release, m)


def _rewrite(release: Path, rel: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> None:
    import pyarrow.parquet as pq

    meta = {
        k.decode(): v.decode() for k, v in (pq.ParquetFile(release / rel).metadata.metadata or {}).items()
    }
    frame = change(pl.read_parquet(release / rel))
    frame.write_parquet(release / rel, metadata={k: v for k, v in meta.items() if k.startswith("evtk.")})
    _reseal(release, rel)


@pytest.mark.parametrize(
    ("rel", "change", "detail"),
    [
        (
            CODE_TABLES[0],
            lambda f: f.with_columns(
                goldstein=pl.when(pl.col("code") == "042").then(9.0).otherwise(pl.col("goldstein"))
            ),
            "1 code(s) differ, e.g. 042",
        ),
        (
            CODE_TABLES[1],
            lambda f: f.drop("kind"),
            "columns code String, name String, table String, expected",
        ),
        (CODE_TABLES[1], lambda f: f.reverse(), "the rows are in another order"),
    ],
)
def test_edited_code_table_is_found(
    layouts: dict[str, Path], tmp_path: Path, cli: Callable[..., Any], rel: str, change: Any, detail: str
) -> None:
    release = shutil.copytree(layouts["single"], tmp_path / "0.1.0")
    _rewrite(release, rel, change)
    report = check_release(release)
    assert report.rule_counts == {"R116": 1}, report.rule_counts
    message = report.findings["message"][0]
    assert (
        message.startswith(f"{rel}: does not match the codebook snapshot in codebook/ (")
        and detail in message
    )
    r = cli("release", "check", release)
    assert r.code == 1 and "R116" in r.out


def test_intact_code_tables_are_quiet_and_old_releases_need_none(
    layouts: dict[str, Path], tmp_path: Path
) -> None:
    report = check_release(layouts["partitioned"])
    assert report.errors == 0 and "R116" not in report.rule_counts
    # a release from before the tables: their absence is a note
    release = shutil.copytree(layouts["single"], tmp_path / "0.1.0")
    m = read_manifest(release)
    m["resources"] = [r for r in m["resources"] if r["path"] not in CODE_TABLES]
    for rel in CODE_TABLES:
        (release / rel).unlink()
    write_manifest(release, m)
    old = check_release(release)
    assert old.errors == 0 and old.rule_counts == {}
    assert any("codebook/event_codes.parquet is not in the release" in n for n in old.notes)
    assert toolkit.load(release, labels=True).collect().height == 33


# ------------------------------------------------------------------ docs/loading.md runs
def _blocks(lang: str) -> list[str]:
    text = (DOCS / "loading.md").read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_loading_doc_snippets_run_against_a_release(
    layouts: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every Python block of docs/loading.md (evtk, polars, pandas, DuckDB) runs, in order, in a
    folder holding the releases the doc names; so the doc cannot drift from the readers."""
    blocks = _blocks("python")
    named = sorted(set(re.findall(r"data/releases/(\d+\.\d+\.\d+)", "".join(blocks))))
    assert len(blocks) >= 4 and named, "docs/loading.md shows each reader in a ```python block"
    releases = tmp_path / "data" / "releases"
    single, partitioned = named[0], named[-1]
    assert single != partitioned
    shutil.copytree(layouts["single"], releases / single)
    shutil.copytree(layouts["partitioned"], releases / partitioned)
    monkeypatch.chdir(tmp_path)
    scope: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, "docs/loading.md", "exec"), scope)  # noqa: S102 - the doc's own examples
    # the blocks leave their results behind; each reader saw all 33 events
    assert scope["events"] is not None
    for name in ("from_polars", "from_pandas", "from_duckdb"):
        assert name in scope, f"docs/loading.md should assign {name}"
        assert len(scope[name]) == 33, name


def test_loading_doc_says_how_r_was_tested() -> None:
    text = (DOCS / "loading.md").read_text(encoding="utf-8")
    assert _blocks("r"), "docs/loading.md shows R"
    assert "untested" in text.lower() or "tested with" in text.lower()


def test_code_tables_rows_are_json_serialisable(layouts: dict[str, Path]) -> None:
    # readers outside Python get plain types: strings, small integers and floats
    for rel in CODE_TABLES:
        frame = pl.read_parquet(layouts["single"] / rel)
        json.dumps(frame.head(3).to_dicts())
        assert all(dtype in (pl.String, pl.Int8, pl.Float64) for dtype in frame.schema.values()), rel
    assert os.path.getsize(layouts["single"] / CODE_TABLES[0]) > 0


_DAYS = st.dates(min_value=dt.date(2014, 1, 1), max_value=dt.date(2024, 12, 31))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.none() | _DAYS,
    end=st.none() | _DAYS,
    codes=st.none() | st.lists(st.sampled_from(["01", "04", "042", "11", "112", "19", "190"]), max_size=3),
    countries=st.none() | st.lists(st.sampled_from(["MLI", "RUS", "UKR", "FRA", "IGO", "USA"]), max_size=3),
)
def test_filters_equal_an_eager_filter_in_both_layouts(
    layouts: dict[str, Path],
    start: dt.date | None,
    end: dt.date | None,
    codes: list[str] | None,
    countries: list[str] | None,
) -> None:
    """Whatever the filters, load gives the rows an eager filter of the whole table gives, in
    event_id order, the same for both layouts."""
    if start is not None and end is not None and start > end:
        start, end = end, start
    every = toolkit.load(layouts["single"]).collect()
    keep = pl.lit(True)
    if start is not None:
        keep &= pl.col("event_date") >= start
    if end is not None:
        keep &= pl.col("event_date") <= end
    if codes is not None:
        keep &= pl.any_horizontal(pl.lit(False), *(pl.col("event_code").str.starts_with(c) for c in codes))
    if countries is not None:
        keep &= (
            pl.col("location_country").is_in(countries)
            | pl.col("source_actor").str.slice(0, 3).is_in(countries)
            | pl.col("target_actor").str.slice(0, 3).is_in(countries)
        ).fill_null(False)
    want = every.filter(keep)
    for path in layouts.values():
        got = toolkit.load(path, start=start, end=end, codes=codes, countries=countries).collect()
        assert got.equals(want)
