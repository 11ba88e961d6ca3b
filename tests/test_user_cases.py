"""Cases found by trying evtk as a coder and a researcher (issue 14): data that was lost or wrong
without a word, and messages that sent the user the wrong way. Each test reproduces one case."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from toolkit.codebook import load_codebook
from toolkit.interchange import export_events, import_events
from toolkit.interchange.layouts import LAYOUTS
from toolkit.interchange.mappings import load_country_maps, mappings_dir
from toolkit.release import build_release
from toolkit.validate import validate

CODED = Path("data/coded/lavrov.alice.yaml")
PROJECT = Path(__file__).resolve().parents[1]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _found(data: Path) -> pl.DataFrame:
    return validate([data]).report.findings


# --- 1. locations ----------------------------------------------------------------------------------


def test_unparseable_coordinates_are_errors_and_a_decimal_comma_is_named(
    data_dir: Path, make_event_yaml
) -> None:
    _write(CODED, make_event_yaml({"location": "{country: NGA, lat: '11,8', lon: abc}"}))
    result = validate([data_dir])
    found = result.report.findings.filter(pl.col("rule") == "E002")
    assert result.exit_code == 1
    assert found["message"].to_list() == [
        "lat '11,8' is not a number with a decimal point: write 11.8 (a decimal comma is not read as a "
        "decimal mark)",
        "lon 'abc' is not a number between -180 and 180",
    ]
    # and the build refuses them instead of writing null coordinates
    with pytest.raises(Exception, match="error"):
        build_release("0.1.0", data_dir, Path("out"))
    assert not Path("out/0.1.0").exists()


@pytest.mark.parametrize(
    ("country", "hint"),
    [
        ("Nigeria", "write its code NGA (Nigeria)"),
        ("XXX", "look up the country's code with `evtk codebook search NAME`"),
        ("NI", "as a GDELT FIPS 10-4 code this is NGA (Nigeria): write NGA"),
        ("mli", "codes are upper-case: write MLI"),
        ("ROU", "as an ISO code this is ROM (Romania) in the codebook: write ROM"),
        ("Kosovo", "the codebook has no code for it: leave the country empty and name the place"),
    ],
)
def test_location_country_is_checked_against_the_country_table(
    data_dir: Path, make_event_yaml, country: str, hint: str
) -> None:
    _write(CODED, make_event_yaml({"location": f"{{country: {country}, place: Bamako}}"}))
    found = _found(data_dir)
    assert found.select("rule", "line").rows() == [("E207", 13)]
    assert found["message"][0] == (
        f"location country '{country}' is not a country or region code of the codebook: {hint}"
    )


@pytest.mark.parametrize("country", ["MLI", "WSB", "ROM"])
def test_codebook_country_and_region_codes_are_clean(data_dir: Path, make_event_yaml, country: str) -> None:
    _write(CODED, make_event_yaml({"location": f"{{country: {country}, lat: '12.65', lon: '-8.0'}}"}))
    assert _found(data_dir).is_empty()


def test_fips_table_names_only_codebook_codes_and_every_fips_once() -> None:
    cb = load_codebook()
    codes = set(cb.actors.filter(pl.col("table") == "countries")["code"])
    rows = list(csv.DictReader((mappings_dir(cb) / "gdelt_fips_countries.csv").open(encoding="utf-8")))
    assert len({r["fips"] for r in rows}) == len(rows) > 250
    assert {r["cameo_code"] for r in rows if r["cameo_code"]} <= codes
    # every deliberately unmapped row says why
    assert all(r["note"] for r in rows if not r["cameo_code"])
    maps = load_country_maps(cb)
    assert (maps.fips["NI"], maps.fips["NG"], maps.fips["RO"], maps.fips["KV"]) == ("NGA", "NER", "ROM", "")
    assert (maps.to_fips["USA"], maps.to_fips["SJM"], maps.to_fips["ROM"]) == ("US", "SV", "RO")
    iso = list(csv.DictReader((mappings_dir(cb) / "iso_countries.csv").open(encoding="utf-8")))
    assert {r["cameo_code"] for r in iso if r["cameo_code"]} <= codes


def _gdelt2_row(event_id: str, country: str) -> str:
    layout = LAYOUTS["gdelt2"][0]
    cells = dict.fromkeys(layout.columns, "")
    cells.update(
        GLOBALEVENTID=event_id,
        SQLDATE="20191024",
        Actor1Code="USA",
        EventCode="042",
        EventRootCode="04",
        QuadClass="1",
        GoldsteinScale="1.9",
        ActionGeo_CountryCode=country,
        ActionGeo_FullName="Somewhere",
        SOURCEURL="https://example.org/a",
    )
    return "\t".join(cells[c] for c in layout.columns)


def test_gdelt_fips_codes_become_codebook_codes_with_the_original_kept(tmp_path: Path) -> None:
    src = tmp_path / "g.tsv"
    rows = [_gdelt2_row("1", "NI"), _gdelt2_row("2", "US"), _gdelt2_row("3", "KV"), _gdelt2_row("4", "ZZ")]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    s = import_events("gdelt2", [src], data / "imports" / "g.parquet")
    df = pl.read_parquet(data / "imports" / "g.parquet")
    assert df.select("location_country", "source_location_country").rows() == [
        ("NGA", "NI"),
        ("USA", "US"),
        (None, "KV"),  # Kosovo: no CAMEO code
        (None, "ZZ"),  # not a FIPS code
    ]
    assert s.findings["location_country_unmapped"] == 2
    assert s.details["unmapped_location_countries"] == {"KV": 1, "ZZ": 1}
    # the release holds one code system; GDELT export writes FIPS codes again
    built = build_release("1.0.0", data, tmp_path / "releases")
    events = pl.read_parquet(built.path / "events.parquet")
    assert events["location_country"].to_list() == ["NGA", "USA", None, None]
    export_events("gdelt2", built.path, tmp_path / "back.tsv")
    back = [line.split("\t") for line in (tmp_path / "back.tsv").read_text(encoding="utf-8").splitlines()]
    assert [r[53] for r in back] == ["NI", "US", "", ""]


def test_icews_country_names_and_phoenix_iso_codes_are_mapped(tmp_path: Path) -> None:
    icews = LAYOUTS["icews"][0]
    base = dict.fromkeys(icews.columns, "NA") | {
        "Event ID": "7",
        "Event Date": "2018-01-02",
        "Source Name": "x",
        "Source Sectors": "Government",
        "Source Country": "India",
        "CAMEO Code": "042",
        "Intensity": "1.9",
        "Country": "India",
        "City": "Delhi",
    }
    second = base | {"Event ID": "8", "Country": "Venezuela"}
    path = tmp_path / "i.tab"
    path.write_text(
        "\t".join(icews.columns)
        + "\n"
        + "\n".join("\t".join(r[c] for c in icews.columns) for r in (base, second))
        + "\n",
        encoding="utf-8",
    )
    import_events("icews", [path], tmp_path / "i.parquet")
    df = pl.read_parquet(tmp_path / "i.parquet")
    assert df.select("location_country", "source_location_country").rows() == [
        ("IND", "India"),
        ("VEN", "Venezuela"),
    ]
    phoenix = LAYOUTS["phoenix"][0]
    cells = dict.fromkeys(phoenix.columns, "") | {
        "EventID": "p1",
        "Date": "20140105",
        "SourceActorFull": "ROUGOV",
        "EventCode": "042",
        "EventRootCode": "04",
        "CountryCode": "ROU",
    }
    p = tmp_path / "p.tsv"
    p.write_text("\t".join(cells[c] for c in phoenix.columns) + "\n", encoding="utf-8")
    import_events("phoenix", [p], tmp_path / "p.parquet")
    assert pl.read_parquet(tmp_path / "p.parquet").select("location_country", "source_location_country").row(
        0
    ) == (
        "ROM",
        "ROU",
    )


# --- 3. ethnic-group actor codes, 13. suggestions ----------------------------------------------------


@pytest.mark.parametrize("actor", ["GHAaka", "NGAara", "NGAKUR", "NGAkur", "IRQkurGOV"])
def test_ethnic_group_codes_are_usable_in_lower_case(data_dir: Path, make_event_yaml, actor: str) -> None:
    _write(CODED, make_event_yaml({"target": actor}))
    assert _found(data_dir).is_empty()


@pytest.mark.parametrize(
    ("actor", "rule", "message"),
    [
        (
            "NGAAKA",
            "E202",
            "target NGAAKA: part AKA (position 2) is not in the codebook's actor tables; aka (Akan) is "
            "written in lower case: write NGAaka",
        ),
        (
            "NGAgov",
            "E202",
            "target NGAgov: part gov (position 2) is not in the codebook's actor tables; GOV (Government) is "
            "written in upper case: write NGAGOV",
        ),
        (
            "ghaaka",
            "E201",
            "target 'ghaaka' is not in the codebook's case (upper-case parts, lower-case ethnic groups): "
            "write GHAaka",
        ),
        ("akaGOV", "E201", "target 'akaGOV' is not upper-case: write AKAGOV"),
        (  # and then no circle back to the lower case: an ethnic group cannot open a code
            "AKAGOV",
            "E202",
            "target AKAGOV: part AKA (position 1) is not in the codebook's actor tables; look it up with "
            "`evtk codebook search`",
        ),
        (
            "RUSSIA",
            "E202",
            "target RUSSIA: part SIA (position 2) is not in the codebook's actor tables; 'RUSSIA' is the "
            "name of RUS (Russia): write RUS",
        ),
        ("Russia", "E201", "target 'Russia' is not a code: 'Russia' is the name of RUS (Russia): write RUS"),
        (
            "IRQISI",
            "E202",
            "target IRQISI: part ISI (position 2) is not in the codebook's actor tables; look it up with "
            "`evtk codebook search`",
        ),
    ],
)
def test_actor_messages_point_the_right_way(
    data_dir: Path, make_event_yaml, actor: str, rule: str, message: str
) -> None:
    _write(CODED, make_event_yaml({"target": actor}))
    found = _found(data_dir)
    assert found.select("rule", "message").rows() == [(rule, message)]


def test_codebook_show_agrees_with_validation(evtk) -> None:
    res = evtk("codebook", "show", "GHAaka")
    assert res.code == 0 and "aka  Akan  [ethnic]" in res.out
    res = evtk("codebook", "show", "IRQISI")
    assert res.code == 1 and "[UNKNOWN]" not in res.output
    assert "actor IRQISI: part ISI (position 2) is not in the codebook's actor tables" in res.err
    res = evtk("codebook", "show", "NGAAKA")
    assert res.code == 1 and "write NGAaka" in res.err
    res = evtk("codebook", "show", "GOVRUS")
    assert res.code == 1 and "RUS (country) cannot stand in position 2" in res.err
    res = evtk("codebook", "show", "RUSSIA")
    assert res.code == 1 and "'RUSSIA' is the name of RUS (Russia): write RUS" in res.err


def test_import_writes_actor_codes_in_the_codebook_form_and_keeps_the_original(tmp_path: Path) -> None:
    actors = [
        ("GHAAKA", "Russia"),  # GDELT's upper case ethnic group; a name
        ("gha-aka", "RUSGOV"),  # a format variant; already canonical
        ("GHAAfr", "IRQISI"),  # Afr is the region AFR and the ethnic group afr: ambiguous; unknown
        ("GHAAKA", None),
    ]
    at = LAYOUTS["gdelt2"][0].index("Actor2Code")
    rows = []
    for i, (a1, a2) in enumerate(actors):
        cells = _gdelt2_row(str(i), "GH").replace("\tUSA\t", f"\t{a1}\t", 1).split("\t")
        cells[at] = a2 or ""
        rows.append("\t".join(cells))
    src = _write(tmp_path / "g.tsv", "\n".join(rows) + "\n")
    data = tmp_path / "data"
    s = import_events("gdelt2", [src], data / "imports" / "g.parquet")
    df = pl.read_parquet(data / "imports" / "g.parquet")
    assert df.select("source", "source_actor1_code", "target", "source_actor2_code").rows() == [
        ("GHAaka", "GHAAKA", "RUS", "Russia"),
        ("GHAaka", "gha-aka", "RUSGOV", "RUSGOV"),
        ("GHAAfr", "GHAAfr", "IRQISI", "IRQISI"),
        ("GHAaka", "GHAAKA", None, None),
    ]
    assert s.findings["actor_code_rewritten"] == 4
    assert s.findings["actor_code_ambiguous"] == 1
    assert s.details["ambiguous_actor_codes"] == {"GHAAfr": 1}
    # validation agrees with the import: only the ambiguous and the unknown code are reported
    found = _found(data).filter(pl.col("rule") == "E206")
    assert found["message"].str.extract(r"^(\w+ \S+)").to_list() == ["source 'GHAAfr'", "target 'IRQISI'"]


def test_actor_rewrite_keeps_every_canonical_code() -> None:
    from toolkit.interchange.actors import canonical_actors

    cb = load_codebook()
    codes = cb.actor_parts["code"].filter(cb.actor_parts["code"].str.contains("^[A-Z]{3}$"))
    table = canonical_actors(pl.concat([codes, "NGA" + codes.str.to_lowercase()]), cb)
    kept = table.filter(pl.col("value").str.contains("^[A-Z]{3}$"))
    assert kept["status"].null_count() == kept.height and (kept["value"] == kept["canonical"]).all()
    # lower-case parts that are only ethnic groups stay; those that are only upper-case parts go up
    lower = table.filter(pl.col("value").str.starts_with("NGA") & (pl.col("value").str.len_chars() == 6))
    ethnic = set(cb.actor_parts["code"].filter(cb.actor_parts["code"].str.contains("^[a-z]{3}$")))
    for value, canonical, _status in lower.iter_rows():
        part = value[3:]
        assert canonical == (value if part in ethnic else "NGA" + part.upper())


def test_search_finds_ethnic_groups_and_ranks_exact_names_first(evtk) -> None:
    def codes(*words: str) -> list[str]:
        res = evtk("codebook", "search", *words, "--format", "json")
        assert res.code == 0
        import json

        return [hit["code"] for hit in json.loads(res.out)]

    assert codes("akan")[0] == "aka"
    assert codes("military")[0] == "MIL"
    # "gun" is an ethnic code (Guan), but in a phrase it is a word: the fighting code comes first
    assert codes("gun", "battle")[0] == "193"
    assert "gun" not in codes("gun", "battle")
    assert codes("gun")[0] == "gun"  # one word that is a code: the code


def test_code_suggestions_name_every_likely_code(evtk, data_dir: Path, make_event_yaml) -> None:
    res = evtk("codebook", "show", "0150")
    assert res.code == 1 and "did you mean 015 or 150?" in res.err
    _write(CODED, make_event_yaml({"code": '"0150"'}))
    assert _found(data_dir)["message"].to_list() == [
        "event code '0150' is not in codebook 1.0.0: codes are strings with leading zeros; did you mean 015 or 150?"
    ]


def test_misspelt_article_id_gets_the_nearest_id(data_dir: Path, make_event_yaml) -> None:
    _write(CODED, make_event_yaml(header={"article": "afp-2023-02-07-lavrov-mail"}))
    found = _found(data_dir)
    assert found.select("rule", "line").rows() == [("E301", 2)]
    assert found["message"][0] == (
        "article 'afp-2023-02-07-lavrov-mail' is not in the articles folder: did you mean "
        "'afp-2023-02-07-lavrov-mali'? (`evtk articles show afp-2023-02-07-lavrov-mali`)"
    )
    _write(CODED, make_event_yaml(header={"article": "reuters-1999-unrelated"}))
    assert "check the id (`evtk articles show`) or add the article" in _found(data_dir)["message"][0]


# --- 9. dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "hint"),
    [
        ("23/06/2016", "write ISO YYYY-MM-DD: 2016-06-23 (day first; there is no month 23)"),
        ("06/23/2016", "write ISO YYYY-MM-DD: 2016-06-23 (month first; there is no month 23)"),
        ("23.06.2016", "write ISO YYYY-MM-DD: 2016-06-23 (day first; there is no month 23)"),
        ("05.02.2023", "dotted dates are day-first: write ISO YYYY-MM-DD: 2023-02-05"),
        (  # the article is of 2023-02-07: 2023-05-02 cannot be the date, 2023-02-05 can
            "5/2/2023",
            "write ISO YYYY-MM-DD: 2023-02-05 (day first; month first, 2023-05-02, is after the article's "
            "publication date 2023-02-07)",
        ),
        ("2/1/2023", "write ISO YYYY-MM-DD: 2023-01-02 if day first, 2023-02-01 if month first"),
        ("31/02/2016", "no such day in either order (day first or month first)"),
        ("2016-6-23", "write it with two-digit months and days: 2016-06-23"),
        ("2016-6", "write it with two-digit months and days: 2016-06"),
        ("20160623", "write it with dashes: 2016-06-23"),
    ],
)
def test_date_hints_use_what_is_possible(data_dir: Path, make_event_yaml, date: str, hint: str) -> None:
    _write(CODED, make_event_yaml({"date": f'"{date}"'}))
    found = _found(data_dir).filter(pl.col("rule") == "E401")
    assert found["message"].to_list() == [f"date '{date}' is not a valid date: {hint}"]


# --- 11. YAML and CSV messages ---------------------------------------------------------------------


@pytest.mark.parametrize(("indent", "line"), [(5, 12), (3, 12), (2, 12)])
def test_yaml_indentation_error_names_the_key_and_the_alignment(
    data_dir: Path, make_event_yaml, indent: int, line: int
) -> None:
    text = make_event_yaml().replace("    code:", " " * indent + "code:")
    _write(CODED, text)
    result = validate([data_dir])
    assert result.exit_code == 2
    found = result.report.findings
    assert found.select("rule", "line").rows() == [("E000", line)]
    assert found["message"][0] == (
        f"malformed YAML: key 'code' is indented {indent} spaces, but 'target' on the line above (line 11) "
        "is indented 4: keys of one mapping line up, so indent 'code' by 4 spaces, like 'target'"
    )


def test_location_as_a_value_says_it_takes_a_mapping(data_dir: Path, make_event_yaml) -> None:
    _write(CODED, make_event_yaml({"location": "NGA"}))
    found = _found(data_dir)
    assert found["message"].to_list() == [
        "unknown field 'location' is ignored: location takes a mapping: write `location: {country: NGA, "
        "place: Abuja}` (or location_country)"
    ]


@pytest.mark.parametrize(
    ("extra", "meant"),
    [
        ({"location": {"country": "MLI", "name": "Bamako"}}, "location.place"),
        ({"location": {"country": "MLI", "latitude": 12.6}}, "location.lat"),
        ({"location": {"country": "MLI", "lng": -8.0}}, "location.lon"),
        ({"location_city": "Bamako"}, "location_place"),
        ({"actor1": "RUSGOV"}, "source"),
        ({"cameo_code": "042"}, "code"),
    ],
)
def test_a_field_named_as_other_datasets_name_it_gets_evtks_name(
    data_dir: Path, make_event_yaml, extra: dict, meant: str
) -> None:
    _write(CODED, make_event_yaml(extra))
    messages = _found(data_dir)["message"].to_list()
    assert len(messages) == 1
    assert messages[0].endswith(f"is ignored: did you mean '{meant}'?")


HEADER = "id,article,sentence,quote,date,source,target,code"
ROW = "e1,afp-2023-02-07-lavrov-mali,{sentence},arrived in Mali,2023-02-07,RUSGOV,MLIGOV,042"


def test_trailing_empty_csv_column_is_not_an_unknown_field(data_dir: Path) -> None:
    CODED.unlink()
    _write(Path("data/coded/sheet.csv"), f"{HEADER},\n{ROW.format(sentence=3)},\n")
    assert _found(data_dir).is_empty()
    # a nameless column that holds values is named in the message, without the list of every field
    _write(Path("data/coded/sheet.csv"), f"{HEADER},\n{ROW.format(sentence=3)},x\n")
    assert _found(data_dir)["message"].to_list() == [
        "unknown field '' is ignored: a column of the header has no name but holds values: name it, or "
        "delete the column"
    ]


def test_pandas_whole_numbers_are_sentence_numbers(data_dir: Path) -> None:
    CODED.unlink()
    second = ROW.format(sentence="4.0").replace("e1,", "e2,").replace("arrived in Mali", "welcomed")
    _write(Path("data/coded/sheet.csv"), f"{HEADER}\n{ROW.format(sentence='3.0')}\n{second}\n")
    result = validate([data_dir])
    assert result.report.findings.is_empty()  # no E002, and no false E502 duplicates after it
    assert result.events["sentence"].to_list() == [3, 4]


# --- 12. E303 shows the sentence --------------------------------------------------------------------

SENTENCE_3 = (
    "Russia's foreign minister Sergei Lavrov arrived in Mali early Tuesday for talks with its junta leaders "
    "seeking Moscow's help in battling an Islamist insurgen..."
)


@pytest.mark.parametrize(
    "quote", ["arrived in Mali ... for talks", "Lavrov … in Mali", "arrived [...] Tuesday"]
)
def test_a_quote_with_left_out_words_matches_in_order(data_dir: Path, make_event_yaml, quote: str) -> None:
    _write(CODED, make_event_yaml({"quote": f'"{quote}"'}))
    assert _found(data_dir).is_empty()


@pytest.mark.parametrize(
    ("sentence", "quote", "where"),
    [
        (
            "3",
            "years of fighting. Lavrov, who was in Iraq",
            ": it runs across sentences 3 and 4; quote the words of one sentence (or code one event per sentence)",
        ),
        ("3", "for talks ... arrived", " nor in any other sentence: copy the words exactly"),
    ],
)
def test_e303_shows_the_sentence_and_quotes_across_sentences(
    data_dir: Path, make_event_yaml, sentence: str, quote: str, where: str
) -> None:
    _write(CODED, make_event_yaml({"sentence": sentence, "quote": f'"{quote}"'}))
    found = _found(data_dir)
    assert found["message"].to_list() == [
        f'quote "{quote}" is not in sentence 3 of afp-2023-02-07-lavrov-mali{where}; sentence 3 reads: '
        f'"{SENTENCE_3}"'
    ]


# --- 10. encodings ----------------------------------------------------------------------------------


def test_windows_1252_bytes_get_cp1252_and_latin1_refuses_them(data_dir: Path, make_event_yaml, evtk) -> None:
    text = make_event_yaml({"quote": '"arrived in Mali"'}).replace(
        "checked by bob", "checked by bob\u2019s team"
    )
    CODED.write_bytes(text.encode("cp1252"))
    res = evtk("validate", "data")
    assert res.code == 2
    assert (
        "byte 0x92 is not valid utf-8: the file is probably Windows-1252 (byte 0x92 is '\u2019' there)"
        in res.out
    )
    assert "pass --encoding cp1252" in res.out
    res = evtk("validate", "data", "--encoding", "latin-1")  # would store U+0092, an invisible control
    assert res.code == 2
    assert "byte 0x92 is a control character in Latin-1 but '\u2019' in Windows-1252" in res.out
    assert evtk("validate", "data", "--encoding", "cp1252").code == 0


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])
def test_utf16_files_are_read(data_dir: Path, make_event_yaml, codec: str) -> None:
    CODED.unlink()
    sheet = Path("data/coded/sheet.csv")
    sheet.write_bytes(f"{HEADER}\n{ROW.format(sentence=3)}\n".encode(codec))  # utf-16 writes a BOM
    result = validate([data_dir])
    assert result.exit_code == 0, result.report.findings
    assert result.events["quote"].to_list() == ["arrived in Mali"]
    # Excel's "Unicode text": UTF-16 with tabs
    sheet.write_bytes(f"{HEADER}\n{ROW.format(sentence=3)}\n".replace(",", "\t").encode(codec))
    result = validate([data_dir])
    assert result.exit_code == 0, result.report.findings
    assert result.events["source_actor"].to_list() == ["RUSGOV"]


def test_import_names_utf16_instead_of_rejecting_every_line(tmp_path: Path) -> None:
    from toolkit.errors import InputError

    src = tmp_path / "g.tsv"
    src.write_bytes((_gdelt2_row("1", "NI") + "\n").encode("utf-16"))
    with pytest.raises(InputError, match="the file is UTF-16"):
        import_events("gdelt2", [src], tmp_path / "o.parquet")


# --- 4. GDELT 1.0 files that mix the 57- and 58-column layouts --------------------------------------

# real GDELT 1.0 rows of both layouts, with their sources: tests/fixtures/formats/README.md
GDELT1 = Path(__file__).resolve().parent / "fixtures" / "formats" / "gdelt1"


@pytest.mark.parametrize("first", ["57", "58"])
def test_gdelt1_rows_of_both_layouts_are_read_in_one_file(tmp_path: Path, first: str) -> None:
    rows57 = (GDELT1 / "sample.57col.tsv").read_text(encoding="utf-8").splitlines()
    rows58 = (GDELT1 / "sample.58col.tsv").read_text(encoding="utf-8").splitlines()
    # interleaved, the way real files mix them; the majority layout comes first or second
    mixed = [r for pair in zip(rows57, rows58, strict=False) for r in pair] + rows58[len(rows57) :]
    if first == "57":
        # 57-column rows in the majority: the sample's, and each again under another id (a row
        # repeated whole would be a duplicate-row)
        again = ["9" + r.split("\t", 1)[0] + "\t" + r.split("\t", 1)[1] for r in rows57[:60]]
        mixed = rows57 + again + rows58[:10]
    src = tmp_path / "mixed.tsv"
    src.write_text("\n".join(mixed) + "\n", encoding="utf-8")
    s = import_events("gdelt1", [src], tmp_path / "o.parquet")
    assert (s.rows_read, s.rows_written, s.rows_rejected) == (len(mixed), len(mixed), 0)
    df = pl.read_parquet(tmp_path / "o.parquet")
    width = [len(r.split("\t")) for r in mixed]
    # SOURCEURL only where the row has it; every other field from the same positions
    assert [u is not None for u in df["url"].to_list()] == [w == 58 for w in width]
    assert df["code"].null_count() == 0 and df["date"].null_count() == 0


def test_gdelt1_row_too_short_for_both_layouts_names_both_widths(tmp_path: Path) -> None:
    layout = LAYOUTS["gdelt1"][0]
    cells = dict.fromkeys(layout.columns, "") | {
        "GLOBALEVENTID": "1",
        "SQLDATE": "20150101",
        "EventCode": "042",
    }
    full = "\t".join(cells[c] for c in layout.columns)
    short = "\t".join(full.split("\t")[:50])
    src = tmp_path / "g.tsv"
    src.write_text(full + "\n" + short + "\n", encoding="utf-8")
    s = import_events("gdelt1", [src], tmp_path / "o.parquet")
    assert s.rows_rejected_by_reason == {"missing-columns": 1}
    assert s.examples[0].detail == "50 columns, expected 57 or 58"


# --- 5. PLOVER export ------------------------------------------------------------------------------


def test_docs_plover_lists_every_code_without_an_event_type() -> None:
    from toolkit.interchange.exporter import _crosswalk, unmapped_reason

    cb = load_codebook()
    mapped = set(_crosswalk(cb).collect()["cameo_code"])
    unmapped = [c for c in cb.events["code"] if c not in mapped]
    assert "04" in mapped and "20" in mapped and "08" not in mapped  # roots by the cue-category table
    text = (PROJECT / "docs" / "plover.md").read_text(encoding="utf-8")
    listed = [
        code
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith(("| codes", "| ---"))
        for code in line.split("|")[1].replace(" ", "").split(",")
    ]
    assert listed == unmapped
    assert f"The {len(unmapped)} codes" in text
    for code in unmapped:
        assert unmapped_reason(code, cb) in text


def test_plover_export_counts_and_explains_what_it_leaves_out(tmp_path: Path, evtk) -> None:
    src = tmp_path / "g.tsv"
    codes = ["010", "010", "0231", "04", "042", "08", "155"]
    rows = [_gdelt2_row(str(i), "NI").replace("\t042\t", f"\t{c}\t") for i, c in enumerate(codes)]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    import_events("gdelt2", [src], data / "imports" / "g.parquet")
    built = build_release("1.0.0", data, tmp_path / "releases")
    s = export_events("plover", built.path, tmp_path / "p.jsonl")
    assert (s.rows_read, s.rows_written) == (7, 2)  # 04 (root, CONSULT) and 042
    assert s.unmapped_codes == {"010": 2, "0231": 1, "08": 1, "155": 1}
    assert (
        s.unmapped_reasons["010"]
        == s.unmapped_reasons["0231"]
        == ("PLOVER has no event type for CAMEO 01 (statements) and 02 (appeals)")
    )
    res = evtk("export", "plover", built.path, "--out", tmp_path / "p2.jsonl")
    assert res.code == 1
    assert (
        "events not exported (5, 71.4%): CAMEO codes without a PLOVER event type (see docs/plover.md)"
        in res.out
    )
    assert "root 08 is CONCEDE (081-083) or RETREAT (084-087) in PLOVER" in res.out


# --- 2. release build refuses what release check would reject --------------------------------------


def _published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(PROJECT / "data" / "articles", data / "articles")
    # the data 0.1.0 was built from: the seed coding only (data/ also holds a second coder's copy)
    (data / "coded").mkdir()
    shutil.copy(PROJECT / "data" / "coded" / "afp-2023-02-07-lavrov-mali.seed.yaml", data / "coded")
    shutil.copytree(PROJECT / "data" / "releases" / "0.1.0", data / "releases" / "0.1.0")
    monkeypatch.chdir(tmp_path)
    return data


def _drop_event(data: Path, local_id: str) -> None:
    path = data / "coded" / "afp-2023-02-07-lavrov-mali.seed.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(f"  - id: {local_id}")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id:"))
    path.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")


def test_build_refuses_a_version_at_or_below_the_latest(
    tmp_path: Path, monkeypatch, evtk, tree_snapshot
) -> None:
    data = _published(tmp_path, monkeypatch)
    before = tree_snapshot(data)
    res = evtk("release", "build", "0.0.9", "--data", data)
    assert res.code == 1
    assert (
        "R202 version 0.0.9 after 0.1.0: 0.1.0 is published, so the new version must be greater; build 0.1.1"
        in (res.err)
    )
    assert tree_snapshot(data) == before  # nothing written
    assert evtk("release", "build", "0.1.1", "--data", data).code == 0


def test_build_refuses_a_removal_without_retraction_and_a_bump_too_small(
    tmp_path: Path, monkeypatch, evtk, tree_snapshot
) -> None:
    data = _published(tmp_path, monkeypatch)
    _drop_event(data, "e3")
    before = tree_snapshot(data)
    res = evtk("release", "build", "0.2.0", "--data", data)
    assert res.code == 1
    assert (
        "R201 1 event(s) of 0.1.0 are gone without a retraction; the first: event "
        "coded/afp-2023-02-07-lavrov-mali.seed#e3 was in 0.1.0 and is gone without a retraction: add them to "
        "data/retractions.csv with a reason, or restore them"
    ) in res.err
    assert tree_snapshot(data) == before
    (data / "retractions.csv").write_text(
        "event_id,reason,since\ncoded/afp-2023-02-07-lavrov-mali.seed#e3,duplicate of e2,0.1.1\n",
        encoding="utf-8",
    )
    res = evtk("release", "build", "0.1.1", "--data", data)
    assert res.code == 1
    assert (
        "R202 version 0.1.1 after 0.1.0 is a patch bump but 1 event(s) were retracted (at least minor): build 0.2.0"
    ) in res.err
    assert not (data / "releases" / "0.1.1").exists()
    assert evtk("release", "build", "0.2.0", "--data", data).code == 0
    assert evtk("release", "check", data / "releases" / "0.2.0").code == 0


# --- 7. validate checks retractions.csv -------------------------------------------------------------


def test_validate_checks_retractions_line_by_line(data_dir: Path, evtk) -> None:
    present = "coded/lavrov.alice#e1"
    Path("data/retractions.csv").write_text(
        f"event_id,reason,since\ncoded/old#e9,duplicate,0.1.1\ncoded/old#e8,,0.1.1\n,typo,0.1.1\n{present},x,\n",
        encoding="utf-8",
    )
    result = validate([data_dir])
    assert result.exit_code == 1
    found = result.report.findings.filter(pl.col("rule").is_in(["R208", "R209"]))
    assert found.select("rule", "file", "line").rows() == [
        ("R208", "data/retractions.csv", 3),
        ("R208", "data/retractions.csv", 4),
        ("R209", "data/retractions.csv", 5),
    ]
    assert set(found["message"]) == {
        "retraction without an event id: name the event_id of the withdrawn event",
        "retraction of coded/old#e8 has no reason: say why the event was withdrawn",
        f"event {present} is retracted in retractions.csv but is still in data/coded/lavrov.alice.yaml: remove "
        "the event, or the retraction",
    }
    # the build refuses with the same findings (not exit 2 without a line)
    res = evtk("release", "build", "0.1.0", "--data", "data")
    assert res.code == 1 and "data/retractions.csv:3" in res.output


def test_clean_retractions_and_unreadable_ones(data_dir: Path) -> None:
    Path("data/retractions.csv").write_text("event_id,reason\ncoded/old#e9,coded twice\n", encoding="utf-8")
    assert validate([data_dir]).report.findings.is_empty()
    Path("data/retractions.csv").write_text("id,why\nx,y\n", encoding="utf-8")
    result = validate([data_dir])
    assert result.exit_code == 2
    assert result.report.findings.select("rule", "file", "line").rows() == [
        ("E000", "data/retractions.csv", 1)
    ]


# --- 6. release diff and CHANGES.md report every field change ---------------------------------------


def test_diff_and_changes_report_edits_by_field(tmp_path: Path, monkeypatch, evtk) -> None:
    data = _published(tmp_path, monkeypatch)
    seed = data / "coded" / "afp-2023-02-07-lavrov-mali.seed.yaml"
    text = seed.read_text(encoding="utf-8")
    text = text.replace(
        '    quote: "Abdoulaye Diop met in Moscow on May 20, 2022"', '    quote: "Diop met in Moscow"'
    )
    text = text.replace("      place: Moscow\n", "      place: Moskva\n", 1)
    seed.write_text(text, encoding="utf-8")
    assert evtk("release", "build", "0.1.1", "--data", data).code == 0
    res = evtk(
        "release", "diff", data / "releases" / "0.1.0", data / "releases" / "0.1.1", "--format", "json"
    )
    import json

    diff = json.loads(res.out)
    assert diff["counts"]["edited"] == 1
    assert diff["changed_fields"] == {"quote": 1, "location_place": 1}
    assert diff["edited"] == [
        {
            "event_id": "coded/afp-2023-02-07-lavrov-mali.seed#e1",
            "changes": "quote: Abdoulaye Diop met in Moscow on May 20, 2022 -> Diop met in Moscow; "
            "location_place: Moscow -> Moskva",
        }
    ]
    changes = (data / "releases" / "0.1.1" / "CHANGES.md").read_text(encoding="utf-8")
    assert "Fields changed: quote (1), location_place (1)." in changes
    assert "location_place: Moscow -> Moskva" in changes


def test_diff_of_a_removal_without_retraction_says_so(tmp_path: Path, monkeypatch, evtk) -> None:
    data = _published(tmp_path, monkeypatch)
    _drop_event(data, "e3")
    build_release("0.2.0", data, tmp_path / "apart")  # no previous there: nothing to refuse
    res = evtk("release", "diff", data / "releases" / "0.1.0", tmp_path / "apart" / "0.2.0")
    assert "reason=none: not retracted (R201)" in res.out
    assert "None" not in res.out


# --- 14. evtk fix ----------------------------------------------------------------------------------


def test_fix_repairs_spreadsheet_damage_and_reports_each_change(data_dir: Path, evtk, tree_snapshot) -> None:
    CODED.unlink()
    sheet = Path("data/coded/sheet.csv")
    sheet.write_text(
        "id;article;sentence;quote;date;source;target;code;location.lat;location.lon;colour\n"
        "e1;afp-2023-02-07-lavrov-mali;3.0;arrived in Mali;7/2/2023;RUSGOV;MLIGOV;42;12,65;-8,0;red\n"
        "e2;afp-2023-02-07-lavrov-mali;4;welcomed;2023-02-07;MLIGOV;RUSGOV;43.0;;;blue\n",
        encoding="utf-8",
    )
    res = evtk("fix", sheet)
    assert res.code == 0, res.output
    assert res.out.splitlines() == [
        "data/coded/sheet.csv:2: sentence '3.0' -> '3'",
        "data/coded/sheet.csv:2: date '7/2/2023' -> '2023-02-07'",
        "data/coded/sheet.csv:2: code '42' -> '042'",
        "data/coded/sheet.csv:2: location_lat '12,65' -> '12.65'",
        "data/coded/sheet.csv:2: location_lon '-8,0' -> '-8.0'",
        "data/coded/sheet.csv:3: code '43.0' -> '043'",
        "6 change(s) in 2 row(s)",
    ]
    assert sheet.read_text(encoding="utf-8").splitlines()[1:] == [
        "e1;afp-2023-02-07-lavrov-mali;3;arrived in Mali;2023-02-07;RUSGOV;MLIGOV;042;12.65;-8.0;red",
        "e2;afp-2023-02-07-lavrov-mali;4;welcomed;2023-02-07;MLIGOV;RUSGOV;043;;;blue",
    ]
    assert validate([data_dir]).report.rule_counts.get("E101", 0) == 0
    # a second run has nothing left to do, and writes nothing
    before = tree_snapshot(Path("data"))
    assert evtk("fix", sheet).out.splitlines() == ["0 change(s) in 2 row(s)"]
    assert tree_snapshot(Path("data")) == before


SAVED_BY_EXCEL = (
    "id,article,sentence,quote,date,source,target,code,note\r\n"
    'e1,afp-2023-02-07-lavrov-mali,3.0,"arrived in Mali",7/2/2023,RUSGOV,MLIGOV,42,"a, b ""c"""\r\n'
    "\r\n"
    'e2,afp-2023-02-07-lavrov-mali,4,welcomed,2023-02-07,MLIGOV,RUSGOV,"43",\r\n'
)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")],
)
def test_fix_changes_only_the_cells_it_repairs(data_dir: Path, evtk, encoding: str, bom: bytes) -> None:
    """Encoding, byte-order mark, CRLF, quoting and blank lines stay as the spreadsheet wrote them."""
    CODED.unlink()
    sheet = Path("data/coded/sheet.csv")
    sheet.write_bytes(bom + SAVED_BY_EXCEL.encode(encoding))
    res = evtk("fix", sheet)
    assert res.code == 0, res.output
    assert res.out.splitlines()[-2:] == [
        "data/coded/sheet.csv:4: code '43' -> '043'",
        "4 change(s) in 3 row(s)",
    ]
    want = (
        SAVED_BY_EXCEL.replace(",3.0,", ",3,")
        .replace("7/2/2023", "2023-02-07")
        .replace(",42,", ",042,")
        .replace('"43"', '"043"')
    )
    assert sheet.read_bytes() == bom + want.encode(encoding)
    assert validate([data_dir]).report.findings.is_empty()


