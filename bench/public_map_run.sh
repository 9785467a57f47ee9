#!/usr/bin/env bash
# Issue 18's map figures alone (decision 0062): a throwaway PostGIS cluster, the 300-hazard demo built through
# the pipeline and copied in SQL to BENCH_SCALE (100,000) hazards, then bench/public_map.py (folder build
# before/after, nginx PMTiles against /tiles/ with wrk, map first render with and without the tile cache,
# republish after an approval). Needs Debian's nginx, wrk and chromium (scripts/bootstrap.sh, bench/peers).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec .venv/bin/python -m clearground.dbcluster test -- bash -c '
  set -euo pipefail
  .venv/bin/clearground migrate --noinput -v 0
  .venv/bin/clearground demo --scale "${BENCH_DEMO_SCALE:-300}" --seed 1
  .venv/bin/python bench/replicate_register.py --to "${BENCH_SCALE:-100000}"
  .venv/bin/python bench/public_map.py --out "${BENCH_PUBLIC_DIR:-var/bench-public}" "$@"
' bench "$@"
