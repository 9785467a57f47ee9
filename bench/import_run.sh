#!/usr/bin/env bash
# The import benchmark alone: a throwaway PostGIS cluster with Ukraine's admin areas, then
# bench/import_100k.py (the 100,000-polygon import against a raw ogr2ogr load). make bench runs it too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m clearground.dbcluster test -- bash -c '
  set -euo pipefail
  .venv/bin/clearground migrate --noinput -v 0
  # Admin areas (and the demo people) without hazards: new hazards are placed in oblasts as in production.
  .venv/bin/clearground demo --scale 0 -v 0
  .venv/bin/python bench/import_100k.py "$@"
' bench "$@"