def test_fix_ids_keeps_a_utf16_file_utf16(data_dir: Path) -> None:
    CODED.unlink()
    sheet = Path("data/coded/sheet.csv")
    sheet.write_bytes(b"\xff\xfe" + SAVED_BY_EXCEL.replace("e1,", ",").encode("utf-16-le"))
    from toolkit.fix_ids import fix_ids

    assert fix_ids([sheet]) == {str(sheet): 1}
    got = sheet.read_bytes()
    assert got.startswith(b"\xff\xfe")
    assert got[2:].decode("utf-16-le").splitlines()[1].startswith("e3,afp-2023-02-07-lavrov-mali,3.0,")


def test_fix_to_out_keeps_the_input_and_leaves_ambiguous_values(data_dir: Path, evtk) -> None:
    CODED.unlink()
    sheet = Path("data/coded/sheet.csv")
    original = (
        "id,article,sentence,quote,date,source,target,code\n"
        "e1,afp-2023-02-07-lavrov-mali,3,arrived in Mali,1/2/2023,RUSGOV,MLIGOV,10\n"
    )
    sheet.write_text(original, encoding="utf-8")
    res = evtk("fix", sheet, "--out", "fixed.csv")
    assert res.code == 0
    # 1/2/2023 is 1 February or 2 January, both before publication; 10 is a root or 010: left for a person
    assert res.out.splitlines() == ["0 change(s) in 1 row(s) (written to fixed.csv)"]
    assert sheet.read_text(encoding="utf-8") == original
    assert Path("fixed.csv").read_text(encoding="utf-8") == original


