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


def test_unparseable_coordinates_are_errors_and_a_decimal_comma_is_named(data_dir: Path, make_event_yaml) -> None:
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
        "\t".join(icews.columns) + "\n" + "\n".join("\t".join(r[c] for c in icews.columns) for r in (base, second)) + "\n",
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
    assert pl.read_parquet(tmp_path / "p.parquet").select("location_country", "source_location_country").row(0) == (
        "ROM",
        "ROU",
    )
