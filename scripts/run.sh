#!/usr/bin/env bash
# Command 1 (make run): install what is missing, start the private PostGIS cluster (unless
# DATABASE_URL names another PostGIS), migrate, load the demo once, and serve on 127.0.0.1
# (CLEARGROUND_BIND to listen elsewhere, which needs SECRET_KEY and CLEARGROUND_FIELD_KEY set).
# Started as root, everything after the database runs as the system user `clearground`
# (CLEARGROUND_SERVICE_USER), as PostgreSQL runs as `postgres` (decision 0038).
# Running it again keeps the data. Stop the database afterwards with `make stop-db`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bind="${CLEARGROUND_BIND:-127.0.0.1}"
case "$bind" in *:*) address="[$bind]:${PORT:-8000}" ;; *) address="$bind:${PORT:-8000}" ;; esac

bash scripts/bootstrap.sh
# Before anything is changed: a server beyond loopback with a development key does not start.
.venv/bin/python -m clearground.serving check "$address"
if [ -z "${DATABASE_URL:-}" ]; then
  .venv/bin/python -m clearground.dbcluster ensure
else
  echo "[run] DATABASE_URL is set: using that database, not the private cluster"
fi

# As root: create the service user and hand it its folders and the database password; otherwise nothing.
# Every command below runs through `service_user exec`: as that user when root, as the caller otherwise.
.venv/bin/python -m clearground.service_user prepare
as_service=(.venv/bin/python -m clearground.service_user exec --)

cg=.venv/bin/clearground
echo "[run] migrating"
"${as_service[@]}" "$cg" migrate --noinput
"${as_service[@]}" "$cg" collectstatic --noinput -v 0

"${as_service[@]}" "$cg" demo --if-empty
# Population per admin area (for casualty rates) and the places the map's search finds (decision 0052),
# from the shared Natural Earth and GeoNames files, if present.
if [ -d "${CLEARGROUND_SHARED_DATA:-../shared/data}" ]; then
  "${as_service[@]}" "$cg" load_population
  "${as_service[@]}" "$cg" load_places
fi
# The offline basemap of those admin areas and places (decision 0056), built once: delete the file to rebuild.
if ! "${as_service[@]}" "$cg" basemap build --out var/basemap/demo.pmtiles --if-missing; then
  echo "[run] the demo basemap could not be built; the map shows the country outlines only"
fi

echo
"${as_service[@]}" "$cg" demo_logins
echo

# The job worker (imports; docs/decisions/0015-job-queue.md) runs beside gunicorn, and each stops with
# the other. The worker gets its own session (setsid) so a Ctrl-C reaches it once, from here: on TERM it
# finishes the job it is running, then exits.
# `service_user exec` replaces itself with the command, so $! is the worker's and gunicorn's own pid.
# gunicorn reads gunicorn.conf.py, which repeats the loopback check for any way it is started.
setsid "${as_service[@]}" "$cg" worker &
worker=$!
"${as_service[@]}" .venv/bin/gunicorn clearground.wsgi --bind "$address" --workers 3 --threads 4 --timeout 120 \
  --no-control-socket &
web=$!
trap 'kill -TERM "$web" 2>/dev/null || true' INT TERM
status=0
wait -n "$web" "$worker" || status=$?
kill -TERM "$web" "$worker" 2>/dev/null || true
wait "$web" "$worker" 2>/dev/null || true
exit "$status"