def test_fix_refuses_what_it_cannot_repair(data_dir: Path, evtk) -> None:
    res = evtk("fix", CODED)
    assert res.code == 2 and "evtk fix repairs CSV files" in res.err


def test_fix_reads_an_excel_workbook_and_writes_csv(data_dir: Path, evtk) -> None:
    import datetime as dt

    openpyxl = pytest.importorskip("openpyxl")
    CODED.unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "article", "sentence", "quote", "date", "source", "target", "code"])
    # what Excel keeps: numbers for codes and sentences, a date cell for the date
    sheet.append(
        [
            "e1",
            "afp-2023-02-07-lavrov-mali",
            3.0,
            "arrived in Mali",
            dt.datetime(2023, 2, 7),
            "RUSGOV",
            "MLIGOV",
            42,
        ]
    )
    sheet.append([])
    sheet.append(["e2", "afp-2023-02-07-lavrov-mali", 4, "welcomed", "7/2/2023", "MLIGOV", "RUSGOV", 43])
    path = Path("data/sheets/lavrov.xlsx")
    path.parent.mkdir()
    book.save(path)
    before = path.read_bytes()
    res = evtk("fix", path, "--out", "data/coded/lavrov.csv")
    assert res.code == 0, res.output
    assert res.out.splitlines() == [
        "data/sheets/lavrov.xlsx:2: code '42' -> '042'",
        "data/sheets/lavrov.xlsx:4: date '7/2/2023' -> '2023-02-07'",
        "data/sheets/lavrov.xlsx:4: code '43' -> '043'",
        "3 change(s) in 2 row(s) (written to data/coded/lavrov.csv)",
    ]
    assert path.read_bytes() == before  # the workbook is never changed
    assert validate([data_dir]).report.findings.is_empty()
    Path("data/sheets/bad.xlsx").write_bytes(b"not a zip")
    res = evtk("fix", "data/sheets/bad.xlsx")
    assert res.code == 2 and "not a readable .xlsx workbook" in res.err


