"""The rule coder (`evtk code`): dictionaries, dates, the shallow grammar, output that validates,
PETRARCH2-format dictionaries, and the scorer on small hand-made cases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.coder import dates as D
from toolkit.coder.dictionaries import parse_pattern, read_petrarch
from toolkit.coder.score import Item, agreement, expand_pairs, pair, score

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "petrarch"
ARTICLE = "afp-2023-02-07-lavrov-mali"
PUB = dt.date(2023, 2, 7)  # a Tuesday


@pytest.fixture(scope="module")
def loaded():
    from toolkit.coder import build

    return build()


def code(loaded, text: str, pub: dt.date = PUB) -> list[tuple[str, str | None, str, str]]:
    from toolkit.coder import code_sentences

    return [(e.source, e.target, e.code, e.date) for e in code_sentences(loaded, [(1, text)], pub)]


# --- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("on Monday", "2023-02-06"),
        ("early Tuesday", "2023-02-07"),
        ("last Tuesday", "2023-01-31"),
        ("yesterday", "2023-02-06"),
        ("last month", "2023-01"),
        ("In January", "2023-01"),
        ("in March", "2022-03"),
        ("last year", "2022"),
        ("in 2015", "2015"),
        ("since August 2020", "2020-08"),
        ("on May 20, 2022", "2022-05-20"),
        ("on 20 May 2022", "2022-05-20"),
        ("on February 3", "2023-02-03"),
        ("over the weekend", "2023-02"),
    ],
)
def test_relative_dates(text: str, value: str) -> None:
    found = D.find_dates(f"The minister spoke {text} to reporters.", PUB)
    assert [f.value for f in found] == [value]


def test_dates_after_publication_are_dropped() -> None:
    assert D.find_dates("They will meet in 2030 and on March 3, 2024.", PUB) == []
    assert D.find_dates("He may resign.", PUB) == []  # the modal is not a month


# --- patterns and dictionaries --------------------------------------------------------------------
def test_pattern_syntax() -> None:
    pre, post = parse_pattern("will|would * of abuse|torture", 1)
    assert pre == (frozenset({"will", "would"}),)
    assert post == (frozenset({"of"}), frozenset({"abuse", "torture"}))
    for bad in ("of abuse", "* of * abuse", "* a||"):
        with pytest.raises(ValueError):
            parse_pattern(bad, 1)


def test_shipped_dictionaries_load(loaded) -> None:
    d = loaded.dictionaries
    assert d.coder == f"evtk-rules/{d.version}"
    assert not d.problems
    visit = next(g for g in d.verbs if g.id == "visit")
    assert (visit.code, visit.paired) == ("042", "043")
    assert ("Moscow", "RUS", "country", "dictionaries/actors.yaml") == d.actors[
        next(i for i, a in enumerate(d.actors) if a[0] == "Moscow")
    ][:4]


def test_petrarch_files_load() -> None:
    verbs = read_petrarch(FIXTURES / "verbs.txt")
    chastise = next(g for g in verbs.verbs if g.id == "p2-chastise")
    assert chastise.code == "111" and chastise.verbs == ["chastise", "chastised"]
    assert [(p.text, p.code) for p in chastise.patterns] == [("* for corruption", "1121")]
    garrison = next(g for g in verbs.verbs if g.id == "p2-garrison")
    assert garrison.code is None and [p.text for p in garrison.patterns] == ["* troops in"]  # &synsets skipped
    actors = read_petrarch(FIXTURES / "actors.txt")
    assert ("freedonia republic", "AGO") in [(a[0], a[1]) for a in actors.actors]
    assert ("freedonia", "AGO") in [(a[0], a[1]) for a in actors.actors]
    firefly = [(p.code, p.start, p.end) for p in actors.people]
    assert firefly == [("AGOELI", None, dt.date(2033, 1, 1)), ("AGOGOV", dt.date(2033, 1, 1), dt.date(2039, 12, 31))]
    agents = read_petrarch(FIXTURES / "agents.txt")
    assert [(a[0], a[1]) for a in agents.agents] == [("halberdier", "MIL"), ("halberdiers", "MIL"), ("tax collector", "GOV")]


def test_petrarch_bad_file(tmp_path: Path, evtk) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("# nothing here\n", encoding="utf-8")
    res = evtk("code", "--text", "Russia criticized France.", "--dictionary", bad)
    assert res.code == 2 and "no PETRARCH2 entries" in res.err
    bad.write_text("--- MEET [040] ---\nMEET\n- * WITH\n", encoding="utf-8")
    res = evtk("code", "--text", "Russia criticized France.", "--dictionary", bad)
    assert res.code == 2 and f"{bad}:3:" in res.err and "[CODE]" in res.err
    res = evtk("code", "--text", "Russia criticized France.", "--dictionary", tmp_path / "missing.txt")
    assert res.code == 2 and "no such dictionary file" in res.err


def test_petrarch_dictionaries_code(evtk) -> None:
    args = ["--dictionary", FIXTURES / "verbs.txt", "--dictionary", FIXTURES / "actors.txt"]
    args += ["--dictionary", FIXTURES / "agents.txt", "--format", "jsonl", "--published", "2035-06-01"]
    res = evtk("code", "--text", "Firefly chastised Sylvania for corruption.", *args)
    assert res.code == 0, res.err
    rows = [json.loads(x) for x in res.out.splitlines()]
    assert [(r["source"], r["target"], r["code"]) for r in rows] == [("AGOGOV", "ZAF", "1121")]
    res = evtk("code", "--text", "Freedonia halberdiers chastised Sylvania.", *args)
    assert [(r["source"], r["code"]) for r in map(json.loads, res.out.splitlines())] == [("AGOMIL", "111")]


# --- the shallow grammar ------------------------------------------------------------------------
def test_source_verb_target_and_paired_visit(loaded) -> None:
    got = code(loaded, "Russian Foreign Minister Sergei Lavrov visited Mali on Monday.")
    assert got == [("RUSGOV", "MLI", "042", "2023-02-06"), ("MLI", "RUSGOV", "043", "2023-02-06")]


def test_passive_by(loaded) -> None:
    got = code(loaded, "Lavrov was welcomed by his Malian counterpart Abdoulaye Diop.")
    assert got[0][:3] == ("MLIGOV", "RUSGOV", "043")


def test_passive_without_agent_codes_nothing(loaded) -> None:
    assert code(loaded, "The fighters have been accused of abuses.") == []


def test_compound_actors_pair_up(loaded) -> None:
    got = code(loaded, "Senior Hungarian and Romanian officials met on Wednesday.", dt.date(2023, 2, 10))
    assert sorted(got) == [("HUNGOV", "ROMGOV", "040", "2023-02-08"), ("ROMGOV", "HUNGOV", "040", "2023-02-08")]
    got = code(loaded, "Lavrov visited Angola, South Africa and Eswatini in January.")
    assert [g[1] for g in got if g[2] == "042"] == ["AGO", "ZAF", "SWZ"]
    assert {g[3] for g in got} == {"2023-01"}


def test_possessive_agent(loaded) -> None:
    assert code(loaded, "Mali's foreign minister criticized France.") == [("MLIGOV", "FRA", "111", "2023-02-07")]
    assert code(loaded, "The president of Kenya praised Uganda.")[0][:3] == ("KENGOV", "UGA", "051")


def test_reported_speech(loaded) -> None:
    assert code(loaded, "Russia accused the United States of aggression.")[0][:3] == ("RUS", "USA", "1123")
    assert code(loaded, "Russia said Sudan must return a helicopter.")[0][:3] == ("RUS", "SDN", "100")


def test_negation_and_intent(loaded) -> None:
    assert code(loaded, "Russia did not criticize France.") == [("RUS", "FRA", "011", "2023-02-07")]
    assert code(loaded, "Russia did not visit France.") == []
    assert code(loaded, "Lavrov will hold talks with Diop.")[0][:3] == ("RUSGOV", "MLIGOV", "036")
    assert code(loaded, "Israel would blockade Gaza.")[0][:3] == ("ISR", "GZS", "138")


def test_people_hold_roles_over_dates(loaded) -> None:
    assert code(loaded, "Putin criticized France.", dt.date(2020, 1, 1))[0][0] == "RUSGOV"
    assert code(loaded, "Putin criticized France.", dt.date(1990, 1, 1)) == []  # not in office


def test_roles_cover_a_month_or_year_date(loaded) -> None:
    # Goita was MLIMIL from 2020-08-18: an event dated August 2020 (month precision) falls in it
    assert code(loaded, "Goita criticized France in August 2020.")[0][:2] == ("MLIMIL", "FRA")
    assert code(loaded, "Goita criticized France in July 2020.") == []


def test_passive_agent_is_the_first_by(loaded) -> None:
    got = code(loaded, "Russian fighters were accused by rights groups of abuses, including by the UN.")
    assert got[0][:3] == ("NGOHRI", "RUSREB", "1122")


def test_nouns_are_not_verbs(loaded) -> None:
    assert code(loaded, "Moscow sought ties built on solidarity and support.")[0][2] == "030"
    assert len(code(loaded, "Moscow sought ties built on solidarity and support.")) == 1
    assert code(loaded, "The visit by the delegation was short.") == []
    assert code(loaded, "Moscow's invasion of Ukraine last year.") == [("RUS", "UKR", "190", "2022")]


def test_no_event_in_plain_sentences(loaded) -> None:
    for text in ("The two men did not make any statements to journalists.", "It rained in Paris.", ""):
        assert code(loaded, text) == []


# --- the command ----------------------------------------------------------------------------------
def test_code_article_writes_a_file_that_validates(data_dir: Path, evtk) -> None:
    res = evtk("code", ARTICLE, "--data", data_dir)
    assert res.code == 0, res.err
    out = data_dir / "coded" / f"{ARTICLE}.rules.yaml"
    text = out.read_text(encoding="utf-8")
    assert "method: rule" in text and 'coder: "evtk-rules/' in text and "rule_id:" in text
    res = evtk("validate", out, "--articles", data_dir / "articles")
    assert res.code == 0 and "0 error(s)" in res.out, res.out
    assert evtk("code", ARTICLE, "--data", data_dir).code == 0  # a rule-coded file may be re-coded


def test_code_never_overwrites_a_hand_coded_file(data_dir: Path, evtk) -> None:
    target = data_dir / "coded" / f"{ARTICLE}.rules.yaml"
    target.write_text((data_dir / "coded" / "lavrov.alice.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    before = target.read_bytes()
    res = evtk("code", ARTICLE, "--data", data_dir)
    assert res.code == 2 and "never overwrites" in res.err
    assert target.read_bytes() == before


def test_code_to_stdout_as_jsonl_validates(data_dir: Path, evtk, tmp_path: Path) -> None:
    res = evtk("code", "--data", data_dir, "--out", "-", "--format", "jsonl")
    assert res.code == 0
    rows = [json.loads(x) for x in res.out.splitlines()]
    assert rows and {r["method"] for r in rows} == {"rule"} and {r["article"] for r in rows} == {ARTICLE}
    path = tmp_path / "out.jsonl"
    path.write_text(res.out, encoding="utf-8")
    res = evtk("validate", path, "--articles", data_dir / "articles")
    assert res.code == 0, res.out


def test_code_usage_errors(data_dir: Path, evtk) -> None:
    assert evtk("code", "no-such-article", "--data", data_dir).code == 2
    res = evtk("code", "--text", "x", ARTICLE)
    assert res.code == 2 and "--text" in res.err
    res = evtk("code", "--published", "2020-01-01")
    assert res.code == 2 and "--published goes with --text" in res.err
    res = evtk("code", "--text", "Russia criticized France.", "--published", "20-1-1")
    assert res.code == 2 and "YYYY-MM-DD" in res.err


def test_code_text_yaml(evtk) -> None:
    res = evtk("code", "--text", "Russia criticized France on Monday.", "--published", "2023-02-07")
    assert res.code == 0
    assert 'code: "111"' in res.out and 'date: "2023-02-06"' in res.out and 'quote: "criticized"' in res.out


def test_score_against_the_seed_coding(data_dir: Path, evtk) -> None:
    seed = REPO / "data" / "coded" / f"{ARTICLE}.seed.yaml"
    res = evtk("code", "--score", seed, "--data", REPO / "data")
    assert res.code == 0, res.err
    for level in ("root", "base", "full", "quad", "plover", "source", "target"):
        assert f"  {level} " in res.out
    assert "records without reference events: 4" in res.out


def test_score_against_plover_records(tmp_path: Path, evtk) -> None:
    records = [
        {"id": "doc", "event": "DOCUMENT", "eventText": "documentation"},
        {"id": "a", "date": "2000-01-01", "event": "DISAPPROVE", "eventText": "accused",
         "text": "Zimbabwe accused the United States of blackmail.",
         "source": [{"code": "ZWE"}], "target": [{"code": "USA"}]},
        {"id": "b", "date": "2000-01-01", "event": "CONSULT", "eventText": "visited",
         "text": "It rained in Paris.", "source": [{"code": "FRA"}], "target": [{"code": "DEU"}]},
    ]
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps(records), encoding="utf-8")
    res = evtk("code", "--score", gold)
    assert res.code == 0, res.err
    assert "2 PLOVER records" in res.out
    assert "PLOVER type found in 1 (50.0%)" in res.out
    line = next(ln for ln in res.out.splitlines() if ln.strip().startswith("plover"))
    assert line.split()[1:4] == ["2", "1", "1"]  # gold, coded, matched


# --- the scorer on hand-made cases ------------------------------------------------------------
def _it(code: str | None, src: str = "RUS", tgt: str | None = "MLI", key: int = 1, plover: str | None = None) -> Item:
    return Item(("a", key), code, int(code[:2]) // 5 + 1 if code else None, plover, src, tgt)


def test_pairing_is_optimal_not_greedy() -> None:
    # greedy would pair gold 0 with coded 0 (weight 3) and leave gold 1 with nothing (total 3)
    weights = [[3, 2], [2, 0]]
    assert pair(2, 2, lambda i, j: weights[i][j]) == [(0, 1), (1, 0)]
    assert pair(1, 3, lambda i, j: [0, 1, 5][j]) == [(0, 2)]
    assert pair(3, 1, lambda i, j: [0, 0, 0][i]) == []
    assert pair(0, 4, lambda i, j: 1) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=3, max_size=3), min_size=1, max_size=4))
def test_pairing_matches_brute_force(weights: list[list[int]]) -> None:
    import itertools

    n, m = len(weights), 3
    got = pair(n, m, lambda i, j: weights[i][j])
    assert len({i for i, _ in got}) == len(got) and len({j for _, j in got}) == len(got)
    best = 0
    for perm in itertools.permutations(range(max(n, m)), n):
        best = max(best, sum(weights[i][j] for i, j in enumerate(perm) if j < m))
    assert sum(weights[i][j] for i, j in got) == best


def test_score_levels_on_a_small_case() -> None:
    gold = [_it("0421"), _it("112", "WST", "USA"), _it("190", key=2)]
    coded = [_it("042"), _it("111", "WST", "USA"), _it("190", "UKR", key=3)]
    s = score(gold, coded)
    assert s.matched == {"root": 2, "base": 1, "full": 0, "quad": 2, "plover": 0, "source": 2, "target": 2}
    assert (s.precision("root"), s.recall("root")) == (2 / 3, 2 / 3)
    assert s.f1("full") == 0.0
    assert s.records == 3 and s.empty_records == 1 and s.empty_quiet == 0  # key 3 has no gold events


def test_agreement_counts_empty_targets_as_equal() -> None:
    assert agreement(_it("040", tgt=None), _it("040", tgt=None), ("target",)) == 1
    assert agreement(_it("040", src="ROU"), _it("040", src="ROM"), ("source",)) == 1  # ISO vs CAMEO Romania


def test_expand_pairs() -> None:
    assert expand_pairs(["A", "B"], []) == [("A", "B"), ("B", "A")]
    assert expand_pairs(["A"], ["B", "C"]) == [("A", "B"), ("A", "C")]
    assert expand_pairs([], ["B"]) == [(None, "B")]


def test_unreadable_dictionary_is_a_usage_error(codebook_copy: Path, evtk) -> None:
    verbs = codebook_copy / "dictionaries" / "verbs.yaml"
    verbs.write_text(verbs.read_text(encoding="utf-8") + "  - id: [broken\n", encoding="utf-8")
    res = evtk("codebook", "check", "--codebook", codebook_copy)
    assert res.code == 2 and "dictionaries/verbs.yaml:" in res.err
    res = evtk("code", "--text", "Russia criticized France.", "--codebook", codebook_copy)
    assert res.code == 2 and "dictionaries/verbs.yaml:" in res.err


def test_score_reference_naming_an_unknown_article(tmp_path: Path, evtk) -> None:
    gold = tmp_path / "x.alice.yaml"
    gold.write_text('article: "no-such-article"\nevents:\n  - id: e1\n    sentence: 1\n    code: "042"\n', encoding="utf-8")
    res = evtk("code", "--score", gold, "--data", REPO / "data")
    assert res.code == 2 and "no-such-article" in res.err and str(gold) in res.err


def test_missing_coder_extra(monkeypatch: pytest.MonkeyPatch, evtk) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "spacy_lookups_data", None)  # as if not installed
    res = evtk("code", "--text", "Russia criticized France.")
    assert res.code == 2 and "pip install 'evtk[coder]'" in res.err
