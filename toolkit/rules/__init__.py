"""The rules: every check the toolkit runs, each defined once, in the module of its family.

A rule is its id (stable forever: a retired id is never reused), name, severity, message template,
documentation and the code that finds it, all in one module:

==========  =================================  ===========================
family      ids                                module
==========  =================================  ===========================
files       E000-E004                          :mod:`toolkit.rules.files`
codes       E101-E102                          :mod:`toolkit.rules.codes`
actors      E201-E207                          :mod:`toolkit.rules.actors`
text        E301-E305                          :mod:`toolkit.rules.text`
dates       E401-E403                          :mod:`toolkit.rules.dates`
duplicates  E501-E503                          :mod:`toolkit.rules.duplicates`
derived     E601-E602                          :mod:`toolkit.rules.derived`
coders      E701                               :mod:`toolkit.rules.coders`
articles    A101-A104                          :mod:`toolkit.rules.articles`
codebook    C100-C121                          :mod:`toolkit.rules.codebook`
releases    R101-R116, R201-R210               :mod:`toolkit.rules.releases`
==========  =================================  ===========================

Messages are built from the template, never written at the call site: ``rule.expr(...)`` fills
the ``{name}`` slots with polars expressions (one message per offending row, vectorised),
``rule.text(...)`` with Python values. A rule may have named variants (e.g. E001 for an event
and for a CSV header); each is a template of its own and all are documented.

``docs/rules.md`` is generated from these definitions (``make docs``); a test fails when it drifts,
and another checks that every message a rule emits matches one of its templates.
"""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import polars as pl

Severity = Literal["error", "warning"]

FAMILIES = {
    "C": "Codebook",
    "E0": "Files and field types",
    "E1": "Event codes",
    "E2": "Actor codes",
    "E3": "Articles, sentences and quotes",
    "E4": "Dates",
    "E5": "Duplicates",
    "E6": "Derived fields",
    "E7": "Several coders",
    "A": "Articles",
    "R": "Releases",
}

RULES: dict[str, Rule] = {}


def _slots(template: str) -> list[str]:
    names = []
    for _, name, spec, conv in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conv:
            raise ValueError(f"template {template!r}: write slots as {{name}}, found {{{name}}}")
        names.append(name)
    return names


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: Severity
    title: str
    message: str
    doc: str
    module: str = ""
    variants: Mapping[str, str] = field(default_factory=dict)

    @property
    def family(self) -> str:
        return FAMILIES[self.id[:2]] if self.id[0] == "E" else FAMILIES[self.id[0]]

    def template(self, variant: str | None = None) -> str:
        if variant is None:
            return self.message
        try:
            return self.variants[variant]
        except KeyError:
            raise KeyError(f"rule {self.id} has no message variant {variant!r}") from None

    def templates(self) -> list[str]:
        return [self.message, *self.variants.values()]

    def text(self, variant: str | None = None, **values: Any) -> str:
        """The message with ``values`` (Python objects, shown with ``str``) in its slots."""
        template = self.template(variant)
        missing = set(_slots(template)) - set(values)
        if missing or set(values) - set(_slots(template)):
            raise TypeError(
                f"{self.id}: template {template!r} takes {_slots(template)}, got {sorted(values)}"
            )
        return template.format(**{k: str(v) for k, v in values.items()})

    def expr(self, variant: str | None = None, **values: pl.Expr | str | int | float) -> pl.Expr:
        """One message per row: ``values`` are expressions (or literals) for the template's slots."""
        import polars as pl

        template = self.template(variant)
        names = _slots(template)
        if set(names) != set(values):
            raise TypeError(f"{self.id}: template {template!r} takes {names}, got {sorted(values)}")
        if not names:
            return pl.lit(template)
        # pl.format wants bare {} slots: escape literal braces first, then number the slots.
        fmt_parts: list[str] = []
        args: list[pl.Expr] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            fmt_parts.append(literal)
            if name is not None:
                fmt_parts.append("{}")
                v = values[name]
                args.append(v if isinstance(v, pl.Expr) else pl.lit(str(v)))
        return pl.format("".join(fmt_parts), *args)

    def pattern(self) -> re.Pattern[str]:
        """A regular expression any message of this rule matches (tests hold messages to it)."""
        alts = []
        for template in self.templates():
            out = []
            for literal, name, _, _ in string.Formatter().parse(template):
                out.append(re.escape(literal))
                if name is not None:
                    out.append("(?s:.*?)")
            alts.append("".join(out))
        return re.compile("^(?:" + "|".join(alts) + ")$", re.S)


def rule(
    id: str,
    name: str,
    severity: Severity,
    title: str,
    message: str,
    doc: str,
    variants: Mapping[str, str] | None = None,
) -> Rule:
    """Define a rule in the calling module (which is where its implementation lives)."""
    module = sys._getframe(1).f_globals.get("__name__", "")
    for template in [message, *(variants or {}).values()]:
        _slots(template)
    r = Rule(id, name, severity, title, message, doc, module, dict(variants or {}))
    if id in RULES:
        raise ValueError(f"rule {id} is defined twice ({RULES[id].module} and {module})")
    RULES[id] = r
    return r


def get(rule_id: str) -> Rule:
    return RULES[rule_id]


def resolve(tokens: list[str] | tuple[str, ...], where: str = "--ignore") -> list[str]:
    """The rule ids that ``tokens`` name, each a rule id (``W101``, any case) or a rule name
    (``source-equals-target``). An unknown one is a usage error naming ``where``, with the
    nearest id or name."""
    import difflib

    from toolkit.errors import UsageError

    by_name = {r.name: r.id for r in RULES.values()}
    out: list[str] = []
    for raw in tokens:
        token = raw.strip()
        if not token:
            continue
        rule_id = token.upper() if token.upper() in RULES else by_name.get(token.lower())
        if rule_id is None:
            close = difflib.get_close_matches(token, [*RULES, *by_name], n=1) or difflib.get_close_matches(
                token.upper(), list(RULES), n=1
            )
            hint = f"did you mean {close[0]}?" if close else "see docs/rules.md for every rule"
            raise UsageError(f"{where}: no rule {token!r} (give a rule id or name): {hint}")
        if rule_id not in out:
            out.append(rule_id)
    return out


# The families register their rules on import (after RULES exists: they import toolkit.findings,
# which reads it at call time).
from toolkit.rules import (  # noqa: E402
    actors,
    articles,
    codebook,
    coders,
    codes,
    dates,
    derived,
    duplicates,
    files,
    releases,
    text,
)

__all__ = [
    "FAMILIES",
    "RULES",
    "Rule",
    "Severity",
    "resolve",
    "actors",
    "articles",
    "codebook",
    "coders",
    "codes",
    "dates",
    "derived",
    "duplicates",
    "files",
    "get",
    "releases",
    "rule",
    "text",
]