# --- 8. articles add --replace ----------------------------------------------------------------------


def test_replace_keeps_metadata_and_refuses_moved_sentences(data_dir: Path, evtk) -> None:
    art = "afp-2023-02-07-lavrov-mali"
    text = Path(f"data/articles/{art}.txt").read_text(encoding="utf-8")
    meta = Path(f"data/articles/{art}.yaml").read_text(encoding="utf-8")
    src = Path("new.txt")
    # one extra first line moves every sentence under the coded events: refused, nothing written
    src.write_text("Updated at 10:00 GMT.\n\n" + text, encoding="utf-8")
    res = evtk(
        "articles",
        "add",
        src,
        "--id",
        art,
        "--published",
        "2023-02-07",
        "--replace",
        "--articles",
        "data/articles",
    )
    assert res.code == 2
    assert "the new text moves the sentences of 1 coded event(s)" in res.err
    assert "data/coded/lavrov.alice.yaml event e1 points at sentence 3" in res.err
    assert Path(f"data/articles/{art}.yaml").read_text(encoding="utf-8") == meta
    # a correction at the end keeps the numbers: accepted, and source and url are kept
    src.write_text(text.rstrip("\n") + "\n\nThis story has been corrected.\n", encoding="utf-8")
    # without --published: the publication date is kept like the rest
    res = evtk("articles", "add", src, "--id", art, "--replace", "--articles", "data/articles")
    assert res.code == 0, res.output
    keys = ("source", "url", "title", "published")
    before = {k: v for k, v in __import__("yaml").safe_load(meta).items() if k in keys}
    after = __import__("yaml").safe_load(Path(f"data/articles/{art}.yaml").read_text(encoding="utf-8"))
    assert {k: after[k] for k in before} == before
    assert validate([data_dir]).report.findings.is_empty()


