"""Actor codes (E201-E207): CAMEO actor grammar, checked once per distinct code; location countries."""

from __future__ import annotations

import polars as pl

from toolkit import findings as F
from toolkit.rules import rule
from toolkit.rules.common import IMPORTED, C, Context, Mask, blank, present

E201 = rule(
    "E201",
    "bad-actor-format",
    "error",
    "Actor codes are 3-letter parts",
    "{field} '{value}' is not {problem}",
    "Actor codes are concatenations of three-letter upper-case parts such as `RUSGOV` or `IGOUNO`.",
)
E202 = rule(
    "E202",
    "unknown-actor-part",
    "error",
    "Every actor part is known",
    "{field} {value}: part {part} (position {position}) is not in the codebook's actor tables; "
    "look it up with `evtk codebook search`",
    "Each three-letter part must be a country/region, role, sector, known group or religion code.",
)
E203 = rule(
    "E203",
    "actor-part-position",
    "error",
    "Actor parts are in a valid position",
    "{field} {value}: {part} ({kind}) cannot stand in position {position}: countries and generic "
    "international codes open an actor code (e.g. {part}...)",
    "A country or generic international code (IGO, NGO, ...) opens an actor code; roles, sectors, "
    "groups and religions follow it. A country may follow an international or group code "
    "(regional bodies).",
)
E204 = rule(
    "E204",
    "source-equals-target",
    "warning",
    "Source and target differ",
    "source and target are both {value}: code distinct actors, or leave target empty",
    "An actor acting on itself is usually a coding slip; code internal events with distinct "
    "sub-actors (e.g. `MLIGOV` and `MLIREB`).",
)
E205 = rule(
    "E205",
    "imported-missing-actor",
    "warning",
    "Imported events name their source actor",
    "imported event has no source actor (the source dataset leaves it empty)",
    "Source datasets such as GDELT leave an actor empty when their coder could not identify it. Such "
    "events are kept as they are and counted; hand- and rule-coded events without a source are E001 errors.",
)
E206 = rule(
    "E206",
    "imported-actor-code",
    "warning",
    "Imported actor codes follow the CAMEO grammar",
    "{field} '{value}' {detail}",
    "The same checks as E201-E203, reported as warnings for imported events: the source dataset's actor "
    "codes are kept as published (GDELT, for one, uses parts outside the CAMEO tables).",
)

E207 = rule(
    "E207",
    "unknown-location-country",
    "error",
    "Location countries are codebook codes",
    "location country '{value}' is not a country or region code of the codebook: {hint}",
    "`location.country` takes the codebook's country and region codes (`actors/countries.csv`: `NGA`, "
    "`ROM`, `WSB`), the same codes that open actor codes. A country name, an ISO or FIPS code gets the "
    "code it stands for in the message; `evtk import` maps them itself and keeps the original in "
    "`source_location_country`.",
)

ACTOR_RE = r"^(?:[A-Z]{3})+$"
FIELDS = ("source", "target")


def masks(ctx: Context) -> list[Mask]:
    out = [
        Mask(E205, IMPORTED & blank("source") & C("_source").is_null(), E205.expr(), "source"),
        Mask(
            E204,
            present("_source") & (C("_source") == C("_target")),
            E204.expr(value=C("_source")),
            "target",
        ),
    ]
    for field in FIELDS:
        v = C(f"_{field}")
        bad = present(f"_{field}") & ~v.str.contains(ACTOR_RE)
        upper = v.str.to_uppercase().str.contains(ACTOR_RE)
        problem = (
            pl.when(upper)
            .then(pl.format("upper-case: write {}", v.str.to_uppercase()))
            .otherwise(pl.lit("a sequence of three-letter upper-case parts (e.g. RUSGOV)"))
        )
        out.append(Mask(E201, bad & ~IMPORTED, E201.expr(field=field, value=v, problem=problem), field))
        detail = (
            pl.when(upper)
            .then(pl.format("is not upper-case: write {}", v.str.to_uppercase()))
            .otherwise(pl.lit("is not a sequence of three-letter upper-case parts"))
        )
        out.append(Mask(E206, bad & IMPORTED, E206.expr(field=field, value=v, detail=detail), field))
    return out


def bad_parts(values: pl.LazyFrame, ctx: Context) -> pl.DataFrame:
    """(value, _rule, part, position, kind) for well-formed actor codes with an unknown part (E202)
    or a part in a position its kind cannot take (E203)."""
    parts_table = ctx.codebook.actor_parts.select(
        C("code").alias("part"), C("kind").alias("kinds"), pl.lit(True).alias("_k")
    )
    long = (
        values.with_columns(part=C("value").str.extract_all(r"[A-Z]{3}"))
        .with_columns(position=pl.int_ranges(1, C("part").list.len() + 1))
        .explode("part", "position")
        .join(parts_table.lazy(), on="part", how="left", maintain_order="left")
        .with_columns(_prev_kinds=C("kinds").shift(1).over("value"))
    )
    kinds = C("kinds")
    only_country = kinds.list.eval(pl.element().is_in(["country", "region"])).list.all()
    only_generic = kinds.list.eval(pl.element() == "international").list.all()
    prev_is_org = (
        C("_prev_kinds")
        .list.eval(pl.element().is_in(["international", "group", "organization"]))
        .list.any()
        .fill_null(False)
    )
    misplaced = C("_k").is_not_null() & (C("position") > 1) & (only_generic | (only_country & ~prev_is_org))
    return (
        long.filter(C("_k").is_null() | misplaced)
        .select(
            "value",
            pl.when(C("_k").is_null()).then(pl.lit("E202")).otherwise(pl.lit("E203")).alias("_rule"),
            "part",
            "position",
            kinds.list.join("/").alias("kind"),
        )
        .collect()
    )


