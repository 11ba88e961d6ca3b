"""Project configuration: ``evtk.toml`` at the root of a data folder (beside ``articles/``).

It holds what a dataset repository decides once, so that every command (and CI) runs without
options; an option given on the command line overrides it. Known today::

    [coders]
    primary = "seed"          # the coding a release takes for an article coded twice and not adjudicated

    [agreement.minimum]       # `evtk agree` exits 1 when a level's alpha is below its minimum
    root = 0.8
    code = 0.667

    [dataset]                 # the dataset card (README.md) of every release
    title = "Events of ..."
    licence = "CC-BY-4.0"
    citation = "Author (2024). Title. Version {version}."   # {version}: the release's version
    url = "https://..."
    [check]                   # `evtk validate` and `evtk release check` (and so the Action)
    strict = true             # warnings fail too (exit 1)
    ignore = ["E204"]         # rule ids or names left out of the findings and the exit status

A missing file is an empty configuration. Unknown tables or keys are refused (exit 2): a
misspelt key would otherwise be silently ignored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.agreement.levels import check_minimums
from toolkit.errors import InputError

CONFIG_NAME = "evtk.toml"
DATASET_KEYS = ("title", "licence", "citation", "url")
KNOWN: dict[str, tuple[str, ...]] = {
    "coders": ("primary",),
    "agreement": ("minimum",),
    "dataset": DATASET_KEYS,
    "check": ("strict", "ignore"),
}


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    primary_coder: str | None = None
    minimums: dict[str, float] = field(default_factory=dict)
    #: [dataset] title, licence, citation, url (the keys that are set)
    dataset: dict[str, str] = field(default_factory=dict)
    strict: bool = False
    ignore: tuple[str, ...] = ()

    def check_policy(self, ignore: list[str] | None, strict: bool | None) -> tuple[list[str], bool]:
        """The rules to ignore and whether warnings fail, from the command line over this file:
        ``--ignore`` adds to ``[check] ignore``; ``--strict`` / ``--no-strict`` replace ``[check]
        strict``. Unknown rules are a usage error (exit 2)."""
        from toolkit.rules import resolve

        given = resolve([t for value in ignore or [] for t in value.split(",")])
        return [
            *[r for r in self.ignore if r not in given],
            *given,
        ], self.strict if strict is None else strict


def config_path(data_root: Path) -> Path:
    return data_root / CONFIG_NAME


def _table(doc: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise InputError(f"'{name}' must be a table: write [{name}] on a line of its own", path)
    for key in value:
        if key not in KNOWN[name]:
            raise InputError(
                f"unknown key '{key}' in [{name}]: known keys are {', '.join(KNOWN[name])}", path
            )
    return value


def load_config(data_root: Path | None) -> Config:
    """The configuration of the data folder ``data_root`` (an empty one when there is no file)."""
    if data_root is None:
        return Config()
    path = config_path(data_root)
    if not path.is_file():
        return Config()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text: save it as UTF-8", path) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"is not valid TOML: {exc}", path) from None
    for name in doc:
        if name not in KNOWN:
            raise InputError(f"unknown table [{name}]: known tables are {', '.join(sorted(KNOWN))}", path)
    coders = _table(doc, "coders", path)
    primary = coders.get("primary")
    if primary is not None and (not isinstance(primary, str) or not primary.strip()):
        raise InputError('[coders] primary must be a coder name in quotes, e.g. primary = "jdoe"', path)
    minimum = _table(doc, "agreement", path).get("minimum", {})
    if not isinstance(minimum, dict):
        raise InputError(
            "[agreement] minimum must be a table: write [agreement.minimum], then root = 0.8", path
        )
    dataset: dict[str, str] = {}
    for key, value in _table(doc, "dataset", path).items():
        if not isinstance(value, str) or not value.strip():
            raise InputError(f'[dataset] {key} must be text in quotes, e.g. {key} = "..."', path)
        dataset[key] = value.strip()
    strict, ignore = _check(_table(doc, "check", path), path)
    return Config(
        path,
        primary.strip() if primary else None,
        check_minimums(minimum, f"{path}: [agreement.minimum]"),
        dataset,
        strict,
        ignore,
    )


def _check(table: dict[str, Any], path: Path) -> tuple[bool, tuple[str, ...]]:
    from toolkit.errors import UsageError
    from toolkit.rules import resolve

    strict = table.get("strict", False)
    if not isinstance(strict, bool):
        raise InputError("[check] strict must be true or false (no quotes), e.g. strict = true", path)
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(t, str) for t in ignore):
        raise InputError('[check] ignore must be a list of rule ids in quotes, e.g. ignore = ["E204"]', path)
    try:
        return strict, tuple(resolve(ignore, "[check] ignore"))
    except UsageError as exc:
        raise InputError(exc.message, path) from None
