"""Findings are data: a polars frame with one row per problem, rendered as text, JSON or GitHub
annotations. Reports are bounded: counts per rule are always exact, examples are capped."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from toolkit.rules import RULES
from toolkit.textio import plain

FINDING_SCHEMA: dict[str, Any] = {
    "rule": pl.String,
    "name": pl.String,
    "severity": pl.String,
    "file": pl.String,
    "line": pl.Int64,
    "column": pl.String,
    "event_id": pl.String,
    "message": pl.String,
}
COLUMNS = list(FINDING_SCHEMA)


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_SCHEMA)


def make(
    frame: pl.DataFrame | pl.LazyFrame,
    rule_id: str,
    message: pl.Expr,
    *,
    file: pl.Expr | None = None,
    line: pl.Expr | None = None,
    column: str | pl.Expr | None = None,
    event_id: pl.Expr | None = None,
) -> pl.LazyFrame:
    """Turn the rows of ``frame`` (already filtered to offenders) into findings of ``rule_id``."""
    r = RULES[rule_id]
    col_expr = pl.lit(column, dtype=pl.String) if column is None or isinstance(column, str) else column
    return frame.lazy().select(
        rule=pl.lit(r.id),
        name=pl.lit(r.name),
        severity=pl.lit(r.severity),
        file=(file if file is not None else pl.lit(None, dtype=pl.String)).cast(pl.String),
        line=(line if line is not None else pl.lit(None, dtype=pl.Int64)).cast(pl.Int64),
        column=col_expr.cast(pl.String),
        event_id=(event_id if event_id is not None else pl.lit(None, dtype=pl.String)).cast(pl.String),
        message=message.cast(pl.String),
    )


def single(
    rule_id: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    column: str | None = None,
    event_id: str | None = None,
) -> pl.DataFrame:
    r = RULES[rule_id]
    return pl.DataFrame(
        [
            {
                "rule": r.id,
                "name": r.name,
                "severity": r.severity,
                "file": file,
                "line": line,
                "column": column,
                "event_id": event_id,
                "message": message,
            }
        ],
        schema=FINDING_SCHEMA,
    )


def concat(parts: Sequence[pl.DataFrame | pl.LazyFrame]) -> pl.DataFrame:
    """All findings in one frame. Each lazy part is collected on its own, in order: measured on
    10M events, one ``collect_all`` over every rule's plan took twice as long (and more with many
    findings) as collecting them one by one. The in-memory engine: see :func:`toolkit.cli.main`."""
    done = [p.collect(engine="in-memory") if isinstance(p, pl.LazyFrame) else p for p in parts]
    if not done:
        return empty()
    return pl.concat([d.cast(FINDING_SCHEMA) for d in done], how="vertical")  # type: ignore[arg-type]


@dataclass
class Report:
    """The result of a check run: the findings frame plus what was looked at."""

    findings: pl.DataFrame
    counts: dict[str, int] = field(default_factory=dict)  # what was checked: files, events, ...
    rule_counts: dict[str, int] = field(default_factory=dict)  # exact counts even when examples are capped
    max_examples: int | None = None
    notes: list[str] = field(default_factory=list)  # what was not checked, and why
    #: folder the findings' file names are relative to (a release folder); None: as written
    root: str | None = None
    #: file an annotation attaches to when its finding names no file (or, under ``root``, a file
    #: that is not there): a release's manifest.json, the one event file validated
    anchor: str | None = None
    #: warnings fail too (exit 1): ``--strict`` or ``[check] strict`` of evtk.toml
    strict: bool = False
    #: rule ids dropped from the findings and the exit status (``--ignore``, ``[check] ignore``)
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls, findings: pl.DataFrame, counts: dict[str, int] | None = None, max_examples: int | None = None
    ) -> Report:
        order = _ordered(findings)
        rule_counts = dict(order.group_by("rule").len().sort("rule").iter_rows())
        if max_examples is not None:
            order = order.filter(pl.int_range(pl.len()).over("rule") < max_examples)
        return cls(order, dict(counts or {}), {str(k): int(v) for k, v in rule_counts.items()}, max_examples)

    @property
    def errors(self) -> int:
        return sum(n for r, n in self.rule_counts.items() if RULES[r].severity == "error")

    @property
    def warnings(self) -> int:
        return sum(n for r, n in self.rule_counts.items() if RULES[r].severity == "warning")

    @property
    def valid(self) -> bool:
        return self.errors == 0

    @property
    def exit_code(self) -> int:
        return 0 if self.valid and not (self.strict and self.warnings) else 1

    def policy(self, ignore: Sequence[str] = (), strict: bool = False) -> Report:
        """This report with the findings of ``ignore`` (rule ids) dropped, and, when ``strict``,
        warnings failing the run as errors do."""
        drop = [r for r in ignore if r not in self.ignored]
        if drop:
            self.findings = self.findings.filter(~pl.col("rule").is_in(drop))
            self.rule_counts = {r: n for r, n in self.rule_counts.items() if r not in drop}
            self.ignored = sorted({*self.ignored, *drop})
        self.strict = self.strict or strict
        return self

    def truncated(self) -> dict[str, Any]:
        """What the report counts but does not show (per rule), and the option that shows it;
        empty when every finding is shown."""
        shown = dict(self.findings.group_by("rule").len().iter_rows()) if self.findings.height else {}
        left = {r: n - int(shown.get(r, 0)) for r, n in self.rule_counts.items() if n > shown.get(r, 0)}
        if not left:
            return {}
        return {
            "findings_not_shown": sum(left.values()),
            "by_rule": left,
            "max_examples": self.max_examples,
            "option": "--max-examples",
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "counts": self.counts,
            "rule_counts": self.rule_counts,
            "notes": self.notes,
            "truncated": self.truncated(),
            "strict": self.strict,
            "ignored": self.ignored,
            "root": self.root,
            "anchor": self.anchor,
            "findings": self.findings.to_dicts(),
        }

    def summary(self) -> str:
        what = ", ".join(f"{v} {k}" for k, v in self.counts.items())
        head = f"{'valid' if self.exit_code == 0 else 'invalid'}: {self.errors} error(s), {self.warnings} warning(s)"
        if what:
            head += f" in {what}"
        if self.strict and self.warnings:
            head += " (--strict: warnings fail)"
        if self.ignored:
            head += f" (ignored: {', '.join(self.ignored)})"
        per_rule = "; ".join(f"{r} {RULES[r].name}: {n}" for r, n in self.rule_counts.items())
        return head + (f" [{per_rule}]" if per_rule else "")


ORDER = ["file", "line", "_sev", "rule"]


def _ordered(findings: pl.DataFrame) -> pl.DataFrame:
    return (
        findings.with_columns(_sev=(pl.col("severity") != "error").cast(pl.Int8))
        .sort(ORDER, nulls_last=True, maintain_order=True)
        .drop("_sev")
    )


class Bounded:
    """Collects findings chunk by chunk in bounded memory: exact counts per rule, and per rule the
    first ``limit`` findings in report order (file, line, severity, rule), the same ones
    :meth:`Report.build` would keep from all findings at once."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.kept = empty()
        self.counts: dict[str, int] = {}
        self.notes: list[str] = []

    def add(self, frames: Sequence[pl.LazyFrame | pl.DataFrame] | pl.DataFrame | pl.LazyFrame) -> None:
        items = [frames] if isinstance(frames, (pl.DataFrame, pl.LazyFrame)) else list(frames)
        new = concat(items)
        if new.is_empty():
            return
        for rule_id, n in new.group_by("rule").len().iter_rows():
            self.counts[rule_id] = self.counts.get(rule_id, 0) + int(n)
        kept = pl.concat([self.kept, new], how="vertical")
        if self.limit is not None:
            kept = _ordered(kept).filter(pl.int_range(pl.len()).over("rule") < self.limit)
        self.kept = kept

    def add_capped(self, offenders: pl.LazyFrame, findings: pl.LazyFrame, rule_id: str) -> None:
        """Findings of a global rule whose offenders may be many: only the first ``limit`` become
        rows (memory stays bounded), the count stays exact."""
        total = int(offenders.select(pl.len()).collect().item())
        if not total:
            return
        kept = findings.head(self.limit) if self.limit is not None else findings
        before = self.counts.get(rule_id, 0)
        self.add(kept)
        self.counts[rule_id] = before + total

    def report(self, counts: dict[str, int]) -> Report:
        report = Report.build(self.kept, counts, self.limit)
        report.rule_counts = dict(sorted(self.counts.items()))
        report.notes = list(self.notes)
        return report


