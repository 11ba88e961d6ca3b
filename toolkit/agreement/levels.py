"""The levels agreement is measured at, and their minimums (light: no polars here)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from toolkit.errors import InputError

#: level name -> what its value is (docs, help and the report's legend)
LEVELS: dict[str, str] = {
    "root": "the 2-digit root of the event code",
    "base": "the 3-digit base code (a 2-digit code stays as it is)",
    "code": "the full event code",
    "quad_class": "the quad class of the code (1-4)",
    "source": "the source actor code, in full",
    "target": "the target actor code, in full (no target is a value of its own)",
    "source_first": "the first part of the source actor (country or organisation, e.g. RUS of RUSGOV)",
    "target_first": "the first part of the target actor",
    "date": "the event date with its precision",
    "hierarchical": "the event code, with the hierarchy-aware distance (see docs/agreement.md)",
}


def check_minimums(values: Mapping[str, Any], where: str) -> dict[str, float]:
    """``values`` as minimums (level -> number in [-1, 1]); an unknown level or a bad number
    raises InputError naming ``where``."""
    out: dict[str, float] = {}
    for level, value in values.items():
        if level not in LEVELS:
            raise InputError(f"{where}: unknown level '{level}': levels are {', '.join(LEVELS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(
                f"{where}: the minimum of {level} must be a number, e.g. {level} = 0.8, not {value!r}"
            )
        number = float(value)
        if math.isnan(number) or not -1.0 <= number <= 1.0:
            raise InputError(f"{where}: the minimum of {level} must be between -1 and 1, not {value}")
        out[level] = number
    return out


def parse_minimums(spec: str) -> dict[str, float]:
    """``root=0.8,code=0.667`` as minimums; bad syntax raises InputError (exit 2)."""
    values: dict[str, Any] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        level, eq, number = part.partition("=")
        level, number = level.strip(), number.strip()
        if not eq or not level or not number:
            raise InputError(f"--min: '{part}' is not LEVEL=NUMBER: write e.g. --min root=0.8,code=0.667")
        try:
            values[level] = float(number)
        except ValueError:
            raise InputError(
                f"--min: '{number}' (for {level}) is not a number: write e.g. {level}=0.8"
            ) from None
    if not values:
        raise InputError("--min: no minimum given: write e.g. --min root=0.8,code=0.667")
    return check_minimums(values, "--min")
