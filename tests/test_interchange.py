"""Tests for toolkit.interchange (import GDELT/ICEWS/Phoenix, export GDELT/Phoenix/PLOVER) and its CLI.

Expected numbers for the real samples were counted independently of evtk (awk and the csv module over
the sample files in tests/fixtures/formats and the reference event_codes.csv) and are asserted as
exact integers.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from toolkit.cli.interchange import export_cmd, import_cmd
from toolkit.codebook import load_codebook
from toolkit.errors import InputError, UsageError
from toolkit.interchange import ImportSummary, export_events, import_events
from toolkit.interchange.importer import restore_zero
from toolkit.interchange.layouts import GDELT1_57, GDELT1_58, GDELT2, ICEWS, PHOENIX
from toolkit.interchange.mappings import load_icews_maps, mappings_dir
from toolkit.schema import INPUT_FIELDS

# Real samples of other datasets' files, with their sources: tests/fixtures/formats/README.md
FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"

GDELT2_SAMPLE = FORMATS / "gdelt2" / "sample.export.tsv"
GDELT1_58_SAMPLE = FORMATS / "gdelt1" / "sample.58col.tsv"
GDELT1_57_SAMPLE = FORMATS / "gdelt1" / "sample.57col.tsv"
ICEWS_SAMPLE = FORMATS / "icews" / "sample.tab"
PROJECT = Path(__file__).resolve().parents[1]


def assert_invariant(s: ImportSummary) -> None:
    assert s.rows_read == s.rows_written + sum(s.rows_rejected_by_reason.values())


def read_out(path: Path) -> pl.DataFrame:
    df = pl.read_parquet(path)
    assert df.columns == list(INPUT_FIELDS)
    assert all(dtype == pl.String for dtype in df.dtypes)
    return df


def zero_findings_except(s: ImportSummary, **expected: int) -> None:
    want = dict.fromkeys(s.findings, 0) | expected
    assert s.findings == want


# --- the real samples ------------------------------------------------------------------------------


def test_gdelt2_sample(tmp_path: Path) -> None:
    out = tmp_path / "gdelt2.parquet"
    s = import_events("gdelt2", [GDELT2_SAMPLE], out)
    assert_invariant(s)
    assert (s.rows_read, s.rows_written, s.rows_rejected_by_reason, s.examples) == (100, 100, {}, [])
    assert [f.layout for f in s.files] == ["gdelt2"]
    # 47 rows have no Actor1Code, 13 no Actor2Code; quad classes and Goldstein values agree with the codebook
    zero_findings_except(s, empty_source_actor=47, empty_target_actor=13)
    assert s.exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600
    df = read_out(out)
    first = df.row(0, named=True)
    assert first["id"] == first["source_event_id"] == "881990832"
    assert (first["date"], first["source"], first["target"]) == ("2018-10-24", None, "AUS")
    assert (first["code"], first["root_code"], first["quad_class"], first["goldstein"]) == (
        "139",
        "13",
        "3",
        "-7.0",
    )
    assert (first["location_country"], first["source_location_country"], first["location_place"]) == (
        "CAN",
        "CA",
        "Vancouver, British Columbia, Canada",
    )
    assert (first["location_lat"], first["location_lon"]) == ("49.25", "-123.133")
    assert first["url"].startswith("https://www.timescolonist.com/")
    assert (first["coder"], first["method"], first["article"], first["sentence"]) == (
        "gdelt2",
        "import",
        None,
        None,
    )
    assert df["code"].str.starts_with("0").sum() > 0  # codes stay strings with their zeros


def test_gdelt1_58_sample(tmp_path: Path) -> None:
    s = import_events("gdelt1", [GDELT1_58_SAMPLE], tmp_path / "g.parquet")
    assert_invariant(s)
    assert (s.rows_read, s.rows_written, s.rows_rejected_by_reason) == (100, 100, {})
    assert s.files[0].layout == "gdelt1-58"
    zero_findings_except(s, empty_target_actor=33)
    df = read_out(tmp_path / "g.parquet")
    assert df["url"].null_count() == 0
    row = df.row(0, named=True)
    assert (row["id"], row["date"], row["source"], row["code"]) == ("564111644", "2006-07-31", "USA", "010")


def test_gdelt1_57_sample(tmp_path: Path) -> None:
    s = import_events("gdelt1", [GDELT1_57_SAMPLE], tmp_path / "g.parquet")
    assert_invariant(s)
    assert (s.rows_read, s.rows_written, s.rows_rejected_by_reason) == (50, 50, {})
    assert s.files[0].layout == "gdelt1-57"
    zero_findings_except(s, empty_target_actor=12)
    df = read_out(tmp_path / "g.parquet")
    assert df["url"].null_count() == 50  # the historical layout has no SOURCEURL
    row = df.row(0, named=True)
    assert (row["date"], row["source"], row["target"], row["code"], row["goldstein"]) == (
        "1982-01-02",
        "BUSCVL",
        "BUS",
        "030",
        "4",
    )
    assert (row["location_country"], row["location_lat"], row["location_lon"]) == ("GHA", "5.55", "-0.216667")
    assert row["source_location_country"] == "GH"  # FIPS 10-4 as GDELT wrote it


def test_icews_sample(tmp_path: Path) -> None:
    out = tmp_path / "icews.parquet"
    s = import_events("icews", [ICEWS_SAMPLE], out)
    assert_invariant(s)
    # 301 lines: the header is not a row
    assert (s.rows_read, s.rows_written, s.rows_rejected_by_reason) == (300, 300, {})
    assert s.files[0].header is True and s.files[0].lines == 301
    # Intensity differs from the codebook for 016 (3 rows, ICEWS -5 vs -2) and 022 (1 row, 3.4 vs 3.2);
    # 79 source and 111 target sides have NA sectors and a mapped country (bare country code);
    # 6 targets are empty: 5 "Unspecified Actor" and "Southeast Asia", all with country NA;
    # "Religion (France)" (Social,National Religious) has sectors but no role: bare FRA.
    zero_findings_except(
        s, goldstein_mismatch=4, empty_target_actor=6, icews_no_sector=190, icews_unmapped_sector=1
    )
    assert s.details == {}  # every country and sector name in the sample is in the tables
    df = read_out(out)
    row = df.row(0, named=True)
    assert (row["id"], row["date"], row["sentence"], row["code"], row["goldstein"]) == (
        "32889836",
        "2018-06-01",
        "2",
        "040",
        "1",
    )
    # Bangladesh + "Executive,Foreign Ministry,Government" -> BGDGOV; Vietnam + "Military,Government" -> VNMMIL
    assert (row["source"], row["target"]) == ("BGDGOV", "VNMMIL")
    assert (row["source_story_id"], row["publisher"], row["location_place"], row["location_country"]) == (
        "47400351",
        "Vietnam News Agency Bulletin",
        "Hanoi",
        "VNM",
    )
    assert row["source_location_country"] == "Vietnam"  # the ICEWS name, kept beside the code
    assert row["quad_class"] is None and row["root_code"] is None and row["url"] is None
    # "Russian Federation" is not the codebook's name (Russia): the mapping table supplies RUS
    raw = pl.read_csv(ICEWS_SAMPLE, separator="\t", infer_schema=False, quote_char=None)
    russia = raw.with_row_index().filter(pl.col("Source Country") == "Russian Federation")
    assert russia.height > 0
    assert df[russia["index"].to_list(), "source"].str.starts_with("RUS").all()
    # international actors without a country: the EU and the UN become IGO
    eu = raw.with_row_index().filter(pl.col("Source Name") == "European Union")["index"].to_list()
    assert set(df[eu, "source"].to_list()) == {"IGO"}
    # City NA falls back to District, then Province: 55 rows have none of the three
    assert df["location_place"].null_count() == 55


# --- malformed copies ------------------------------------------------------------------------------


def _malform(lines: list[bytes], header: bytes, first_data_line: int) -> list[bytes]:
    """Extra tab at file line +4, missing column at +9, repeated header at +20, Latin-1 id at +30."""
    o = first_data_line - 1
    lines = list(lines)
    lines[o + 4] = lines[o + 4].replace(b"\t", b"\t\t", 1)
    parts = lines[o + 9].split(b"\t")
    del parts[3]
    lines[o + 9] = b"\t".join(parts)
    lines.insert(o + 20, header)
    cells = lines[o + 30].split(b"\t")
    cells[0] += b"caf\xe9"
    lines[o + 30] = b"\t".join(cells)
    return lines


MALFORMED_REASONS = {"encoding": 1, "repeated-header": 1, "extra-columns": 1, "missing-columns": 1}


@pytest.mark.parametrize(
    ("fmt", "sample", "columns", "rows"),
    [
        ("gdelt2", GDELT2_SAMPLE, GDELT2, 100),
        ("gdelt1", GDELT1_58_SAMPLE, GDELT1_58, 100),
        ("gdelt1", GDELT1_57_SAMPLE, GDELT1_57, 50),
    ],
)
def test_malformed_gdelt(tmp_path: Path, fmt: str, sample: Path, columns: tuple[str, ...], rows: int) -> None:
    lines = sample.read_bytes().split(b"\n")[:-1]
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"\n".join(_malform(lines, "\t".join(columns).encode(), 1)) + b"\n")
    s = import_events(fmt, [bad], tmp_path / "out.parquet")
    assert_invariant(s)
    assert s.rows_read == rows + 1
    assert s.rows_written == rows - 3
    assert s.rows_rejected_by_reason == MALFORMED_REASONS
    assert s.exit_code == 1
    where = {(ex.file, ex.line, ex.reason) for ex in s.examples}
    assert where == {
        (str(bad), 5, "extra-columns"),
        (str(bad), 10, "missing-columns"),
        (str(bad), 21, "repeated-header"),
        (str(bad), 31, "encoding"),
    }
    by_reason = {ex.reason: ex for ex in s.examples}
    want = "57 or 58" if fmt == "gdelt1" else str(len(columns))  # GDELT 1.0 rows may have either layout
    assert by_reason["extra-columns"].detail.startswith(f"{len(columns) + 1} columns, expected {want}")
    assert by_reason["missing-columns"].detail == f"{len(columns) - 1} columns, expected {want}"
    assert "--encoding cp1252" in by_reason["encoding"].detail
    encoded_line = _malform(lines, b"", 1)[30]
    assert by_reason["encoding"].text == encoded_line.decode("utf-8", "replace")[:200]  # bad byte -> U+FFFD
    # the ids of rejected rows are not in the output
    out_ids = set(read_out(tmp_path / "out.parquet")["id"])
    assert lines[4].split(b"\t")[0].decode() not in out_ids

    # --encoding latin-1 accepts the Latin-1 line and decodes it
    s2 = import_events(fmt, [bad], tmp_path / "out2.parquet", encoding="latin-1")
    assert_invariant(s2)
    assert s2.rows_rejected_by_reason == {"repeated-header": 1, "extra-columns": 1, "missing-columns": 1}
    assert read_out(tmp_path / "out2.parquet")["id"].str.ends_with("café").sum() == 1


def test_malformed_icews(tmp_path: Path) -> None:
    lines = ICEWS_SAMPLE.read_bytes().split(b"\n")[:-1]
    header = lines[0]
    lines = _malform(lines, header, 2)  # data starts on file line 2
    # also: a blank line, a bad date and a row without an event id (file lines 41, 42, 43)
    lines.insert(40, b"")
    cells = lines[41].split(b"\t")
    cells[1] = b"2018-13-45"
    lines[41] = b"\t".join(cells)
    cells = lines[42].split(b"\t")
    cells[0] = b"NA"
    lines[42] = b"\t".join(cells)
    bad = tmp_path / "bad.tab"
    bad.write_bytes(b"\n".join(lines) + b"\n")
    s = import_events("icews", [bad], tmp_path / "out.parquet")
    assert_invariant(s)
    assert s.rows_read == 302  # 300 rows + repeated header + blank line
    assert s.rows_written == 300 - 5
    assert s.rows_rejected_by_reason == MALFORMED_REASONS | {"blank-line": 1, "missing-id": 1, "bad-date": 1}
    where = {(ex.line, ex.reason) for ex in s.examples}
    assert where == {
        (6, "extra-columns"),
        (11, "missing-columns"),
        (22, "repeated-header"),
        (32, "encoding"),
        (41, "blank-line"),
        (42, "bad-date"),
        (43, "missing-id"),
    }
    bad_date = next(ex for ex in s.examples if ex.reason == "bad-date")
    assert bad_date.detail == "Event Date '2018-13-45' is not a valid YYYY-MM-DD date"


def test_max_examples_caps_examples_not_counts(tmp_path: Path) -> None:
    row = ["1", "20200101"] + [""] * (len(GDELT2) - 2)
    lines = ["\t".join(row[:-1])] * 7 + ["\t".join(row)]
    path = tmp_path / "g.tsv"
    path.write_text("\n".join(lines) + "\n")
    s = import_events("gdelt2", [path], tmp_path / "o.parquet", max_examples=2)
    assert s.rows_rejected_by_reason == {"missing-columns": 7}
    assert [ex.line for ex in s.examples] == [1, 2]
    assert s.rows_written == 1


# --- compressed inputs -----------------------------------------------------------------------------


def test_gzip_input(tmp_path: Path) -> None:
    gz = tmp_path / "export.tsv.gz"
    gz.write_bytes(gzip.compress(GDELT2_SAMPLE.read_bytes()))
    s = import_events("gdelt2", [gz], tmp_path / "o.parquet")
    assert_invariant(s)
    assert (s.rows_read, s.rows_written, s.files[0].file) == (100, 100, str(gz))
    plain = import_events("gdelt2", [GDELT2_SAMPLE], tmp_path / "p.parquet")
    assert read_out(tmp_path / "o.parquet").equals(read_out(tmp_path / "p.parquet"))
    assert plain.findings == s.findings
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.tsv.gz", "o.parquet", "p.parquet"]


def test_zip_input_every_member(tmp_path: Path) -> None:
    lines = GDELT2_SAMPLE.read_bytes().split(b"\n")[:-1]
    lines[69] = lines[69] + b"\textra"  # line 10 of the second member
    zpath = tmp_path / "exports.zip"
    with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("day1/", "")
        z.writestr("day1/a.tsv", b"\n".join(lines[:60]) + b"\n")
        z.writestr("day2/b.tsv", b"\n".join(lines[60:]) + b"\n")
    s = import_events("gdelt2", [zpath], tmp_path / "o.parquet")
    assert_invariant(s)
    assert [f.file for f in s.files] == [f"{zpath}!day1/a.tsv", f"{zpath}!day2/b.tsv"]
    assert (s.rows_read, s.rows_written, s.rows_rejected_by_reason) == (100, 99, {"extra-columns": 1})
    assert [(ex.file, ex.line) for ex in s.examples] == [(f"{zpath}!day2/b.tsv", 10)]


def test_corrupt_gzip_is_input_error(tmp_path: Path) -> None:
    gz = tmp_path / "x.tsv.gz"
    gz.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match="cannot read this gzip file"):
        import_events("gdelt2", [gz], tmp_path / "o.parquet")
    assert not (tmp_path / "o.parquet").exists()


# --- ICEWS ids, mappings, codes --------------------------------------------------------------------


def test_icews_repeated_ids_made_unique(tmp_path: Path) -> None:
    lines = ICEWS_SAMPLE.read_bytes().split(b"\n")[:-1]
    first, second = lines[1].split(b"\t"), lines[2].split(b"\t")
    other_day = b"\t".join([first[0], b"2018-06-02", *first[2:]])
    other_text = b"\t".join([*second[:13], b"Another publisher", *second[14:]])  # same id and date
    path = tmp_path / "events.tab"
    path.write_bytes(b"\n".join([*lines, other_day, other_text]) + b"\n")
    s = import_events("icews", [path], tmp_path / "o.parquet")
    assert_invariant(s)
    assert (s.rows_read, s.rows_written) == (302, 302)
    assert s.findings["disambiguated_ids"] == 4
    df = read_out(tmp_path / "o.parquet")
    assert df["id"].is_unique().all()
    changed = df.filter(pl.col("id") != pl.col("source_event_id")).select("id", "source_event_id")
    assert changed.rows() == [
        ("32889836-2018-06-01", "32889836"),
        ("32889837-2018-06-01-1", "32889837"),
        ("32889836-2018-06-02", "32889836"),
        ("32889837-2018-06-01-2", "32889837"),
    ]


def test_the_same_rows_twice_are_written_once(tmp_path: Path) -> None:
    """The same file imported twice (or overlapping downloads): each event is written once, and
    the repeats are rejected rows naming the row they repeat; exit 1 in the CLI."""
    again = tmp_path / "again.tsv"
    shutil.copy(GDELT2_SAMPLE, again)
    lines = GDELT2_SAMPLE.read_bytes().split(b"\n")[:-1]
    inside = tmp_path / "inside.tsv"  # one row twice within one file
    inside.write_bytes(b"\n".join([*lines[:3], lines[1]]) + b"\n")
    s = import_events("gdelt2", [GDELT2_SAMPLE, again, inside], tmp_path / "o.parquet", max_examples=2)
    assert_invariant(s)
    assert (s.rows_read, s.rows_written) == (204, 100)
    assert s.rows_rejected_by_reason == {"duplicate-row": 104}
    assert s.findings["disambiguated_ids"] == 0
    df = read_out(tmp_path / "o.parquet")
    assert df["id"].is_unique().all() and df.height == 100
    first = s.examples[0]
    assert (first.file, first.line, first.reason) == (str(again), 1, "duplicate-row")
    assert first.detail.startswith(f"the same event as {GDELT2_SAMPLE}:1 (every field equal, the id too)")
    s = import_events("gdelt2", [inside], tmp_path / "o.parquet")
    assert [(ex.line, ex.detail.split(" (")[0]) for ex in s.examples] == [(4, "the same event as line 2")]


def test_icews_header_must_match(tmp_path: Path) -> None:
    cols = list(ICEWS)
    cols[4], cols[5] = cols[5], cols[4]
    path = tmp_path / "swapped.tab"
    path.write_text("\t".join(cols) + "\n")
    with pytest.raises(
        InputError, match="header column 5 is 'Event Text', expected 'Source Country'"
    ) as info:
        import_events("icews", [path], tmp_path / "o.parquet")
    assert info.value.line == 1


def _icews_row(**cells: str) -> str:
    row = (
        dict.fromkeys(ICEWS, "NA")
        | {"Event ID": "1", "Event Date": "2018-01-01", "CAMEO Code": "040", "Intensity": "1"}
        | cells
    )
    return "\t".join(row[c] for c in ICEWS)


def test_icews_country_and_sector_mapping(tmp_path: Path) -> None:
    rows = [
        _icews_row(
            **{
                "Event ID": "1",
                "Source Country": "Cote d'Ivoire",
                "Source Sectors": "Police,Government",
                "Target Country": "Kosovo",
                "Target Sectors": "Government",
            }
        ),
        _icews_row(
            **{
                "Event ID": "2",
                "Source Country": "Atlantis",
                "Source Sectors": "Media",
                "Target Country": "France",
                "Target Sectors": "Ideological,Far Right",
            }
        ),
        _icews_row(
            **{
                "Event ID": "3",
                "Source Sectors": "Human Rights NGOs",
                "Target Country": "France",
                "Target Sectors": "Wizards,Military",
                "CAMEO Code": "42",
            }
        ),
        _icews_row(
            **{
                "Event ID": "4",
                "Source Country": "russian federation",
                "Source Sectors": "Business",
                "CAMEO Code": "211",
                "Target Country": "Syria",
                "Target Sectors": "NA",
            }
        ),
    ]
    path = tmp_path / "e.tab"
    path.write_text("\t".join(ICEWS) + "\n" + "\n".join(rows) + "\n")
    s = import_events("icews", [path], tmp_path / "o.parquet")
    df = read_out(tmp_path / "o.parquet")
    assert df.select("source", "target", "code").rows() == [
        ("CIVCOP", None, "040"),  # Kosovo has no CAMEO code: listed in the table as unmapped
        (None, "FRA", "040"),  # Atlantis is unknown; ideology is no role: bare country code
        ("NGOHRI", "FRAMIL", "042"),  # no country + an NGO sector; lost leading zero restored
        ("RUSBUS", "SYR", "0211"),
    ]
    assert s.findings["icews_unmapped_country"] == 2
    assert s.findings["icews_unmapped_sector"] == 1
    assert s.findings["icews_no_sector"] == 1
    assert s.findings["code_zero_restored"] == 2
    assert s.details["icews_unmapped_countries"] == {"Atlantis": 1, "Kosovo": 1}
    assert s.details["icews_unknown_sectors"] == {"Wizards": 1}


def test_restore_zero_rule() -> None:
    raw = ["42", "211", "4", "10", "101", "042", "0211", "20", "190", "42.0", "1234", None]
    got = pl.DataFrame({"c": raw}).select(restore_zero(pl.col("c"))[0].alias("c"))["c"].to_list()
    assert got == ["042", "0211", "04", "10", "101", "042", "0211", "20", "190", "042", "1234", None]


def test_mapping_tables_name_codebook_codes() -> None:
    cb = load_codebook()
    maps = load_icews_maps(cb)
    parts = set(cb.actors["code"].to_list())
    countries = set(cb.actors.filter(pl.col("kind").is_in(["country", "region"]))["code"].to_list())
    assert {c for c in maps.country.values() if c} <= countries
    for code in [*maps.role.values(), *maps.international.values()]:
        assert len(code) % 3 == 0 and all(code[i : i + 3] in parts for i in range(0, len(code), 3)), code
    for name in (
        "government",
        "executive",
        "military",
        "police",
        "foreign ministry",
        "business",
        "media",
        "rebel",
        "insurgents",
        "religious",
        "legal",
        "education",
    ):
        assert name in maps.sectors
    assert (mappings_dir(cb) / "README.md").is_file()


# --- Phoenix ---------------------------------------------------------------------------------------


def _phoenix_row(**cells: str) -> str:
    base = {
        "EventID": "0_v0.2.0",
        "Date": "20140105",
        "Year": "2014",
        "Month": "01",
        "Day": "05",
        "SourceActorFull": "SYRGOV",
        "SourceActorEntity": "SYR",
        "SourceActorRole": "GOV",
        "TargetActorFull": "SYRREB",
        "TargetActorEntity": "SYR",
        "TargetActorRole": "REB",
        "EventCode": "190",
        "EventRootCode": "19",
        "PentaClass": "4",
        "GoldsteinScore": "-10.0",
        "Lat": "33.5",
        "Lon": "36.3",
        "LocationName": "Damascus",
        "StateName": "Dimashq",
        "CountryCode": "SYR",
        "SentenceID": "52c1f1a0;52c1f1a0_2",
        "URLs": "http://a.example/1;http://b.example/2",
        "NewsSources": "a;b",
    }
    row = dict.fromkeys(PHOENIX, "") | base | cells
    return "\t".join(row[c] for c in PHOENIX)


def test_phoenix_import(tmp_path: Path) -> None:
    rows = [
        _phoenix_row(),
        _phoenix_row(
            EventID="1_v0.2.0",
            EventCode="42",
            EventRootCode="4",
            PentaClass="1",
            GoldsteinScore="1.9",
            SourceActorFull="USA",
            TargetActorFull="",
        ),
        _phoenix_row(
            EventID="2_v0.2.0",
            EventCode="016",
            EventRootCode="01",
            PentaClass="0",
            GoldsteinScore="3.4",
            Date="2014015",
        ),
        _phoenix_row(
            EventID="3_v0.2.0", EventCode="016", EventRootCode="01", PentaClass="0", GoldsteinScore="3.4"
        ),
    ]
    path = tmp_path / "phoenix.tsv"
    path.write_text("\n".join(rows) + "\n")
    s = import_events("phoenix", [path], tmp_path / "o.parquet")
    assert_invariant(s)
    assert (s.rows_read, s.rows_written, s.rows_rejected_by_reason) == (4, 3, {"bad-date": 1})
    # 016: Phoenix's Goldstein +3.4 against the codebook's -2.0
    zero_findings_except(s, goldstein_mismatch=1, code_zero_restored=1, empty_target_actor=1)
    df = read_out(tmp_path / "o.parquet")
    assert df.select("id", "date", "source", "target", "code", "root_code", "quad_class", "goldstein").rows()[
        :2
    ] == [
        ("0_v0.2.0", "2014-01-05", "SYRGOV", "SYRREB", "190", "19", None, "-10.0"),
        ("1_v0.2.0", "2014-01-05", "USA", None, "042", "04", None, "1.9"),
    ]
    row = df.row(0, named=True)
    assert (row["url"], row["publisher"], row["source_story_id"], row["note"]) == (
        "http://a.example/1",
        "a;b",
        "52c1f1a0;52c1f1a0_2",
        "penta_class=4",
    )
    assert (row["location_place"], row["location_country"], row["coder"]) == ("Damascus", "SYR", "phoenix")


# --- errors ----------------------------------------------------------------------------------------


def test_not_the_format_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="this looks like icews, not gdelt2"):
        import_events("gdelt2", [ICEWS_SAMPLE], tmp_path / "o.parquet")
    with pytest.raises(InputError, match="this looks like gdelt1-58, not gdelt2"):
        import_events("gdelt2", [GDELT1_58_SAMPLE], tmp_path / "o.parquet")


def test_failed_import_leaves_output_and_folder_alone(tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    out.write_bytes(b"previous")
    with pytest.raises(InputError, match="no such file"):
        import_events("gdelt2", [GDELT2_SAMPLE, tmp_path / "missing.tsv"], out)
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["o.parquet"]


def test_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown import format"):
        import_events("acled", [tmp_path / "x"], tmp_path / "o.parquet")
    with pytest.raises(UsageError, match="unknown encoding"):
        import_events("gdelt2", [tmp_path / "x"], tmp_path / "o.parquet", encoding="klingon")
    with pytest.raises(UsageError, match="is a directory"):
        import_events("gdelt2", [tmp_path / "x"], tmp_path)


def test_empty_file_imports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.tsv"
    path.write_bytes(b"")
    s = import_events("gdelt2", [path], tmp_path / "o.parquet")
    assert (s.rows_read, s.rows_written, s.exit_code) == (0, 0, 0)
    assert read_out(tmp_path / "o.parquet").height == 0


# --- export and round trip -------------------------------------------------------------------------


def _release_from_import(imported: Path, release: Path, partitioned: bool = False) -> pl.DataFrame:
    """A minimal release events table built from an import, the way `evtk release build` would."""
    cb = load_codebook()
    df = pl.read_parquet(imported).rename(INPUT_FIELDS)
    df = (
        df.with_columns(
            event_date=pl.col("event_date").str.strptime(pl.Date, "%Y-%m-%d"),
            sentence=pl.col("sentence").cast(pl.Int32),
            latitude=pl.col("latitude").cast(pl.Float64),
            longitude=pl.col("longitude").cast(pl.Float64),
            event_id=pl.format("ev-{}", pl.col("local_id")),
        )
        .drop("root_code", "quad_class", "goldstein")
        .join(  # derived fields come from the codebook
            cb.events.select(
                event_code="code", root_code="root_code", quad_class="quad_class", goldstein="goldstein"
            ),
            on="event_code",
            how="left",
            maintain_order="left",
        )
    )
    df = df.with_columns(year=pl.col("event_date").dt.year().cast(pl.Int32))
    if partitioned:
        for (year,), part in df.partition_by("year", as_dict=True).items():
            folder = release / "events" / f"year={year}"
            folder.mkdir(parents=True)
            part.drop("year").write_parquet(folder / "part-0.parquet")
    else:
        release.mkdir(parents=True)
        df.write_parquet(release / "events.parquet")
    write_manifest(release)
    return df


def write_manifest(release: Path) -> None:
    """The manifest every reader needs first: each file with its size (readers refuse folders without one)."""
    files = sorted(p for p in release.rglob("*") if p.is_file() and p.name != "manifest.json")
    resources = [{"path": p.relative_to(release).as_posix(), "bytes": p.stat().st_size} for p in files]
    (release / "manifest.json").write_text(
        json.dumps({"version": "0.0.1", "resources": resources}), encoding="utf-8"
    )


ROUND_TRIP = [
    "GLOBALEVENTID",
    "SQLDATE",
    "MonthYear",
    "Year",
    "FractionDate",
    "Actor1Code",
    "Actor2Code",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "ActionGeo_FullName",
    "ActionGeo_CountryCode",
    "ActionGeo_Lat",
    "ActionGeo_Long",
    "SOURCEURL",
]


def _read_tsv(path: Path, columns: tuple[str, ...]) -> pl.DataFrame:
    """Plain split, no parser: empty cells stay empty strings, nothing is inferred."""
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    assert {len(r) for r in rows} == {len(columns)}
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")


@pytest.mark.parametrize("partitioned", [False, True])
def test_gdelt2_round_trip(tmp_path: Path, partitioned: bool) -> None:
    import_events("gdelt2", [GDELT2_SAMPLE], tmp_path / "imported.parquet")
    release = tmp_path / "0.1.0"
    _release_from_import(tmp_path / "imported.parquet", release, partitioned)
    e = export_events("gdelt2", release, tmp_path / "export.tsv")
    assert (e.rows_read, e.rows_written, e.exit_code) == (100, 100, 0)
    got, want = _read_tsv(tmp_path / "export.tsv", GDELT2), _read_tsv(GDELT2_SAMPLE, GDELT2)
    assert got.width == 61
    key = "GLOBALEVENTID"
    got, want = got.sort(key), want.sort(key)  # a partitioned release is read partition by partition
    for col in ROUND_TRIP:
        assert got[col].to_list() == want[col].to_list(), col
    assert set(got["NumMentions"].to_list()) == {""}  # not known to evtk: empty, not invented


def test_phoenix_and_plover_export(tmp_path: Path) -> None:
    import_events("gdelt2", [GDELT2_SAMPLE], tmp_path / "imported.parquet")
    release = tmp_path / "0.1.0"
    events = _release_from_import(tmp_path / "imported.parquet", release)

    e = export_events("phoenix", release, tmp_path / "events.phoenix.tsv")
    assert (e.rows_read, e.rows_written) == (100, 100)
    ph = _read_tsv(tmp_path / "events.phoenix.tsv", PHOENIX)
    row = ph.row(1, named=True)  # IGOEUREEC consults, code 040
    assert (row["EventID"], row["Date"], row["Year"], row["Month"], row["Day"]) == (
        "881990833",
        "20181024",
        "2018",
        "10",
        "24",
    )
    assert (
        row["TargetActorFull"],
        row["TargetActorEntity"],
        row["TargetActorRole"],
        row["TargetActorAttribute"],
    ) == ("IGOEUREEC", "IGO", "", "EUR;EEC")
    assert (row["EventCode"], row["EventRootCode"], row["PentaClass"], row["GoldsteinScore"]) == (
        "040",
        "04",
        "1",
        "1.0",
    )
    # and a Phoenix export imports back to the same events
    back = import_events("phoenix", [tmp_path / "events.phoenix.tsv"], tmp_path / "back.parquet")
    assert (back.rows_written, back.rows_rejected) == (100, 0)
    again = read_out(tmp_path / "back.parquet")
    assert again["code"].to_list() == events["event_code"].to_list()
    assert again["source"].to_list() == events["source_actor"].to_list()

    p = export_events("plover", release, tmp_path / "events.jsonl")
    crosswalk = {
        r["cameo_code"]: r for r in csv.DictReader((PROJECT / "codebook/crosswalk/cameo_plover.csv").open())
    }
    codes = [line.split("\t")[26] for line in GDELT2_SAMPLE.read_text().splitlines()]
    missing: dict[str, int] = {}
    for code in codes:
        if code not in crosswalk:
            missing[code] = missing.get(code, 0) + 1
    assert p.unmapped_codes == missing == {"010": 6, "013": 2, "020": 2, "012": 1, "017": 1}
    assert (p.rows_read, p.rows_written, p.exit_code) == (100, 88, 1)
    records = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert len(records) == 88
    for rec in records:
        cw = crosswalk[rec["cameo_code"]]
        assert rec["event_type"] == cw["plover_event"]
        assert rec["mode"] == (cw["plover_mode"] or None)
        assert rec["context"] == (cw["plover_context"].split(";") if cw["plover_context"] else [])


def test_export_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="release directory not found"):
        export_events("gdelt2", tmp_path / "nope", tmp_path / "o.tsv")
    (tmp_path / "rel").mkdir()
    with pytest.raises(InputError, match="manifest.json is missing"):
        export_events("gdelt2", tmp_path / "rel", tmp_path / "o.tsv")
    write_manifest(tmp_path / "rel")
    with pytest.raises(InputError, match="lists no events file"):
        export_events("gdelt2", tmp_path / "rel", tmp_path / "o.tsv")
    pl.DataFrame({"x": [1]}).write_parquet(tmp_path / "rel" / "events.parquet")
    write_manifest(tmp_path / "rel")
    with pytest.raises(InputError, match="no column 'event_id'"):
        export_events("gdelt2", tmp_path / "rel", tmp_path / "o.tsv")
    with pytest.raises(UsageError, match="unknown export format"):
        export_events("csv", tmp_path / "rel", tmp_path / "o.tsv")


# --- CLI -------------------------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    app.command("import")(import_cmd)
    app.command("export")(export_cmd)
    return app


runner = CliRunner()


def _no_traceback(result: object) -> None:
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert result.exception is None or isinstance(result.exception, SystemExit)  # type: ignore[attr-defined]


def test_cli_import_exit_0_text_and_json(tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    r = runner.invoke(_app(), ["import", "gdelt2", str(GDELT2_SAMPLE), "--out", str(out)])
    _no_traceback(r)
    assert r.exit_code == 0, r.output
    assert re.search(r"^  rows written +100$", r.stdout, re.M)
    assert "empty_source_actor" in r.stdout and r.stderr == ""  # no progress line when not a terminal
    r = runner.invoke(_app(), ["import", "gdelt2", str(GDELT2_SAMPLE), "-o", str(out), "--format", "json"])
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    lib = import_events("gdelt2", [GDELT2_SAMPLE], tmp_path / "lib.parquet").to_dict()
    for d in (data, lib):
        d.pop("seconds")
        d.pop("out")
    assert data == lib


def test_cli_import_exit_1_lists_file_and_line(tmp_path: Path) -> None:
    lines = GDELT2_SAMPLE.read_bytes().split(b"\n")[:-1]
    lines[2] += b"\tstray"
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"\n".join(lines) + b"\n")
    r = runner.invoke(_app(), ["import", "gdelt2", str(bad), "-o", str(tmp_path / "o.parquet"), "--quiet"])
    _no_traceback(r)
    assert r.exit_code == 1
    assert f"{bad}:3: extra-columns: 62 columns, expected 61" in r.stdout
    assert re.search(r"^  rows rejected +1$", r.stdout, re.M)
    assert re.search(r"^    extra-columns +1$", r.stdout, re.M)


def test_cli_import_exit_2(tmp_path: Path) -> None:
    r = runner.invoke(
        _app(), ["import", "gdelt2", str(tmp_path / "missing.tsv"), "-o", str(tmp_path / "o.parquet")]
    )
    _no_traceback(r)
    assert r.exit_code == 2
    assert r.stderr.strip() == f"evtk: error: {tmp_path / 'missing.tsv'}: no such file"
    r = runner.invoke(_app(), ["import", "icews", str(GDELT2_SAMPLE), "-o", str(tmp_path / "o.parquet")])
    _no_traceback(r)
    assert r.exit_code == 2
    assert "this looks like gdelt2, not icews" in r.stderr
    r = runner.invoke(_app(), ["import", "acled", str(GDELT2_SAMPLE), "-o", str(tmp_path / "o.parquet")])
    assert r.exit_code == 2  # typer rejects the format name
    r = runner.invoke(
        _app(), ["import", "gdelt2", str(GDELT2_SAMPLE), "-o", str(tmp_path / "o"), "--encoding", "nope"]
    )
    _no_traceback(r)
    assert r.exit_code == 2 and "unknown encoding" in r.stderr
    r = runner.invoke(
        _app(),
        [
            "import",
            "gdelt2",
            str(GDELT2_SAMPLE),
            "-o",
            str(tmp_path / "o.parquet"),
            "--codebook",
            str(tmp_path),
        ],
    )
    _no_traceback(r)
    assert r.exit_code == 2 and "not a codebook" in r.stderr
    assert not (tmp_path / "o.parquet").exists()


def test_cli_export_exit_codes(tmp_path: Path) -> None:
    import_events("gdelt2", [GDELT2_SAMPLE], tmp_path / "imported.parquet")
    release = tmp_path / "0.1.0"
    _release_from_import(tmp_path / "imported.parquet", release)
    r = runner.invoke(_app(), ["export", "gdelt2", str(release), "-o", str(tmp_path / "e.tsv")])
    _no_traceback(r)
    assert r.exit_code == 0 and re.search(r"^  events written +100$", r.stdout, re.M)
    r = runner.invoke(
        _app(), ["export", "plover", str(release), "-o", str(tmp_path / "e.jsonl"), "-f", "json"]
    )
    assert r.exit_code == 1
    assert json.loads(r.stdout)["unmapped_codes"]["010"] == 6
    r = runner.invoke(_app(), ["export", "phoenix", str(tmp_path / "nope"), "-o", str(tmp_path / "e.tsv")])
    _no_traceback(r)
    assert r.exit_code == 2 and "release directory not found" in r.stderr


def test_cli_real_process_and_lazy_imports(tmp_path: Path) -> None:
    code = (
        "import sys, typer, toolkit.cli\n"
        "before = 'polars' in sys.modules\n"  # other command modules are not this test's business
        "from toolkit.cli.interchange import import_cmd, export_cmd\n"
        "assert before or 'polars' not in sys.modules, 'the interchange CLI must not import polars'\n"
        "app = typer.Typer()\n"
        "app.command('import')(import_cmd)\n"
        "app.command('export')(export_cmd)\n"
        "app()\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "import",
            "gdelt1",
            str(tmp_path / "none.tsv"),
            "-o",
            str(tmp_path / "o.parquet"),
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "no such file" in proc.stderr


def test_progress_only_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolkit.cli import interchange as cli

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    shown = cli._progress("evtk import gdelt2", quiet=False)
    shown("parsed", 1234)
    shown.done()
    line = capsys.readouterr().err
    assert line.startswith("\revtk import gdelt2: parsed: 1,234 rows (") and "rows/s) [" in line
    assert line.endswith("\n")
    for quiet, tty in ((True, True), (False, False)):
        monkeypatch.setattr(sys.stderr, "isatty", lambda tty=tty: tty)
        silent = cli._progress("evtk import gdelt2", quiet=quiet)
        silent("parsed", 1234)
        silent.done()
        assert capsys.readouterr().err == ""


def test_crlf_bom_and_several_files(tmp_path: Path) -> None:
    windows = tmp_path / "icews_windows.tab"
    windows.write_bytes(b"\xef\xbb\xbf" + ICEWS_SAMPLE.read_bytes().replace(b"\n", b"\r\n"))
    a = import_events("icews", [windows], tmp_path / "a.parquet")
    import_events("icews", [ICEWS_SAMPLE], tmp_path / "b.parquet")
    assert (a.rows_read, a.rows_written, a.files[0].header) == (300, 300, True)
    assert read_out(tmp_path / "a.parquet").equals(read_out(tmp_path / "b.parquet"))
    # several files, each with its own layout, into one output in argument order
    s = import_events("gdelt1", [GDELT1_57_SAMPLE, GDELT1_58_SAMPLE], tmp_path / "c.parquet")
    assert_invariant(s)
    assert [f.layout for f in s.files] == ["gdelt1-57", "gdelt1-58"]
    assert (s.rows_read, s.rows_written) == (150, 150)
    df = read_out(tmp_path / "c.parquet")
    assert df["id"][0] == "1552829" and df["id"][50] == "564111644"


def test_piece_boundaries_do_not_matter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes are checked in pieces of whole lines; tiny pieces (lines longer than a piece) give the same result."""
    from toolkit.interchange import textstream

    lines = GDELT2_SAMPLE.read_bytes().split(b"\n")[:-1]
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"\n".join(_malform(lines, "\t".join(GDELT2).encode(), 1)))  # no final newline
    expected = import_events("gdelt2", [bad], tmp_path / "a.parquet")
    monkeypatch.setattr(textstream, "CHUNK", 37)
    got = import_events("gdelt2", [bad], tmp_path / "b.parquet")
    assert (got.rows_read, got.rows_written, got.rows_rejected_by_reason) == (
        expected.rows_read,
        expected.rows_written,
        expected.rows_rejected_by_reason,
    )
    assert got.rows_read == 101
    assert got.examples == expected.examples
    assert read_out(tmp_path / "a.parquet").equals(read_out(tmp_path / "b.parquet"))
