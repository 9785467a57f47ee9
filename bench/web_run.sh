#!/usr/bin/env bash
# The web benchmarks alone, on an existing register (default: the persistent bench cluster that
# `make bench` can leave in CLEARGROUND_VAR_DIR; any PostGIS with DATABASE_URL).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
if [ -z "${DATABASE_URL:-}" ]; then .venv/bin/python -m clearground.dbcluster ensure; fi
.venv/bin/clearground migrate --noinput -v 0
exec bash bench/web.sh
