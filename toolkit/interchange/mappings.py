"""Importer mapping tables: ICEWS actors, location countries of GDELT (FIPS), ICEWS (names) and
Phoenix (ISO) to the codebook's codes (``codebook/mappings/*.csv``), loaded as small dicts.

They live beside the codebook, not in code, because they are editorial decisions a dataset maintainer
reviews and extends (a new ICEWS sector name, a renamed country) without touching Python; see
``codebook/mappings/README.md`` for the rules.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from toolkit.codebook import Codebook, bundled_path
from toolkit.errors import CodebookError
from toolkit.textio import read_text

COUNTRY_FILE = "icews_countries.csv"
SECTOR_FILE = "icews_sectors.csv"


def mappings_dir(codebook: Codebook) -> Path:
    """``<codebook>/mappings``; a user codebook without one falls back to the project's tables."""
    own = codebook.path / "mappings"
    if own.is_dir():
        return own
    return bundled_path() / "mappings"


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise CodebookError("mapping table not found (see codebook/mappings/README.md)", path)
    reader = csv.DictReader(io.StringIO(read_text(path)))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise CodebookError(
            f"mapping table has no column {missing[0]!r} (needs {', '.join(required)})", path, 1
        )
    out: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            if None in row:
                raise CodebookError("row has more fields than the header", path, reader.line_num)
            out.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    except csv.Error as exc:
        raise CodebookError(f"malformed CSV: {exc}", path, reader.line_num) from None
    return out


@dataclass(frozen=True)
class IcewsMaps:
    """Look-ups keyed by lower-cased ICEWS names.

    ``country`` maps to a CAMEO code, or to ``""`` for names the table lists as deliberately unmapped.
    ``role`` holds sectors that give the part after a country; ``international`` those that can stand
    in the country slot of an actor without a country. ``sectors`` is every name the table lists.
    """

    country: dict[str, str]
    role: dict[str, str]
    international: dict[str, str]
    sectors: frozenset[str]


def country_names(codebook: Codebook) -> dict[str, str]:
    """Lower-cased country names -> codebook code: the codebook's own names, then the ICEWS spellings
    of ``icews_countries.csv`` (``""`` for a country left without a code on purpose)."""
    countries = codebook.actors.filter(codebook.actors["table"] == "countries")
    names = {
        str(n).strip().lower(): str(c) for n, c in zip(countries["name"], countries["code"], strict=True)
    }
    for _line, row in _rows(mappings_dir(codebook) / COUNTRY_FILE, ("icews_name", "cameo_code", "note")):
        names[row["icews_name"].lower()] = row["cameo_code"]
    return names


def load_icews_maps(codebook: Codebook) -> IcewsMaps:
    folder = mappings_dir(codebook)
    country = country_names(codebook)
    role: dict[str, str] = {}
    international: dict[str, str] = {}
    names: set[str] = set()
    for _line, row in _rows(
        folder / SECTOR_FILE, ("icews_sector", "cameo_code", "international_code", "note")
    ):
        key = row["icews_sector"].lower()
        names.add(key)
        if row["cameo_code"]:
            role[key] = row["cameo_code"]
        if row["international_code"]:
            international[key] = row["international_code"]
    return IcewsMaps(country, role, international, frozenset(names))


FIPS_FILE = "gdelt_fips_countries.csv"
ISO_FILE = "iso_countries.csv"


@dataclass(frozen=True)
class CountryMaps:
    """Location country values of other datasets -> the codebook's country and region codes.

    ``fips``: GDELT's FIPS 10-4 codes (upper case); ``iso``: ISO 3166 alpha-3 codes that differ from the
    codebook's (Phoenix); ``names``: lower-cased country names (the codebook's, then ICEWS spellings).
    A value of ``""`` marks a place the tables leave without a code on purpose. ``to_fips`` is the
    other direction: the FIPS code of the country itself, not of a territory whose note says "coded as".
    """

    fips: dict[str, str]
    iso: dict[str, str]
    names: dict[str, str]
    to_fips: dict[str, str]
    codes: frozenset[str]


def load_country_maps(codebook: Codebook) -> CountryMaps:
    folder = mappings_dir(codebook)
    countries = codebook.actors.filter(codebook.actors["table"] == "countries")
    codes = frozenset(str(c) for c in countries["code"])
    names = country_names(codebook)
    fips: dict[str, str] = {}
    to_fips: dict[str, str] = {}
    for _line, row in _rows(folder / FIPS_FILE, ("fips", "cameo_code", "name", "note")):
        fips[row["fips"].upper()] = row["cameo_code"]
        if row["cameo_code"] and "coded as" not in row["note"]:
            to_fips.setdefault(row["cameo_code"], row["fips"].upper())
    iso_rows = _rows(folder / ISO_FILE, ("iso3", "cameo_code", "note"))
    iso = {row["iso3"].upper(): row["cameo_code"] for _line, row in iso_rows}
    return CountryMaps(fips, iso, names, to_fips, codes)
