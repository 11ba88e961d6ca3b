"""Semantic versions for datasets and codebooks."""

from __future__ import annotations

import re

from toolkit.errors import UsageError

SEMVER_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


def parse(version: str) -> tuple[int, int, int]:
    m = SEMVER_RE.match(version)
    if not m:
        raise UsageError(f"version {version!r} is not MAJOR.MINOR.PATCH (e.g. 0.1.0, 1.2.3)")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def is_valid(version: str) -> bool:
    return bool(SEMVER_RE.match(version))


def bump_kind(old: str, new: str) -> str | None:
    """'major', 'minor', 'patch', or None when ``new`` is not greater than ``old``."""
    a, b = parse(old), parse(new)
    if b <= a:
        return None
    if b[0] > a[0]:
        return "major"
    if b[1] > a[1]:
        return "minor"
    return "patch"
