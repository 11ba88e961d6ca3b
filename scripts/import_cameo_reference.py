"""Initial import of the CAMEO reference fact tables into ``codebook/``.

This script was run once to create the codebook; since then ``codebook/`` is the source of
truth and is edited by hand (with ``evtk codebook check`` guarding it). It is kept so the
provenance of every number is reproducible:

    python scripts/import_cameo_reference.py REFERENCE_DIR [--descriptions FILE.yaml]

Goldstein rule: codes for which no published table gives a value (155, 176, 1834, 1951,
1952) inherit the value of their nearest ancestor and are marked ``goldstein_inherited: true``.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent / "codebook"


def q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("reference", type=Path)
    parser.add_argument("--descriptions", type=Path)
    args = parser.parse_args()
    ref: Path = args.reference
    descriptions: dict[str, str] = {}
    if args.descriptions:
        descriptions = yaml.safe_load(args.descriptions.read_text(encoding="utf-8"))

    with (ref / "event_codes.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_code = {r["code"]: r for r in rows}

    def goldstein(code: str) -> tuple[float, bool]:
        own = by_code[code]["goldstein"]
        if own:
            return float(own), False
        parent = code[:-1] if len(code) == 4 else code[:2]
        return goldstein(parent)[0], True

    roots = sorted({r["root_code"] for r in rows})
    for root in roots:
        lines = [
            f"# CAMEO root {root}: {by_code[root]['name']}. One entry per code; see codebook/README.md.",
            f"root: {q(root)}",
            "codes:",
        ]
        for r in rows:
            if r["root_code"] != root:
                continue
            value, inherited = goldstein(r["code"])
            lines.append(f"  - code: {q(r['code'])}")
            lines.append(f"    name: {q(r['name'])}")
            lines.append(f"    goldstein: {value}")
            if inherited:
                lines.append("    goldstein_inherited: true")
            lines.append(f"    quad_class: {int(r['quad_class'])}")
            if r["code"] in descriptions:
                lines.append(f"    description: {q(descriptions[r['code']].strip())}")
        (ROOT / "events" / f"{root}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def copy_csv(src: str, dst: str, dedupe_on: str | None = None) -> None:
        with (ref / src).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = list(reader.fieldnames or [])
            seen: set[str] = set()
            out = []
            for row in reader:
                if dedupe_on:
                    if row[dedupe_on] in seen:
                        continue
                    seen.add(row[dedupe_on])
                out.append(row)
        with (ROOT / dst).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(out)

    copy_csv("actor_countries.csv", "actors/countries.csv", "code")
    copy_csv("actor_types.csv", "actors/roles.csv", "code")
    copy_csv("actor_known_groups.csv", "actors/known_groups.csv", "code")
    copy_csv("actor_religions.csv", "actors/religions.csv", "code")
    copy_csv("actor_ethnic_groups.csv", "actors/ethnic_groups.csv", "code")
    copy_csv("cameo_plover.csv", "crosswalk/cameo_plover.csv")
    copy_csv("plover_event_types.csv", "crosswalk/plover_event_types.csv")
    copy_csv("plover_modes.csv", "crosswalk/plover_modes.csv")


if __name__ == "__main__":
    main()
