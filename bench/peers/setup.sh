#!/usr/bin/env bash
# The peers of bench/ogc_peers.py, each in its own venv under var/bench-peers/ from its pinned file here.
# Benchmark-only: nothing of theirs is committed or imported by Clearground. Also Debian's wrk (HTTP
# load) and pgbench (the raw SQL floor, shipped with PostgreSQL).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
peers=var/bench-peers
mkdir -p "$peers"
for name in tipg pygeoapi; do
  if [ ! -x "$peers/$name/bin/python" ] || ! cmp -s "bench/peers/$name.txt" "$peers/$name/.pinned"; then
    echo "[bench] installing $name into $peers/$name"
    rm -rf "${peers:?}/$name"
    python3 -m venv "$peers/$name"
    "$peers/$name/bin/pip" install -q --disable-pip-version-check -r "bench/peers/$name.txt"
    cp "bench/peers/$name.txt" "$peers/$name/.pinned"
  fi
done
if ! command -v wrk >/dev/null 2>&1; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
