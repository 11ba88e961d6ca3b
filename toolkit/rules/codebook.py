"""Codebook (C100-C121): the codebook validates itself (``evtk codebook check``)."""

from __future__ import annotations

import re

import polars as pl

from toolkit import findings as F
from toolkit import yamlio
from toolkit.codebook import ACTOR_KINDS, Codebook
from toolkit.coder.dictionaries import Dictionaries
from toolkit.rules import rule

C100 = rule(
    "C100",
    "codebook-schema",
    "error",
    "Codebook tables match their schema",
    "{table}: column {column} fails {check} for {value}",
    "The loaded codebook frames are validated against the pandera models in `toolkit/models.py` "
    "(types, nullability, code patterns, unique codes).",
)
C101 = rule(
    "C101",
    "missing-parent",
    "error",
    "Every code has its parent",
    "code {code} has no parent {parent} in the codebook: add it or fix the code",
    "A three-digit code needs its two-digit root, a four-digit code its three-digit parent.",
)
C102 = rule(
    "C102",
    "bad-code-format",
    "error",
    "Codes are strings of 2-4 digits",
    "code '{code}' is not 2-4 digits: write codes as strings with leading zeros",
    "Event codes are strings of two to four digits with leading zeros kept (`01`, `042`, `0211`).",
)
C103 = rule(
    "C103",
    "duplicate-code",
    "error",
    "Codes are unique",
    "code {code} is defined more than once: keep one definition",
    "Each event code is defined exactly once in `codebook/events/`.",
)
C104 = rule(
    "C104",
    "duplicate-name",
    "error",
    "Names are unique within a parent",
    "name '{name}' is used by codes {codes} under the same parent: make the names distinct",
    "Two sibling codes with the same name cannot be told apart by a coder.",
)
C105 = rule(
    "C105",
    "goldstein-out-of-range",
    "error",
    "Goldstein values lie in [-10, 10]",
    "code {code} has Goldstein value {value}, outside [-10, 10]",
    "The Goldstein scale runs from -10 (most conflictual) to +10 (most cooperative).",
)
C106 = rule(
    "C106",
    "quad-class-mismatch",
    "error",
    "Quad class follows the root",
    "code {code} has quad class {quad} but its root {root} is in quad class {expected}",
    "Every code shares the quad class of its root, and each root's class is the one "
    "`codebook/codebook.yaml` lists for it (GDELT convention).",
    variants={"unlisted-root": "code {code}: root {root} is in no quad class of codebook.yaml"},
)
C107 = rule(
    "C107",
    "bad-actor-part",
    "error",
    "Actor code parts are three letters",
    "actor code '{code}' in {table} is not three {case}letters",
    "Actor code parts are three upper-case ASCII letters; ethnic-group codes are three lower-case "
    "letters, as CAMEO's ethnic coding scheme writes them (three listed in upper case as well in the "
    "reference table, ARB, KUR and PAL, are kept as written).",
)
C108 = rule(
    "C108",
    "duplicate-actor-part",
    "error",
    "No actor part means two things in one table",
    "actor code {code} appears more than once in {table}: one meaning per table",
    "Within one actor table a three-letter part has exactly one meaning.",
)
C109 = rule(
    "C109",
    "crosswalk-unknown-code",
    "error",
    "Crosswalk rows point at existing codes",
    "crosswalk row for {code} names a CAMEO code that is not in the codebook",
    "Every row of `crosswalk/cameo_plover.csv` names a CAMEO code defined in the codebook and a "
    "PLOVER event type listed in `crosswalk/plover_event_types.csv`.",
)
C110 = rule(
    "C110",
    "code-in-wrong-file",
    "error",
    "Codes live in their root's file",
    "code {code} is in {file} but belongs to root {root}: move it to events/{root}.yaml",
    "`codebook/events/04.yaml` holds root 04 and its descendants only.",
)
C111 = rule(
    "C111",
    "unknown-actor-kind",
    "error",
    "Role kinds are known",
    "actor code {code} in {table} has kind '{kind}', expected one of {kinds}",
    "Kinds in `actors/roles.csv` are role, party, sector, modifier, international, organization, other.",
)
C112 = rule(
    "C112",
    "bad-replacement",
    "error",
    "Deprecations point at live codes",
    "code {code} is replaced by {replaced_by}, which is not a current code",
    "`replaced_by` must name an existing code that is not itself deprecated.",
)
C113 = rule(
    "C113",
    "missing-description",
    "warning",
    "Roots and three-digit codes are described",
    "code {code} ({name}) has no description: write one for coders",
    "Coders rely on descriptions to choose between neighbouring codes.",
)
C114 = rule(
    "C114",
    "bad-version",
    "error",
    "The codebook version is semver",
    "codebook version '{version}' is not MAJOR.MINOR.PATCH (e.g. 1.0.0)",
    "The version in `codebook/codebook.yaml` follows semantic versioning.",
)
C115 = rule(
    "C115",
    "crosswalk-unknown-plover",
    "error",
    "Crosswalk rows name known PLOVER types",
    "crosswalk row for {code} names unknown PLOVER event type {event}",
    "PLOVER event types come from `crosswalk/plover_event_types.csv`.",
)

