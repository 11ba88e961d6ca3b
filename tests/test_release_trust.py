"""Trusting a release's history: the previous release is the one its manifest names, verified
before anything is compared with it; event ids are what the build made them; a reused id that now
points at other text is reported."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from test_release import (
    SEED_FILE,
    SEED_PREFIX,
    _release_meta,
    _rewrite_events,
    flip_byte,
    make_data,
    read_manifest,
    seed_events,
    set_events,
    without,
    write_manifest,
)

from tests.conftest import refusals_off
from toolkit.release import CheckOptions, build_release, check_release, diff_releases


@pytest.fixture(autouse=True)
def _no_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """0.1.0 of the seed, then 0.2.0 with e6 removed silently, side by side."""
    root = tmp_path_factory.mktemp("trust")
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        data = make_data(root)
        a = build_release("0.1.0", data, root / "releases").path
        set_events(data, without(seed_events(), "e6"))
        with refusals_off():  # a silent removal: the build refuses it, a hand-made release has it
            b = build_release("0.2.0", data, root / "releases").path
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return a, b


@pytest.fixture
def copied(pair: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    a, b = pair
    dest = tmp_path / "releases"
    return Path(shutil.copytree(a, dest / a.name)), Path(shutil.copytree(b, dest / b.name))


GONE = f"{SEED_PREFIX}#e6"


def test_previous_is_found_by_manifest_not_folder_name(
    copied: tuple[Path, Path], evtk: Callable[..., Any]
) -> None:
    a, b = copied
    submitted = b.rename(b.parent / "submitted")
    r = evtk("release", "check", submitted)
    assert r.code == 1, r.output
    assert "R201 unexplained-removal" in r.out and GONE in r.out


def test_previous_named_nowhere_while_older_exists(
    copied: tuple[Path, Path], evtk: Callable[..., Any]
) -> None:
    a, b = copied
    m = read_manifest(b)
    m["previous_version"] = None  # the manifest is not covered by its own checksums
    write_manifest(b, m)
    r = evtk("release", "check", b)
    assert r.code == 1, r.output
    assert "R205 previous-release" in r.out and "names no previous release, but 0.1.0 is older" in r.out
    assert "R201" in r.out  # and it was compared anyway


def test_tampered_previous_is_not_trusted(copied: tuple[Path, Path], evtk: Callable[..., Any]) -> None:
    a, b = copied
    flip_byte(a / "events.parquet")
    r = evtk("release", "check", b)
    assert r.code == 1, r.output
    assert "previous release 0.1.0: fails its own checks" in r.out
    assert "note: nothing was compared with a previous release: it failed its own checks" in r.out
    assert "R201" not in r.out


def test_missing_previous_is_said(
    copied: tuple[Path, Path], evtk: Callable[..., Any], tmp_path: Path
) -> None:
    _, b = copied
    alone = Path(shutil.copytree(b, tmp_path / "alone" / "0.2.0"))
    r = evtk("release", "check", alone)
    assert r.code == 1, r.output
    assert "no release with version 0.1.0 is next to this one" in r.out
    assert "note: nothing was compared" in r.out
    r = evtk("release", "check", alone, "--no-previous", "--format", "json")
    assert r.code == 0, r.output
    assert '"nothing was compared with a previous release (--no-previous)"' in r.out


def test_previous_of_another_version_is_reported(copied: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = copied
    other = Path(shutil.copytree(a, tmp_path / "other" / "0.1.0"))
    m = read_manifest(other)
    m["version"] = "0.0.9"
    write_manifest(other, m)
    report = check_release(b, CheckOptions(previous=other))
    assert "--previous is version 0.0.9, but the manifest names 0.1.0" in " ".join(
        report.findings.filter(rule="R205")["message"]
    )


def test_first_release_says_nothing_was_compared(copied: tuple[Path, Path], evtk: Callable[..., Any]) -> None:
    a, _ = copied
    r = evtk("release", "check", a, "--format", "github")
    assert r.code == 0, r.output
    assert (
        "::notice title=evtk::nothing was compared with a previous release: the manifest names none" in r.out
    )


def test_clean_pair_compares_quietly(tmp_path: Path) -> None:
    data = make_data(tmp_path)
    build_release("0.1.0", data, tmp_path / "releases")
    b = build_release("0.1.1", data, tmp_path / "releases").path
    report = check_release(b)
    assert report.rule_counts == {} and report.counts.get("previous") == 1 and report.notes == []


# ---------------------------------------------------------------------------- event ids
def test_event_id_not_derived_from_its_row_is_found(
    copied: tuple[Path, Path], evtk: Callable[..., Any]
) -> None:
    a, _ = copied
    path = a / "events.parquet"
    target = f"{SEED_PREFIX}#e2"
    events = pl.read_parquet(path).with_columns(
        local_id=pl.when(pl.col("event_id") == target).then(pl.lit("e99")).otherwise(pl.col("local_id"))
    )
    _rewrite_events(a, events, _release_meta(path))
    r = evtk("release", "check", a)
    assert r.code == 1, r.output
    assert f"event {target}: the id is not {SEED_PREFIX}#e99" in r.out


def test_reused_id_with_other_text_is_found(tmp_path: Path, evtk: Callable[..., Any]) -> None:
    data = make_data(tmp_path)
    build_release("0.1.0", data, tmp_path / "releases")
    events = seed_events()
    e3 = next(e for e in events if e["id"] == "e3")
    e3.update(sentence="4", quote="was in Iraq on Monday", date="2023-02-06")
    set_events(data, events)
    with refusals_off():  # the build refuses it (below); a hand-made release has it
        b = build_release("0.1.1", data, tmp_path / "releases").path
    r = evtk("release", "check", b)
    assert r.code == 1, r.output
    assert "R206 reused-id" in r.out
    assert f"event {SEED_PREFIX}#e3 points at other text than in 0.1.0: sentence changed (3 -> 4)" in r.out
    assert "R210" not in r.out  # the quote of another sentence is part of the move, not an edit
    d = diff_releases(tmp_path / "releases" / "0.1.0", b)
    assert d["counts"]["moved"] == 1 and d["moved"][0]["event_id"] == f"{SEED_PREFIX}#e3"
    shutil.rmtree(b)
    r = evtk("release", "build", "0.1.1", "--data", data, "--out", tmp_path / "releases")
    assert r.code == 1, r.output
    assert (
        f"R206 1 event id(s) of 0.1.0 now name another article or sentence; the first: event "
        f"{SEED_PREFIX}#e3 points at other text than in 0.1.0: sentence changed (3 -> 4): give the event a "
        "new id (and retract the old one in data/retractions.csv)"
    ) in r.output
    assert not (tmp_path / "releases" / "0.1.1").exists()


def test_a_resegmented_article_renumbers_without_reusing_ids(tmp_path: Path, evtk: Callable[..., Any]) -> None:
    """``articles add --replace --remap`` after a new first line: every event keeps its sentence's
    text under a new number, so the next release builds and checks clean; diff lists the moves."""
    from toolkit.articles import add_article

    data = make_data(tmp_path)
    a = build_release("0.1.0", data, tmp_path / "releases").path
    art = next((data / "articles").glob("*.txt"))
    new_text = tmp_path / "new.txt"
    new_text.write_text("Updated at 10:00 GMT.\n\n" + art.read_text(encoding="utf-8"), encoding="utf-8")
    info = add_article(new_text, data / "articles", article_id=art.stem, replace=True, remap=True)
    assert info["remapped"] > 0 and not info["unmapped"]
    b = build_release("0.1.1", data, tmp_path / "releases").path
    r = evtk("release", "check", b)
    assert r.code == 0, r.output
    assert "R206" not in r.out and "R210" not in r.out
    d = diff_releases(a, b)
    assert d["counts"]["moved"] == info["remapped"]


def test_a_corrected_quote_is_an_edit_that_the_check_reports(tmp_path: Path, evtk: Callable[..., Any]) -> None:
    data = make_data(tmp_path)
    a = build_release("0.1.0", data, tmp_path / "releases").path
    events = seed_events()
    e3 = next(e for e in events if e["id"] == "e3")
    old = e3["quote"]
    e3.update(quote=old.split(" ", 1)[1])  # the same sentence, fewer of its words
    set_events(data, events)
    b = build_release("0.1.1", data, tmp_path / "releases").path
    r = evtk("release", "check", b)
    assert r.code == 0, r.output
    assert f"warning R210 requoted: event {SEED_PREFIX}#e3 quotes other words of its sentence than in 0.1.0" in r.out
    assert "R206" not in r.out
    d = diff_releases(a, b)
    assert d["counts"]["moved"] == 0 and d["counts"]["edited"] == 1
    assert "quote" in (b / "CHANGES.md").read_text(encoding="utf-8")


def test_a_coding_replaced_by_adjudication_is_named_in_the_refusal(tmp_path: Path) -> None:
    """The article's events now come from its adjudicated file: the build says that the replaced
    coding's events need retracting, instead of only that events are gone."""
    from toolkit.release import BuildRefused

    data = make_data(tmp_path)
    build_release("0.1.0", data, tmp_path / "releases")
    seed = (data / SEED_FILE).read_text(encoding="utf-8")
    adjudicated = data / SEED_FILE.replace(".seed.", ".adjudicated.")
    adjudicated.write_text(seed.replace('coder: "seed"', 'coder: "adjudicated"'), encoding="utf-8")
    with pytest.raises(BuildRefused) as refused:
        build_release("0.2.0", data, tmp_path / "releases")
    message = str(refused.value)
    assert message.startswith("R201 ")
    assert (
        f"is now taken from {SEED_FILE.replace('.seed.', '.adjudicated.')} instead of {SEED_FILE}; list the "
        f"events of {SEED_FILE} in data/retractions.csv with a reason"
    ) in message


