#!/usr/bin/env bash
# The load test (issue 7): LOAD_USERS (200) concurrent API clients for LOAD_SECONDS (60) on loopback,
# mixed reads and writes (bench/locustfile.py), against gunicorn started as `make run` starts it, on
# the register DATABASE_URL points at (default: the private cluster; the demo is loaded if it is
# empty). Results: bench/results/load-<date>.json, and docs/reliability.md by hand.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
cg=.venv/bin/clearground
if [ -z "${DATABASE_URL:-}" ]; then .venv/bin/python -m clearground.dbcluster ensure; fi
"$cg" migrate --noinput -v 0
"$cg" demo --if-empty
port=${LOAD_PORT:-8766}
work=$(mktemp -d)
trap 'kill -TERM "${web:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
LOAD_PLAN="$work/plan.json"
export LOAD_PLAN
.venv/bin/python bench/load_prepare.py --out "$LOAD_PLAN"
.venv/bin/gunicorn clearground.wsgi --bind "127.0.0.1:$port" --workers 3 --threads 4 --timeout 120 \
  --no-control-socket --log-level warning &
web=$!
for _ in $(seq 60); do curl -fs -o /dev/null "http://127.0.0.1:$port/login/" && break; sleep 1; done
users=${LOAD_USERS:-200}
seconds=${LOAD_SECONDS:-60}
echo "[load] $users clients for $seconds s against http://127.0.0.1:$port"
rc=0
.venv/bin/locust -f bench/locustfile.py --headless --users "$users" --spawn-rate "${LOAD_SPAWN_RATE:-50}" \
  --run-time "${seconds}s" --stop-timeout 30 --host "http://127.0.0.1:$port" --csv "$work/load" \
  --only-summary --loglevel WARNING || rc=$?
.venv/bin/python bench/load_report.py --csv "$work/load" --users "$users" --seconds "$seconds"
exit "$rc"
