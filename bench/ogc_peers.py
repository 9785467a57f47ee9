"""OGC API items and MVT tiles: Clearground against tipg and pygeoapi, and the same pages as plain SQL.

Issue 5's benchmark, in one run on one database: every server serves the same view,
`publish.hazardous_areas`, each with 2 workers, one server at a time so that they never compete for
the 2 cores. Load comes from wrk (C, keep-alive connections) cycling through the same list of request
paths for every server; the raw floor is pgbench running the same statement Clearground runs for a
page. Results: bench/results/ogc_peers-*.json and the table printed at the end (docs/benchmarks.md).

Workloads (limit 100 everywhere):
- bbox: 200 boxes of 0.1° × 0.1° centred on random hazards (seed 1);
- paging: the first 2,000 features, offset 0, 100, … 1,900;
- tiles at zooms 6, 10 and 14 (Clearground and tipg only): 100 tiles each around random hazards.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import ROOT, setup_django, write_result

PEERS = ROOT / "var" / "bench-peers"
HERE = Path(__file__).resolve().parent
DURATION = int(os.environ.get("BENCH_OGC_SECONDS", "15"))
CONCURRENCY = [1, 16]
BOXES = 200
BOX_DEG = 0.1
PAGES = 20
LIMIT = 100
TILE_ZOOMS = [6, 10, 14]
TILES_PER_ZOOM = 100
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def db_settings() -> dict[str, Any]:
    from django.db import connection

    s = connection.settings_dict
    return {
        "host": s["HOST"] or "localhost",
        "port": int(s["PORT"] or 5432),
        "dbname": s["NAME"],
        "user": s["USER"],
        "password": s["PASSWORD"],
    }


def sample(db: dict[str, Any]) -> dict[str, list[Any]]:
    """Boxes and tiles around hazards drawn with a fixed seed: the same requests for every server."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) c FROM publish.hazardous_areas) s")
        centres = cur.fetchall()
    rng = random.Random(1)
    picks = [centres[rng.randrange(len(centres))] for _ in range(max(BOXES, TILES_PER_ZOOM))]
    h = BOX_DEG / 2
    boxes = [(round(x - h, 5), round(y - h, 5), round(x + h, 5), round(y + h, 5)) for x, y in picks[:BOXES]]
    tiles = []
    for z in TILE_ZOOMS:
        for x, y in picks[:TILES_PER_ZOOM]:
            n = 2**z
            tx = int((x + 180) / 360 * n)
            ty = int((1 - math.asinh(math.tan(math.radians(y))) / math.pi) / 2 * n)
            tiles.append((z, tx, ty))
    return {"boxes": boxes, "tiles": tiles}


# --- the servers ------------------------------------------------------------------------------------


def pg_url(db: dict[str, Any]) -> str:
    from urllib.parse import quote

    host = db["host"]
    if host.startswith("/"):
        return f"postgresql://{db['user']}:{quote(db['password'], safe='')}@/{db['dbname']}?host={quote(host)}"
    return f"postgresql://{db['user']}:{quote(db['password'], safe='')}@{host}:{db['port']}/{db['dbname']}"


def start_clearground(port: int, db: dict[str, Any], tmp: Path) -> subprocess.Popen[bytes]:
    # As deployed by scripts/run.sh (gunicorn, threads), with the peers' 2 workers.
    argv = [
        str(ROOT / ".venv/bin/gunicorn"),
        "clearground.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        "8",
        "--no-control-socket",
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "DATABASE_URL": pg_url(db).replace("postgresql://", "postgres://", 1)}
    return subprocess.Popen(argv, cwd=ROOT, env=env)


