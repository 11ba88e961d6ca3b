"""The dataset card (a release's README.md): column descriptions, licence and citation from
evtk.toml, coverage, the build time, and links only to files the release holds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.test_release import make_data, read_manifest, seed_events, set_events
from toolkit import docgen
from toolkit.release import CARD_ROWS, build_release
from toolkit.release_io import scan_events
from toolkit.schema import EVENT_COLUMN_DOCS, EVENT_COLUMNS

DATASET = """
[dataset]
title = "Sahel diplomacy events"
licence = "CC-BY-4.0"
citation = "Doe, J. (2024). Sahel diplomacy events, version {version}."
url = "https://example.org/sahel"
"""


@pytest.fixture
def cli(evtk: Callable[..., Any]) -> Callable[..., Any]:
    return evtk


@pytest.fixture(autouse=True)
def _epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Release 0.1.0 of the seed data with a complete [dataset] table."""
    root = tmp_path_factory.mktemp("card")
    data = make_data(root)
    (data / "evtk.toml").write_text(DATASET, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        result = build_release("0.1.0", data, root / "releases")
    assert result.warnings == []
    return result.path


def card(release: Path) -> str:
    return (release / "README.md").read_text(encoding="utf-8")


def table(text: str, header: str) -> dict[str, str]:
    """The two-column Markdown table that follows the line ``header`` (first cell -> second)."""
    lines = text[text.index(header) :].splitlines()[1:]
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows: dict[str, str] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1]
    return rows


# ------------------------------------------------------------------ columns, one source of truth
def test_every_column_is_described_in_schema_order(built: Path) -> None:
    assert list(EVENT_COLUMN_DOCS) == list(EVENT_COLUMNS)
    text = card(built)
    rows = [line for line in text.splitlines() if re.match(r"^\| `[a-z0-9_]+` \| [A-Za-z0-9]+ \| ", line)]
    assert [r.split("`")[1] for r in rows] == list(EVENT_COLUMNS)
    for name, dtype in EVENT_COLUMNS.items():
        assert f"| `{name}` | {dtype} | {EVENT_COLUMN_DOCS[name]} |" in text


def test_docs_data_md_has_the_same_column_table() -> None:
    from toolkit.schema import column_table

    text = (docgen.DOCS / "data.md").read_text(encoding="utf-8")
    assert column_table() in text
    assert text == docgen.data_markdown()


def test_a_changed_description_makes_data_md_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EVENT_COLUMN_DOCS, "quote", "something else")
    assert "data.md" in docgen.stale()


def test_data_md_is_generated_around_its_hand_written_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data.md").write_text("# Data\n\nhand text\n", encoding="utf-8")
    monkeypatch.setattr(docgen, "SOURCE_DOCS", tmp_path)
    first = docgen.data_markdown()
    assert first.startswith("# Data\n\nhand text\n\n" + docgen.COLUMNS_START)
    (tmp_path / "data.md").write_text(first + "\n## After\n\nmore\n", encoding="utf-8")
    again = docgen.data_markdown()
    assert again.count(docgen.COLUMNS_START) == 1 and again.endswith("## After\n\nmore\n")


# ------------------------------------------------------------------ licence and citation
def test_licence_citation_title_and_url_come_from_the_configuration(built: Path) -> None:
    text = card(built)
    assert text.startswith("# Sahel diplomacy events 0.1.0\n")
    info = table(text, "# Sahel")
    assert info["licence"] == "CC-BY-4.0"
    assert info["citation"] == "Doe, J. (2024). Sahel diplomacy events, version 0.1.0."
    assert info["url"] == "https://example.org/sahel"
    assert info["dataset"] == "evtk-events"
    assert read_manifest(built)["dataset"]["licence"] == "CC-BY-4.0"


def test_missing_keys_are_not_stated_and_the_build_warns(tmp_path: Path, cli: Callable[..., Any]) -> None:
    data = make_data(tmp_path)
    (data / "evtk.toml").write_text('[dataset]\ntitle = "T"\n', encoding="utf-8")
    r = cli("release", "build", "0.1.0", "--data", data, "--out", tmp_path / "out")
    assert r.code == 0, r.output
    assert "warning" in r.err and "[dataset] has no licence, citation, url" in r.err
    assert "evtk.toml" in r.err
    info = table(card(tmp_path / "out" / "0.1.0"), "# T 0.1.0")
    assert info["licence"] == info["citation"] == info["url"] == "not stated"