C116 = rule(
    "C116",
    "dictionary-unknown-code",
    "error",
    "Verb patterns code existing event codes",
    "{file}: verb group {group} ({pattern}) codes {code}, which is not in the codebook",
    "Every code of `codebook/dictionaries/verbs.yaml` (a group's `code`, `paired`, `negated`, each "
    "pattern's code) and of the intent and demand tables is a code of the codebook.",
)
C117 = rule(
    "C117",
    "dictionary-bad-actor",
    "error",
    "Dictionary actor codes follow the grammar",
    "{file}: {what} '{value}' for '{phrase}' {problem}",
    "Actor codes in the actor dictionary are three-letter parts the codebook knows, in valid positions "
    "(a country or generic international code first); a country entry is a single country or region "
    "part; an agent code is a role that can follow a country (`USA` + code must be a valid actor code).",
)
C118 = rule(
    "C118",
    "dictionary-bad-pattern",
    "error",
    "Verb patterns are well formed",
    "{file}: {pattern}: {problem}",
    "A verb group has an id, verbs, and a code or patterns; a pattern is `PRE * POST` with exactly one `*`.",
)
C119 = rule(
    "C119",
    "dictionary-bad-dates",
    "error",
    "People's date ranges are valid",
    "{file}: {name}: {problem}",
    "`from` and `to` of a person are dates (YYYY-MM-DD) and `from` is not after `to`.",
)
C120 = rule(
    "C120",
    "dictionary-duplicate-phrase",
    "warning",
    "A phrase has one meaning",
    "{file}: '{phrase}' is listed for {codes}: keep it under one code",
    "The same phrase under two codes of the actor (or agent) dictionary makes the coder's choice arbitrary.",
)
C121 = rule(
    "C121",
    "dictionary-bad-version",
    "error",
    "The dictionary version is semver",
    "dictionaries version '{version}' is not MAJOR.MINOR.PATCH (e.g. 0.1.0)",
    "`codebook/dictionaries/dictionaries.yaml` has its own semantic version; rule-coded events name it "
    "in their coder (`evtk-rules/0.1.0`).",
)

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def check_codebook(cb: Codebook) -> F.Report:
    ev = cb.events.lazy()
    code = pl.col("code")
    file, line = pl.col("file"), pl.col("line")
    known = cb.events["code"].implode()
    parts: list[pl.LazyFrame | pl.DataFrame] = []

    well_formed = code.str.contains(r"^\d{2,4}$")
    parts.append(
        F.make(
            ev.filter(~well_formed),
            "C102",
            C102.expr(code=code),
            file=file,
            line=line,
            column="code",
        )
    )
    parts.append(
        F.make(
            ev.filter(well_formed & pl.col("parent").is_not_null() & ~pl.col("parent").is_in(known)),
            "C101",
            C101.expr(code=code, parent=pl.col("parent")),
            file=file,
            line=line,
            column="code",
        )
    )
    parts.append(
        F.make(
            ev.filter(code.is_duplicated()),
            "C103",
            C103.expr(code=code),
            file=file,
            line=line,
            column="code",
        )
    )
    sib = ev.with_columns(_p=pl.col("parent").fill_null("<root>"), _n=pl.col("name").str.to_lowercase())
    parts.append(
        F.make(
            sib.filter(pl.len().over("_p", "_n") > 1).with_columns(
                _codes=code.sort().str.join(", ").over("_p", "_n")
            ),
            "C104",
            C104.expr(name=pl.col("name"), codes=pl.col("_codes")),
            file=file,
            line=line,
            column="name",
        )
    )
    parts.append(
        F.make(
            ev.filter(~pl.col("goldstein").is_between(-10, 10)),
            "C105",
            C105.expr(code=code, value=pl.col("goldstein")),
            file=file,
            line=line,
            column="goldstein",
        )
    )
    roots = pl.DataFrame(
        {"root_code": list(cb.root_quads), "_expected": list(cb.root_quads.values())},
        schema={"root_code": pl.String, "_expected": pl.Int8},
    )
    q = ev.join(roots.lazy(), on="root_code", how="left")
    parts.append(
        F.make(
            q.filter(pl.col("_expected").is_null() | (pl.col("quad_class") != pl.col("_expected"))),
            "C106",
            pl.when(pl.col("_expected").is_null())
            .then(C106.expr("unlisted-root", code=code, root=pl.col("root_code")))
            .otherwise(
                C106.expr(code=code, quad=pl.col("quad_class"), root=pl.col("root_code"), expected=pl.col("_expected"))
            ),
            file=file,
            line=line,
            column="quad_class",
        )
    )
    stem = pl.col("file").str.extract(r"events/(\d+)\.yaml$")
    parts.append(
        F.make(
            ev.filter(well_formed & (stem != pl.col("root_code"))),
            "C110",
            C110.expr(code=code, file=file, root=pl.col("root_code")),
            file=file,
            line=line,
            column="code",
        )
    )
    live = cb.events.filter(pl.col("replaced_by").is_null())["code"].implode()
    parts.append(
        F.make(
            ev.filter(pl.col("replaced_by").is_not_null() & ~pl.col("replaced_by").is_in(live)),
            "C112",
            C112.expr(code=code, replaced_by=pl.col("replaced_by")),
            file=file,
            line=line,
            column="replaced_by",
        )
    )
    parts.append(
        F.make(
            ev.filter((pl.col("level") < 3) & pl.col("description").fill_null("").str.strip_chars().eq("")),
            "C113",
            C113.expr(code=code, name=pl.col("name")),
            file=file,
            line=line,
            column="description",
        )
    )

    act = cb.actors.lazy()
    pattern = (
        pl.when(pl.col("table") == "ethnic_groups")
        .then(pl.lit(r"^(?:[a-z]{3}|[A-Z]{3})$"))
        .otherwise(pl.lit(r"^[A-Z]{3}$"))
    )
    parts.append(
        F.make(
            act.filter(~pl.col("code").str.contains(pattern)),
            "C107",
            C107.expr(
                code=pl.col("code"),
                table=pl.col("table"),
                case=pl.when(pl.col("table") == "ethnic_groups")
                .then(pl.lit("lower-case (or upper-case) "))
                .otherwise(pl.lit("upper-case ")),
            ),
            file=file,
            line=line,
            column="code",
        )
    )
    parts.append(
        F.make(
            act.filter(pl.col("code").is_duplicated().over("table")),
            "C108",
            C108.expr(code=pl.col("code"), table=pl.col("table")),
            file=file,
            line=line,
            column="code",
        )
    )
    parts.append(
        F.make(
            act.filter(~pl.col("kind").is_in(list(ACTOR_KINDS)) | pl.col("kind").is_null()),
            "C111",
            C111.expr(
                code=pl.col("code"), table=pl.col("table"), kind=pl.col("kind").fill_null(""), kinds=", ".join(ACTOR_KINDS)
            ),
            file=file,
            line=line,
            column="kind",
        )
    )

    if cb.crosswalk.height:
        cw = cb.crosswalk.lazy().with_columns(file=pl.lit("crosswalk/cameo_plover.csv"))
        parts.append(
            F.make(
                cw.filter(~pl.col("cameo_code").is_in(known)),
                "C109",
                C109.expr(code=pl.col("cameo_code")),
                file=file,
                line=line,
                column="cameo_code",
            )
        )
        types = (
            cb.plover_event_types["event_type"].implode()
            if cb.plover_event_types.height
            else pl.Series([], dtype=pl.String).implode()
        )
        parts.append(
            F.make(
                cw.filter(~pl.col("plover_event").is_in(types)),
                "C115",
                C115.expr(code=pl.col("cameo_code"), event=pl.col("plover_event")),
                file=file,
                line=line,
                column="plover_event",
            )
        )
    if not SEMVER.match(cb.version):
        parts.append(
            F.single(
                "C114",
                C114.text(version=cb.version),
                file="codebook.yaml",
                line=yamlio.line_of(cb.meta.get("version")),
                column="version",
            )
        )
    parts += schema_findings(cb)
    from toolkit.coder.dictionaries import load_dictionaries

    dicts = load_dictionaries(cb.path)
    parts += dictionary_findings(cb, dicts)
    counts = {
        "event codes": cb.events.height,
        "actor codes": cb.actors.height,
        "crosswalk rows": cb.crosswalk.height,
    }
    if dicts.verbs:
        counts["verb patterns"] = sum(len(g.patterns) + 1 for g in dicts.verbs)
        counts["dictionary phrases"] = len(dicts.actors) + len(dicts.agents) + len(dicts.people)
    return F.Report.build(F.concat(parts), counts)