def gh_data(value: object) -> str:
    """The message of a GitHub workflow command, escaped as the runner unescapes it."""
    return str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(value: object) -> str:
    """A property (file, line, title) of a GitHub workflow command: data escaping plus ``:`` and ``,``."""
    return gh_data(value).replace(":", "%3A").replace(",", "%2C")


def gh_path(name: str, root: str | None = None) -> str:
    """A file name as GitHub resolves it: relative to the working directory (the repository root
    in CI). ``root`` is the folder ``name`` is relative to (a release folder); a path outside the
    working directory stays as it is."""
    path = Path(name)
    if root is not None and not path.is_absolute():
        path = Path(root) / path
    if not path.is_absolute() and root is None:
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def gh_location(finding: Mapping[str, Any], root: str | None, anchor: str | None) -> list[str]:
    """The ``file=`` and ``line=`` properties of a finding's annotation: its own file, else the
    report's anchor (a release's manifest.json), else none (GitHub then shows it on the run)."""
    name, line = finding.get("file"), finding.get("line")
    if root is not None and "://" in root:
        return []  # a release read from an object store: no file of the repository to attach to
    if name and root is not None and not (Path(root) / name).is_file():
        name, line = None, None  # a release-level name ("events", "codebook") or a file not there
    if not name:
        if not anchor:
            return []
        return [f"file={gh_property(gh_path(anchor, root))}"]
    props = [f"file={gh_property(gh_path(str(name), root))}"]
    if line is not None:
        props.append(f"line={gh_property(line)}")
    return props