def test_no_configuration_at_all_warns_too(tmp_path: Path) -> None:
    result = build_release("0.1.0", make_data(tmp_path), tmp_path / "out")
    assert len(result.warnings) == 1 and "title, licence, citation, url" in result.warnings[0]
    assert card(result.path).startswith("# evtk-events 0.1.0\n")


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ("[dataset]\nlicence = 4\n", '[dataset] licence must be text in quotes, e.g. licence = "..."'),
        ('[dataset]\nlicense = "MIT"\n', "unknown key 'license' in [dataset]: known keys are title, licence"),
        ('[dataset]\ncitation = " "\n', "[dataset] citation must be text in quotes"),
    ],
)
def test_bad_dataset_table_is_a_usage_error(
    tmp_path: Path, cli: Callable[..., Any], toml: str, said: str
) -> None:
    data = make_data(tmp_path)
    (data / "evtk.toml").write_text(toml, encoding="utf-8")
    r = cli("release", "build", "0.1.0", "--data", data, "--out", tmp_path / "out")
    assert r.code == 2, r.output
    assert said in r.err and "evtk.toml" in r.err and "Traceback" not in r.output
    assert not (tmp_path / "out" / "0.1.0").exists()


# ------------------------------------------------------------------ coverage
def test_coverage_tables_agree_with_the_events(built: Path) -> None:
    text = card(built)
    events = scan_events(built).collect()

    years = events.group_by("year").agg(n=pl.len(), months=pl.col("event_date").dt.month().n_unique())
    for year, n, months in years.iter_rows():
        row = next(line for line in text.splitlines() if line.startswith(f"| {year} |"))
        assert row.split(" | ")[1:3] == [str(n), str(months)], row
    first, last = events["event_date"].min(), events["event_date"].max()
    assert f"Events dated from {first} to {last}" in text

    def counts(col: str | pl.Expr) -> dict[str, int]:
        expr = pl.col(col) if isinstance(col, str) else col
        got = events.group_by(expr.alias("k")).len()
        return {("(none)" if k is None else k): n for k, n in got.iter_rows()}

    by_place = {k.split(" ")[0].strip("`"): int(v) for k, v in table(text, "By country where").items()}
    assert by_place == counts("location_country")
    assert by_place["MLI"] == 11 and "| `MLI` Mali | 11 |" in text
    by_source = {k.split(" ")[0].strip("`"): int(v) for k, v in table(text, "By country (first").items()}
    assert by_source == counts(pl.col("source_actor").str.slice(0, 3))
    coder_part = text[text.index("By coder and by method") :]
    assert table(coder_part, "By coder and by method") == {"`seed`": "33"}
    # every method is listed, those without events as 0
    assert "| method | events |\n|---|---|\n| `hand` | 33 |\n| `rule` | 0 |\n| `import` | 0 |\n" in text


def test_coders_and_methods_are_counted(tmp_path: Path) -> None:
    events = seed_events()
    for ev in events[:5]:  # imported events keep their own coder (a release takes one coding per article)
        ev["method"] = "import"
        ev["coder"] = "gdelt"
    for ev in events[5:7]:
        ev["method"] = "rule"
        ev["rule_id"] = "r1"
    data = make_data(tmp_path)
    set_events(data, events)
    text = card(build_release("0.1.0", data, tmp_path / "out").path)
    assert "| coder | events |\n|---|---|\n| `seed` | 28 |\n| `gdelt` | 5 |" in text
    assert "| method | events |\n|---|---|\n| `hand` | 26 |\n| `import` | 5 |\n| `rule` | 2 |" in text


def test_a_long_tally_is_cut_with_the_rest_summed() -> None:
    from toolkit.release import _tally_table

    rows = [{"key": f"c{i:02d}", "events": 100 - i} for i in range(CARD_ROWS + 3)] + [
        {"key": None, "events": 1}
    ]
    text = _tally_table(rows, "coder")
    assert text.splitlines()[:3] == ["| coder | events |", "|---|---|", "| `c00` | 100 |"]
    rest = rows[CARD_ROWS:]
    assert text.splitlines()[-1] == f"| {len(rest)} more | {sum(int(r['events']) for r in rest)} |"
    assert len(text.splitlines()) == CARD_ROWS + 3
    assert "(none)" in _tally_table([{"key": None, "events": 2}], "country", named=True)