def test_patch_bump_with_silent_removal_says_so(tmp_path: Path) -> None:
    data = make_data(tmp_path)
    build_release("0.1.0", data, tmp_path / "releases")
    set_events(data, without(seed_events(), "e6"))
    with refusals_off():
        b = build_release("0.1.1", data, tmp_path / "releases").path
    messages = " ".join(check_release(b).findings.filter(rule="R202")["message"])
    assert "1 event(s) were removed, 1 of them without a retraction" in messages
    assert "were retracted" not in messages


# ---------------------------------------------------------------------------- codebook snapshot
def _edit_snapshot(release: Path, rel: str, old: str, new: str) -> None:
    from test_security import reseal

    path = release / "codebook" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    reseal(release, f"codebook/{rel}", path)


def _block_of_042(release: Path) -> str:
    text = (release / "codebook" / "events" / "04.yaml").read_text(encoding="utf-8")
    start = text.index("code: '042'") if "code: '042'" in text else text.index('code: "042"')
    return text[start : start + text[start:].index("quad_class") + len("quad_class: 1")]


def test_rewritten_snapshot_of_the_same_version_is_found(
    copied: tuple[Path, Path], evtk: Callable[..., Any]
) -> None:
    a, _ = copied
    block = _block_of_042(a)
    assert block.endswith("quad_class: 1"), block
    assert "goldstein: 1.9" in block
    forged = block.replace("quad_class: 1", "quad_class: 4").replace("goldstein: 1.9", "goldstein: -10")
    _edit_snapshot(a, "events/04.yaml", block, forged)
    r = evtk("release", "check", a, "--no-previous")
    assert r.code == 1, r.output
    assert (
        "codebook/events/04.yaml: differs from codebook 1.0.0" in r.out
        and "1.0.0 at " in r.out
        and ": code 042 changed" in r.out
    )
    assert "R113 codebook-changed" in r.out
    assert "codebook/events/04.yaml" in r.out and " C1" in r.out  # the codebook rules ran on the snapshot


