#!/usr/bin/env bash
# make bench: every benchmark in one run on a throwaway PostGIS cluster; results land in bench/results/.
# BENCH_SCALE (default 100000) sets the size of the register the read benchmarks run against.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
# The OGC peers (tipg, pygeoapi) in their own venvs, and wrk.
bash bench/peers/setup.sh
exec .venv/bin/python -m clearground.dbcluster test -- bash bench/inside.sh