# ------------------------------------------------------------------ build time
def test_build_time_is_the_clock_without_source_date_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    rel = build_release("0.1.0", make_data(tmp_path), tmp_path / "out").path
    after = dt.datetime.now(dt.UTC)
    created = read_manifest(rel)["created"]
    stamp = dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert before <= stamp <= after
    assert f"| built | {created} |" in card(rel)


def test_source_date_epoch_is_the_build_time(built: Path) -> None:
    assert read_manifest(built)["created"] == "2023-11-14T22:13:20Z"
    assert "| built | 2023-11-14T22:13:20Z |" in card(built)


def test_a_bad_source_date_epoch_is_a_usage_error(
    tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    r = cli("release", "build", "0.1.0", "--data", make_data(tmp_path), "--out", tmp_path / "out")
    assert r.code == 2, r.output
    assert "SOURCE_DATE_EPOCH='yesterday' is not a number of seconds" in r.err
    assert not (tmp_path / "out").exists()


def test_demo_rebuilds_with_the_committed_release_time() -> None:
    """make demo compares a rebuild of the latest committed release byte for byte: it must build
    with that release's own time."""
    demo = (Path(__file__).resolve().parent.parent / "scripts" / "demo.sh").read_text(encoding="utf-8")
    build = demo.index("$EVTK release build")
    assert "export SOURCE_DATE_EPOCH" in demo[:build]
    assert '["created"]' in demo[:build]


# ------------------------------------------------------------------ links
def _outside_code(text: str) -> str:
    return re.sub(r"```.*?```", "", text, flags=re.S)


def test_the_card_names_only_files_the_release_holds(built: Path) -> None:
    text = _outside_code(card(built))
    links = re.findall(r"\]\(([^)]+)\)", text)
    paths = [
        p
        for p in re.findall(r"`([^`\s]+)`", text)
        if re.search(r"\.(md|parquet|csv|json|html|yaml)$|/$", p) and "YYYY" not in p
    ]
    assert "docs/loading.md" not in text and "docs/agreement.md" not in text
    assert paths, "the card names the release's files"
    for rel in [*links, *paths]:
        assert (built / rel).exists(), f"the card names {rel}, which the release does not hold"


def test_the_card_of_a_partitioned_release_shows_how_to_read_it(tmp_path: Path) -> None:
    rel = build_release("0.1.0", make_data(tmp_path), tmp_path / "out", partition_threshold=0).path
    text = card(rel)
    assert 'pl.scan_parquet("events/**/*.parquet", hive_partitioning=True)' in text
    assert "events/year=YYYY/part-0.parquet" in text
    assert "`events.parquet`" not in text


@pytest.mark.parametrize("threshold", [None, 0], ids=["single-file", "partitioned"])
def test_the_cards_loading_block_runs_in_the_release(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: int | None
) -> None:
    """The card's own Python block (evtk, polars, pandas, DuckDB) runs from the release folder."""
    rel = (
        built
        if threshold is None
        else build_release("0.1.0", make_data(tmp_path), tmp_path / "out", partition_threshold=0).path
    )
    blocks = re.findall(r"```python\n(.*?)```", card(rel), flags=re.S)
    assert len(blocks) == 1
    monkeypatch.chdir(rel)
    scope: dict[str, Any] = {}
    exec(compile(blocks[0], "README.md", "exec"), scope)  # noqa: S102 - the card's own example
    assert len(scope["events"]) == 33


def test_the_committed_release_rebuilds_byte_for_byte() -> None:
    """What make demo proves: the latest committed release is what this build writes from the
    committed data, its codebook snapshot and its own time (the card and code tables included)."""
    from toolkit.release import verify_release
    from toolkit.release_io import list_releases

    repo = Path(__file__).resolve().parent.parent
    latest = list_releases(repo / "data" / "releases")[-1]
    assert (latest / "codebook" / "event_codes.parquet").is_file()
    report = verify_release(latest, repo / "data", codebook=latest / "codebook")
    assert report.rule_counts == {}, report.findings.to_dicts()
