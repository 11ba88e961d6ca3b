"""``evtk codebook check``: the codebook validates itself (rules C1xx)."""

from __future__ import annotations

import re

import polars as pl

from toolkit import findings as F
from toolkit import yamlio
from toolkit.codebook import ACTOR_KINDS, Codebook

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
            pl.format("code '{}' is not 2-4 digits: write codes as strings with leading zeros", code),
            file=file,
            line=line,
            column="code",
        )
    )
    parts.append(
        F.make(
            ev.filter(well_formed & pl.col("parent").is_not_null() & ~pl.col("parent").is_in(known)),
            "C101",
            pl.format(
                "code {} has no parent {} in the codebook: add it or fix the code", code, pl.col("parent")
            ),
            file=file,
            line=line,
            column="code",
        )
    )
    parts.append(
        F.make(
            ev.filter(code.is_duplicated()),
            "C103",
            pl.format("code {} is defined more than once: keep one definition", code),
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
            pl.format(
                "name '{}' is used by codes {} under the same parent: make the names distinct",
                pl.col("name"),
                pl.col("_codes"),
            ),
            file=file,
            line=line,
            column="name",
        )
    )
    parts.append(
        F.make(
            ev.filter(~pl.col("goldstein").is_between(-10, 10)),
            "C105",
            pl.format("code {} has Goldstein value {}, outside [-10, 10]", code, pl.col("goldstein")),
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
            .then(
                pl.format("code {}: root {} is in no quad class of codebook.yaml", code, pl.col("root_code"))
            )
            .otherwise(
                pl.format(
                    "code {} has quad class {} but its root {} is in quad class {}",
                    code,
                    pl.col("quad_class"),
                    pl.col("root_code"),
                    pl.col("_expected"),
                )
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
            pl.format(
                "code {} is in {} but belongs to root {}: move it to events/{}.yaml",
                code,
                file,
                pl.col("root_code"),
                pl.col("root_code"),
            ),
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
            pl.format("code {} is replaced by {}, which is not a current code", code, pl.col("replaced_by")),
            file=file,
            line=line,
            column="replaced_by",
        )
    )
    parts.append(
        F.make(
            ev.filter((pl.col("level") < 3) & pl.col("description").fill_null("").str.strip_chars().eq("")),
            "C113",
            pl.format("code {} ({}) has no description: write one for coders", code, pl.col("name")),
            file=file,
            line=line,
            column="description",
        )
    )

    act = cb.actors.lazy()
    pattern = (
        pl.when(pl.col("table") == "ethnic_groups")
        .then(pl.lit(r"^[A-Za-z]{3}$"))
        .otherwise(pl.lit(r"^[A-Z]{3}$"))
    )
    parts.append(
        F.make(
            act.filter(~pl.col("code").str.contains(pattern)),
            "C107",
            pl.format(
                "actor code '{}' in {} is not three {}letters",
                pl.col("code"),
                pl.col("table"),
                pl.when(pl.col("table") == "ethnic_groups").then(pl.lit("")).otherwise(pl.lit("upper-case ")),
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
            pl.format(
                "actor code {} appears more than once in {}: one meaning per table",
                pl.col("code"),
                pl.col("table"),
            ),
            file=file,
            line=line,
            column="code",
        )
    )
    parts.append(
        F.make(
            act.filter(~pl.col("kind").is_in(list(ACTOR_KINDS)) | pl.col("kind").is_null()),
            "C111",
            pl.format(
                "actor code {} in {} has kind '{}', expected one of {}",
                pl.col("code"),
                pl.col("table"),
                pl.col("kind").fill_null(""),
                pl.lit(", ".join(ACTOR_KINDS)),
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
                pl.format(
                    "crosswalk row for {} names a CAMEO code that is not in the codebook",
                    pl.col("cameo_code"),
                ),
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
                pl.format(
                    "crosswalk row for {} names unknown PLOVER event type {}",
                    pl.col("cameo_code"),
                    pl.col("plover_event"),
                ),
                file=file,
                line=line,
                column="plover_event",
            )
        )
    if not SEMVER.match(cb.version):
        parts.append(
            F.single(
                "C114",
                f"codebook version {cb.version!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0)",
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
                f"{table}: column {r.get('column')} fails {r.get('check')} for {r.get('failure_case')!r}",
                file=table,
                column=r.get("column"),
            )
            for r in rows
        ]
    return out
