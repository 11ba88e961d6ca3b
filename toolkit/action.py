"""The GitHub Action's step (``action.yml``, ``scripts/action.sh``): run one evtk command, keep its
full JSON report as a file, write a Markdown summary, emit the annotations GitHub shows.

Inputs come from the environment, never from text pasted into a shell script (a path or a
message can then not inject commands):

==========================  ==========================================================  ==========
variable                    meaning                                                     default
==========================  ==========================================================  ==========
``EVTK_COMMAND``            ``validate``, ``release-check`` or ``agree``                 validate
``EVTK_PATHS``              paths, one per line (or separated by spaces)                 data
``EVTK_FAIL_ON``            ``error``: fail on errors; ``warning``: also on warnings;    error
                            ``never``: report only (unreadable input still fails)
``EVTK_STRICT``             ``true``: warnings fail too (``--strict``); ``false``:        (evtk.toml)
                            ``--no-strict``; empty: ``[check] strict`` of evtk.toml
``EVTK_IGNORE``             rule ids or names to leave out (``--ignore``), separated      (none)
                            by commas or spaces
``EVTK_REPORT``             where the full JSON report is written                        evtk-report.json
``EVTK_ARGS``               extra options for the command, separated by spaces           (none)
``GITHUB_STEP_SUMMARY``     set by GitHub: the Markdown summary is appended to it
==========================  ==========================================================  ==========

GitHub shows at most 10 error and 10 warning annotations of a step; the worst findings (errors
first, in report order) are emitted, and one notice says how many more the report holds.

Exit code: evtk's own (0 clean, 1 findings, 2 unreadable input or bad arguments), except that
``EVTK_FAIL_ON=warning`` fails on warnings and ``never`` turns 1 into 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from toolkit.findings import gh_annotation, gh_data, gh_property

COMMANDS = {
    "validate": ["validate"],
    "release-check": ["release", "check"],
    "agree": ["agree"],
}
FAIL_ON = ("error", "warning", "never")
#: annotations GitHub displays per step and level
SHOWN = 10
EXAMPLES = 20


def _md(value: object) -> str:
    """A table cell of the summary: no line breaks, pipes escaped, code spans kept literal."""
    return str(value).replace("\r", " ").replace("\n", " ").replace("|", "\\|")


def annotation_lines(report: dict[str, Any], report_name: str = "evtk-report.json") -> list[str]:
    """At most :data:`SHOWN` error and :data:`SHOWN` warning annotations, worst first, each placed
    by :func:`toolkit.findings.gh_location` (paths relative to the working directory, where GitHub
    resolves them: the repository root; a release-level finding on the release's manifest.json)."""
    parts = report.get("reports") or [report]
    located = [(f, r.get("root"), r.get("anchor")) for r in parts for f in r.get("findings") or []]
    lines: list[str] = []
    for level in ("error", "warning"):
        for f, root, anchor in [x for x in located if x[0].get("severity") == level][:SHOWN]:
            lines.append(gh_annotation(level, f, root, anchor))
    total = len(located)  # in the report; what evtk counted only is said below
    if total > len(lines):
        more = (
            f"{total - len(lines)} more findings are in the report ({report_name}) and the step summary: "
            f"GitHub shows {SHOWN} errors and {SHOWN} warnings per step"
        )
        lines.append(f"::notice title=evtk::{gh_data(more)}")
    cut, limit = counted_only(report)
    if cut:
        lines.append(f"::notice title=evtk::{gh_data(_counted_only_text(cut, limit))}")
    return lines


def counted_only(report: dict[str, Any]) -> tuple[int, int | None]:
    """Findings evtk counted but did not keep in the report (beyond --max-examples per rule),
    and that limit."""
    parts = report.get("reports") or [report]
    cuts = [r.get("truncated") or {} for r in parts]
    limits = [int(c["max_examples"]) for c in cuts if c.get("max_examples") is not None]
    return sum(int(c.get("findings_not_shown", 0)) for c in cuts), max(limits) if limits else None


def _counted_only_text(cut: int, limit: int | None) -> str:
    per_rule = f"at most {limit} per rule are kept" if limit is not None else "not every finding is kept"
    return (
        f"{cut} more finding(s) are counted but not in the report ({per_rule}): add --max-examples N to args"
    )


def summary(report: dict[str, Any], title: str, report_name: str = "evtk-report.json") -> str:
    """The Markdown summary: the verdict, counts per rule, the first examples."""
    errors, warnings = int(report.get("errors", 0)), int(report.get("warnings", 0))
    verdict = "clean" if not errors and not warnings else f"{errors} error(s), {warnings} warning(s)"
    out = [f"## evtk {title}: {verdict}", ""]
    counts = report.get("counts") or {}
    if counts:
        out += [", ".join(f"{v:,} {k}" for k, v in counts.items() if isinstance(v, int)), ""]
    rule_counts = report.get("rule_counts") or {}
    findings = report.get("findings") or []
    names = {f["rule"]: (f.get("name"), f.get("severity")) for f in findings}
    if rule_counts:
        out += ["| rule | name | severity | count |", "|---|---|---|---:|"]
        for rule, n in rule_counts.items():
            name, severity = names.get(rule, ("", ""))
            out.append(f"| {rule} | {_md(name)} | {severity} | {int(n):,} |")
        out.append("")
    if findings:
        total = sum(int(n) for n in rule_counts.values())
        out += [f"First {min(EXAMPLES, len(findings))} of {total:,}:", ""]
        out += ["| where | rule | message |", "|---|---|---|"]
        for f in findings[:EXAMPLES]:
            where = f.get("file") or "-"
            if f.get("line") is not None:
                where += f":{f['line']}"
            out.append(f"| {_md(where)} | {f.get('rule')} | {_md(f.get('message'))} |")
        out.append("")
        if len(findings) > EXAMPLES:
            out += [
                f"> {len(findings) - EXAMPLES:,} more finding(s) are in the full report, `{_md(report_name)}`.",
                "",
            ]
        cut, limit = counted_only(report)
        if cut:
            out += [f"> {_md(_counted_only_text(cut, limit))}.", ""]
    ignored = sorted({r for part in report.get("reports") or [report] for r in part.get("ignored") or []})
    if ignored:
        out += [f"> Ignored rules (not counted, not failing): {', '.join(ignored)}.", ""]
    if "alpha" in report:
        out += ["| level | alpha |", "|---|---:|"]
        for level, value in (report.get("alpha") or {}).items():
            out.append(f"| {level} | {'-' if value is None else f'{value:.3f}'} |")
        out.append("")
    for note in report.get("notes") or []:
        out.append(f"> {_md(note)}")
    return "\n".join(out) + "\n"


def combine(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """One report from the reports of several runs (one release folder each)."""
    rule_counts: dict[str, int] = {}
    for r in reports:
        for rule, n in (r.get("rule_counts") or {}).items():
            rule_counts[rule] = rule_counts.get(rule, 0) + int(n)
    return {
        "errors": sum(int(r.get("errors", 0)) for r in reports),
        "warnings": sum(int(r.get("warnings", 0)) for r in reports),
        "counts": {"releases": len(reports)},
        "rule_counts": dict(sorted(rule_counts.items())),
        "notes": [n for r in reports for n in r.get("notes") or []],
        "findings": [f for r in reports for f in r.get("findings") or []],
        "reports": reports,
    }


def main() -> int:
    env = os.environ
    command = env.get("EVTK_COMMAND", "validate").strip() or "validate"
    fail_on = env.get("EVTK_FAIL_ON", "error").strip() or "error"
    for value, allowed, what in ((command, COMMANDS, "command"), (fail_on, FAIL_ON, "fail-on")):
        if value not in allowed:
            problem = f"unknown {what} {value!r}: use one of {', '.join(allowed)}"
            print(f"::error title=evtk::{gh_data(problem)}")
            return 2
    paths = env.get("EVTK_PATHS", "data").split()
    if not paths:
        print("::error title=evtk::no paths given: set the paths input (e.g. data)")
        return 2
    extra = env.get("EVTK_ARGS", "").split()
    policy = _policy_args(command, env.get("EVTK_STRICT", ""), env.get("EVTK_IGNORE", ""))
    if isinstance(policy, str):
        print(f"::error title=evtk::{gh_data(policy)}")
        return 2
    extra = [*policy, *extra]
    report_path = Path(env.get("EVTK_REPORT", "evtk-report.json"))
    # `release check` takes one release per run: each path is checked in turn, one report.
    runs = [[p] for p in paths] if command == "release-check" else [paths]
    reports: list[dict[str, Any]] = []
    codes: list[int] = []
    for run in runs:
        args = [sys.executable, "-m", "toolkit", *COMMANDS[command], *run, "--format", "json", *extra]
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        try:
            reports.append(json.loads(proc.stdout))
        except json.JSONDecodeError:
            # Unreadable input or bad arguments: evtk said why on stderr.
            message = (proc.stderr or proc.stdout).strip() or f"evtk exited with {proc.returncode}"
            print(f"::error title={gh_property(f'evtk {command}')}::{gh_data(message)}")
            _append_summary(f"## evtk {command}: failed\n\n```\n{message}\n```\n")
            return proc.returncode or 2
        codes.append(proc.returncode)
    report = reports[0] if len(reports) == 1 else combine(reports)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n".join(annotation_lines(report, str(report_path))))
    _append_summary(summary(report, command, str(report_path)))
    print(f"evtk {command}: full report in {report_path}")
    code = max(codes)
    if code == 2:
        return 2
    if fail_on == "warning" and int(report.get("warnings", 0)):
        return 1
    if fail_on == "never":
        return 0
    return code


def _policy_args(command: str, strict: str, ignore: str) -> list[str] | str:
    """The ``--strict`` and ``--ignore`` options the strict and ignore inputs ask for, or what is
    wrong with them."""
    strict, rules = strict.strip().lower(), ignore.replace(",", " ").split()
    if strict not in ("", "true", "false"):
        return f"strict must be true, false or empty (the data folder's evtk.toml decides), not {strict!r}"
    if (strict or rules) and command == "agree":
        return "strict and ignore apply to validate and release-check, not to agree"
    args = {"true": ["--strict"], "false": ["--no-strict"], "": []}[strict]
    return [*args, *(["--ignore", ",".join(rules)] if rules else [])]


def _append_summary(text: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    sys.exit(main())
