#!/usr/bin/env bash
# The web application's two benchmarks (issue 6) against the register DATABASE_URL points at, which
# should hold 100,000 hazards: the map's first render in headless Chromium with ≥ 20,000 hazards in
# view (target ≤ 2 s) and the dashboard's server response (target p95 ≤ 300 ms), both through
# gunicorn as `make run` starts it. bench/inside.sh runs it; bench/web_run.sh runs it alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cg=.venv/bin/clearground
port=${BENCH_WEB_PORT:-8765}
# The densest part of the demo register: about 26,000 hazards lie in this box (35–38.5 °E, 48–50.5 °N).
bbox=${BENCH_MAP_BBOX:-35,48,38.5,50.5}
"$cg" collectstatic --noinput -v 0
"$cg" shell -c "
from django.contrib.auth.models import User
u = User.objects.get(username='imo'); u.set_password('bench-password'); u.save()"
.venv/bin/gunicorn clearground.wsgi --bind "127.0.0.1:$port" --workers 3 --threads 4 --timeout 120 \
  --no-control-socket --log-level warning &
web=$!
trap 'kill -TERM "$web" 2>/dev/null || true; wait "$web" 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -fs -o /dev/null "http://127.0.0.1:$port/login/" && break; sleep 1; done
echo "[bench] map first render (runs: ${BENCH_MAP_RUNS:-7})"
.venv/bin/python bench/map_render.py --url "http://127.0.0.1:$port" --username imo --password bench-password \
  --bbox "$bbox" --runs "${BENCH_MAP_RUNS:-7}" | tee "bench/results/map_render-$(date +%F).json"
echo "[bench] dashboard over HTTP"
.venv/bin/python bench/dashboard.py --url "http://127.0.0.1:$port/" --username imo --password bench-password \
  --requests "${BENCH_DASHBOARD_REQUESTS:-100}" | tee "bench/results/dashboard_http-$(date +%F).json"
echo "[bench] dashboard in process"
.venv/bin/python bench/dashboard.py --requests "${BENCH_DASHBOARD_REQUESTS:-100}" --save