def schema_findings(cb: Codebook) -> list[pl.DataFrame]:
    """C100: the codebook frames against their pandera models."""
    from toolkit.models import CodebookActors, CodebookEvents, Crosswalk, failures

    out = []
    for table, model, frame in (
        ("events", CodebookEvents, cb.events),
        ("actors", CodebookActors, cb.actors),
        ("crosswalk", Crosswalk, cb.crosswalk),
    ):
        bad = failures(model, frame)
        if bad.is_empty():
            continue
        rows = bad.head(50).to_dicts()
        out += [
            F.single(
                "C100",
                C100.text(table=table, column=r.get("column"), check=r.get("check"), value=repr(r.get("failure_case"))),
                file=table,
                column=r.get("column"),
            )
            for r in rows
        ]
    return out


def dictionary_findings(cb: Codebook, d: Dictionaries) -> list[pl.DataFrame | pl.LazyFrame]:
    """C116-C121: the rule coder's dictionaries against the codebook."""
    from toolkit.rules.actors import bad_parts
    from toolkit.rules.common import Context

    if not d.verbs and not d.actors and not d.agents:
        return []
    out: list[pl.DataFrame | pl.LazyFrame] = []
    file, line = pl.col("file"), pl.col("line")
    codes = pl.DataFrame(
        [
            {"file": g.file, "line": ln, "group": g.id, "pattern": what, "code": code}
            for g in d.verbs
            for what, code, ln in [
                ("code", g.code, g.line),
                ("paired", g.paired, g.line),
                ("negated", g.negated, g.line),
                *((f"'{p.text}'", p.code, p.line) for p in g.patterns),
            ]
            if code is not None
        ]
        + [
            {"file": "dictionaries/dictionaries.yaml", "line": None, "group": table, "pattern": f"root {root}", "code": code}
            for table, mapping in (("intent", d.intent_codes), ("demand", {"any": d.demand_code}))
            for root, code in mapping.items()
        ],
        schema={"file": pl.String, "line": pl.Int32, "group": pl.String, "pattern": pl.String, "code": pl.String},
    )
    known = cb.events["code"].implode()
    out.append(
        F.make(
            codes.lazy().filter(~pl.col("code").is_in(known)),
            "C116",
            C116.expr(file=file, group=pl.col("group"), pattern=pl.col("pattern"), code=pl.col("code")),
            file=file,
            line=line,
            column="code",
        )
    )
    if d.problems:
        probs = pl.DataFrame(d.problems, schema={"rule": pl.String, "pattern": pl.String, "problem": pl.String,
                                                 "file": pl.String, "line": pl.Int32}, strict=False)
        out.append(
            F.make(
                probs.lazy().filter(pl.col("rule") == "C118"),
                "C118",
                C118.expr(file=file, pattern=pl.col("pattern").fill_null(""), problem=pl.col("problem")),
                file=file,
                line=line,
            )
        )
        out.append(
            F.make(
                probs.lazy().filter(pl.col("rule") == "C119").with_columns(name=pl.lit("person")),
                "C119",
                C119.expr(file=file, name=pl.col("name"), problem=pl.col("problem")),
                file=file,
                line=line,
            )
        )
    people = pl.DataFrame(
        [
            {"file": p.file, "line": p.line, "name": (p.names or ("(no name)",))[0], "start": p.start, "end": p.end}
            for p in d.people
        ],
        schema={"file": pl.String, "line": pl.Int32, "name": pl.String, "start": pl.Date, "end": pl.Date},
    )
    out.append(
        F.make(
            people.lazy().filter(pl.col("start") > pl.col("end")),
            "C119",
            C119.expr(
                file=file,
                name=pl.col("name"),
                problem=pl.format("from {} is after to {}", pl.col("start"), pl.col("end")),
            ),
            file=file,
            line=line,
        )
    )
    # actor codes: countries (one country/region part), actors and people (full codes), agents (a role after USA)
    rows = (
        [{"file": f, "line": ln, "what": "country code", "value": c, "phrase": ph, "check": c} for ph, c, k, f, ln in d.actors if k == "country"]
        + [{"file": f, "line": ln, "what": "actor code", "value": c, "phrase": ph, "check": c} for ph, c, k, f, ln in d.actors if k == "actor"]
        + [{"file": p.file, "line": p.line, "what": "actor code", "value": p.code, "phrase": (p.names or ("",))[0], "check": p.code} for p in d.people]
        + [{"file": f, "line": ln, "what": "agent code", "value": c, "phrase": ph, "check": "USA" + c} for ph, c, f, ln in d.agents]
    )
    actors = pl.DataFrame(
        rows,
        schema={"file": pl.String, "line": pl.Int32, "what": pl.String, "value": pl.String, "phrase": pl.String, "check": pl.String},
    )
    well_formed = pl.col("check").str.contains(r"^(?:[A-Z]{3})+$")
    bad = bad_parts(actors.lazy().filter(well_formed).select(pl.col("check").alias("value")).unique(), Context(cb))
    country_parts = cb.actors.filter(pl.col("kind").is_in(["country", "region"]))["code"].implode()
    checked = (
        actors.lazy()
        .join(bad.lazy().group_by("value").agg(pl.col("part").first(), pl.col("_rule").first(), pl.col("position").first()).rename({"value": "check"}), on="check", how="left")
        .with_columns(
            problem=pl.when(~well_formed)
            .then(pl.lit("is not a sequence of three-letter upper-case parts"))
            .when((pl.col("what") == "country code") & ~pl.col("value").is_in(country_parts))
            .then(pl.lit("is not a country or region of the codebook (put full codes under actors:)"))
            .when(pl.col("_rule") == "E202")
            .then(pl.format("has part {}, which is not in the codebook's actor tables", pl.col("part")))
            .when(pl.col("_rule") == "E203")
            .then(pl.format("has {} in position {}, where it cannot stand", pl.col("part"), pl.col("position")))
        )
    )
    out.append(
        F.make(
            checked.filter(pl.col("problem").is_not_null()),
            "C117",
            C117.expr(file=file, what=pl.col("what"), value=pl.col("value"), phrase=pl.col("phrase"), problem=pl.col("problem")),
            file=file,
            line=line,
            column="code",
        )
    )
    phrases = pl.concat(
        [
            actors.head(len(d.actors)).select("file", "line", "phrase", "value", pl.lit("actors").alias("_t")),
            actors.filter(pl.col("what") == "agent code").select("file", "line", "phrase", "value", pl.lit("agents").alias("_t")),
        ]
    ).with_columns(_p=pl.col("phrase").str.to_lowercase())
    multi = phrases.lazy().filter(pl.col("value").n_unique().over("_t", "_p") > 1)
    out.append(
        F.make(
            multi.with_columns(_codes=pl.col("value").unique().sort().str.join(" and ").over("_t", "_p"))
            .unique(["_t", "_p", "value"], keep="first", maintain_order=True),
            "C120",
            C120.expr(file=file, phrase=pl.col("phrase"), codes=pl.col("_codes")),
            file=file,
            line=line,
        )
    )
    if not SEMVER.match(d.version):
        out.append(F.single(
                "C121",
                C121.text(version=d.version),
                file="dictionaries/dictionaries.yaml",
                line=d.version_line,
                column="version",
            ))
    return out