def test_snapshot_version_must_be_the_manifests(copied: tuple[Path, Path]) -> None:
    a, _ = copied
    _edit_snapshot(a, "codebook.yaml", "version: 1.0.0", "version: 1.0.1")
    report = check_release(a, CheckOptions(find_previous=False))
    assert "R108" in report.rule_counts
    assert any("was not compared" in n for n in report.notes)


def test_snapshot_compared_with_a_given_codebook(copied: tuple[Path, Path], codebook_copy: Path) -> None:
    a, _ = copied
    cb = codebook_copy / "codebook.yaml"
    cb.write_text(
        cb.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 2.0.0", 1), encoding="utf-8"
    )
    report = check_release(a, CheckOptions(find_previous=False, codebook=codebook_copy))
    assert report.rule_counts == {}
    assert any("the codebook snapshot 1.0.0 was not compared" in n for n in report.notes)


def test_release_messages_never_read_none(copied: tuple[Path, Path]) -> None:
    """E601 and E503 in a release name the values (a release has no raw text to quote)."""
    a, _ = copied
    path = a / "events.parquet"
    events = pl.read_parquet(path)
    events = pl.concat([events, events.head(1)]).with_columns(
        goldstein=pl.when(pl.col("local_id") == "e2").then(5.0).otherwise(pl.col("goldstein"))
    )
    _rewrite_events(a, events, _release_meta(path))
    m = read_manifest(a)
    next(r for r in m["resources"] if r["path"] == "events.parquet")["rows"] = events.height
    write_manifest(a, m)
    report = check_release(a, CheckOptions(find_previous=False))
    messages = dict(report.findings.select("rule", "message").iter_rows())
    assert messages["E601"] == "goldstein 5.0 disagrees with the codebook's 1.9 for code 042"
    assert "occurs 2 times in the release" in messages["E503"]
    assert all(m and "None" not in m for m in messages.values())


def test_many_bad_ids_are_counted_exactly_with_capped_examples(copied: tuple[Path, Path]) -> None:
    a, _ = copied
    path = a / "events.parquet"
    events = pl.read_parquet(path).with_columns(local_id=pl.lit("zz"))
    _rewrite_events(a, events, _release_meta(path))
    report = check_release(a, CheckOptions(find_previous=False, max_examples=3))
    assert report.rule_counts["R112"] == events.height
    assert report.findings.filter(rule="R112").height == 3
