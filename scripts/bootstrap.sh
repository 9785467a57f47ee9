#!/usr/bin/env bash
# Install whatever the project needs and is missing: Debian packages, .venv, node_modules.
# Idempotent and quick when everything is there; scripts/run.sh and scripts/test.sh call it first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 1; }

# --- Debian packages ------------------------------------------------------------------------------
# postgresql-15-postgis-3 brings the PostgreSQL 15 server and GDAL/GEOS/PROJ that GeoDjango loads;
# acl gives setfacl (dbcluster.py grants postgres traverse rights with it); gettext compiles the
# translations; chromium is the browser the browser tests drive (Playwright, tests/browser/); fonts-dejavu-core
# gives the Article 7 PDF its Cyrillic and Arabic glyphs (obligations/exports.py); nginx is the static server the
# public map's browser test serves `clearground publish`'s folder with, range requests and all (decision 0056).
debs=(postgresql-15-postgis-3 acl gettext chromium fonts-dejavu-core nginx)
command -v npm >/dev/null 2>&1 || debs+=(nodejs npm)
missing=()
for pkg in "${debs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    die "missing Debian packages: ${missing[*]}; as root run: apt-get update && apt-get install ${missing[*]}"
  fi
  say "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi

# --- Python: .venv from requirements.lock ---------------------------------------------------------
py=python3
command -v "$py" >/dev/null 2>&1 || die "python3 (3.11 or newer) is not on PATH"
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  say ".venv is broken or older than Python 3.11: making it again"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  "$py" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null \
    || die "$("$py" --version 2>&1) is too old: Clearground needs Python 3.11 or newer"
  say "creating .venv"
  "$py" -m venv .venv
fi
# The stamp covers pyproject.toml too: a new package or console script needs the editable install redone.
py_sum=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
py_stamp=.venv/.clearground-requirements.sha256
if [ "$(cat "$py_stamp" 2>/dev/null)" != "$py_sum" ] || [ ! -x .venv/bin/clearground ]; then
  say "installing Python packages from requirements.lock (log: .venv/pip-install.log)"
  pip_log=.venv/pip-install.log
  if ! { .venv/bin/python -m pip install --disable-pip-version-check -r requirements.lock \
         && .venv/bin/python -m pip install --disable-pip-version-check --no-deps -e .; } >"$pip_log" 2>&1; then
    tail -n 20 "$pip_log" >&2
    die "pip install failed; the whole log is in $pip_log"
  fi
  echo "$py_sum" >"$py_stamp"
fi

# --- JavaScript: node_modules from package-lock.json ----------------------------------------------
if [ -f package.json ]; then
  js_stamp=node_modules/.clearground-package-lock.sha256
  if [ -f package-lock.json ]; then
    js_sum=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
    if [ ! -d node_modules ] || [ "$(cat "$js_stamp" 2>/dev/null)" != "$js_sum" ]; then
      say "installing npm packages from package-lock.json"
      npm ci --no-audit --no-fund --loglevel=error >/dev/null
      echo "$js_sum" >"$js_stamp"
    fi
  else
    say "installing npm packages (no package-lock.json yet: one is written; commit it)"
    npm install --no-audit --no-fund --loglevel=error >/dev/null
    cat package.json package-lock.json | sha256sum | cut -d' ' -f1 >"$js_stamp"
  fi
fi

# --- Translations: every <app>/locale/*/LC_MESSAGES/django.po → .mo (built here, not committed) ----
po_files() { find . \( -path ./.venv -o -path ./node_modules -o -path ./var \) -prune -o -name '*.po' -print; }
mo_stamp=.venv/.clearground-messages.stamp
if [ -n "$(po_files)" ] && { [ ! -f "$mo_stamp" ] || [ -n "$(find . \( -path ./.venv -o -path ./node_modules -o -path ./var \) -prune -o -name '*.po' -newer "$mo_stamp" -print)" ]; }; then
  say "compiling translations"
  .venv/bin/django-admin compilemessages -v 0 --ignore=.venv --ignore=node_modules --ignore=var \
    || die "compilemessages failed"
  touch "$mo_stamp"
fi