def _country_hints(values: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """(value, hint) for location countries that are not codebook codes: what was probably meant."""
    from toolkit.interchange.mappings import load_country_maps

    maps = ctx.once("country_maps", lambda: load_country_maps(ctx.codebook))
    countries = ctx.codebook.actors.filter(C("table") == "countries")
    names = dict(zip(countries["code"], countries["name"], strict=True))
    v = C("value").str.strip_chars()
    upper = v.str.to_uppercase()

    def look(table: dict[str, str], key: pl.Expr) -> pl.Expr:
        return key.replace_strict(table, default=None, return_dtype=pl.String)

    def name_of(code: pl.Expr) -> pl.Expr:
        return code.replace_strict(names, default=None, return_dtype=pl.String)

    by_name, fips, iso = look(maps.names, v.str.to_lowercase()), look(maps.fips, upper), look(maps.iso, upper)
    own = upper.is_in(list(maps.codes))
    hint = (
        pl.when(own)
        .then(pl.format("codes are upper-case: write {}", upper))
        .when(by_name.is_not_null() & (by_name != ""))
        .then(pl.format("write its code {} ({})", by_name, name_of(by_name)))
        .when((by_name == "") | (iso == "") | (fips == ""))
        .then(pl.lit("the codebook has no code for it: leave the country empty and name the place"))
        .when(iso.is_not_null())
        .then(pl.format("as an ISO code this is {} ({}) in the codebook: write {}", iso, name_of(iso), iso))
        .when(fips.is_not_null() & (v.str.len_chars() == 2))
        .then(pl.format("as a GDELT FIPS 10-4 code this is {} ({}): write {}", fips, name_of(fips), fips))
        .otherwise(pl.lit("look up the country's code with `evtk codebook search NAME`"))
    )
    return values.filter(~v.is_in(list(maps.codes))).with_columns(hint=hint)


def location_findings(chunk: pl.DataFrame, ctx: Context) -> list[pl.LazyFrame]:
    """E207 unknown location country, with the code probably meant (per distinct value)."""
    values = (
        chunk.lazy()
        .select(C("location_country").alias("value"))
        .filter(present("value"))
        .unique()
        .collect()
    )
    if values.is_empty():
        return []
    hints = _country_hints(values, ctx)
    if hints.is_empty():
        return []
    hits = chunk.lazy().join(hints.lazy(), left_on="location_country", right_on="value", how="inner")
    return [
        F.make(
            hits,
            "E207",
            E207.expr(value=C("location_country"), hint=C("hint")),
            file=C("_file"),
            line=ctx.line("location_country"),
            column="location_country",
            event_id=C("_id"),
        )
    ]


def findings(chunk: pl.DataFrame, ctx: Context) -> list[pl.LazyFrame]:
    """E202 unknown part, E203 part in an invalid position (E206 for imported events).

    Actor codes repeat a lot (thousands of distinct values in millions of events), so the parts
    are checked once per distinct code and only offending events are joined back.
    """
    values = (
        pl.concat([chunk.lazy().select(C(f"_{f}").alias("value")) for f in FIELDS])
        .unique()
        .filter(C("value").is_not_null() & C("value").str.contains(ACTOR_RE))
    )
    bad = bad_parts(values, ctx)
    out: list[pl.LazyFrame] = []
    if bad.is_empty():
        return out
    for field in FIELDS:
        v = C(f"_{field}")
        hits = (
            chunk.lazy()
            .filter(v.is_in(bad["value"].unique().implode()))
            .select("_file", "_id", "_method", ctx.line(field).alias("_fline"), v.alias("value"))
            .join(bad.lazy(), on="value", how="inner")
        )
        unknown = C("_rule") == "E202"
        messages = {
            "E202": E202.expr(field=field, value=C("value"), part=C("part"), position=C("position")),
            "E203": E203.expr(
                field=field, value=C("value"), part=C("part"), kind=C("kind"), position=C("position")
            ),
            "E206": E206.expr(
                field=field,
                value=C("value"),
                detail=pl.when(unknown)
                .then(
                    pl.format(
                        "has part {} (position {}), which is not in the codebook's actor tables",
                        C("part"),
                        C("position"),
                    )
                )
                .otherwise(
                    pl.format("has {} ({}) in position {}, where it cannot stand", C("part"), C("kind"), C("position"))
                ),
            ),
        }
        for rule_id, mask in (
            ("E202", ~IMPORTED & unknown),
            ("E203", ~IMPORTED & ~unknown),
            ("E206", IMPORTED),
        ):
            out.append(
                F.make(
                    hits.filter(mask),
                    rule_id,
                    messages[rule_id],
                    file=C("_file"),
                    line=C("_fline"),
                    column=field,
                    event_id=C("_id"),
                )
            )
    return out
