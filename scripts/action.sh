#!/usr/bin/env bash
# The GitHub Action's step (action.yml): inputs arrive as EVTK_* environment variables, never as
# text inside this script; see toolkit/action.py for each variable and the exit codes.
# Run it locally the same way: EVTK_COMMAND=validate EVTK_PATHS=data GITHUB_STEP_SUMMARY=summary.md bash scripts/action.sh
set -euo pipefail
PYTHON="${EVTK_PYTHON:-python}"
exec "$PYTHON" -m toolkit.action
