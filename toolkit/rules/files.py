"""Files and field types (E000-E004): can the file be read, are the fields there and typed, is a
file left unread."""

from __future__ import annotations

import difflib

import polars as pl

from toolkit import findings as F
from toolkit.errors import InputError
from toolkit.rules import rule
from toolkit.rules.common import C, Context, Mask, blank
from toolkit.schema import INPUT_FIELDS, METHODS

E000 = rule(
    "E000",
    "unreadable-file",
    "error",
    "Files can be read",
    "{detail}",
    "The file is not valid YAML/CSV/JSON/Parquet, is not UTF-8, or does not have the expected shape "
    "(a mapping with `events:` holding a list of mappings). Nothing else in the file is checked until "
    "it can be read; the run exits with code 2.",
)
E001 = rule(
    "E001",
    "missing-field",
    "error",
    "Required fields are present",
    "event has no {field}: {fix}",
    "Every event needs `article` (unless imported), `date`, `source`, `code`; hand-coded events "
    "also need `sentence` and `quote`.",
    variants={"header": "the header has no '{field}' column: every event needs one"},
)
E002 = rule(
    "E002",
    "bad-field-type",
    "error",
    "Fields have the right type",
    "{field} '{value}' is not {expected}",
    "`sentence` is a positive integer, `lat`/`lon` are decimal numbers in range, `method` is "
    "hand, rule or import, `quad_class` is 1-4 and `goldstein` a number.",
)
E003 = rule(
    "E003",
    "unknown-field",
    "warning",
    "No unknown fields",
    "unknown field '{field}' is ignored: {hint}",
    "A misspelt field name would otherwise be silently ignored.",
)


E004 = rule(
    "E004",
    "unread-file",
    "warning",
    "No event file is left unread",
    "{file} is not read: evtk reads .yaml, .csv, .jsonl and .parquet event files; {fix}",
    "A workbook or data file saved among the event files (`sheet.xlsx` in `data/coded/`) would "
    "otherwise be skipped without a word, and its events left out of every check and release.",
)

#: suffixes of files a coder may have meant as event files, and what to do with each
UNREAD_SUFFIXES = {
    ".xlsx": "convert it with `evtk fix {file}` (writes it as CSV beside it)",
    ".xlsm": "convert it with `evtk fix {file}` (writes it as CSV beside it)",
    ".xls": "save it as .xlsx or CSV UTF-8 in the spreadsheet, then run `evtk fix` on it",
    ".ods": "save it as .xlsx or CSV UTF-8 in the spreadsheet, then run `evtk fix` on it",
    ".json": "write one event per line as .jsonl, or save it as YAML",
    ".tsv": "rename it to .csv (tab-separated CSV is read)",
    ".tab": "rename it to .csv (tab-separated CSV is read)",
}


def unread_files(files: list[tuple[str, str]]) -> list[pl.DataFrame]:
    """E004 for each (name in findings, suffix) of a file among the event files that is not read."""
    out = []
    for name, suffix in files:
        fix = UNREAD_SUFFIXES[suffix].format(file=name)
        out.append(F.single("E004", E004.text(file=name, fix=fix), file=name))
    return out


def unreadable(exc: InputError, file: str | None) -> pl.DataFrame:
    """E000 for a file that cannot be read (the one place E000 is emitted)."""
    return F.single("E000", E000.text(detail=exc.message), file=file, line=exc.line)


# (field, typed column, who needs it, what the fix is)
#: required fields whose checked column is parsed (not text)
TYPED = frozenset({"_date", "_sentence"})
REQUIRED: tuple[tuple[str, str, str, str, str], ...] = (
    ("id", "_id", "all", "id", "add one, or run `evtk validate --fix-ids`"),
    ("code", "_code", "all", "code", 'add the CAMEO event code (e.g. code: "042")'),
    ("source", "_source", "coded", "source actor", "write its CAMEO actor code (e.g. source: RUSGOV)"),
    ("date", "_date", "all", "date", "write YYYY-MM-DD, YYYY-MM or YYYY"),
    ("article", "_article", "coded", "article", "name the article id (evtk articles show ID)"),
    ("sentence", "_sentence", "hand", "sentence number", "see `evtk articles show ARTICLE`"),
    ("quote", "quote", "hand", "quote", "copy the words that carry the event from its sentence"),
)


