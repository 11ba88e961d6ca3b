"""What an import or export did, as data: the CLI renders it, tests assert on it, ``--format json`` dumps it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: rejection reasons, in the order the importer tests them (a row gets the first that applies)
REJECT_REASONS = (
    "encoding",
    "repeated-header",
    "blank-line",
    "extra-columns",
    "missing-columns",
    "missing-id",
    "bad-date",
    "duplicate-row",
)

#: consistency findings: rows that were written but that evtk validate will look at
FINDINGS = (
    "quad_class_mismatch",  # stated QuadClass differs from the codebook's for the code
    "goldstein_mismatch",  # stated GoldsteinScale / Intensity / GoldsteinScore differs from the codebook's
    "root_code_mismatch",  # stated root code differs from the code's first two digits
    "unknown_event_code",  # code not in the codebook
    "missing_event_code",  # no code at all
    "code_zero_restored",  # a leading zero was put back (42 -> 042, 211 -> 0211)
    "empty_source_actor",
    "empty_target_actor",
    "icews_unmapped_country",  # actor sides whose country name has no CAMEO code
    "icews_unmapped_sector",  # actor sides with sectors but none mapped to a role: bare country code
    "icews_no_sector",  # actor sides with NA sectors: bare country code
    "actor_code_rewritten",  # actor sides written in the codebook's form (GHAAKA -> GHAaka), original kept
    "actor_code_ambiguous",  # actor sides with a part that is two codebook parts by case, kept as written
    "location_country_unmapped",  # location countries no mapping table turns into a codebook code
    "disambiguated_ids",  # rows whose id was made unique (<id>-<date>)
)


@dataclass(frozen=True)
class RejectedRow:
    file: str
    line: int
    reason: str
    detail: str
    text: str


@dataclass
class InputInfo:
    file: str
    layout: str
    lines: int
    header: bool


@dataclass
class ImportSummary:
    format: str
    out: str
    files: list[InputInfo]
    rows_read: int
    rows_written: int
    rows_rejected_by_reason: dict[str, int]
    examples: list[RejectedRow]
    findings: dict[str, int]
    #: value counts behind some findings: unknown codes, ICEWS names without a mapping
    details: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows_rejected(self) -> int:
        return sum(self.rows_rejected_by_reason.values())

    @property
    def exit_code(self) -> int:
        """0 when every row was written, 1 when some were rejected (2 is raised as an InputError)."""
        return 1 if self.rows_rejected else 0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["rows_rejected"] = self.rows_rejected
        out["exit_code"] = self.exit_code
        return out


@dataclass
class ExportSummary:
    format: str
    release: str
    out: str
    rows_read: int
    rows_written: int
    #: CAMEO codes with no PLOVER crosswalk row -> number of events not exported
    unmapped_codes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: why each unmapped code has no PLOVER event type
    unmapped_reasons: dict[str, str] = field(default_factory=dict)

    @property
    def rows_skipped(self) -> int:
        return self.rows_read - self.rows_written

    @property
    def exit_code(self) -> int:
        return 1 if self.rows_skipped else 0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["rows_skipped"] = self.rows_skipped
        out["exit_code"] = self.exit_code
        return out
