#!/usr/bin/env bash
# Runs inside the throwaway cluster started by bench/run.sh (DATABASE_URL is set).
set -euo pipefail
cg=.venv/bin/clearground
"$cg" migrate --noinput -v 0
.venv/bin/python bench/approvals.py
# The approvals benchmark leaves its own register behind: the demo starts on an empty one.
"$cg" flush --noinput
"$cg" migrate --noinput -v 0
# The demo builds BENCH_DEMO_SCALE hazards through the pipeline (10 hazards/s here); the register is
# then grown to BENCH_SCALE by copying them in SQL (bench/replicate_register.py says why).
"$cg" demo --scale "${BENCH_DEMO_SCALE:-2000}" --seed 1
.venv/bin/python bench/replicate_register.py --to "${BENCH_SCALE:-100000}"
.venv/bin/python bench/hazard_list.py --min-hazards "${BENCH_SCALE:-100000}"
# OGC API items and tiles against tipg and pygeoapi on the same register, and the raw SQL floor.
.venv/bin/python bench/ogc_peers.py
# The web application: the map's first render in Chromium and the dashboard's response, on the same register.
bash bench/web.sh
# The load test: 200 API clients for 60 s, mixed reads and writes (issue 7, docs/reliability.md).
bash bench/load.sh
# The import benchmark empties the register it reads (hazards, reports) and keeps the admin areas.
.venv/bin/python bench/import_100k.py --truncate
