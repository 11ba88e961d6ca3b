"""Releases: build, stable ids, check (integrity, event rules, release-to-release), global
uniqueness under hash collisions, diff, and loading with polars, pandas and DuckDB.

Every test works on small data folders built in ``tmp_path`` from the repository's article and
seed events; nothing here writes into the repository. The crash tests are in test_release_kill.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toolkit
from tests.conftest import refusals_off
from toolkit import findings as F
from toolkit.articles import load_articles
from toolkit.codebook import default_path, load_codebook
from toolkit.errors import InputError, ReleaseError, UsageError
from toolkit.release import (
    PARTITION_THRESHOLD,
    BuildBlocked,
    CheckOptions,
    DriftThresholds,
    build_release,
    check_release,
    diff_releases,
    is_release,
    list_releases,
    load,
    public_diff,
)
from toolkit.release_checks import content_key
from toolkit.rules import duplicates
from toolkit.rules.common import Context
from toolkit.schema import EVENT_COLUMNS, SCHEMA_VERSION

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "data" / "articles"
SEED = REPO / "data" / "coded" / "afp-2023-02-07-lavrov-mali.seed.yaml"
ARTICLE_ID = "afp-2023-02-07-lavrov-mali"
SEED_FILE = "coded/afp-2023-02-07-lavrov-mali.seed.yaml"
SEED_PREFIX = "coded/afp-2023-02-07-lavrov-mali.seed"  # file path below data/, without extension
SEED_HEADER = {"article": ARTICLE_ID, "coder": "seed", "method": "hand"}
PUBLISHED = dt.date(2023, 2, 7)


# ============================================================================ helpers
@functools.cache
def _seed_doc() -> dict[str, Any]:
    doc = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def seed_events() -> list[dict[str, Any]]:
    """The 33 seed events as plain dicts (a fresh deep copy each call)."""
    return copy.deepcopy(_seed_doc()["events"])


def _scalar(value: Any) -> str:
    # JSON strings are valid YAML double-quoted scalars; the toolkit reads every scalar as a string.
    return json.dumps(str(value), ensure_ascii=False)


def write_events(path: Path, events: list[dict[str, Any]], header: dict[str, str] | None = None) -> Path:
    """A coded-event YAML file with every value quoted (so "042" stays "042")."""
    lines = [f"{k}: {_scalar(v)}" for k, v in (header or SEED_HEADER).items()]
    lines.append("events:")
    for ev in events:
        first = True
        for key, value in ev.items():
            if value is None:
                continue
            lead = "  - " if first else "    "
            first = False
            if isinstance(value, dict):
                lines.append(f"{lead}{key}:")
                lines += [f"      {k}: {_scalar(v)}" for k, v in value.items() if v is not None]
            else:
                lines.append(f"{lead}{key}: {_scalar(value)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_data(root: Path, events: list[dict[str, Any]] | None = None) -> Path:
    """``root/data`` with the repository's articles and the seed events (or ``events``, written in
    place of the seed file so the ids keep the seed's file prefix)."""
    data = root / "data"
    shutil.copytree(ARTICLES, data / "articles")
    if events is None:
        (data / "coded").mkdir(parents=True)
        shutil.copy(SEED, data / SEED_FILE)
    else:
        write_events(data / SEED_FILE, events)
    return data


def set_events(data: Path, events: list[dict[str, Any]]) -> None:
    write_events(data / SEED_FILE, events)


def hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def read_manifest(release: Path) -> dict[str, Any]:
    data = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write_manifest(release: Path, manifest: dict[str, Any]) -> None:
    (release / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def resource(manifest: dict[str, Any], path: str) -> dict[str, Any]:
    found = [r for r in manifest["resources"] if r["path"] == path]
    assert len(found) == 1, path
    return found[0]  # type: ignore[no-any-return]


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


def rules_of(report: F.Report) -> set[str]:
    return set(report.rule_counts)


def findings_of(report: F.Report, rule: str) -> list[dict[str, Any]]:
    return report.findings.filter(pl.col("rule") == rule).to_dicts()


@pytest.fixture
def cli(evtk: Callable[..., Any]) -> Callable[..., Any]:
    """``evtk ARGS`` in-process: the shared runner from conftest."""
    return evtk


@pytest.fixture(autouse=True)
def _no_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@dataclass
class Base:
    data: Path
    releases: Path
    release: Path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    """Release 0.1.0 of the seed data, built once per module. Tests that change it copy it first."""
    root = tmp_path_factory.mktemp("base")
    data = make_data(root)
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        result = build_release("0.1.0", data, root / "releases")
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return Base(data, root / "releases", result.path)


@pytest.fixture
def fresh(base: Base, tmp_path: Path) -> Path:
    """A private copy of release 0.1.0, to tamper with."""
    dest = tmp_path / "releases" / "0.1.0"
    shutil.copytree(base.release, dest)
    return dest


# ============================================================================ 1. build
def test_build_writes_every_file(base: Base) -> None:
    rel = base.release
    files = set(hashes(rel))
    for name in (
        "events.parquet",
        "articles.parquet",
        "sentences.parquet",
        "retractions.csv",
        "manifest.json",
        "README.md",
        "CHANGES.md",
        "codebook/codebook.yaml",
        "codebook/events/04.yaml",
    ):
        assert name in files, name
    assert not (rel / "events").exists()
    # the snapshot is the codebook the events were validated against, byte for byte
    cb_dir = default_path()
    for name in ("codebook.yaml", "events/04.yaml", "actors/countries.csv"):
        assert (rel / "codebook" / name).read_bytes() == (cb_dir / name).read_bytes()
    assert load_codebook(rel / "codebook").version == load_codebook(cb_dir).version


def test_manifest_describes_the_release(base: Base) -> None:
    rel = base.release
    m = read_manifest(rel)
    cb = load_codebook(default_path())
    assert m["name"] == "evtk-events"
    assert m["version"] == "0.1.0"
    assert m["schema_version"] == SCHEMA_VERSION
    assert m["codebook"] == {"name": cb.name, "version": cb.version}
    assert m["toolkit"] == {"name": "evtk", "version": toolkit.__version__}
    assert m["previous_version"] is None

    # every file but the manifest is listed, with its real sha256, size and rows
    listed = {r["path"]: r for r in m["resources"]}
    assert set(listed) == set(hashes(rel)) - {"manifest.json"}
    for path, res in listed.items():
        f = rel / path
        assert res["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest(), path
        assert res["bytes"] == f.stat().st_size, path
    assert listed["events.parquet"]["rows"] == 33
    assert listed["articles.parquet"]["rows"] == 1
    assert listed["sentences.parquet"]["rows"] == 20
    assert listed["retractions.csv"]["rows"] == 0

    # counts by root code and quad class follow the codebook, from the seed's codes
    roots: dict[str, int] = {}
    quads: dict[str, int] = {}
    for ev in seed_events():
        row = cb.event(ev["code"])
        assert row is not None
        roots[row["root_code"]] = roots.get(row["root_code"], 0) + 1
        quads[str(row["quad_class"])] = quads.get(str(row["quad_class"]), 0) + 1
    c = m["counts"]
    assert c["events"] == 33
    assert c["by_root_code"] == dict(sorted(roots.items()))
    assert c["by_quad_class"] == dict(sorted(quads.items()))
    assert sum(c["by_quad_class"].values()) == 33
    assert c["articles"] == 1 and c["sentences"] == 20 and c["retractions"] == 0
    assert m["events_layout"]["partitioned"] is False


def test_dataset_card_and_changes(base: Base) -> None:
    card = (base.release / "README.md").read_text(encoding="utf-8")
    m = read_manifest(base.release)
    assert card.startswith("# evtk-events 0.1.0")
    assert "| events | 33 |" in card
    assert f"{m['codebook']['name']} {m['codebook']['version']}" in card
    assert "`event_id` is `<file>#<local id>`" in card
    for col in EVENT_COLUMNS:
        assert f"| `{col}` |" in card
    changes = (base.release / "CHANGES.md").read_text(encoding="utf-8")
    assert changes.startswith("# Changes in 0.1.0")
    assert "First release" in changes


def test_parquet_files_carry_release_metadata(base: Base) -> None:
    m = read_manifest(base.release)
    want = {
        "evtk.dataset": "evtk-events",
        "evtk.version": "0.1.0",
        "evtk.codebook_version": m["codebook"]["version"],
        "evtk.schema_version": SCHEMA_VERSION,
    }
    for name in ("events.parquet", "articles.parquet", "sentences.parquet"):
        kv = {
            k.decode(): v.decode()
            for k, v in (pq.ParquetFile(base.release / name).metadata.metadata or {}).items()
        }
        assert {k: kv.get(k) for k in want} == want, name


@pytest.mark.parametrize("threshold", [None, 0], ids=["single-file", "partitioned"])
def test_build_is_reproducible(
    tmp_path: Path, threshold: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a reproducible build fixes its time with SOURCE_DATE_EPOCH (without it, the build time is now)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    data = make_data(tmp_path)
    limit = PARTITION_THRESHOLD if threshold is None else threshold
    a = build_release("0.1.0", data, tmp_path / "out-a", partition_threshold=limit).path
    # the same inputs somewhere else (paths never leak into the files)
    elsewhere = shutil.copytree(data, tmp_path / "elsewhere" / "deeper" / "data")
    b = build_release("0.1.0", elsewhere, tmp_path / "out-b", partition_threshold=limit).path
    ha, hb = hashes(a), hashes(b)
    assert ha == hb
    # and the manifest agrees with the files
    assert check_release(a).errors == 0
    if threshold == 0:
        years = sorted({int(e["date"][:4]) for e in seed_events()})
        parts = sorted(p for p in ha if p.startswith("events"))
        assert parts == [f"events/year={y}/part-0.parquet" for y in years]
        assert "events.parquet" not in ha
        layout = read_manifest(a)["events_layout"]
        assert layout["partitioned"] is True and layout["partition_by"] == "year"
        # year lives in the folder name, not in the files
        assert "year" not in pl.read_parquet_schema(a / parts[0])


def test_cli_build(base: Base, tmp_path: Path, cli: Callable[..., Any]) -> None:
    out = tmp_path / "releases"
    r = cli("release", "build", "0.1.0", "--data", base.data, "--out", out, "--partition-threshold", "0")
    assert r.code == 0, r.output
    assert "built" in r.out and "33 events" in r.out and "previous none" in r.out
    assert (out / "0.1.0" / "events").is_dir()
    assert cli("release", "check", out / "0.1.0").code == 0
    r = cli("release", "build", "0.2.0", "--data", base.data, "--out", out)
    assert r.code == 0 and "previous 0.1.0" in r.out


def test_existing_version_is_refused(base: Base, tmp_path: Path, cli: Callable[..., Any]) -> None:
    releases = tmp_path / "releases"
    shutil.copytree(base.release, releases / "0.1.0")
    before = tree(releases)
    with pytest.raises(ReleaseError, match="already exists"):
        build_release("0.1.0", base.data, releases)
    assert tree(releases) == before

    r = cli("release", "build", "0.1.0", "--data", base.data, "--out", releases)
    assert r.code == 2
    assert "evtk: error:" in r.err and "0.1.0 already exists" in r.err and "never" in r.err
    assert "Traceback" not in r.output
    assert tree(releases) == before
    assert [p.name for p in releases.iterdir()] == ["0.1.0"]  # no temporary folder left either


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.0.0", "1.0.0-rc1", "latest", "1.0.0/../x"])
def test_invalid_version_is_refused(
    base: Base, tmp_path: Path, cli: Callable[..., Any], version: str
) -> None:
    out = tmp_path / "releases"
    with pytest.raises(UsageError, match="MAJOR.MINOR.PATCH"):
        build_release(version, base.data, out)
    assert not out.exists()
    r = cli("release", "build", version, "--data", base.data, "--out", out)
    assert r.code == 2
    assert "MAJOR.MINOR.PATCH" in r.err
    assert "Traceback" not in r.output
    assert not out.exists()


def test_data_with_errors_is_refused(tmp_path: Path, cli: Callable[..., Any]) -> None:
    events = seed_events()
    events[1]["code"] = "999"  # e2: unknown code
    data = make_data(tmp_path, events)
    out = tmp_path / "releases"
    with pytest.raises(BuildBlocked) as info:
        build_release("0.1.0", data, out)
    assert info.value.report.errors >= 1
    assert "E101" in info.value.report.rule_counts
    assert not out.exists()

    r = cli("release", "build", "0.1.0", "--data", data, "--out", out)
    assert r.code == 1
    # findings name the file, the line and the event: "<file>:<line>: error E101 ... '999' ... [e2]"
    assert "E101 unknown-event-code" in r.out and "'999'" in r.out and "[e2]" in r.out
    assert f"{SEED_FILE}:" in r.out
    assert "not built" in r.err
    assert "Traceback" not in r.output
    assert not out.exists()


def test_source_date_epoch_sets_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_data(tmp_path)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    plain = build_release("0.1.0", data, tmp_path / "plain").path
    after = dt.datetime.now(dt.UTC)
    # without SOURCE_DATE_EPOCH: the true build time, the clock's (UTC)
    created_plain = dt.datetime.strptime(read_manifest(plain)["created"], "%Y-%m-%dT%H:%M:%SZ")
    assert before <= created_plain.replace(tzinfo=dt.UTC) <= after

    epoch = 1_700_000_000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    one = build_release("0.1.0", data, tmp_path / "one").path
    two = build_release("0.1.0", data, tmp_path / "two").path
    created = dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert read_manifest(one)["created"] == created == "2023-11-14T22:13:20Z"
    assert hashes(one) == hashes(two)
    assert f"| built | {created} |" in (one / "README.md").read_text(encoding="utf-8")
    # only the manifest, the card and the report mention the time; the data files do not change
    differ = {k for k, v in hashes(one).items() if hashes(plain)[k] != v}
    assert differ == {"manifest.json", "README.md", "report.html"}
    # file times are the epoch too
    assert {int(p.stat().st_mtime) for p in one.rglob("*")} == {epoch}


# ============================================================================ 2. stable ids
def test_event_id_is_file_path_and_local_id(tmp_path: Path) -> None:
    data = make_data(tmp_path)
    extra = {
        "id": "k1",
        "sentence": 5,
        "quote": "did not make any statements",
        "date": "2023-02-07",
        "source": "RUSGOV",
        "target": "MLIGOV",
        "code": "010",
    }
    # A second file of the same coder: one coding in two files (another coder would be a second
    # coding of the article, which a release never takes alongside the first).
    write_events(data / "coded" / "team" / "lavrov.alice.yaml", [extra], SEED_HEADER)
    rel = build_release("0.1.0", data, tmp_path / "releases").path
    ev = load(rel).select("event_id", "file", "local_id").collect()
    assert ev.height == 34
    seed_ids = {f"{SEED_PREFIX}#{e['id']}" for e in seed_events()}
    assert seed_ids <= set(ev["event_id"])
    row = ev.filter(pl.col("local_id") == "k1").to_dicts()
    assert row == [
        {"event_id": "coded/team/lavrov.alice#k1", "file": "coded/team/lavrov.alice.yaml", "local_id": "k1"}
    ]
    for r in ev.iter_rows(named=True):
        assert r["event_id"] == r["file"].rsplit(".", 1)[0] + "#" + r["local_id"]


def test_edits_keep_event_ids(tmp_path: Path) -> None:
    data = make_data(tmp_path)
    out = tmp_path / "releases"
    a = build_release("0.1.0", data, out).path
    events = seed_events()
    e2 = events[1]
    assert e2["id"] == "e2"
    e2.update(code="043", source="MLIGOV", target="RUSGOV", date="2023-02")
    set_events(data, events)
    b = build_release("0.1.1", data, out).path

    ids_a = load(a).select("event_id").collect()["event_id"].sort().to_list()
    ids_b = load(b).select("event_id").collect()["event_id"].sort().to_list()
    assert ids_a == ids_b
    row = load(b).filter(pl.col("event_id") == f"{SEED_PREFIX}#e2").collect().to_dicts()
    assert len(row) == 1
    assert row[0]["event_code"] == "043"
    assert (row[0]["source_actor"], row[0]["target_actor"]) == ("MLIGOV", "RUSGOV")
    assert (row[0]["event_date"], row[0]["date_precision"]) == (dt.date(2023, 2, 1), "month")
    assert check_release(b).errors == 0


# ============================================================================ 3. check
COMMITTED = sorted(p.parent for p in (REPO / "data" / "releases").glob("*/manifest.json"))


def test_there_is_a_committed_release() -> None:
    assert COMMITTED, "data/releases/ holds no release"


@pytest.mark.parametrize("release", COMMITTED, ids=[p.name for p in COMMITTED])
def test_committed_release_passes_check(release: Path) -> None:
    report = check_release(release)
    assert report.errors == 0, F.render(report, "text")


def test_fresh_build_passes_check(base: Base, cli: Callable[..., Any]) -> None:
    report = check_release(base.release)
    assert report.errors == 0 and report.warnings == 0, F.render(report, "text")
    assert report.counts["events"] == 33
    r = cli("release", "check", base.release)
    assert r.code == 0, r.output
    assert "valid: 0 error(s), 0 warning(s)" in r.out


@pytest.mark.parametrize(
    "name",
    [
        "events.parquet",
        "articles.parquet",
        "README.md",
        "codebook/events/04.yaml",
        "codebook/actors/countries.csv",
    ],
)
def test_flipped_byte_is_found(fresh: Path, cli: Callable[..., Any], name: str) -> None:
    flip_byte(fresh / name)
    r = cli("release", "check", fresh)
    assert r.code == 1, r.output
    assert f"{name}: error R101 checksum-mismatch" in r.out
    report = check_release(fresh)
    assert any(f["file"] == name for f in findings_of(report, "R101"))


def test_deleted_file_is_found(fresh: Path, cli: Callable[..., Any]) -> None:
    (fresh / "sentences.parquet").unlink()
    r = cli("release", "check", fresh)
    assert r.code == 1
    assert "sentences.parquet: error R104 missing-file" in r.out
    assert "listed in the manifest but missing" in r.out


def test_deleted_codebook_file_is_found(fresh: Path, cli: Callable[..., Any]) -> None:
    (fresh / "codebook" / "events" / "19.yaml").unlink()
    r = cli("release", "check", fresh)
    assert r.code == 1
    assert "codebook/events/19.yaml: error R104" in r.out


@pytest.mark.parametrize("name", ["events.parquet", "articles.parquet", "codebook/codebook.yaml"])
def test_file_deleted_with_its_manifest_entry_is_found(
    fresh: Path, cli: Callable[..., Any], name: str
) -> None:
    """Deleting a file *and* its manifest entry still leaves a release without a table."""
    (fresh / name).unlink()
    m = read_manifest(fresh)
    m["resources"] = [r for r in m["resources"] if r["path"] != name]
    write_manifest(fresh, m)
    r = cli("release", "check", fresh)
    assert r.code == 1, r.output
    assert f"{name}: error R104 missing-file" in r.out
    assert "internal error" not in r.output and "Traceback" not in r.output


def test_stray_file_is_a_warning(fresh: Path, cli: Callable[..., Any]) -> None:
    (fresh / "notes.txt").write_text("my notes\n", encoding="utf-8")
    r = cli("release", "check", fresh)
    assert r.code == 0, r.output
    assert "notes.txt: warning R105 extra-file" in r.out
    report = check_release(fresh)
    assert report.rule_counts == {"R105": 1}
    assert report.errors == 0


@pytest.mark.parametrize(("field", "rule"), [("sha256", "R101"), ("rows", "R103"), ("bytes", "R102")])
def test_edited_manifest_is_found(fresh: Path, cli: Callable[..., Any], field: str, rule: str) -> None:
    m = read_manifest(fresh)
    res = resource(m, "events.parquet")
    res[field] = "0" * 64 if field == "sha256" else res[field] + 1
    write_manifest(fresh, m)
    r = cli("release", "check", fresh)
    assert r.code == 1, r.output
    assert f"events.parquet: error {rule}" in r.out
    assert rules_of(check_release(fresh)) == {rule}


def test_broken_manifest_is_found(fresh: Path, cli: Callable[..., Any]) -> None:
    text = (fresh / "manifest.json").read_text(encoding="utf-8")
    (fresh / "manifest.json").write_text(text[: len(text) // 2], encoding="utf-8")
    r = cli("release", "check", fresh)
    assert r.code == 1, r.output
    assert "manifest.json: error R107 bad-manifest" in r.out
    assert "Traceback" not in r.output


def test_manifest_without_resources_is_found(fresh: Path, cli: Callable[..., Any]) -> None:
    m = read_manifest(fresh)
    del m["resources"]
    write_manifest(fresh, m)
    r = cli("release", "check", fresh)
    assert r.code == 1
    assert "R107" in r.out and "resources" in r.out


def test_not_a_release_is_a_usage_error(tmp_path: Path, cli: Callable[..., Any]) -> None:
    r = cli("release", "check", tmp_path / "nope")
    assert r.code == 2
    (tmp_path / "empty").mkdir()
    r = cli("release", "check", tmp_path / "empty")
    assert r.code == 2 and "manifest.json is missing" in r.err
    assert "Traceback" not in r.output


def _rewrite_events(release: Path, events: pl.DataFrame, meta: dict[str, str]) -> None:
    """Rewrite events.parquet and update its manifest entry, so only the content is wrong."""
    path = release / "events.parquet"
    events.write_parquet(path, compression="zstd", metadata=meta)
    m = read_manifest(release)
    res = resource(m, "events.parquet")
    res["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    res["bytes"] = path.stat().st_size
    write_manifest(release, m)


def _release_meta(path: Path) -> dict[str, str]:
    kv = {k.decode(): v.decode() for k, v in (pq.ParquetFile(path).metadata.metadata or {}).items()}
    return {k: v for k, v in kv.items() if k.startswith("evtk.")}


def test_event_rules_run_again_on_the_release(fresh: Path, cli: Callable[..., Any]) -> None:
    """Checksums are not enough: a consistently rewritten events table still goes through every
    event rule, against the release's own codebook snapshot."""
    path = fresh / "events.parquet"
    target = f"{SEED_PREFIX}#e2"
    events = pl.read_parquet(path).with_columns(
        event_code=pl.when(pl.col("event_id") == target).then(pl.lit("999")).otherwise(pl.col("event_code"))
    )
    _rewrite_events(fresh, events, _release_meta(path))

    report = check_release(fresh)
    assert not {"R101", "R102", "R103", "R108"} & rules_of(report)
    e101 = findings_of(report, "E101")
    assert [f["event_id"] for f in e101] == [target]
    assert "999" in e101[0]["message"]
    r = cli("release", "check", fresh)
    assert r.code == 1
    assert "E101" in r.out and target in r.out


def test_wrong_parquet_schema_is_found(fresh: Path, cli: Callable[..., Any]) -> None:
    path = fresh / "events.parquet"
    events = pl.read_parquet(path)
    _rewrite_events(
        fresh,
        events.drop("quad_class").with_columns(pl.col("goldstein").cast(pl.String)),
        _release_meta(path),
    )
    r = cli("release", "check", fresh)
    assert r.code == 1, r.output
    assert "events.parquet: error R106 schema-mismatch" in r.out
    (found,) = findings_of(check_release(fresh), "R106")
    assert "column quad_class missing" in found["message"]
    assert "column goldstein is String, expected Float64" in found["message"]
    assert "Traceback" not in r.output


def test_right_parquet_schema_is_quiet(fresh: Path) -> None:
    path = fresh / "events.parquet"
    _rewrite_events(fresh, pl.read_parquet(path), _release_meta(path))
    assert "R106" not in rules_of(check_release(fresh))


def test_parquet_metadata_disagreeing_with_manifest_is_found(fresh: Path, cli: Callable[..., Any]) -> None:
    path = fresh / "events.parquet"
    meta = _release_meta(path)
    meta["evtk.version"] = "9.9.9"
    _rewrite_events(fresh, pl.read_parquet(path), meta)
    r = cli("release", "check", fresh)
    assert r.code == 1, r.output
    assert "events.parquet: error R108 metadata-mismatch" in r.out
    (found,) = findings_of(check_release(fresh), "R108")
    assert "evtk.version is '9.9.9'" in found["message"]


def test_json_format_is_the_report(fresh: Path, cli: Callable[..., Any]) -> None:
    flip_byte(fresh / "README.md")
    (fresh / "stray.txt").write_text("x", encoding="utf-8")
    r = cli("release", "check", fresh, "--format", "json")
    assert r.code == 1
    expected = json.loads(json.dumps(check_release(fresh).to_dict(), default=str))
    assert json.loads(r.out) == expected
    assert expected["valid"] is False and expected["rule_counts"] == {"R101": 1, "R105": 1}


def test_json_format_of_a_clean_release(base: Base, cli: Callable[..., Any]) -> None:
    r = cli("release", "check", base.release, "--format", "json")
    assert r.code == 0
    assert json.loads(r.out) == json.loads(json.dumps(check_release(base.release).to_dict(), default=str))


def test_github_format(fresh: Path, cli: Callable[..., Any]) -> None:
    flip_byte(fresh / "events.parquet")
    flip_byte(fresh / "README.md")
    r = cli("release", "check", fresh, "--format", "github")
    assert r.code == 1
    lines = r.out.strip().splitlines()
    annotations = lines[:-1]  # the last line is the summary
    assert len(annotations) == 2
    for line in annotations:
        assert line.startswith("::error file=")
        assert "title=R101 checksum-mismatch::" in line
    # outside the working directory a release's files keep their full path
    files = {line.split("file=")[1].split(",")[0] for line in annotations}
    assert files == {(fresh / "events.parquet").as_posix(), (fresh / "README.md").as_posix()}


def test_hidden_folder_is_never_checked_as_a_release(fresh: Path) -> None:
    """An unfinished build (``.tmp-VERSION-PID``) is complete-looking at its last step; it is not a
    release, whatever it holds."""
    hidden = fresh.parent / ".tmp-0.2.0-12345"
    shutil.copytree(fresh, hidden)
    assert not is_release(hidden)
    assert list_releases(fresh.parent) == [fresh]
    with pytest.raises(InputError, match="not a release"):
        check_release(hidden)


# ---------------------------------------------------------------------------- release to release
def second_release(
    tmp_path: Path,
    version: str,
    events: list[dict[str, Any]],
    *,
    retractions: list[tuple[str, str]] | None = None,
    codebook: Path | None = None,
) -> tuple[Path, Path]:
    """Release 0.1.0 of the seed, then ``version`` of ``events`` in the same releases folder."""
    data = make_data(tmp_path)
    out = tmp_path / "releases"
    a = build_release("0.1.0", data, out).path
    set_events(data, events)
    if retractions:
        lines = ["event_id,reason"] + [f"{i},{json.dumps(r)}" for i, r in retractions]
        (data / "retractions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # `release build` refuses what `release check` rejects; a release that reached the folder by other
    # means (by hand, or from an older evtk) is what the check is for
    with refusals_off():
        b = build_release(version, data, out, codebook=codebook).path
    return a, b


def without(events: list[dict[str, Any]], local_id: str) -> list[dict[str, Any]]:
    kept = [e for e in events if e["id"] != local_id]
    assert len(kept) == len(events) - 1
    return kept


def test_silent_removal_is_found(tmp_path: Path, cli: Callable[..., Any]) -> None:
    _, b = second_release(tmp_path, "0.2.0", without(seed_events(), "e6"))
    r = cli("release", "check", b)
    assert r.code == 1, r.output
    gone = f"{SEED_PREFIX}#e6"
    assert "R201 unexplained-removal" in r.out and gone in r.out
    report = check_release(b)
    assert [f["event_id"] for f in findings_of(report, "R201")] == [gone]
    assert "0.1.0" in findings_of(report, "R201")[0]["message"]


def test_retracted_removal_is_clean(tmp_path: Path, cli: Callable[..., Any]) -> None:
    gone = f"{SEED_PREFIX}#e6"
    _, b = second_release(
        tmp_path, "0.2.0", without(seed_events(), "e6"), retractions=[(gone, "coded twice, see e7")]
    )
    report = check_release(b)
    assert report.errors == 0, F.render(report, "text")
    assert "R201" not in report.rule_counts and "R204" not in report.rule_counts
    assert read_manifest(b)["previous_version"] == "0.1.0"
    assert load(b, "retractions").collect().to_dicts() == [
        {"event_id": gone, "reason": "coded twice, see e7", "since": None}
    ]
    assert cli("release", "check", b).code == 0


def test_retractions_carry_over_without_warnings(tmp_path: Path, cli: Callable[..., Any]) -> None:
    """data/retractions.csv is cumulative: a retraction from 0.2.0 is still listed in 0.3.0 and is
    not "stale" there; a retraction that names no event at all is."""
    gone = f"{SEED_PREFIX}#e6"
    data = make_data(tmp_path)
    out = tmp_path / "releases"
    build_release("0.1.0", data, out)
    set_events(data, without(seed_events(), "e6"))
    (data / "retractions.csv").write_text(f"event_id,reason\n{gone},duplicate\n", encoding="utf-8")
    build_release("0.2.0", data, out)
    third = build_release("0.3.0", data, out).path
    report = check_release(third)
    assert report.rule_counts == {}, F.render(report, "text")
    assert load(third, "retractions").collect()["event_id"].to_list() == [gone]

    typo = f"{SEED_PREFIX}#e66"
    (data / "retractions.csv").write_text(
        f"event_id,reason\n{gone},duplicate\n{typo},typo\n", encoding="utf-8"
    )
    fourth = build_release("0.4.0", data, out).path
    report = check_release(fourth)
    assert report.errors == 0
    assert [f["event_id"] for f in findings_of(report, "R204")] == [typo]
    r = cli("release", "check", fourth)
    assert r.code == 0 and "warning R204 stale-retraction" in r.out


def test_patch_bump_with_retraction_is_found(tmp_path: Path, cli: Callable[..., Any]) -> None:
    gone = f"{SEED_PREFIX}#e6"
    _, b = second_release(tmp_path, "0.1.1", without(seed_events(), "e6"), retractions=[(gone, "duplicate")])
    report = check_release(b)
    assert rules_of(report) & {"R201", "R202"} == {"R202"}
    msg = findings_of(report, "R202")[0]["message"]
    assert "patch" in msg and "retracted" in msg
    r = cli("release", "check", b)
    assert r.code == 1 and "R202 bad-version-bump" in r.out


@pytest.mark.parametrize(("version", "ok"), [("0.1.1", False), ("0.2.0", True)])
def test_codebook_change_needs_a_minor_bump(
    tmp_path: Path, cli: Callable[..., Any], version: str, ok: bool
) -> None:
    cb = tmp_path / "codebook"
    shutil.copytree(default_path(), cb)
    meta = cb / "codebook.yaml"
    old = load_codebook(default_path()).version
    text = meta.read_text(encoding="utf-8")
    assert f"version: {old}" in text
    meta.write_text(text.replace(f"version: {old}", "version: 9.9.9", 1), encoding="utf-8")
    _, b = second_release(tmp_path, version, seed_events(), codebook=cb)
    assert read_manifest(b)["codebook"]["version"] == "9.9.9"
    report = check_release(b)
    r = cli("release", "check", b)
    if ok:
        assert report.errors == 0, F.render(report, "text")
        assert r.code == 0
    else:
        assert rules_of(report) == {"R202"}
        assert "codebook version changed" in findings_of(report, "R202")[0]["message"]
        assert r.code == 1


def test_version_must_be_greater(tmp_path: Path, cli: Callable[..., Any]) -> None:
    data = make_data(tmp_path)
    newer = build_release("0.2.0", data, tmp_path / "x").path
    same = build_release("0.2.0", data, tmp_path / "y").path
    older = build_release("0.1.0", data, tmp_path / "z").path
    for release in (same, older):
        r = cli("release", "check", release, "--previous", newer)
        assert r.code == 1, r.output
        assert "R202" in r.out and "must be greater" in r.out
        report = check_release(release, CheckOptions(previous=newer))
        # R205 too: these manifests name no previous release, yet --previous gives one
        assert rules_of(report) == {"R202", "R205"}


def _quad4_events(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"d{i}",
            "sentence": 6,
            "quote": "invasion of Ukraine",
            "date": f"2022-01-{i:02d}",
            "source": "RUSMIL",
            "target": "UKR",
            "code": "190",
        }
        for i in range(1, n + 1)
    ]


def test_drift_is_a_warning(tmp_path: Path, cli: Callable[..., Any]) -> None:
    _, b = second_release(tmp_path, "0.1.1", seed_events() + _quad4_events(20))
    report = check_release(b)
    assert report.errors == 0
    drift = findings_of(report, "R203")
    assert drift and any("quad class 4" in f["message"] for f in drift)
    r = cli("release", "check", b)
    assert r.code == 0, r.output
    assert "warning R203 drift" in r.out and "quad class 4" in r.out

    r = cli("release", "check", b, "--drift-quad", "0.9")
    assert r.code == 0
    assert "R203" not in r.out
    assert "R203" not in check_release(b, CheckOptions(drift=DriftThresholds(quad_share=0.9))).rule_counts


def test_no_previous_skips_release_rules(tmp_path: Path, cli: Callable[..., Any]) -> None:
    _, b = second_release(tmp_path, "0.2.0", without(seed_events(), "e6"))
    assert cli("release", "check", b).code == 1
    assert cli("release", "check", b, "--no-previous").code == 0


# ============================================================================ 4. hash collisions
def collide(expr: pl.Expr) -> pl.Expr:
    """A terrible hash: two buckets, so almost every pair of keys collides."""
    return expr.hash(seed=0) % 2


GLOBAL_COLUMNS = {
    "event_id": pl.String,
    "file": pl.String,
    "article_id": pl.String,
    "source_url": pl.String,
    "sentence": pl.Int32,
    "event_date": pl.Date,
    "source_actor": pl.String,
    "target_actor": pl.String,
    "event_code": pl.String,
}


@st.composite
def event_tables(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    """1-3 files of events. Ids come from a tiny alphabet (so real duplicates are common) unless
    the draw asks for unique ids; content fields come from tiny pools too."""
    unique = draw(st.booleans())
    ids = st.text(alphabet="ab#é", min_size=0, max_size=3)
    n = draw(st.integers(0, 25))
    all_ids = draw(st.lists(ids, min_size=n, max_size=n, unique=unique))
    rows = []
    for i, eid in enumerate(all_ids):
        rows.append(
            {
                "event_id": eid,
                "file": f"f{i % 2}.yaml",
                "article_id": draw(st.sampled_from(["art", "article-2", None])),
                "source_url": draw(st.sampled_from([None, "http://x"])),
                "sentence": draw(st.sampled_from([1, 2, None])),
                "event_date": draw(st.sampled_from([dt.date(2022, 1, 1), dt.date(2023, 2, 7)])),
                "source_actor": draw(st.sampled_from(["RUSGOV", "MLIGOV"])),
                "target_actor": draw(st.sampled_from(["USA", None])),
                "event_code": draw(st.sampled_from(["042", "0421"])),
            }
        )
    k = draw(st.integers(1, 3))
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), min_size=k - 1, max_size=k - 1)))
    bounds = [0, *cuts, len(rows)]
    return [rows[bounds[j] : bounds[j + 1]] for j in range(k)]


def write_tables(tables: list[list[dict[str, Any]]], folder: Path) -> list[Path]:
    files = []
    for j, rows in enumerate(tables):
        path = folder / f"part-{j}.parquet"
        pl.DataFrame(rows, schema=GLOBAL_COLUMNS).write_parquet(path)
        files.append(path)
    return files


def default_hash(expr: pl.Expr) -> pl.Expr:
    return expr.hash(seed=0)


def _chunks_of(files: list[Path]) -> list[pl.DataFrame]:
    """Release rows in the prepared columns the duplicate rules read, one chunk per file."""
    c = pl.col
    return [
        pl.read_parquet(p).select(
            c("event_id").alias("_id"),
            c("event_id"),
            c("file").alias("_file"),
            pl.lit(None, dtype=pl.Int64).alias("_line"),
            c("article_id").alias("_article"),
            c("source_url").alias("url"),
            c("sentence").cast(pl.Int64).alias("_sentence"),
            c("event_date").alias("_date"),
            c("source_actor").alias("_source"),
            c("target_actor").alias("_target"),
            c("event_code").alias("_code"),
            pl.lit("seed").alias("coder"),  # one coding: a release has one per article
            pl.lit("hand").alias("_method"),
        )
        for p in files
    ]


def _global_findings(files: list[Path], hash_fn: Callable[[pl.Expr], pl.Expr]) -> pl.DataFrame:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(duplicates, "hash_expr", hash_fn)
        m.setattr(duplicates, "BUFFER_ROWS", 3)  # spill hashes to disk as a big release would
        chunks = _chunks_of(files)
        return duplicates.find(chunks, Context(load_codebook()), scope="release")


@settings(max_examples=40, deadline=None)
@given(tables=event_tables())
def test_check_global_survives_hash_collisions(tables: list[list[dict[str, Any]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = write_tables(tables, Path(tmp))
        got = _global_findings(files, collide)
        real = _global_findings(files, default_hash)
        df = pl.concat([pl.read_parquet(p) for p in files])

        # E503: every row whose event id occurs more than once, nothing else
        want_ids = sorted(df.filter(pl.col("event_id").is_duplicated())["event_id"].to_list())
        for found in (got, real):
            e503 = found.filter(pl.col("rule") == "E503")
            assert sorted(e503["event_id"].to_list()) == want_ids
            assert e503["severity"].unique().to_list() in ([], ["error"])

        # E502: per content key, every row but the first (by event id) points at the first
        keyed = (
            df.filter(pl.col("article_id").is_not_null() | pl.col("source_url").is_not_null())
            .with_columns(_key=content_key())
            .filter(pl.col("_key").is_duplicated())
            .sort("_key", "event_id")
        )
        want = []
        for _, group in keyed.group_by("_key"):
            ordered = group.sort("event_id", maintain_order=True).select("event_id", "file").rows()
            first, first_file = ordered[0]
            want += [(eid, first, first_file) for eid, _ in ordered[1:]]
        for found in (got, real):
            e502 = found.filter(pl.col("rule") == "E502")
            pairs = [(r["event_id"], r["message"]) for r in e502.iter_rows(named=True)]
            assert sorted(eid for eid, _ in pairs) == sorted(eid for eid, _, _ in want)
            assert sorted(pairs) == sorted(
                (
                    eid,
                    f"same article, sentence, date, source, target and code as event {first} in {file}: "
                    "remove one of them",
                )
                for eid, first, file in want
            )


def test_check_global_finds_a_copied_file(tmp_path: Path) -> None:
    """End to end: two event files in a release with the same rows give E503 for every id."""
    rows = [
        {
            "event_id": f"coded/a#e{i}",
            "file": "coded/a.yaml",
            "article_id": "art",
            "source_url": None,
            "sentence": i,
            "event_date": dt.date(2022, 1, i),
            "source_actor": "RUSGOV",
            "target_actor": "USA",
            "event_code": "042",
        }
        for i in range(1, 6)
    ]
    files = write_tables([rows, rows[:2]], tmp_path)
    found = _global_findings(files, collide)
    assert sorted(found.filter(pl.col("rule") == "E503")["event_id"].to_list()) == sorted(
        ["coded/a#e1", "coded/a#e1", "coded/a#e2", "coded/a#e2"]
    )
    assert found.filter(pl.col("rule") == "E502").height == 2


# ============================================================================ 5. diff
NEW_EVENTS = [
    {
        "id": "e100",
        "sentence": 5,
        "quote": "did not make any statements to journalists",
        "date": "2023-02-07",
        "source": "RUSGOV",
        "target": "MLIGOV",
        "code": "010",
    },
    {
        "id": "e101",
        "sentence": 12,
        "quote": "Mali's leaders have claimed successes against Islamists",
        "date": "2023-02",
        "source": "MLIGOV",
        "target": None,
        "code": "010",
    },
]
REASON = "coded twice: the same invasion is e6's source in another file"


@pytest.fixture(scope="module")
def diffed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """Release A of the seed; then B with 2 added, 1 retracted, 1 recoded, 1 re-actored, 1 redated."""
    root = tmp_path_factory.mktemp("diff")
    data = make_data(root)
    out = root / "releases"
    a = build_release("0.1.0", data, out).path
    events = {e["id"]: e for e in seed_events()}
    assert events["e2"]["code"] == "042" and events["e3"]["target"] == "RUSGOV"
    assert events["e4"]["date"] == "2023-02-06"
    events["e2"]["code"] = "043"
    events["e3"]["target"] = "RUSMIL"
    events["e4"]["date"] = "2023-02"
    del events["e6"]
    (data / "retractions.csv").write_text(
        f"event_id,reason\n{SEED_PREFIX}#e6,{json.dumps(REASON)}\n", encoding="utf-8"
    )
    set_events(data, [*events.values(), *copy.deepcopy(NEW_EVENTS)])
    result = build_release("0.2.0", data, out)
    return a, result.path, result


def test_diff_counts_every_kind_of_change(diffed: tuple[Path, Path, Any]) -> None:
    a, b, _ = diffed
    d = diff_releases(a, b)
    assert d["old"] == "0.1.0" and d["new"] == "0.2.0"
    assert d["counts"] == {
        "added": 2,
        "removed": 1,
        "recoded": 1,
        "reactored": 1,
        "redated": 1,
        "moved": 0,
        "edited": 0,
        "unexplained_removals": 0,
    }
    p = SEED_PREFIX
    assert d["added"] == [
        {"event_id": f"{p}#e100", "event_code_new": "010"},
        {"event_id": f"{p}#e101", "event_code_new": "010"},
    ]
    assert d["removed"] == [{"event_id": f"{p}#e6", "event_code": "190", "reason": REASON}]
    assert d["recoded"] == [{"event_id": f"{p}#e2", "event_code": "042", "event_code_new": "043"}]
    assert d["reactored"] == [
        {
            "event_id": f"{p}#e3",
            "source_actor": "MLIGOV",
            "target_actor": "RUSGOV",
            "source_actor_new": "MLIGOV",
            "target_actor_new": "RUSMIL",
        }
    ]
    assert d["redated"] == [
        {
            "event_id": f"{p}#e4",
            "event_date": dt.date(2023, 2, 6),
            "date_precision": "day",
            "event_date_new": dt.date(2023, 2, 1),
            "date_precision_new": "month",
        }
    ]
    # the build computed the same diff against the previous release
    _, _, result = diffed
    assert result.diff["counts"] == d["counts"]
    assert result.manifest["previous_version"] == "0.1.0"
    assert check_release(b).errors == 0


def test_diff_cli_json_is_the_same(diffed: tuple[Path, Path, Any], cli: Callable[..., Any]) -> None:
    a, b, _ = diffed
    r = cli("release", "diff", a, b, "--format", "json")
    assert r.code == 0, r.output
    want = {**public_diff(diff_releases(a, b)), "truncated": {}}
    assert json.loads(r.out) == json.loads(json.dumps(want, default=str))
    text = cli("release", "diff", a, b)
    assert text.code == 0
    assert text.out.startswith("0.1.0 -> 0.2.0: 2 added, 1 removed, 1 recoded, 1 reactored, 1 redated")
    assert REASON in text.out


def test_diff_cli_refuses_non_releases(
    diffed: tuple[Path, Path, Any], tmp_path: Path, cli: Callable[..., Any]
) -> None:
    a, _, _ = diffed
    r = cli("release", "diff", a, tmp_path)
    assert r.code == 2 and "not a release" in r.err


def test_changes_md_lists_the_diff(diffed: tuple[Path, Path, Any]) -> None:
    _, b, _ = diffed
    changes = (b / "CHANGES.md").read_text(encoding="utf-8")
    assert changes.startswith("# Changes in 0.2.0")
    assert "Against 0.1.0: 2 added, 1 removed, 1 recoded, 1 reactored, 1 redated, 0 moved, 0 edited." in changes
    for heading in ("## Added (2)", "## Removed (1)", "## Recoded (1)", "## Reactored (1)", "## Redated (1)"):
        assert heading in changes
    for local in ("e100", "e101", "e6", "e2", "e3", "e4"):
        assert f"- `{SEED_PREFIX}#{local}`" in changes
    assert REASON in changes
    assert "event_code: 042, event_code_new: 043" in changes


# ============================================================================ 6. loading
def test_load_returns_the_event_schema(base: Base) -> None:
    lf = load(base.release)
    assert isinstance(lf, pl.LazyFrame)
    assert dict(lf.collect_schema()) == EVENT_COLUMNS
    assert list(lf.collect_schema()) == list(EVENT_COLUMNS)
    df = lf.collect()
    assert df.height == 33
    assert all(len(code) >= 2 for code in df["event_code"].to_list())
    assert "042" in df["event_code"].to_list()
    assert toolkit.load is load


def test_load_with_labels(base: Base) -> None:
    df = load(base.release, labels=True).collect()
    assert df.height == 33
    visits = df.filter(pl.col("event_code") == "042")
    assert visits.height > 0
    assert visits["event_name"].unique().to_list() == ["Make a visit"]
    assert visits["quad_name"].unique().to_list() == ["Verbal cooperation"]
    assert df["event_name"].null_count() == 0


def test_load_other_tables(base: Base) -> None:
    assert load(base.release, "articles").collect()["article_id"].to_list() == [ARTICLE_ID]
    assert load(base.release, "sentences").collect().height == 20
    assert load(base.release, "retractions").collect().height == 0
    with pytest.raises(UsageError):
        load(base.release, "nope")


def test_load_by_version_and_latest(base: Base, tmp_path: Path) -> None:
    data = make_data(tmp_path)
    releases = tmp_path / "releases"
    build_release("0.9.0", data, releases)
    write_events(
        data / "coded" / "more.seed.yaml", [copy.deepcopy(NEW_EVENTS[0])], SEED_HEADER
    )  # the same coder's second file (another coder's would be a second coding of the article)
    build_release("0.10.0", data, releases)  # semver order: 0.10.0 is newer than 0.9.0
    # an unfinished build is hidden, even with a manifest and a higher version
    shutil.copytree(releases / "0.10.0", releases / ".tmp-0.11.0-999")
    assert [p.name for p in list_releases(releases)] == ["0.9.0", "0.10.0"]
    assert load("0.9.0", releases_dir=releases).collect().height == 33
    assert load("0.10.0", releases_dir=releases).collect().height == 34
    assert load("latest", releases_dir=releases).collect().height == 34
    for missing in ("0.11.0", "1.0.0", ".tmp-0.11.0-999"):
        with pytest.raises(InputError, match="no release"):
            load(missing, releases_dir=releases)
    with pytest.raises(InputError, match="no release"):
        load(releases / ".tmp-0.11.0-999")
    with pytest.raises(InputError):
        load("latest", releases_dir=tmp_path / "empty")


def test_partitioned_layout_loads_the_same_rows(base: Base, tmp_path: Path) -> None:
    part = build_release("0.1.0", base.data, tmp_path / "releases", partition_threshold=0).path
    assert not (part / "events.parquet").exists()
    single = load(base.release).collect().sort("event_id")
    parted = load(part).collect().sort("event_id")
    assert dict(load(part).collect_schema()) == EVENT_COLUMNS
    assert parted.equals(single)
    labelled = load(part, labels=True).filter(pl.col("event_code") == "042").collect()
    assert labelled["event_name"].unique().to_list() == ["Make a visit"]


def test_pandas_reads_the_release(base: Base, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    want = sorted(load(base.release).select("event_code").collect()["event_code"].to_list())
    df = pd.read_parquet(base.release / "events.parquet")
    assert len(df) == 33
    codes = sorted(df["event_code"].tolist())
    assert codes == want
    assert all(isinstance(c, str) for c in codes) and "042" in codes
    part = build_release("0.1.0", base.data, tmp_path / "releases", partition_threshold=0).path
    dfp = pd.read_parquet(part / "events")
    assert len(dfp) == 33
    assert sorted(dfp["event_code"].tolist()) == want


def test_duckdb_reads_the_release(base: Base, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    want = sorted(load(base.release).select("event_code").collect()["event_code"].to_list())
    path = (base.release / "events.parquet").as_posix()
    con = duckdb.connect()
    assert con.sql(f"select count(*) from read_parquet('{path}')").fetchall() == [(33,)]
    codes = [r[0] for r in con.sql(f"select event_code from read_parquet('{path}') order by 1").fetchall()]
    assert codes == want and "042" in codes
    assert con.sql(f"select distinct typeof(event_code) from read_parquet('{path}')").fetchall() == [
        ("VARCHAR",)
    ]
    part = build_release("0.1.0", base.data, tmp_path / "releases", partition_threshold=0).path
    glob = (part / "events" / "*" / "*.parquet").as_posix()
    src = f"read_parquet('{glob}', hive_partitioning = true)"
    assert con.sql(f"select count(*) from {src}").fetchall() == [(33,)]
    assert [r[0] for r in con.sql(f"select event_code from {src} order by 1").fetchall()] == want
    years = dict(con.sql(f"select year, count(*) from {src} group by all").fetchall())
    assert {int(k): v for k, v in years.items()} == {
        int(k): v for k, v in read_manifest(base.release)["counts"]["by_year"].items()
    }


# ============================================================================ 7. round trip
@functools.cache
def _sentences() -> dict[int, str]:
    arts = load_articles([ARTICLES])
    rows = arts.sentences.filter(pl.col("article_id") == ARTICLE_ID).sort("sentence")
    return dict(zip(rows["sentence"].to_list(), rows["text"].to_list(), strict=True))


@functools.cache
def _codes() -> list[str]:
    cb = load_codebook(default_path())
    live = (
        cb.events.filter(pl.col("replaced_by").is_null()) if "replaced_by" in cb.events.columns else cb.events
    )
    return sorted(live["code"].to_list())


ACTORS = ["RUSGOV", "MLIGOV", "USA", "MLIMIL", "FRAGOV", "IGOUNO"]


@st.composite
def coded_event(draw: st.DrawFn) -> dict[str, Any]:
    sentence = draw(st.integers(1, 20))
    words = _sentences()[sentence].split()
    start = draw(st.integers(0, len(words) - 1))
    stop = draw(st.integers(start + 1, min(len(words), start + 8)))
    day = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=PUBLISHED - dt.timedelta(days=1)))
    precision = draw(st.sampled_from(["day", "month", "year"]))
    source = draw(st.sampled_from(ACTORS))
    target = draw(st.one_of(st.none(), st.sampled_from([a for a in ACTORS if a != source])))
    return {
        "sentence": sentence,
        "quote": " ".join(words[start:stop]),
        "date": {"day": day.isoformat(), "month": day.isoformat()[:7], "year": day.isoformat()[:4]}[
            precision
        ],
        "source": source,
        "target": target,
        "code": draw(st.sampled_from(_codes())),
        "_precision": precision,
        "_first_day": {"day": day, "month": day.replace(day=1), "year": day.replace(month=1, day=1)}[
            precision
        ],
    }


@pytest.mark.slow  # make test-slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(coded_event(), min_size=1, max_size=8),
    ids=st.lists(st.from_regex(r"[a-z][a-z0-9_-]{0,6}", fullmatch=True), min_size=8, max_size=8, unique=True),
)
def test_written_events_come_back(events: list[dict[str, Any]], ids: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(ARTICLES, data / "articles")
        for ev, local in zip(events, ids, strict=False):
            ev["id"] = local
        written = [{k: v for k, v in ev.items() if not k.startswith("_")} for ev in events]
        write_events(data / "coded" / "prop.alice.yaml", written, {**SEED_HEADER, "coder": "alice"})
        try:
            rel = build_release("1.0.0", data, Path(tmp) / "releases").path
        except BuildBlocked as exc:  # pragma: no cover - shows the findings when it happens
            pytest.fail(F.render(exc.report, "text"))
        got = (
            load(rel)
            .select(
                "event_id",
                "local_id",
                "sentence",
                "quote",
                "event_code",
                "source_actor",
                "target_actor",
                "event_date",
                "date_precision",
                "year",
                "method",
                "coder",
            )
            .collect()
            .sort("event_id")
            .to_dicts()
        )
        want = sorted(
            (
                {
                    "event_id": f"coded/prop.alice#{ev['id']}",
                    "local_id": ev["id"],
                    "sentence": ev["sentence"],
                    "quote": ev["quote"],
                    "event_code": ev["code"],
                    "source_actor": ev["source"],
                    "target_actor": ev["target"],
                    "event_date": ev["_first_day"],
                    "date_precision": ev["_precision"],
                    "year": ev["_first_day"].year,
                    "method": "hand",
                    "coder": "alice",
                }
                for ev in events
            ),
            key=lambda r: r["event_id"],
        )
        assert got == want
        assert check_release(rel).errors == 0