def gh_annotation(level: str, finding: Mapping[str, Any], root: str | None, anchor: str | None) -> str:
    """One annotation (``::error file=...,line=...,title=RULE name::message``), every value escaped."""
    title = f"{finding.get('rule')} {finding.get('name')}"
    return gh_command(level, gh_location(finding, root, anchor), title, finding.get("message"))


def gh_command(level: str, location: list[str], title: str, message: object) -> str:
    """``::LEVEL file=...,title=TITLE::MESSAGE`` with ``location`` from :func:`gh_location`."""
    return f"::{level} {','.join([*location, f'title={gh_property(title)}'])}::{gh_data(message)}"


def truncation_text(left: int, max_examples: int | None) -> str:
    """What a cut report says about what it left out, and how to see it."""
    per_rule = f" (at most {max_examples} shown per rule)" if max_examples is not None else ""
    return f"{left} more finding(s) not shown{per_rule}: raise --max-examples to see them"


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str)
    lines: list[str] = []
    for row in report.findings.iter_rows(named=True):
        if fmt == "github":
            level = "error" if row["severity"] == "error" else "warning"
            lines.append(gh_annotation(level, row, report.root, report.anchor))
        else:
            where = row["file"] or "-"
            if row["line"] is not None:
                where += f":{row['line']}"
            extra = f" [{row['event_id']}]" if row["event_id"] else ""
            text = f"{where}: {row['severity']} {row['rule']} {row['name']}: {row['message']}{extra}"
            lines.append(plain(text))
    for note in report.notes:
        lines.append(f"::notice title=evtk::{gh_data(note)}" if fmt == "github" else plain(f"note: {note}"))
    left = report.truncated()
    if left:
        more = truncation_text(left["findings_not_shown"], left["max_examples"])
        lines.append(f"::notice title=evtk::{gh_data(more)}" if fmt == "github" else f"... {more}")
    lines.append(report.summary())
    return "\n".join(lines)