def _replace_article(evtk, src: Path, *extra: str):
    art = "afp-2023-02-07-lavrov-mali"
    args = ["articles", "add", src, "--id", art, "--published", "2023-02-07", "--replace"]
    return evtk(*args, "--articles", "data/articles", *extra)


def test_replace_remap_moves_events_to_the_sentences_that_hold_their_quotes(
    data_dir: Path, evtk, make_event_yaml
) -> None:
    art = "afp-2023-02-07-lavrov-mali"
    text = Path(f"data/articles/{art}.txt").read_text(encoding="utf-8")
    yaml_text = make_event_yaml(
        {},
        {
            "id": "e2",
            "sentence": "'4'  # the welcome",
            "quote": '"was  welcomed upon his ARRIVAL"',
            "code": '"051"',
        },
        {"id": "e3", "sentence": "5", "quote": '"said nothing at all"', "code": '"010"'},
    )
    coded = _write(CODED, yaml_text)
    sheet = _write(
        Path("data/coded/sheet.bob.csv"),
        f'{HEADER},coder\r\n"e1",{art},"3",arrived in Mali,2023-02-07,RUSGOV,MLIGOV,"042",bob\r\n',
    )
    src = Path("new.txt")
    src.write_text("Updated at 10:00 GMT.\n\n" + text, encoding="utf-8")
    res = _replace_article(evtk, src, "--remap")
    assert res.code == 1, res.output
    assert "moved 3 coded event(s) to the sentences that hold their quotes" in res.out
    assert res.err.strip().splitlines() == [
        "data/coded/lavrov.alice.yaml:20: event e3 (quote 'said nothing at all') not moved: quote is in no "
        "sentence of the new text; fix its sentence by hand"
    ]
    # only the sentence values changed: comments, quoting and line endings are as written
    assert coded.read_text(encoding="utf-8") == yaml_text.replace("sentence: 3\n", "sentence: 4\n").replace(
        "sentence: '4'  # the welcome", "sentence: '5'  # the welcome"
    )
    assert (
        sheet.read_bytes()
        == (
            f'{HEADER},coder\r\n"e1",{art},"4",arrived in Mali,2023-02-07,RUSGOV,MLIGOV,"042",bob\r\n'
        ).encode()
    )
    found = _found(data_dir)
    assert found.select("rule", "line").rows() == [("E303", 22)]  # its quote line


