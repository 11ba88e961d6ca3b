#!/usr/bin/env bash
# `make demo`: the main job on the shipped data. Validates data/, rebuilds the latest committed
# release into build/ from the data and its own codebook snapshot, shows it is byte-identical to the
# committed one, checks it, and summarises.
set -euo pipefail
cd "$(dirname "$0")/.."
EVTK=.venv/bin/evtk

echo "== codebook"
$EVTK codebook check | tail -n 1

echo "== validate data/"
$EVTK validate data --max-examples 5

echo "== agreement between coders (minimums from data/evtk.toml)"
$EVTK agree data

latest=$(ls data/releases 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | sort -V | tail -n 1 || true)
if [ -z "$latest" ]; then
  echo "no committed release in data/releases: build one with 'evtk release build 0.1.0'"
  exit 1
fi

echo "== rebuild release $latest into build/releases"
rm -rf build/releases
mkdir -p build/releases
for v in $(ls data/releases | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | sort -V); do
  [ "$v" = "$latest" ] || cp -r "data/releases/$v" build/releases/
done
# The same inputs give the same bytes: the committed data, the codebook snapshot the release was
# validated against (the working codebook may have moved on since; its docs are part of the snapshot)
# and the release's own build time (SOURCE_DATE_EPOCH; without it a build is stamped with the clock).
SOURCE_DATE_EPOCH=$(.venv/bin/python -c 'import datetime as dt, json, sys
created = json.load(open(sys.argv[1]))["created"]
print(int(dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()))' \
  "data/releases/$latest/manifest.json")
export SOURCE_DATE_EPOCH
$EVTK release build "$latest" --data data --out build/releases --codebook "data/releases/$latest/codebook"

echo "== byte-identical to data/releases/$latest?"
if diff -r "data/releases/$latest" "build/releases/$latest" >/dev/null; then
  (cd "build/releases/$latest" && find . -type f | sort | xargs sha256sum) > build/sha256.txt
  echo "yes: $(wc -l < build/sha256.txt) files, sha256 of every file identical"
else
  diff -rq "data/releases/$latest" "build/releases/$latest" || true
  echo "NO: the rebuild differs from the committed release" >&2
  exit 1
fi

echo "== release check build/releases/$latest"
$EVTK release check "build/releases/$latest" | tail -n 1

echo "== summary"
.venv/bin/python - "$latest" <<'PY'
import json, sys
m = json.load(open(f"data/releases/{sys.argv[1]}/manifest.json"))
c = m["counts"]
print(f"{m['name']} {m['version']}: {c['events']} events from {c['articles']} articles "
      f"(codebook {m['codebook']['version']}, schema {m['schema_version']})")
print("  by quad class:", ", ".join(f"{k}={v}" for k, v in c["by_quad_class"].items()))
print("  by root code: ", ", ".join(f"{k}={v}" for k, v in c["by_root_code"].items()))
print("  by precision: ", ", ".join(f"{k}={v}" for k, v in c["by_date_precision"].items()))
a = m.get("agreement")
if a:
    print(f"  agreement: {a['articles']} article(s) coded by {', '.join(a['coders'])}, "
          + ", ".join(f"{k} alpha {v:.3f}" if v is not None else f"{k} undefined"
                      for k, v in a["alpha"].items() if k in ("root", "base", "code", "hierarchical"))
          + "; taken: " + ", ".join(f"{t['article_id']} ({t['coding']})" for t in a["taken"]))
PY
