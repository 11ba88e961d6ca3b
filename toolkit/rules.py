"""The rule catalogue: every check the toolkit runs, with a stable id.

Ids are stable forever (a retired rule's id is never reused). Families:

- ``C1xx`` codebook self-consistency (``evtk codebook check``)
- ``E0xx`` file shape and field types, ``E1xx`` codebook references, ``E2xx`` actor codes,
  ``E3xx`` articles, sentences and quotes, ``E4xx`` dates, ``E5xx`` duplicates, ``E6xx`` derived fields
- ``A1xx`` articles
- ``R1xx`` release integrity, ``R2xx`` release-to-release

``docs/rules.md`` is generated from this module (``make docs``) and a test fails when it drifts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: Severity
    title: str
    message: str  # template shown in the docs; actual messages fill the braces
    doc: str

    @property
    def family(self) -> str:
        return FAMILIES[self.id[0] + self.id[1]] if self.id[0] == "E" else FAMILIES[self.id[0]]


FAMILIES = {
    "C": "Codebook",
    "E0": "Files and field types",
    "E1": "Event codes",
    "E2": "Actor codes",
    "E3": "Articles, sentences and quotes",
    "E4": "Dates",
    "E5": "Duplicates",
    "E6": "Derived fields",
    "A": "Articles",
    "R": "Releases",
}

RULES: dict[str, Rule] = {}


def rule(id: str, name: str, severity: Severity, title: str, message: str, doc: str) -> Rule:
    r = Rule(id, name, severity, title, message, doc)
    assert id not in RULES, id
    RULES[id] = r
    return r


def get(rule_id: str) -> Rule:
    return RULES[rule_id]


# --- codebook --------------------------------------------------------------------------------
rule(
    "C100",
    "codebook-schema",
    "error",
    "Codebook tables match their schema",
    "{table}: column {column} fails {check} for {value!r}",
    "The loaded codebook frames are validated against the pandera models in `toolkit/models.py` "
    "(types, nullability, code patterns, unique codes).",
)
rule(
    "C101",
    "missing-parent",
    "error",
    "Every code has its parent",
    "code {code} has no parent {parent} in the codebook",
    "A three-digit code needs its two-digit root, a four-digit code its three-digit parent.",
)
rule(
    "C102",
    "bad-code-format",
    "error",
    "Codes are strings of 2-4 digits",
    "code {code!r} is not 2-4 digits",
    "Event codes are strings of two to four digits with leading zeros kept (`01`, `042`, `0211`).",
)
rule(
    "C103",
    "duplicate-code",
    "error",
    "Codes are unique",
    "code {code} is defined more than once",
    "Each event code is defined exactly once in `codebook/events/`.",
)
rule(
    "C104",
    "duplicate-name",
    "error",
    "Names are unique within a parent",
    "name {name!r} is used by codes {codes} under the same parent",
    "Two sibling codes with the same name cannot be told apart by a coder.",
)
rule(
    "C105",
    "goldstein-out-of-range",
    "error",
    "Goldstein values lie in [-10, 10]",
    "code {code} has Goldstein value {value}, outside [-10, 10]",
    "The Goldstein scale runs from -10 (most conflictual) to +10 (most cooperative).",
)
rule(
    "C106",
    "quad-class-mismatch",
    "error",
    "Quad class follows the root",
    "code {code} has quad class {quad} but its root {root} is in quad class {expected}",
    "Every code shares the quad class of its root, and each root's class is the one "
    "`codebook/codebook.yaml` lists for it (GDELT convention).",
)
rule(
    "C107",
    "bad-actor-part",
    "error",
    "Actor code parts are three letters",
    "actor code {code!r} in {table} is not three upper-case letters",
    "Actor code parts are three upper-case ASCII letters; ethnic-group codes keep the case of the "
    "reference table (mostly lower-case).",
)
rule(
    "C108",
    "duplicate-actor-part",
    "error",
    "No actor part means two things in one table",
    "actor code {code} appears more than once in {table}",
    "Within one actor table a three-letter part has exactly one meaning.",
)
rule(
    "C109",
    "crosswalk-unknown-code",
    "error",
    "Crosswalk rows point at existing codes",
    "crosswalk row for {code} names a CAMEO code that is not in the codebook",
    "Every row of `crosswalk/cameo_plover.csv` names a CAMEO code defined in the codebook and a "
    "PLOVER event type listed in `crosswalk/plover_event_types.csv`.",
)
rule(
    "C110",
    "code-in-wrong-file",
    "error",
    "Codes live in their root's file",
    "code {code} is in {file} but belongs to root {root}",
    "`codebook/events/04.yaml` holds root 04 and its descendants only.",
)
rule(
    "C111",
    "unknown-actor-kind",
    "error",
    "Role kinds are known",
    "role {code} has kind {kind!r}",
    "Kinds in `actors/roles.csv` are role, party, sector, modifier, international, organization, other.",
)
rule(
    "C112",
    "bad-replacement",
    "error",
    "Deprecations point at live codes",
    "code {code} is replaced by {replaced_by}, which is not a current code",
    "`replaced_by` must name an existing code that is not itself deprecated.",
)
rule(
    "C113",
    "missing-description",
    "warning",
    "Roots and three-digit codes are described",
    "code {code} has no description",
    "Coders rely on descriptions to choose between neighbouring codes.",
)
rule(
    "C114",
    "bad-version",
    "error",
    "The codebook version is semver",
    "codebook version {version!r} is not MAJOR.MINOR.PATCH",
    "The version in `codebook/codebook.yaml` follows semantic versioning.",
)
rule(
    "C115",
    "crosswalk-unknown-plover",
    "error",
    "Crosswalk rows name known PLOVER types",
    "crosswalk row for {code} names unknown PLOVER event type {event}",
    "PLOVER event types come from `crosswalk/plover_event_types.csv`.",
)

# --- events: shape and types ------------------------------------------------------------------
rule(
    "E000",
    "unreadable-file",
    "error",
    "Files can be read",
    "{detail}",
    "The file is not valid YAML/CSV/JSON/Parquet, is not UTF-8, or does not have the expected shape "
    "(a mapping with `events:` holding a list of mappings). Nothing else in the file is checked until "
    "it can be read; the run exits with code 2.",
)
rule(
    "E001",
    "missing-field",
    "error",
    "Required fields are present",
    "event has no {field}",
    "Every event needs `article` (unless imported), `date`, `source`, `code`; hand-coded events "
    "also need `sentence` and `quote`.",
)
rule(
    "E002",
    "bad-field-type",
    "error",
    "Fields have the right type",
    "{field} {value!r} is not {expected}",
    "`sentence` is a positive integer, `lat`/`lon` are decimal numbers in range, `method` is "
    "hand, rule or import.",
)
rule(
    "E003",
    "unknown-field",
    "warning",
    "No unknown fields",
    "unknown field {field!r} (did you mean {suggestion}?)",
    "A misspelt field name would otherwise be silently ignored.",
)
# --- events: codes ----------------------------------------------------------------------------
rule(
    "E101",
    "unknown-event-code",
    "error",
    "Event codes exist in the codebook",
    "event code {code!r} is not in codebook {version}; did you mean {suggestion}?",
    "Codes are strings with leading zeros. Spreadsheets turn `042` into `42`; the message names "
    "the code that was meant.",
)
rule(
    "E102",
    "deprecated-event-code",
    "warning",
    "Event codes are not deprecated",
    "event code {code} is deprecated: use {replaced_by}",
    "Deprecated codes stay valid for old data but new coding should use the replacement.",
)
# --- actors -----------------------------------------------------------------------------------
rule(
    "E201",
    "bad-actor-format",
    "error",
    "Actor codes are 3-letter parts",
    "{field} {value!r} is not a sequence of three-letter upper-case parts",
    "Actor codes are concatenations of three-letter upper-case parts such as `RUSGOV` or `IGOUNO`.",
)
rule(
    "E202",
    "unknown-actor-part",
    "error",
    "Every actor part is known",
    "{field} {value}: part {part} is not in the codebook's actor tables",
    "Each three-letter part must be a country/region, role, sector, known group or religion code.",
)
rule(
    "E203",
    "actor-part-position",
    "error",
    "Actor parts are in a valid position",
    "{field} {value}: {part} ({kind}) cannot stand in position {position}",
    "A country or generic international code (IGO, NGO, ...) opens an actor code; roles, sectors, "
    "groups and religions follow it. A country may follow an international or group code "
    "(regional bodies).",
)
rule(
    "E204",
    "source-equals-target",
    "warning",
    "Source and target differ",
    "source and target are both {value}",
    "An actor acting on itself is usually a coding slip; code internal events with distinct "
    "sub-actors (e.g. `MLIGOV` and `MLIREB`).",
)
rule(
    "E205",
    "imported-missing-actor",
    "warning",
    "Imported events name their source actor",
    "imported event has no source actor",
    "Source datasets such as GDELT leave an actor empty when their coder could not identify it. Such "
    "events are kept as they are and counted; hand- and rule-coded events without a source are E001 errors.",
)
rule(
    "E206",
    "imported-actor-code",
    "warning",
    "Imported actor codes follow the CAMEO grammar",
    "{field} {value!r}: {detail}",
    "The same checks as E201-E203, reported as warnings for imported events: the source dataset's actor "
    "codes are kept as published (GDELT, for one, uses parts outside the CAMEO tables).",
)
# --- articles, sentences, quotes ---------------------------------------------------------------
rule(
    "E301",
    "unknown-article",
    "error",
    "Events point at known articles",
    "article {article!r} is not in the articles folder",
    "Hand- and rule-coded events must name an article that exists in `data/articles/`.",
)
rule(
    "E302",
    "sentence-out-of-range",
    "error",
    "Sentence numbers exist",
    "sentence {sentence} is out of range: article {article} has {count} sentences",
    "Sentences are numbered from 1 as `evtk articles show` prints them.",
)
rule(
    "E303",
    "quote-not-in-sentence",
    "error",
    "The quote occurs in its sentence",
    "quote not found in sentence {sentence} of {article}{hint}",
    "The quote must occur in the stated sentence (case, whitespace and quote marks are ignored). "
    "When it occurs in another sentence, the message names it.",
)
rule(
    "E304",
    "no-article-text",
    "warning",
    "Text checks need article text",
    "{count} events have no article text: sentence and quote checks were skipped",
    "Imported events (method `import`) usually have no article text; the quote and sentence checks "
    "cannot run on them, and the report says so instead of failing.",
)
# --- dates ------------------------------------------------------------------------------------
rule(
    "E401",
    "bad-date",
    "error",
    "Dates are valid ISO dates",
    "date {value!r} is not a valid date: {hint}",
    "Write `YYYY-MM-DD` (day precision), `YYYY-MM` (month) or `YYYY` (year).",
)
rule(
    "E402",
    "date-after-publication",
    "error",
    "Events do not postdate their article",
    "date {value} is after the article's publication date {published}",
    "An article cannot report an event that has not happened yet; check the year and month. "
    "For announced future events code the announcement date.",
)
rule(
    "E403",
    "date-too-early",
    "error",
    "Dates are not absurdly early",
    "date {value} is before 1900",
    "Dates before 1900 are almost always typing errors.",
)
# --- duplicates -------------------------------------------------------------------------------
rule(
    "E501",
    "duplicate-id",
    "error",
    "Event ids are unique",
    "event id {id!r} is used {count} times in this file",
    "Local ids are unique within a file; the release id is derived from file, article and local id.",
)
rule(
    "E502",
    "duplicate-event",
    "warning",
    "The same event is not coded twice",
    "same article, sentence, date, source, target and code as event {other}",
    "Two identical codings of one sentence double-count the event.",
)
rule(
    "E503",
    "duplicate-event-id",
    "error",
    "Release event ids are unique",
    "event id {id} is not unique across files",
    "The release-wide id must be unique; this fires only on a hash collision or a copied file.",
)
# --- derived ----------------------------------------------------------------------------------
rule(
    "E601",
    "derived-field-mismatch",
    "error",
    "Stated derived fields agree with the codebook",
    "{field} {stated} disagrees with the codebook's {expected} for code {code}",
    "Files may state `root_code`, `quad_class` or `goldstein`; when they do they must agree with "
    "the codebook (machine-coded and imported data often carry stale values).",
)
rule(
    "E602",
    "imported-derived-mismatch",
    "warning",
    "Imported derived fields agree with the codebook",
    "{field} {stated} disagrees with the codebook's {expected} for code {code}",
    "Values a source dataset states (GDELT QuadClass and GoldsteinScale, ICEWS Intensity) that differ from "
    "the codebook are reported with counts; the release always carries the codebook's values.",
)
# --- articles ---------------------------------------------------------------------------------
rule(
    "A101",
    "bad-article-id",
    "error",
    "Article ids are safe slugs",
    "article id {id!r} is not a safe slug",
    "Ids match `[a-z0-9][a-z0-9._-]*`, at most 120 characters: no slashes, no `..`, no spaces.",
)
rule(
    "A102",
    "article-text-changed",
    "error",
    "Frozen segmentation matches the text",
    "the text of article {id} changed since it was segmented",
    "Sentence numbers are frozen when an article is added; editing the text would move them under "
    "existing events. Restore the text, or run `evtk articles add --replace` and re-check events.",
)
rule(
    "A103",
    "duplicate-article",
    "error",
    "Article ids are unique",
    "article id {id} is defined more than once",
    "Each article id appears in exactly one article file or bulk row.",
)
rule(
    "A104",
    "bad-article-date",
    "error",
    "Articles have a valid publication date",
    "published {value!r} is not a valid YYYY-MM-DD date",
    "The publication date bounds event dates, so it must be a real date.",
)

# --- releases ---------------------------------------------------------------------------------
rule(
    "R101",
    "checksum-mismatch",
    "error",
    "Files match their checksums",
    "{file}: sha256 {actual} does not match the manifest's {expected}",
    "A file changed after the release was built.",
)
rule(
    "R102",
    "size-mismatch",
    "error",
    "Files match their sizes",
    "{file}: {actual} bytes, the manifest says {expected}",
    "A file was truncated or replaced.",
)
rule(
    "R103",
    "row-count-mismatch",
    "error",
    "Tables match their row counts",
    "{file}: {actual} rows, the manifest says {expected}",
    "Rows were added or removed after the build.",
)
rule(
    "R104",
    "missing-file",
    "error",
    "Every manifest file exists",
    "{file} is listed in the manifest but missing",
    "A release is complete or it is not a release.",
)
rule(
    "R105",
    "extra-file",
    "warning",
    "No files outside the manifest",
    "{file} is not listed in the manifest",
    "Stray files are not covered by checksums.",
)
rule(
    "R106",
    "schema-mismatch",
    "error",
    "Parquet schema matches the schema version",
    "{file}: {detail}",
    "The events table has exactly the columns and types of the schema version in the manifest.",
)
rule(
    "R107",
    "bad-manifest",
    "error",
    "The manifest is readable and complete",
    "manifest.json: {detail}",
    "`manifest.json` must parse and carry name, version, schema and codebook versions and resources.",
)
rule(
    "R108",
    "metadata-mismatch",
    "error",
    "Parquet metadata agrees with the manifest",
    "{file}: {key} is {actual}, the manifest says {expected}",
    "Each Parquet file names the dataset, codebook and schema versions of its release.",
)
rule(
    "R201",
    "unexplained-removal",
    "error",
    "Removed events are retracted",
    "event {id} was in {previous} and is gone without a retraction",
    "Events never silently disappear: list them in `data/retractions.csv` with a reason.",
)
rule(
    "R202",
    "bad-version-bump",
    "error",
    "The version bump matches the change",
    "version {version} after {previous}: {detail}",
    "Schema change: major. Codebook change or retractions: at least minor. Only additions or edits: "
    "minor or patch. The new version must be greater than the previous one.",
)
rule(
    "R203",
    "drift",
    "warning",
    "No large drift between releases",
    "{metric} moved from {old} to {new} (threshold {threshold})",
    "Large shifts in quad-class shares, duplicate rate or events per source deserve a look before "
    "publishing; thresholds are configurable.",
)
rule(
    "R204",
    "stale-retraction",
    "warning",
    "Retractions name events that existed",
    "retraction of {id}: no such event in {previous}",
    "A retraction that names no previous event is probably a typo.",
)
