"""Codebook (C100-C115): the codebook validates itself (``evtk codebook check``)."""

from __future__ import annotations

import re

import polars as pl

from toolkit import findings as F
from toolkit import yamlio
from toolkit.codebook import ACTOR_KINDS, Codebook
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
    counts = {
        "event codes": cb.events.height,
        "actor codes": cb.actors.height,
        "crosswalk rows": cb.crosswalk.height,
    }
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