def masks(ctx: Context) -> list[Mask]:
    who = {
        "all": pl.lit(True),
        "coded": C("_method") != "import",
        "hand": C("_method") == "hand",
    }
    out = []
    for field, typed, need, label, fix in REQUIRED:
        value = C(typed)
        # `code: ""` is missing; a parsed date or number is missing only when null (casting a typed
        # column to text to compare it with "" cost a third of the row masks' time).
        missing = value.is_null() if typed in TYPED else value.is_null() | (value.str.strip_chars() == "")
        out.append(Mask(E001, who[need] & blank(field) & missing, E001.expr(field=label, fix=fix), field))
    out.append(
        Mask(
            E002,
            ~blank("sentence") & (C("_sentence").is_null() | (C("_sentence") < 1)),
            E002.expr(field="sentence", value=C("sentence"), expected="a positive whole number"),
            "sentence",
        )
    )
    out.append(
        Mask(
            E002,
            ~C("_method").is_in(list(METHODS)),
            E002.expr(field="method", value=C("method"), expected="one of " + ", ".join(METHODS)),
            "method",
        )
    )
    for field, parsed, lo, hi in (("location_lat", "_lat", -90, 90), ("location_lon", "_lon", -180, 180)):
        # A value that does not parse is an error too (it would become a null coordinate in the release).
        raw = C(field).str.strip_chars()
        comma = raw.str.contains(r"^[+-]?\d+,\d+$")
        expected = (
            pl.when(comma)
            .then(
                pl.format(
                    "a number with a decimal point: write {} (a decimal comma is not read as a decimal mark)",
                    raw.str.replace(",", ".", literal=True),
                )
            )
            .otherwise(pl.lit(f"a number between {lo} and {hi}"))
        )
        out.append(
            Mask(
                E002,
                ~blank(field) & (C(parsed).is_null() | ~C(parsed).is_between(lo, hi)),
                E002.expr(field=field.split("_")[1], value=C(field), expected=expected),
                field,
            )
        )
    out.append(
        Mask(
            E002,
            ~blank("quad_class") & C("_quad").is_null(),
            E002.expr(field="quad_class", value=C("quad_class"), expected="1, 2, 3 or 4"),
            "quad_class",
        )
    )
    out.append(
        Mask(
            E002,
            ~blank("goldstein") & C("_goldstein").is_null(),
            E002.expr(field="goldstein", value=C("goldstein"), expected="a number"),
            "goldstein",
        )
    )
    return out


#: names other datasets and spreadsheets use for evtk's fields (lower case, ``_`` for spaces)
SYNONYMS: dict[str, str] = {
    **{
        f"location_{k}": f"location_{v}"
        for k, v in (
            ("name", "place"),
            ("city", "place"),
            ("placename", "place"),
            ("town", "place"),
            ("latitude", "lat"),
            ("longitude", "lon"),
            ("long", "lon"),
            ("lng", "lon"),
            ("country_code", "country"),
            ("iso", "country"),
        )
    },
    "place": "location_place",
    "placename": "location_place",
    "city": "location_place",
    "country": "location_country",
    "latitude": "location_lat",
    "lat": "location_lat",
    "longitude": "location_lon",
    "lon": "location_lon",
    "lng": "location_lon",
    "actor1": "source",
    "actor2": "target",
    "source_actor": "source",
    "target_actor": "target",
    "actor1code": "source",
    "actor2code": "target",
    "event_code": "code",
    "cameo": "code",
    "cameo_code": "code",
    "eventcode": "code",
    "event_date": "date",
    "sqldate": "date",
    "article_id": "article",
    "sentence_id": "sentence",
    "local_id": "id",
    "event_id": "id",
    "notes": "note",
    "comment": "note",
    "comments": "note",
    "source_url": "url",
    "sourceurl": "url",
    "source_name": "publisher",
}


def field_notes(
    unknown: list[tuple[str, int | None, str]], missing: list[tuple[str, str]]
) -> list[pl.DataFrame]:
    """E003 for keys that are not event fields, E001 for required columns a CSV header lacks."""
    out = []
    for field, line, file in unknown:
        flat = "location_" + field.split(".", 1)[1] if field.startswith("location.") else field
        close = difflib.get_close_matches(flat.lower(), list(INPUT_FIELDS) + ["location", "events"], n=1)
        synonym = SYNONYMS.get(flat.lower().replace(" ", "_").replace("-", "_"))
        if synonym is not None:
            close = [synonym]
        if close and field.startswith("location.") and close[0].startswith("location_"):
            close = ["location." + close[0].split("_", 1)[1]]  # answer in the form the user wrote
        if field == "location":  # `location: NGA`: a value where a mapping belongs
            hint = "location takes a mapping: write `location: {country: NGA, place: Abuja}` (or location_country)"
        elif field == "":
            hint = "a column of the header has no name but holds values: name it, or delete the column"
        elif close and close[0] != field:
            hint = f"did you mean '{close[0]}'?"
        else:
            hint = f"known fields are {', '.join(INPUT_FIELDS)}"
        out.append(F.single("E003", E003.text(field=field, hint=hint), file=file, line=line, column=field))
    for column, file in missing:
        out.append(F.single("E001", E001.text("header", field=column), file=file, line=1, column=column))
    return out


__all__ = ["E000", "E001", "E002", "E003", "E004", "field_notes", "masks", "unread_files", "unreadable"]
