"""Agreement between coders: alpha against an independent implementation (nltk), textbook cases,
the pairing of events, `evtk agree` and its gate."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask

from toolkit.agreement.alpha import alpha
from toolkit.agreement.levels import LEVELS
from toolkit.agreement.pairing import MAX_COST, _assign, code_distance

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "data" / "coded" / "afp-2023-02-07-lavrov-mali.seed.yaml"
ARTICLE = "afp-2023-02-07-lavrov-mali"


def ours(triples: list[tuple[str, int, str]], distance=None) -> float | None:  # type: ignore[no-untyped-def]
    frame = pl.DataFrame(triples, schema=["coder", "unit", "value"], orient="row").with_columns(g=pl.lit(1))
    out = alpha(frame, ["g"]) if distance is None else alpha(frame, ["g"], distance)
    return out["alpha"][0] if out.height else None


def py_code_distance(a: str, b: str) -> float:
    """The documented hierarchy distance, written again in plain Python for nltk."""
    if a == b:
        return 0.0
    if len(a) >= 3 and len(b) >= 3 and a[:3] == b[:3]:
        return 1 / 3
    if a[:2] == b[:2]:
        return 2 / 3
    return 1.0


# ---------------------------------------------------------------- textbook cases
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the nominal example: four
# observers, twelve units, missing values; alpha = 0.743.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def _triples(table: dict[str, list[int | None]]) -> list[tuple[str, int, str]]:
    return [(c, u, str(v)) for c, vals in table.items() for u, v in enumerate(vals) if v is not None]


def test_krippendorff_published_nominal_example() -> None:
    value = ours(_triples(KRIPPENDORFF_2011))
    assert value == pytest.approx(0.743, abs=5e-4)
    assert value == pytest.approx(AnnotationTask(data=_triples(KRIPPENDORFF_2011)).alpha(), abs=1e-12)


def test_krippendorff_two_coders_binary_example() -> None:
    # Krippendorff (2011), two observers, ten units, binary data: alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert ours(_triples({"A": a, "B": b})) == pytest.approx(0.095, abs=5e-4)  # type: ignore[dict-item]


def test_perfect_agreement_is_one_and_no_variation_is_undefined() -> None:
    same = {"A": [1, 2, 3, 1], "B": [1, 2, 3, 1], "C": [1, None, 3, 1]}
    assert ours(_triples(same)) == 1.0  # type: ignore[arg-type]
    assert ours(_triples({"A": [1, 1, 1], "B": [1, 1, 1]})) is None  # type: ignore[dict-item]
    # A unit coded once is not pairable: it changes nothing.
    assert ours(_triples({"A": [1, 2, 3, 1, 4], "B": [1, 2, 3, 1, None]})) == 1.0  # type: ignore[dict-item]


def test_code_distance_is_the_documented_hierarchy_distance() -> None:
    pairs = [("0421", "0421"), ("0421", "0422"), ("042", "0421"), ("042", "043"), ("04", "042"), ("04", "05")]
    frame = pl.DataFrame(pairs, schema=["a", "b"], orient="row")
    got = frame.select(d=code_distance(pl.col("a"), pl.col("b")))["d"].to_list()
    assert got == pytest.approx([0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1])
    assert got == pytest.approx([py_code_distance(a, b) for a, b in pairs])


# ---------------------------------------------------------------- generated data against nltk
reliability = st.lists(
    st.tuples(
        st.sampled_from("ABCD"), st.integers(0, 11), st.sampled_from(["0421", "0422", "042", "043", "190"])
    ),
    min_size=2,
    max_size=60,
    unique_by=lambda t: (t[0], t[1]),
)


@settings(max_examples=150, deadline=None)
@given(reliability)
def test_nominal_alpha_matches_nltk(triples: list[tuple[str, int, str]]) -> None:
    value = ours(triples)
    frame = pl.DataFrame(triples, schema=["coder", "unit", "value"], orient="row")
    pairable = frame.filter(pl.len().over("unit") >= 2)
    if value is None:
        assert pairable["value"].n_unique() <= 1  # undefined exactly when there is no variation
        return
    assert value == pytest.approx(AnnotationTask(data=triples).alpha(), abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(reliability)
def test_hierarchical_alpha_matches_nltk_with_the_same_distance(triples: list[tuple[str, int, str]]) -> None:
    value = ours(triples, code_distance)
    if value is None:
        return
    expected = AnnotationTask(data=triples, distance=py_code_distance).alpha()
    assert value == pytest.approx(expected, abs=1e-9)


# ---------------------------------------------------------------- the assignment
def test_assignment_is_optimal_not_first_come() -> None:
    # Greedy in order would give event 0 its best unit (10) and leave event 1 the poor one:
    # total 0.10 + 0.45. The optimal assignment is 0.20 + 0.15.
    candidates = pl.DataFrame(
        {
            "article_id": ["a"] * 4,
            "sentence": [1] * 4,
            "_ev": [0, 0, 1, 1],
            "unit": [10, 11, 10, 11],
            "cost": [0.10, 0.20, 0.15, 0.45],
        }
    )
    got = _assign(candidates).sort("_ev")
    assert got["unit"].to_list() == [11, 10]
    assert sum(got["cost"]) == pytest.approx(0.35)


def _brute_force(edges: list[tuple[int, int, int, float]]) -> tuple[int, float]:
    """(pairs, total cost) of the best matching: as many pairs as possible, then the least cost."""
    import itertools

    best = (0, 0.0)
    for k in range(len(edges), 0, -1):
        found = None
        for subset in itertools.combinations(edges, k):
            evs = [e for _, e, _, _ in subset]
            units = [u for _, _, u, _ in subset]
            if len(set(evs)) == k and len(set(units)) == k:
                total = sum(c for *_, c in subset)
                found = total if found is None else min(found, total)
        if found is not None:
            return (k, found)
    return best


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 3), st.integers(0, 50)),
        max_size=9,
        unique_by=lambda t: (t[0], t[1], t[2]),
    )
)
def test_assignment_matches_brute_force(raw: list[tuple[int, int, int, int]]) -> None:
    # Sentence s, event e and unit u of sentence s; events and units never cross sentences.
    edges = [(s, s * 10 + e, s * 10 + u, c / 100) for s, e, u, c in raw]
    candidates = pl.DataFrame(
        {
            "article_id": ["a"] * len(edges),
            "sentence": [s for s, *_ in edges],
            "_ev": [e for _, e, _, _ in edges],
            "unit": [u for _, _, u, _ in edges],
            "cost": [c for *_, c in edges],
        },
        schema={
            "article_id": pl.String,
            "sentence": pl.Int64,
            "_ev": pl.Int64,
            "unit": pl.Int64,
            "cost": pl.Float64,
        },
    )
    got = _assign(candidates)
    assert got["_ev"].is_unique().all() and got["unit"].is_unique().all()
    want_pairs, want_cost = 0, 0.0
    for sentence in {s for s, *_ in edges}:
        n, c = _brute_force([e for e in edges if e[0] == sentence])
        want_pairs, want_cost = want_pairs + n, want_cost + c
    assert got.height == want_pairs
    assert sum(got["cost"]) == pytest.approx(want_cost)


# ---------------------------------------------------------------- the data folders
def _coding(coder: str, text: str | None = None) -> str:
    text = text if text is not None else SEED.read_text(encoding="utf-8")
    return text.replace('coder: "seed"', f'coder: "{coder}"')


@pytest.fixture
def two_coders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """data/ with the seed article coded by alice and, identically, by bob."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "articles", data / "articles")
    (data / "coded").mkdir()
    for coder in ("alice", "bob"):
        (data / "coded" / f"{ARTICLE}.{coder}.yaml").write_text(_coding(coder), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return Path("data")


def _sibling_codes() -> dict[str, str]:
    """For every 4-digit code of the seed file, another 4-digit code with the same parent."""
    from toolkit.codebook import load_codebook

    ev = load_codebook().events
    used = set(re.findall(r'code: "(\d{4})"', SEED.read_text(encoding="utf-8")))
    out = {}
    for code in sorted(used):
        siblings = ev.filter((pl.col("parent") == code[:3]) & (pl.col("code") != code))["code"].sort()
        out[code] = siblings[0]
    return out


def _codes(text: str) -> list[str]:
    return re.findall(r'^\s+code: "(\d+)"', text, re.M)


def test_identical_codings_agree_at_every_level(evtk, two_coders: Path) -> None:  # type: ignore[no-untyped-def]
    r = evtk("agree", "--format", "json")
    assert r.code == 0, r.output
    doc = json.loads(r.out)
    assert set(doc["alpha"]) == set(LEVELS)
    assert doc["alpha"] == dict.fromkeys(LEVELS, 1.0)
    assert (doc["articles"], doc["events"], doc["paired"], doc["unpaired"]) == (1, 66, 66, 0)
    assert doc["found_by_all"] == 1.0
    assert doc["pairs"][0]["coders"] == ["alice", "bob"] and doc["pairs"][0]["paired"] == 33


def test_changing_only_four_digit_codes_lowers_code_alone_by_what_nltk_computes(
    evtk, two_coders: Path
) -> None:  # type: ignore[no-untyped-def]
    bob = two_coders / "coded" / f"{ARTICLE}.bob.yaml"
    text = bob.read_text(encoding="utf-8")
    swaps = _sibling_codes()
    assert swaps, "the seed file has 4-digit codes"
    text = re.sub(r'code: "(\d{4})"', lambda m: f'code: "{swaps[m.group(1)]}"', text)
    bob.write_text(text, encoding="utf-8")
    doc = json.loads(evtk("agree", "--format", "json").out)
    assert doc["alpha"]["root"] == 1.0 and doc["alpha"]["base"] == 1.0
    assert doc["unpaired"] == 0
    # The independent computation: the files' events in order are the units (the copy keeps them).
    a = _codes((two_coders / "coded" / f"{ARTICLE}.alice.yaml").read_text(encoding="utf-8"))
    b = _codes(text)
    assert len(a) == len(b) == 33 and a != b
    triples = [("alice", i, c) for i, c in enumerate(a)] + [("bob", i, c) for i, c in enumerate(b)]
    expected = AnnotationTask(data=triples).alpha()
    assert expected < 1.0
    assert doc["alpha"]["code"] == pytest.approx(expected, abs=1e-6)
    hierarchical = AnnotationTask(data=triples, distance=py_code_distance).alpha()
    assert doc["alpha"]["hierarchical"] == pytest.approx(hierarchical, abs=1e-6)
    assert expected < doc["alpha"]["hierarchical"] < 1.0  # near misses cost less
    # The confusion names the swapped codes under their root.
    swapped = {tuple(sorted(p)) for p in swaps.items()}
    found = {tuple(s["codes"]) for c in doc["confusion"] for s in c["swaps"]}
    assert found == swapped


def test_an_event_one_coder_missed_is_a_unitizing_disagreement(evtk, two_coders: Path) -> None:  # type: ignore[no-untyped-def]
    bob = two_coders / "coded" / f"{ARTICLE}.bob.yaml"
    text = bob.read_text(encoding="utf-8")
    # Drop bob's first event (from "- id: e1" to the next "- id:").
    start = text.index("  - id: e1\n")
    end = text.index("  - id:", start + 5)
    bob.write_text(text[:start] + text[end:], encoding="utf-8")
    doc = json.loads(evtk("agree", "--format", "json").out)
    assert (doc["events"], doc["paired"], doc["unpaired"]) == (65, 64, 1)
    assert doc["pairs"][0]["unpaired"] == {"alice": 1, "bob": 0}
    assert doc["found_by_all"] == pytest.approx(32 / 33, abs=1e-6)
    assert doc["alpha"]["code"] == 1.0  # paired events still agree


def test_pairing_is_deterministic_and_ignores_file_order(evtk, two_coders: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from toolkit.agreement.codings import multiply_coded, read_codings
    from toolkit.agreement.pairing import pair
    from toolkit.codebook import load_codebook

    cb = load_codebook()
    events = read_codings([two_coders], cb).events
    first = pair(events, multiply_coded(events).collect())
    again = pair(
        events.reverse().with_columns(_ord=pl.int_range(pl.len(), dtype=pl.UInt32)),
        multiply_coded(events).collect(),
    )
    assert pair(events, multiply_coded(events).collect()).equals(first)  # the same twice

    # Units are the same sets of events whichever file is read first.
    def sets(f: pl.DataFrame) -> list[tuple[str, ...]]:
        return sorted(
            tuple(sorted(g)) for g in f.group_by("unit").agg(pl.col("event_id"))["event_id"].to_list()
        )

    assert sets(first) == sets(again)
    assert all(first["cost"] <= MAX_COST)


def test_text_and_markdown_formats(evtk, two_coders: Path) -> None:  # type: ignore[no-untyped-def]
    text = evtk("agree")
    assert text.code == 0
    assert "agreement over 1 article(s) coded by 2 coders (alice, bob)" in text.out
    assert re.search(r"^  code\s+1\.000", text.out, re.M)
    md = evtk("agree", "--format", "markdown")
    assert "| level | alpha | pairable values |" in md.out and "| root | 1.000 | 66 |" in md.out


def test_nothing_double_coded_says_so(evtk, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    r = evtk("agree")
    assert r.code == 0 and "no article is coded by two or more coders" in r.out
    doc = json.loads(evtk("agree", "--format", "json").out)
    assert doc["articles"] == 0 and doc["alpha"] == dict.fromkeys(LEVELS)


# ---------------------------------------------------------------- the gate
def _disagree(data: Path) -> None:
    bob = data / "coded" / f"{ARTICLE}.bob.yaml"
    text = bob.read_text(encoding="utf-8")
    bob.write_text(text.replace('code: "042"', 'code: "043"'), encoding="utf-8")


def test_gate_exit_codes(evtk, two_coders: Path) -> None:  # type: ignore[no-untyped-def]
    _disagree(two_coders)
    doc = json.loads(evtk("agree", "--format", "json").out)
    root, code = doc["alpha"]["root"], doc["alpha"]["code"]
    assert root == 1.0 and code < 0.9
    ok = evtk("agree", "--min", f"root=0.8,code={code - 0.01:.3f}")
    assert ok.code == 0, ok.output
    assert "gate: every level meets its minimum" in ok.out
    low = evtk("agree", "--min", "root=0.8,code=0.9")
    assert low.code == 1
    assert f"gate: below minimum: code {code:.3f} < 0.9" in low.out
    as_json = evtk("agree", "--min", "code=0.9", "--format", "json")
    assert as_json.code == 1 and json.loads(as_json.out)["below"][0]["level"] == "code"
    assert "agreement below minimum: code (minimum 0.9)" in as_json.err


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("root", "'root' is not LEVEL=NUMBER"),
        ("root=high", "'high' (for root) is not a number"),
        ("roots=0.8", "unknown level 'roots'"),
        ("root=1.5", "must be between -1 and 1"),
        (",", "no minimum given"),
    ],
)
def test_bad_min_is_a_usage_error(evtk, two_coders: Path, spec: str, message: str) -> None:  # type: ignore[no-untyped-def]
    r = evtk("agree", "--min", spec)
    assert r.code == 2
    assert message in r.err and "Traceback" not in r.output


def test_minimums_from_the_project_configuration(evtk, two_coders: Path) -> None:  # type: ignore[no-untyped-def]
    _disagree(two_coders)
    config = two_coders / "evtk.toml"
    config.write_text("[agreement.minimum]\nroot = 0.8\ncode = 0.95\n", encoding="utf-8")
    r = evtk("agree")
    assert r.code == 1 and "code" in r.out.split("gate:")[1]
    assert evtk("agree", "--min", "root=0.8").code == 0  # the option replaces the configured minimums
    config.write_text("[agreement.minimum]\nroot = 0.8\n", encoding="utf-8")
    assert evtk("agree").code == 0


def test_gate_with_nothing_to_measure_fails(evtk, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    r = evtk("agree", "--min", "root=0.8")
    assert r.code == 1 and "root undefined < 0.8" in r.out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[agreement.minimum]\nroot = 'high'\n", "the minimum of root must be a number"),
        ("[agreement.minimum]\nroots = 0.8\n", "unknown level 'roots'"),
        ("[agreement]\nminimums = 1\n", "unknown key 'minimums' in [agreement]"),
        ("[coder]\nprimary = 'x'\n", "unknown table [coder]"),
        ("[coders]\nprimary = 3\n", "[coders] primary must be a coder name"),
        ("[coders\n", "is not valid TOML"),
    ],
)
def test_bad_configuration_is_exit_2_naming_the_file(evtk, two_coders: Path, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    (two_coders / "evtk.toml").write_text(text, encoding="utf-8")
    r = evtk("agree")
    assert r.code == 2, r.output
    assert "evtk.toml" in r.err and message in r.err


def test_unreadable_event_file_is_exit_2(evtk, two_coders: Path) -> None:  # type: ignore[no-untyped-def]
    (two_coders / "coded" / f"{ARTICLE}.carol.yaml").write_text("events: [\n", encoding="utf-8")
    r = evtk("agree")
    assert r.code == 2 and "E000" in r.out and "cannot be read" in r.err


codings = st.lists(
    st.tuples(
        st.sampled_from(["ann", "ben", "cy"]),
        st.integers(1, 3),
        st.sampled_from(["arrived in Mali", "talks with the junta", "arrived for talks"]),
        st.sampled_from(["042", "043", "0421", "036", "190"]),
        st.sampled_from(["RUSGOV", "RUS", "MLIGOV"]),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=80, deadline=None)
@given(codings)
def test_every_event_is_in_one_unit_with_at_most_one_event_per_coder(
    rows: list[tuple[str, int, str, str, str]],
) -> None:
    import datetime as dt

    from toolkit.agreement.codings import multiply_coded
    from toolkit.agreement.pairing import pair

    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(rows))],
            "article_id": ["art"] * len(rows),
            "coding": [r[0] for r in rows],
            "sentence": [r[1] for r in rows],
            "quote": [r[2] for r in rows],
            "event_code": [r[3] for r in rows],
            "source_actor": [r[4] for r in rows],
            "target_actor": ["MLIGOV"] * len(rows),
            "event_date": [dt.date(2023, 2, 7)] * len(rows),
            "date_precision": ["day"] * len(rows),
        }
    ).with_columns(_ord=pl.int_range(pl.len(), dtype=pl.UInt32))
    coders = multiply_coded(events).collect()
    units = pair(events, coders)
    if coders.is_empty():
        assert units.is_empty()
        return
    assert sorted(units["event_id"]) == sorted(events["event_id"])  # every event, once
    per_unit = units.group_by("unit").agg(
        coders=pl.col("coding").n_unique(), n=pl.len(), sentences=pl.col("sentence").n_unique()
    )
    assert (per_unit["coders"] == per_unit["n"]).all()  # at most one event per coder in a unit
    assert (per_unit["sentences"] == 1).all()  # units never cross sentences
    assert (units["cost"] <= MAX_COST).all()
    assert units["unit"].unique().sort().to_list() == list(range(per_unit.height))


def test_three_identical_codings(evtk, two_coders: Path) -> None:  # type: ignore[no-untyped-def]
    (two_coders / "coded" / f"{ARTICLE}.carol.yaml").write_text(_coding("carol"), encoding="utf-8")
    doc = json.loads(evtk("agree", "--format", "json").out)
    assert (doc["events"], doc["units"], doc["paired"], doc["unpaired"]) == (99, 33, 99, 0)
    assert doc["alpha"] == dict.fromkeys(LEVELS, 1.0) and doc["found_by_all"] == 1.0
    assert [p["coders"] for p in doc["pairs"]] == [["alice", "bob"], ["alice", "carol"], ["bob", "carol"]]
    assert all(p["paired"] == 33 for p in doc["pairs"])
