#!/usr/bin/env bash
# Command 2 (make test): lint, then every test on a throwaway PostGIS cluster that listens on no
# TCP port and is deleted afterwards. Extra arguments go to pytest: scripts/test.sh -k hazards -x
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap.sh

echo "[test] ruff check ."
.venv/bin/ruff check --output-format=concise . || { echo "[test] FAILED: ruff found problems (above)" >&2; exit 1; }

echo "[test] ruff format --check ."
.venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --check . >&2; echo "[test] FAILED: run .venv/bin/ruff format ." >&2; exit 1; }

# mypy reads the settings module, which needs no database to import.
echo "[test] mypy"
.venv/bin/mypy clearground core accounts places ordnance hazards reports vocab interop demo treaty obligations casualties assistance quality risk_education jobs field operations web \
  || { echo "[test] FAILED: mypy found type errors (above)" >&2; exit 1; }

echo "[test] pytest $*"
rc=0
.venv/bin/python -m clearground.dbcluster test -- .venv/bin/pytest "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
  echo "[test] FAILED: pytest collected no tests (exit 5): a test run that tests nothing is not a pass" >&2
elif [ "$rc" -ne 0 ]; then
  echo "[test] FAILED: pytest exited with $rc" >&2
fi
exit "$rc"