def start_tipg(port: int, db: dict[str, Any], tmp: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": pg_url(db),
        "TIPG_DB_SCHEMAS": '["publish"]',
        "TIPG_DB_TABLES": '["publish.hazardous_areas"]',
        "TIPG_MAX_FEATURES_PER_QUERY": "10000",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    argv = [
        str(PEERS / "tipg/bin/uvicorn"),
        "tipg.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(argv, cwd=tmp, env=env)


def start_pygeoapi(port: int, db: dict[str, Any], tmp: Path) -> subprocess.Popen[bytes]:
    text = (HERE / "peers/pygeoapi.yml.in").read_text()
    for key, value in {
        "PORT": port,
        "HOST": db["host"],
        "DBPORT": db["port"],
        "DBNAME": db["dbname"],
        "USER": db["user"],
        "PASSWORD": db["password"],
    }.items():
        text = text.replace(f"@{key}@", str(value))
    config, openapi = tmp / "pygeoapi.yml", tmp / "pygeoapi-openapi.yml"
    config.write_text(text)
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [str(PEERS / "pygeoapi/bin/pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
        env=env,
        check=True,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
    )
    argv = [
        str(PEERS / "pygeoapi/bin/gunicorn"),
        "pygeoapi.flask_app:APP",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(argv, cwd=tmp, env=env)


SERVERS = {
    "clearground": {
        "start": start_clearground,
        "items": "/ogc/collections/hazardous_areas/items?limit={limit}",
        "tile": "/tiles/hazardous_areas/{z}/{x}/{y}",
    },
    "tipg": {
        "start": start_tipg,
        "items": "/collections/publish.hazardous_areas/items?limit={limit}",
        "tile": "/collections/publish.hazardous_areas/tiles/WebMercatorQuad/{z}/{x}/{y}",
    },
    "pygeoapi": {
        "start": start_pygeoapi,
        "items": "/collections/hazardous_areas/items?f=json&limit={limit}",
        "tile": None,
    },
}


# Request headers per server. Clearground publishes hazardous_areas to signed-in users only
# (decision 0037), so the bench reads it with a member's token (set in main); the peers need none.
HEADERS: dict[str, dict[str, str]] = {}


def member_token() -> str:
    """The DRF token of a bench user of no organisation (a member reads every non-restricted collection)."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    reader = User.objects.get_or_create(username="bench-reader")[0]
    return Token.objects.get_or_create(user=reader)[0].key


def request(name: str, url: str) -> urllib.request.Request:
    return urllib.request.Request(url, headers=HEADERS.get(name, {}))


@contextmanager
def serving(name: str, db: dict[str, Any]) -> Iterator[str]:
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    proc = SERVERS[name]["start"](port, db, tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        probe = base + SERVERS[name]["items"].format(limit=1)
        for _ in range(240):
            try:
                with urllib.request.urlopen(request(name, probe), timeout=30) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}")
        else:
            raise RuntimeError(f"{name} did not answer {probe}")
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def paths_for(name: str, workload: str, s: dict[str, list[Any]]) -> list[str]:
    spec = SERVERS[name]
    if workload == "bbox":
        items = spec["items"].format(limit=LIMIT)
        return [f"{items}&bbox={a},{b},{c},{d}" for a, b, c, d in s["boxes"]]
    if workload == "paging":
        items = spec["items"].format(limit=LIMIT)
        return [f"{items}&offset={o * LIMIT}" for o in range(PAGES)]
    z = int(workload[1:])
    return [spec["tile"].format(z=tz, x=tx, y=ty) for tz, tx, ty in s["tiles"] if tz == z]


def wrk(base: str, paths: list[str], concurrency: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(paths) + "\n")
    try:
        threads = min(concurrency, 2)
        # -H headers reach wrk.format in the script (wrk.headers), so every request carries them.
        extra = [arg for k, v in (headers or {}).items() for arg in ("-H", f"{k}: {v}")]
        out = subprocess.run(
            [
                "wrk",
                *extra,
                f"-t{threads}",
                f"-c{concurrency}",
                f"-d{DURATION}s",
                "--timeout",
                "30s",
                "-s",
                str(HERE / "peers/wrk_paths.lua"),
                base,
            ],
            env={**os.environ, "WRK_PATHS": f.name},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    r = json.loads(line[len("WRKJSON ") :])
    return {
        "rps": round(r["requests"] / (r["duration_us"] / 1e6), 1),
        "p50_ms": r["p50_us"] / 1000,
        "p95_ms": r["p95_us"] / 1000,
        "errors": r["errors"],
        "non2xx": r["non2xx"],
        "requests": r["requests"],
    }


def check_same_pages(bases: dict[str, str], s: dict[str, list[Any]]) -> dict[str, list[int]]:
    """Every server returns the same number of features for the first boxes (a benchmark of wrong answers is void)."""
    counts: dict[str, list[int]] = {}
    for name, base in bases.items():
        got = []
        for path in paths_for(name, "bbox", s)[:10]:
            with urllib.request.urlopen(request(name, base + path), timeout=60) as r:
                got.append(len(json.load(r)["features"]))
        counts[name] = got
    return counts


# --- the raw floor: the same statement in pgbench ------------------------------------------------------


def outside_literals(statement: str, pattern: str, repl: str) -> str:
    """re.sub only outside the statement's '...' literals (the page's links hold the same numbers)."""
    parts = re.split(r"('(?:[^']|'')*')", statement)
    return "".join(p if p.startswith("'") else re.sub(pattern, repl, p) for p in parts)


def raw_sql() -> dict[str, str]:
    """pgbench scripts running exactly the statement Clearground runs for an items page.

    The statement is captured from a real request (so it cannot drift from interop/ogc/queries.py),
    and its marker values are swapped for pgbench variables.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    marker_box = ("11.11111", "22.22222", "33.33333", "44.44444")
    marker_offset = "98765"
    client = Client(headers=HEADERS.get("clearground", {}))
    scripts = {}
    for workload, query in (
        ("bbox", f"limit={LIMIT}&bbox={','.join(marker_box)}"),
        ("paging", f"limit={LIMIT}&offset={marker_offset}"),
    ):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/ogc/collections/hazardous_areas/items?{query}")
        assert response.status_code == 200, response.content[:300]
        markers = marker_box if workload == "bbox" else (marker_offset,)
        statement = next(q["sql"] for q in captured.captured_queries if "FeatureCollection" in q["sql"])
        if workload == "bbox":
            for marker, var in zip(marker_box, (":x0", ":y0", ":x1", ":y1"), strict=True):
                statement = outside_literals(statement, re.escape(marker), var)
            scripts[workload] = (
                f"\\set i random(0, {BOXES - 1})\n"
                f"SELECT x0, y0, x1, y1 FROM bench_ogc_box WHERE i = :i \\gset\n{statement};\n"
            )
        else:
            statement = outside_literals(statement, rf"\b{marker_offset}\b", ":o")
            statement = outside_literals(statement, rf"\b{int(marker_offset) + LIMIT}\b", f"(:o + {LIMIT})")
            scripts[workload] = f"\\set o random(0, {PAGES - 1}) * {LIMIT}\n{statement};\n"
        code = "".join(p for p in re.split(r"('(?:[^']|'')*')", scripts[workload]) if not p.startswith("'"))
        unreplaced = [m for m in markers if m in code]
        assert not unreplaced, f"markers left in the captured statement: {unreplaced}"
    return scripts


def pgbench(db: dict[str, Any], script: str, concurrency: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    env = {
        **os.environ,
        "PGHOST": db["host"],
        "PGPORT": str(db["port"]),
        "PGDATABASE": db["dbname"],
        "PGUSER": db["user"],
        "PGPASSWORD": db["password"],
    }
    try:
        out = subprocess.run(
            [
                "pgbench",
                "-n",
                "-M",
                "simple",
                "-c",
                str(concurrency),
                "-j",
                str(min(concurrency, 2)),
                "-T",
                str(DURATION),
                "-f",
                f.name,
                "-r",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))  # type: ignore[union-attr]
    return {"rps": round(tps, 1), "latency_avg_ms": lat}


def main() -> int:
    setup_django()
    db = db_settings()
    s = sample(db)
    from django.db import connection

    HEADERS["clearground"] = {"Authorization": f"Token {member_token()}"}

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_ogc_box")
        cur.execute("CREATE TABLE bench_ogc_box (i int PRIMARY KEY, x0 float8, y0 float8, x1 float8, y1 float8)")
        cur.executemany(
            "INSERT INTO bench_ogc_box VALUES (%s, %s, %s, %s, %s)", [(i, *b) for i, b in enumerate(s["boxes"])]
        )
        cur.execute("SELECT count(*) FROM publish.hazardous_areas")
        hazards = cur.fetchone()[0]
    connection.close()

    cells: dict[str, dict[str, Any]] = {}
    sanity: dict[str, list[int]] = {}
    only = [x for x in os.environ.get("BENCH_OGC_SERVERS", "clearground,tipg,pygeoapi").split(",") if x]
    for name in only:
        print(f"[ogc] {name}: starting", flush=True)
        with serving(name, db) as base:
            sanity.update(check_same_pages({name: base}, s))
            workloads = ["bbox", "paging"] + ([f"z{z}" for z in TILE_ZOOMS] if SERVERS[name]["tile"] else [])
            for workload in workloads:
                paths = paths_for(name, workload, s)
                for c in CONCURRENCY:
                    r = wrk(base, paths, c, HEADERS.get(name))
                    cells[f"{name}/{workload}/c{c}"] = r
                    print(
                        f"[ogc] {name:12} {workload:7} c={c:<3} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f} ms"
                        f"  p95 {r['p95_ms']:7.1f} ms  errors {r['errors'] + r['non2xx']}",
                        flush=True,
                    )
    if "clearground" in only:
        for workload, script in raw_sql().items():
            for c in CONCURRENCY:
                r = pgbench(db, script, c)
                cells[f"raw/{workload}/c{c}"] = r
                print(
                    f"[ogc] {'raw PostGIS':12} {workload:7} c={c:<3} {r['rps']:8.1f} req/s  "
                    f"avg {r['latency_avg_ms']:.1f} ms",
                    flush=True,
                )

    ratios: dict[str, Any] = {}
    for workload in ["bbox", "paging"]:
        for c in CONCURRENCY:
            cg = cells.get(f"clearground/{workload}/c{c}")
            peers = [cells[k]["rps"] for k in (f"tipg/{workload}/c{c}", f"pygeoapi/{workload}/c{c}") if k in cells]
            raw = cells.get(f"raw/{workload}/c{c}")
            if cg and peers:
                ratios[f"{workload}/c{c}/vs_better_peer"] = round(cg["rps"] / max(peers), 2)
            if cg and raw:
                ratios[f"{workload}/c{c}/vs_raw"] = round(cg["rps"] / raw["rps"], 2)
    for z in TILE_ZOOMS:
        for c in CONCURRENCY:
            cg, tp = cells.get(f"clearground/z{z}/c{c}"), cells.get(f"tipg/z{z}/c{c}")
            if cg and tp:
                ratios[f"tiles_z{z}/c{c}/p50_vs_tipg"] = round(cg["p50_ms"] / tp["p50_ms"], 2) if tp["p50_ms"] else None
    result = {
        "hazards": hazards,
        "seconds_per_cell": DURATION,
        "workers": WORKERS,
        "cells": cells,
        "ratios": ratios,
        "sanity_feature_counts": sanity,
    }
    path = write_result("ogc_peers", result)
    print(json.dumps(ratios, indent=1))
    print(f"[ogc] written to {path}")
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_ogc_box")
    return 0


if __name__ == "__main__":
    sys.exit(main())