def test_remap_needs_replace_and_a_clean_remap_exits_0(data_dir: Path, evtk) -> None:
    art = "afp-2023-02-07-lavrov-mali"
    src = Path("new.txt")
    src.write_text(
        "Updated.\n\n" + Path(f"data/articles/{art}.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    res = evtk("articles", "add", src, "--id", "other", "--published", "2023-02-07", "--remap")
    assert res.code == 2 and "pass it with --replace" in res.err
    res = _replace_article(evtk, src)
    assert res.code == 2 and "pass --remap" in res.err
    res = _replace_article(evtk, src, "--remap")
    assert res.code == 0, res.output
    assert "sentence: 4" in CODED.read_text(encoding="utf-8")
    assert _found(data_dir).is_empty()


def test_remap_reports_events_of_machine_files_and_events_without_a_quote(
    data_dir: Path, evtk, make_event_yaml
) -> None:
    art = "afp-2023-02-07-lavrov-mali"
    _write(CODED, make_event_yaml({"quote": None}))
    line = '{"id": "m1", "article": "%s", "sentence": "3", "quote": "arrived in Mali", "date": "2023-02-07", '
    line += '"source": "RUSGOV", "target": "MLIGOV", "code": "042", "coder": "rules", "method": "rule"}\n'
    machine = _write(Path("data/coded/rules.jsonl"), line % art)
    src = Path("new.txt")
    src.write_text(
        "Updated.\n\n" + Path(f"data/articles/{art}.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    res = _replace_article(evtk, src, "--remap")
    assert res.code == 1
    assert res.err.strip().splitlines() == [
        "data/coded/lavrov.alice.yaml:6: event e1 not moved: has no quote; fix its sentence by hand",
        "data/coded/rules.jsonl:1: event m1 (quote 'arrived in Mali') not moved: sentence 4 holds the quote, "
        "but .jsonl files are machine output: regenerate the file; fix its sentence by hand",
    ]
    assert machine.read_text(encoding="utf-8") == line % art


def test_same_text_under_a_second_id_warns(data_dir: Path, evtk) -> None:
    art = "afp-2023-02-07-lavrov-mali"
    src = Path("copy.txt")
    src.write_text(Path(f"data/articles/{art}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    res = evtk(
        "articles",
        "add",
        src,
        "--id",
        "copy-of-lavrov",
        "--published",
        "2023-02-07",
        "--articles",
        "data/articles",
    )
    assert res.code == 0
    assert f"warning: the same text is already article {art}" in res.err


# --- files outside the data folder ------------------------------------------------------------------


def test_a_file_outside_the_data_folder_is_checked_against_data_articles(data_dir: Path, evtk) -> None:
    outside = Path("drafts/lavrov.csv")
    other = ROW.format(sentence=3).replace("e1,afp-2023-02-07-lavrov-mali,", "e2,no-such-article,")
    _write(outside, f"{HEADER}\n{ROW.format(sentence=3)}\n{other}\n")
    res = evtk("validate", outside)
    assert res.code == 1, res.output
    assert "drafts/lavrov.csv:3: error E301 unknown-article" in res.out


def test_without_any_articles_folder_the_skipped_checks_are_named(tmp_path: Path, monkeypatch, evtk) -> None:
    monkeypatch.chdir(tmp_path)
    alone = Path("lavrov.csv")
    _write(alone, f"{HEADER}\n{ROW.format(sentence=3).replace('afp-2023-02-07-lavrov-mali', 'no-such-article')}\n")
    res = evtk("validate", alone)
    assert res.code == 0, res.output
    assert res.out.splitlines()[0] == (
        "note: no articles/ folder above the files, nor data/articles here: the article, sentence, "
        "quote and date-after-publication checks were skipped; pass --articles DIR"
    )
    res = evtk("validate", alone, "--articles", "missing")
    assert res.code == 2 and "missing: no such articles folder (--articles)" in res.err


def test_a_workbook_among_the_event_files_is_named_not_skipped(data_dir: Path, evtk) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["id", "article", "sentence", "quote", "date", "source", "target", "code"])
    book.active.append(
        ["e1", "afp-2023-02-07-lavrov-mali", 3, "arrived in Mali", "2023-02-07", "RUSGOV", "MLIGOV", 42]
    )
    book.save("data/coded/sheet.xlsx")
    Path("data/coded/~$sheet.xlsx").write_bytes(b"lock")  # Excel's lock file while it is open: not data
    res = evtk("validate")
    assert res.code == 0, res.output
    assert res.out.splitlines()[0] == (
        "data/coded/sheet.xlsx: warning E004 unread-file: data/coded/sheet.xlsx is not read: evtk reads "
        ".yaml, .csv, .jsonl and .parquet event files; convert it with `evtk fix data/coded/sheet.xlsx` "
        "(writes it as CSV beside it)"
    )
    assert "~$sheet" not in res.out
    assert evtk("fix", "data/coded/sheet.xlsx").code == 0  # writes data/coded/sheet.csv
    res = evtk("validate")
    assert "E004" not in res.out and res.code == 0, res.output
    direct = evtk("validate", "data/coded/sheet.xlsx")
    assert direct.code == 2 and "convert it with `evtk fix data/coded/sheet.xlsx`" in direct.out
