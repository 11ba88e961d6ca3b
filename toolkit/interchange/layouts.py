"""File layouts of the event datasets evtk imports and exports (column names in file order).

The column lists are the official ones (GDELT 1.0/2.0 codebooks, the ICEWS Dataverse header, the
order ``openeventdata/phoenix_pipeline`` ``postprocess.py`` writes). They are code, not data read at
run time, because a layout is a contract: a silently edited list would shift every field.
No polars here, so the CLI can name formats without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass

_GDELT_HEAD = (
    "GLOBALEVENTID",
    "SQLDATE",
    "MonthYear",
    "Year",
    "FractionDate",
    "Actor1Code",
    "Actor1Name",
    "Actor1CountryCode",
    "Actor1KnownGroupCode",
    "Actor1EthnicCode",
    "Actor1Religion1Code",
    "Actor1Religion2Code",
    "Actor1Type1Code",
    "Actor1Type2Code",
    "Actor1Type3Code",
    "Actor2Code",
    "Actor2Name",
    "Actor2CountryCode",
    "Actor2KnownGroupCode",
    "Actor2EthnicCode",
    "Actor2Religion1Code",
    "Actor2Religion2Code",
    "Actor2Type1Code",
    "Actor2Type2Code",
    "Actor2Type3Code",
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
)


def _geo(prefix: str, adm2: bool) -> tuple[str, ...]:
    cols = [f"{prefix}_Type", f"{prefix}_FullName", f"{prefix}_CountryCode", f"{prefix}_ADM1Code"]
    if adm2:
        cols.append(f"{prefix}_ADM2Code")
    return (*cols, f"{prefix}_Lat", f"{prefix}_Long", f"{prefix}_FeatureID")


def _gdelt(adm2: bool, url: bool) -> tuple[str, ...]:
    geo = sum((_geo(p, adm2) for p in ("Actor1Geo", "Actor2Geo", "ActionGeo")), ())
    return (*_GDELT_HEAD, *geo, "DATEADDED", *(("SOURCEURL",) if url else ()))


GDELT1_57 = _gdelt(adm2=False, url=False)
GDELT1_58 = _gdelt(adm2=False, url=True)
GDELT2 = _gdelt(adm2=True, url=True)

ICEWS = (
    "Event ID",
    "Event Date",
    "Source Name",
    "Source Sectors",
    "Source Country",
    "Event Text",
    "CAMEO Code",
    "Intensity",
    "Target Name",
    "Target Sectors",
    "Target Country",
    "Story ID",
    "Sentence Number",
    "Publisher",
    "City",
    "District",
    "Province",
    "Country",
    "Latitude",
    "Longitude",
)

PHOENIX = (
    "EventID",
    "Date",
    "Year",
    "Month",
    "Day",
    "SourceActorFull",
    "SourceActorEntity",
    "SourceActorRole",
    "SourceActorAttribute",
    "TargetActorFull",
    "TargetActorEntity",
    "TargetActorRole",
    "TargetActorAttribute",
    "EventCode",
    "EventRootCode",
    "PentaClass",
    "GoldsteinScore",
    "Issues",
    "Lat",
    "Lon",
    "LocationName",
    "StateName",
    "CountryCode",
    "SentenceID",
    "URLs",
    "NewsSources",
)


@dataclass(frozen=True)
class Layout:
    """One physical layout: a format can have several (GDELT 1.0 has 57 and 58 columns)."""

    name: str
    fmt: str
    columns: tuple[str, ...]
    #: cell values that mean "missing" (ICEWS writes ``NA``; in GDELT ``NA`` is a FIPS code)
    null_tokens: tuple[str, ...] = ("",)
    #: (column, regex, whether it must match): what a row of this layout looks like, checked on rows
    #: whose width is this layout's in a file of another layout of the same format (a stray tab must
    #: not pass for the other layout)
    signature: tuple[tuple[str, str, bool], ...] = ()

    @property
    def width(self) -> int:
        return len(self.columns)

    def index(self, column: str) -> int:
        return self.columns.index(column)


LAYOUTS: dict[str, tuple[Layout, ...]] = {
    # order matters: on a tie in the column-count vote the first layout wins
    # DATEADDED (YYYYMMDD) is the 57th column of both; the 58th, SOURCEURL, is never a bare date
    "gdelt1": (
        Layout(
            "gdelt1-58",
            "gdelt1",
            GDELT1_58,
            signature=(("DATEADDED", r"^\d{8}$", True), ("SOURCEURL", r"^\d{8}$", False)),
        ),
        Layout("gdelt1-57", "gdelt1", GDELT1_57, signature=(("DATEADDED", r"^\d{8}$", True),)),
    ),
    "gdelt2": (Layout("gdelt2", "gdelt2", GDELT2),),
    "icews": (Layout("icews", "icews", ICEWS, ("", "NA")),),
    "phoenix": (Layout("phoenix", "phoenix", PHOENIX, ("", "NA")),),
}
IMPORT_FORMATS = tuple(LAYOUTS)
EXPORT_FORMATS = ("gdelt2", "phoenix", "plover")

#: Phoenix's own quad ("penta") classes by root, from phoenix_pipeline postprocess.py: 0 = neutral
PHOENIX_PENTA: dict[str, int] = {
    "01": 0,
    "02": 0,
    "03": 1,
    "04": 1,
    "05": 1,
    "06": 2,
    "07": 2,
    "08": 2,
    "09": 3,
    "10": 3,
    "11": 3,
    "12": 3,
    "13": 3,
    "14": 4,
    "15": 4,
    "16": 3,
    "17": 4,
    "18": 4,
    "19": 4,
    "20": 4,
}
#: the agent codes Phoenix splits into SourceActorRole (postprocess.py ``primary_agent``)
PHOENIX_AGENTS = ("GOV", "MIL", "REB", "OPP", "PTY", "COP", "JUD", "SPY", "MED", "EDU", "BUS", "CRM", "CVL")


def normalise_name(name: str) -> str:
    """Header cell comparison key: case, spaces, underscores, quotes and a BOM do not matter."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def layout_for_width(width: int) -> Layout | None:
    """Any known layout with this many columns (for "this looks like ..." hints)."""
    for layouts in LAYOUTS.values():
        for layout in layouts:
            if layout.width == width:
                return layout
    return None
