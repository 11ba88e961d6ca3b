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
    "Actor codes are concatenations of three-letter parts such as `RUSGOV` or `IGOUNO`: upper-case, except "
    "ethnic-group parts, which CAMEO writes in lower case and which follow the first part (`NGAaka`, "
    "Nigeria, Akan). The message gives the code in the codebook's case, or the code of a name.",
)
E202 = rule(
    "E202",
    "unknown-actor-part",
    "error",
    "Every actor part is known",
    "{field} {value}: part {part} (position {position}) is not in the codebook's actor tables; {hint}",
    "Each three-letter part must be a country/region, role, sector, known group, religion or ethnic-group "
    "code. Parts are case-sensitive: ethnic groups are lower-case (`NGAaka`), every other part upper-case. "
    "The message names the part in its other case when that one exists, and the code of a name "
    "(`RUSSIA` is the name of `RUS`).",
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

#: an actor code: an upper-case first part, then upper-case parts or lower-case ethnic-group parts
ACTOR_RE = r"^[A-Z]{3}(?:[A-Z]{3}|[a-z]{3})*$"
PART_RE = r"[A-Z]{3}|[a-z]{3}"
FIELDS = ("source", "target")
SEARCH_HINT = "look it up with `evtk codebook search`"


def reference(ctx: Context) -> dict[str, dict[str, str]]:
    """Look-ups shared by the actor rules and ``codebook show``: part -> name, and lower-cased names
    of every actor table -> code (``russia`` -> ``RUS``, ``military`` -> ``MIL``)."""

    def make() -> dict[str, dict[str, str]]:
        parts = ctx.codebook.actor_parts
        names: dict[str, str] = {}
        # countries first, so a name in several tables gives its country code
        order = ctx.codebook.actors.with_columns(_first=pl.col("table") != "countries").sort(
            "_first", maintain_order=True
        )
        for name, code in zip(order["name"], order["code"], strict=True):
            names.setdefault(str(name).strip().lower(), str(code))
        return {"part_name": dict(zip(parts["code"], parts["name"], strict=True)), "names": names}

    result: dict[str, dict[str, str]] = ctx.once("actor_reference", make)
    return result


def fixed_case(v: pl.Expr, ctx: Context) -> pl.Expr:
    """``v`` (letters in threes) with each part in the case the codebook writes it: upper-case when the
    upper-case part exists, lower-case when only the ethnic group does (``ghaaka`` -> ``GHAaka``)."""
    known = list(reference(ctx)["part_name"])
    rest = (
        v.str.slice(3)
        .str.extract_all(r"[A-Za-z]{3}")
        .list.eval(
            pl.when(pl.element().str.to_uppercase().is_in(known))
            .then(pl.element().str.to_uppercase())
            .when(pl.element().str.to_lowercase().is_in(known))
            .then(pl.element().str.to_lowercase())
            .otherwise(pl.element().str.to_uppercase())
        )
    )
    # the first part is never an ethnic group: it is a country or an international or group code
    return pl.when(v.str.contains(r"^(?:[A-Za-z]{3})+$")).then(
        v.str.slice(0, 3).str.to_uppercase() + rest.list.join("")
    )


def name_hint(v: pl.Expr, ctx: Context) -> pl.Expr:
    """For a value that is a name in the actor tables (``Russia``, ``RUSSIA``), the code it names."""
    ref = reference(ctx)
    code = (
        v.str.strip_chars()
        .str.to_lowercase()
        .replace_strict(ref["names"], default=None, return_dtype=pl.String)
    )
    name = code.replace_strict(ref["part_name"], default=None, return_dtype=pl.String)
    return pl.when(code.is_not_null()).then(
        pl.format("'{}' is the name of {} ({}): write {}", v, code, name, code)
    )


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
        problem = format_problem(v, ctx)
        out.append(Mask(E201, bad & ~IMPORTED, E201.expr(field=field, value=v, problem=problem), field))
        detail = pl.format("is not {}", problem)
        out.append(Mask(E206, bad & IMPORTED, E206.expr(field=field, value=v, detail=detail), field))
    return out


def format_problem(v: pl.Expr, ctx: Context) -> pl.Expr:
    """What is wrong with a value that is not an actor code, and the code probably meant (E201)."""
    fixed = fixed_case(v, ctx)
    by_name = name_hint(v, ctx)
    case = (
        pl.when(fixed == fixed.str.to_uppercase())
        .then(pl.lit("upper-case"))
        .otherwise(pl.lit("in the codebook's case (upper-case parts, lower-case ethnic groups)"))
    )
    return (
        pl.when(by_name.is_not_null())
        .then(pl.format("a code: {}", by_name))
        .when(fixed.is_not_null())
        .then(pl.format("{}: write {}", case, fixed))
        .otherwise(pl.lit("a sequence of three-letter upper-case parts (e.g. RUSGOV)"))
    )


def bad_parts(values: pl.LazyFrame, ctx: Context) -> pl.DataFrame:
    """(value, _rule, part, position, kind) for well-formed actor codes with an unknown part (E202)
    or a part in a position its kind cannot take (E203)."""
    parts_table = ctx.codebook.actor_parts.select(
        C("code").alias("part"), C("kind").alias("kinds"), pl.lit(True).alias("_k")
    )
    long = (
        values.with_columns(part=C("value").str.extract_all(PART_RE))
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
    names = reference(ctx)["part_name"]
    part = C("part")
    other = (
        pl.when(part == part.str.to_uppercase())
        .then(part.str.to_lowercase())
        .otherwise(part.str.to_uppercase())
    )
    # an ethnic group (lower case) never opens an actor code, so it is no hint for the first part
    other_name = pl.when((C("position") > 1) | (other == other.str.to_uppercase())).then(
        other.replace_strict(names, default=None, return_dtype=pl.String)
    )
    start = (C("position") - 1) * 3
    fixed = C("value").str.slice(0, start) + other + C("value").str.slice(start + 3)
    by_name = name_hint(C("value"), ctx)
    hint = (
        pl.when(other_name.is_not_null())
        .then(
            pl.format(
                "{} ({}) is written in {}: write {}",
                other,
                other_name,
                pl.when(other == part.str.to_uppercase())
                .then(pl.lit("upper case"))
                .otherwise(pl.lit("lower case")),
                fixed,
            )
        )
        .when(by_name.is_not_null())
        .then(by_name)
        .otherwise(pl.lit(SEARCH_HINT))
    )
    return (
        long.filter(C("_k").is_null() | misplaced)
        .select(
            "value",
            pl.when(C("_k").is_null()).then(pl.lit("E202")).otherwise(pl.lit("E203")).alias("_rule"),
            "part",
            "position",
            kinds.list.join("/").alias("kind"),
            hint.alias("hint"),
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
        chunk.lazy().select(C("location_country").alias("value")).filter(present("value")).unique().collect()
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
            "E202": E202.expr(
                field=field, value=C("value"), part=C("part"), position=C("position"), hint=C("hint")
            ),
            "E203": E203.expr(
                field=field, value=C("value"), part=C("part"), kind=C("kind"), position=C("position")
            ),
            "E206": E206.expr(
                field=field,
                value=C("value"),
                detail=pl.when(unknown)
                .then(
                    pl.format(
                        "has part {} (position {}), which is not in the codebook's actor tables; {}",
                        C("part"),
                        C("position"),
                        C("hint"),
                    )
                )
                .otherwise(
                    pl.format(
                        "has {} ({}) in position {}, where it cannot stand",
                        C("part"),
                        C("kind"),
                        C("position"),
                    )
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
