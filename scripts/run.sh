#!/usr/bin/env bash
# Command 1 (make run): install what is missing, start the private PostGIS cluster (unless
# DATABASE_URL names another PostGIS), migrate, load the demo once, and serve on 127.0.0.1.
# Running it again keeps the data. Stop the database afterwards with `make stop-db`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap.sh
if [ -z "${DATABASE_URL:-}" ]; then
  .venv/bin/python -m clearground.dbcluster ensure
else
  echo "[run] DATABASE_URL is set: using that database, not the private cluster"
fi

cg=.venv/bin/clearground
echo "[run] migrating"
"$cg" migrate --noinput
"$cg" collectstatic --noinput -v 0

"$cg" demo --if-empty
# Population per admin area (for casualty rates) from the shared Natural Earth and GeoNames files, if present.
if [ -d "${CLEARGROUND_SHARED_DATA:-../shared/data}" ]; then
  "$cg" load_population
fi

echo
"$cg" demo_logins
echo

# The job worker (imports; docs/decisions/0015-job-queue.md) runs beside gunicorn, and each stops with
# the other. The worker gets its own session (setsid) so a Ctrl-C reaches it once, from here: on TERM it
# finishes the job it is running, then exits.
setsid "$cg" worker &
worker=$!
.venv/bin/gunicorn clearground.wsgi --bind "127.0.0.1:${PORT:-8000}" --workers 3 --threads 4 --timeout 120 --no-control-socket &
web=$!
trap 'kill -TERM "$web" 2>/dev/null || true' INT TERM
status=0
wait -n "$web" "$worker" || status=$?
kill -TERM "$web" "$worker" 2>/dev/null || true
wait "$web" "$worker" 2>/dev/null || true
exit "$status"
