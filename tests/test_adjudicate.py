"""Several coders: adjudication (E701), the release's one coding per article, agreement recorded."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "data" / "coded" / "afp-2023-02-07-lavrov-mali.seed.yaml"
ARTICLE = "afp-2023-02-07-lavrov-mali"
ADJ = f"{ARTICLE}.adjudicated.yaml"


def _drop_first_event(text: str) -> str:
    start = text.index("  - id: e1\n")
    end = text.index("  - id:", start + 5)
    return text[:start] + text[end:]


@pytest.fixture
def coded_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """data/ with the seed article coded by alice (the seed file) and by bob, who missed the
    first event and coded the 4-digit 0232 as 0231."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "articles", data / "articles")
    (data / "coded").mkdir()
    seed = SEED.read_text(encoding="utf-8")
    (data / "coded" / f"{ARTICLE}.alice.yaml").write_text(seed.replace('coder: "seed"', 'coder: "alice"'))
    bob = _drop_first_event(seed.replace('coder: "seed"', 'coder: "bob"')).replace(
        'code: "0232"', 'code: "0231"'
    )
    (data / "coded" / f"{ARTICLE}.bob.yaml").write_text(bob)
    monkeypatch.chdir(tmp_path)
    return Path("data")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# ---------------------------------------------------------------- validate
def test_codings_by_different_coders_are_not_duplicates(evtk, coded_twice: Path) -> None:  # type: ignore[no-untyped-def]
    r = evtk("validate", "--format", "json")
    assert r.code == 0
    doc = json.loads(r.out)
    assert doc["rule_counts"] == {} and doc["counts"]["events"] == 65


def test_the_same_coder_in_two_files_is_still_a_duplicate(evtk, coded_twice: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(
        coded_twice / "coded" / f"{ARTICLE}.alice.yaml", coded_twice / "coded" / f"{ARTICLE}.alice2.yaml"
    )
    doc = json.loads(evtk("validate", "--format", "json").out)
    assert doc["rule_counts"].get("E502") == 33


# ---------------------------------------------------------------- adjudicate
def test_adjudicate_merges_agreed_events_and_lists_disagreements(evtk, coded_twice: Path) -> None:  # type: ignore[no-untyped-def]
    r = evtk("adjudicate", ARTICLE)
    assert r.code == 0, r.output
    assert "31 agreed event(s), 2 unresolved disagreement(s) between alice, bob" in r.out
    path = coded_twice / "coded" / ADJ
    text = path.read_text()
    alice, bob = (f"data/coded/{ARTICLE}.{c}.yaml" for c in ("alice", "bob"))
    # Every agreed event names each coder's line.
    a_line = _line_of(
        coded_twice / "coded" / f"{ARTICLE}.alice.yaml", 'quote: "arrived in Mali early Tuesday'
    )
    b_line = _line_of(coded_twice / "coded" / f"{ARTICLE}.bob.yaml", 'quote: "arrived in Mali early Tuesday')
    assert f"# alice: {alice}:{a_line - 2}, bob: {bob}:{b_line - 2}" in text  # the "- id" line
    disagreements = text[text.index("disagreements:") :]
    assert disagreements.count("status: unresolved") == 2
    assert 'differ: "found by alice only"' in disagreements and "# bob: no matching event" in disagreements
    assert 'differ: "code differs"' in disagreements
    assert 'code: "0232"' in disagreements and 'code: "0231"' in disagreements
    assert re.search(rf"alice:  # {re.escape(alice)}:\d+", disagreements)
    assert re.search(rf"bob:  # {re.escape(bob)}:\d+", disagreements)
    ids = re.findall(r"id: (a\d+)", text)
    assert len(ids) == len(set(ids)) == 31 + 1 + 2  # agreed, alice's lone event, two versions


def test_unresolved_disagreements_fire_E701_and_resolved_ones_are_quiet(evtk, coded_twice: Path) -> None:  # type: ignore[no-untyped-def]
    assert evtk("adjudicate", ARTICLE).code == 0
    path = coded_twice / "coded" / ADJ
    r = evtk("validate", "--format", "json")
    assert r.code == 1
    doc = json.loads(r.out)
    assert doc["rule_counts"] == {"E701": 2}  # the copies of the coders' events are not duplicates
    lines = [f["line"] for f in doc["findings"]]
    text = path.read_text().splitlines()
    assert all(text[n - 1].strip() == "- status: unresolved" for n in lines)
    assert "sentence 1: found by alice only" in doc["findings"][0]["message"]
    # Resolve: keep alice's lone event, and bob's 0231.
    resolved = path.read_text().replace("status: unresolved", "status: resolved")
    path.write_text(resolved)
    r = evtk("validate")
    assert r.code == 0 and "E701" not in r.out


def test_bad_disagreement_status_is_unreadable(evtk, coded_twice: Path) -> None:  # type: ignore[no-untyped-def]
    evtk("adjudicate", ARTICLE)
    path = coded_twice / "coded" / ADJ
    path.write_text(path.read_text().replace("status: unresolved", "status: maybe", 1))
    r = evtk("validate")
    assert r.code == 2 and "status 'maybe' is not unresolved or resolved" in r.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-article"], "no coded events for article no-such-article"),
        ([ARTICLE, "--data", "nowhere"], "data folder not found"),
    ],
)
def test_adjudicate_bad_input_is_exit_2(evtk, coded_twice: Path, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    r = evtk("adjudicate", *args)
    assert r.code == 2 and message in r.err


def test_adjudicate_needs_two_codings_and_never_overwrites(evtk, coded_twice: Path) -> None:  # type: ignore[no-untyped-def]
    assert evtk("adjudicate", ARTICLE).code == 0
    again = evtk("adjudicate", ARTICLE)
    assert again.code == 2 and "already exists" in again.err and "--force" in again.err
    assert evtk("adjudicate", ARTICLE, "--force").code == 0
    (coded_twice / "coded" / f"{ARTICLE}.bob.yaml").unlink()
    (coded_twice / "coded" / ADJ).unlink()
    once = evtk("adjudicate", ARTICLE)
    assert once.code == 2 and "coded by one coder only (alice)" in once.err


# ---------------------------------------------------------------- release: one coding per article
def _events(release: Path) -> pl.DataFrame:
    return pl.read_parquet(release / "events.parquet")


def test_coded_twice_without_adjudication_or_primary_is_a_build_error(evtk, coded_twice: Path) -> None:  # type: ignore[no-untyped-def]
    r = evtk("release", "build", "0.1.0", "--data", coded_twice)
    assert r.code == 1
    assert f"article {ARTICLE} is coded by alice, bob and has no adjudicated file" in r.err
    assert f"evtk adjudicate {ARTICLE}" in r.err and "data/evtk.toml" in r.err
    assert not (coded_twice / "releases").exists()


@pytest.mark.parametrize("how", ["config", "option"])
def test_primary_coder_is_taken_and_never_doubles_a_release(evtk, coded_twice: Path, how: str) -> None:  # type: ignore[no-untyped-def]
    args = ["--primary", "bob"] if how == "option" else []
    if how == "config":
        (coded_twice / "evtk.toml").write_text('[coders]\nprimary = "bob"\n')
    r = evtk("release", "build", "0.1.0", "--data", coded_twice, *args)
    assert r.code == 0, r.output
    events = _events(coded_twice / "releases" / "0.1.0")
    assert events.height == 32 and set(events["coder"]) == {"bob"}
    assert events["event_id"].n_unique() == 32
    assert (
        "agreement recorded: 1 article(s) coded by alice, bob (64 events paired, 1 found by one coder only)"
        in r.out
    )


def test_adjudicated_file_is_taken_alone(evtk, coded_twice: Path) -> None:  # type: ignore[no-untyped-def]
    evtk("adjudicate", ARTICLE)
    path = coded_twice / "coded" / ADJ
    text = path.read_text()
    # Resolve the two disagreements: keep alice's lone event and bob's 0231 (moved into events).
    head, tail = text.split("disagreements:\n")
    versions = re.findall(r"      (alice|bob):  # \S+\n((?:        .*\n)+)", tail)
    keep = [body for coder, body in versions if coder == "alice" and "sentence: 1\n" in body]
    keep += [body for coder, body in versions if coder == "bob"]
    moved = "".join("  - " + body[8:].replace("\n        ", "\n    ") for body in keep)
    path.write_text(head + moved + "disagreements: []\n")
    assert evtk("validate").code == 0
    (coded_twice / "evtk.toml").write_text('[coders]\nprimary = "alice"\n')  # not used: adjudicated wins
    r = evtk("release", "build", "0.1.0", "--data", coded_twice)
    assert r.code == 0, r.output
    release = coded_twice / "releases" / "0.1.0"
    events = _events(release)
    assert events.height == 33 and set(events["file"]) == {f"coded/{ADJ}"}
    assert set(events["coder"]) == {"adjudicated"}
    assert "0231" in events["event_code"].to_list() and "0232" not in events["event_code"].to_list()
    manifest = json.loads((release / "manifest.json").read_text())
    agreement = manifest["agreement"]
    assert agreement["taken"] == [{"article_id": ARTICLE, "coding": "adjudicated"}]
    assert agreement["coders"] == ["alice", "bob"]
    assert (agreement["paired"], agreement["unpaired"]) == (64, 1)
    assert agreement["alpha"]["root"] == 1.0 and agreement["alpha"]["code"] < 1.0
    card = (release / "README.md").read_text()
    assert "## Agreement between coders" in card and "1 article(s) from adjudicated" in card
    assert f"| code | {agreement['alpha']['code']:.3f} |" in card
    check = evtk("release", "check", release)
    assert check.code == 0 and "agreement recorded: 1 article(s) coded by alice, bob" in check.out
    as_json = json.loads(evtk("release", "check", release, "--format", "json").out)
    assert as_json["agreement"]["alpha"] == agreement["alpha"]


def test_single_coded_release_records_no_agreement(evtk, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    r = evtk("release", "build", "0.1.0", "--data", data_dir)
    assert r.code == 0 and "agreement" not in r.out
    release = data_dir / "releases" / "0.1.0"
    assert "agreement" not in json.loads((release / "manifest.json").read_text())
    assert "Agreement" not in (release / "README.md").read_text()
    assert "agreement" not in json.loads(evtk("release", "check", release, "--format", "json").out)


def test_the_double_coded_example_in_data_releases_one_coding() -> None:
    latest = max(
        (p for p in (REPO / "data" / "releases").iterdir() if (p / "manifest.json").is_file()),
        key=lambda p: tuple(int(x) for x in p.name.split(".")),
    )
    manifest = json.loads((latest / "manifest.json").read_text())
    seed_events = SEED.read_text(encoding="utf-8").count("\n  - id: ")
    assert manifest["counts"]["events"] == seed_events
    assert manifest["agreement"]["coders"] == ["kim", "seed"]
    assert manifest["agreement"]["taken"] == [{"article_id": ARTICLE, "coding": "seed"}]
    assert set(_events(latest)["coder"]) == {"seed"}


@pytest.mark.slow  # make test-slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    coders=st.lists(st.sampled_from(["alice", "bob", "carol"]), min_size=1, max_size=3, unique=True),
    primary=st.sampled_from([None, "alice", "bob"]),
)
def test_a_release_never_takes_two_codings(
    tmp_path_factory: pytest.TempPathFactory, coders: list[str], primary: str | None
) -> None:
    from toolkit.release import CodingUnresolved, build_release

    root = tmp_path_factory.mktemp("codings")
    data = root / "data"
    shutil.copytree(REPO / "data" / "articles", data / "articles")
    (data / "coded").mkdir()
    seed = SEED.read_text(encoding="utf-8")
    for coder in coders:
        (data / "coded" / f"{ARTICLE}.{coder}.yaml").write_text(
            seed.replace('coder: "seed"', f'coder: "{coder}"')
        )
    try:
        release = build_release("0.1.0", data, root / "releases", primary_coder=primary).path
    except CodingUnresolved as exc:
        assert len(coders) > 1 and primary not in coders
        assert f"evtk adjudicate {ARTICLE}" in exc.message
        return
    events = _events(release)
    assert events.height == 33 and events["coder"].n_unique() == 1
    assert events["coder"][0] == (primary if len(coders) > 1 else coders[0])


def test_adjudicated_is_not_a_coder_name(evtk, coded_twice: Path) -> None:  # type: ignore[no-untyped-def]
    r = evtk("new", ARTICLE, "--coder", "adjudicated")
    assert r.code == 2 and "reserved" in r.err
    assert not (coded_twice / "coded" / ADJ).exists()
