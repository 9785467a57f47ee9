"""Import of a 100,000-polygon GeoPackage (validation, history, approval) against a raw ogr2ogr load of it.

On the same cluster, median of --runs runs each, tables emptied between runs:
(a) the physical floor: `ogr2ogr -f PostgreSQL PG:… FILE -nln bench_raw -lco SPATIAL_INDEX=GIST
    --config PG_USE_COPY YES` (a table of polygons and attributes, nothing checked);
(b) `clearground import FILE --kind nts --profile clearground-demo-nts --approve`: every row checked,
    repaired or rejected, entered as an NTS report with its transitions and audit rows, approved into a
    hazard with its version, status change, evidence and activity, keyed for re-import.
The file is the dirty demo GeoPackage (demo/gpkg.py); the import's account must equal the generator's.
Then one more import in-process, timed by phase, says where the time goes. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import ROOT, setup_django, write_result

# Every table an import writes; TRUNCATE … CASCADE also empties what references them.
WRITTEN = [
    "interop_importedrecord",
    "interop_import",
    "reports_reporttransition",
    "accounts_auditentry",
    "hazards_hazardversion",
    "hazards_hazardstatuschange",
    "hazards_evidence",
    "hazards_activity",
    "reports_report",
    "hazards_hazardousarea",
]
ORG = "bench-nmaa"
TARGET_RATIO = 1.5


def _dsn() -> str:
    from django.db import connection

    s = connection.settings_dict
    parts = {"dbname": s["NAME"], "user": s["USER"], "password": s["PASSWORD"], "host": s["HOST"], "port": s["PORT"]}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def _sql(statement: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(statement)


def _empty_register() -> None:
    _sql("TRUNCATE " + ", ".join(WRITTEN) + " CASCADE")
    _sql("VACUUM ANALYZE " + ", ".join(WRITTEN))


def _ogr2ogr() -> str:
    found = shutil.which("ogr2ogr")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("ogr2ogr is missing: as root run apt-get install gdal-bin (the raw-load baseline needs it)")
    print("installing gdal-bin for ogr2ogr (the raw-load baseline only)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "gdal-bin"], check=True, env=env)
    return shutil.which("ogr2ogr") or "ogr2ogr"


def raw_load(path: Path) -> float:
    _sql("DROP TABLE IF EXISTS bench_raw")
    command = [_ogr2ogr(), "-f", "PostgreSQL", f"PG:{_dsn()}", str(path), "-nln", "bench_raw",
               "-lco", "SPATIAL_INDEX=GIST", "--config", "PG_USE_COPY", "YES"]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True)
    elapsed = time.perf_counter() - started
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM bench_raw")
        (n,) = cur.fetchone()
    print(f"  raw ogr2ogr: {elapsed:.1f} s ({n} rows)", flush=True)
    return elapsed


def pipeline_import(path: Path, profile: str) -> tuple[float, dict[str, int]]:
    _empty_register()
    command = [str(ROOT / ".venv" / "bin" / "clearground"), "import", str(path), "--kind", "nts",
               "--profile", profile, "--organisation", ORG, "--approve", "--sole-approver", "benchmark",
               "--json"]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    counts = json.loads(done.stdout.strip().splitlines()[-1])["counts"]
    print(f"  clearground import: {elapsed:.1f} s {counts}", flush=True)
    return elapsed, counts


def phases(path: Path, profile_name: str) -> dict[str, float]:
    """One import in-process with a timer around each stage (read, evaluate, checks, COPY + SQL, commit)."""
    from accounts.models import Organisation
    from interop.imports import bulk, engine, readers, service
    from interop.models import ImportProfile

    _empty_register()
    spent: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    originals = (readers.read_source, engine.evaluate, bulk._prepare, bulk._write)
    service.readers.read_source = timed("read file (pyogrio)", readers.read_source)  # type: ignore[method-assign]
    engine.evaluate = timed("evaluate rows (geometry, mapping, keys)", engine.evaluate)  # type: ignore[method-assign]
    bulk._prepare = timed("check rows as the NTS kind (parse_report)", bulk._prepare)  # type: ignore[method-assign]
    bulk._write = timed("COPY + set-based SQL", bulk._write)  # type: ignore[method-assign]
    from interop.imports.service import import_approver as officer

    try:
        organisation = Organisation.objects.get(code=ORG)
        user = officer(organisation)
        started = time.perf_counter()
        imp = service.create_import(acting_user=user, organisation=organisation, path=path, original_name=path.name,
                                    kind="nts", profile=ImportProfile.objects.get(name=profile_name))  # fmt: skip
        create = time.perf_counter() - started
        spent.clear()
        started = time.perf_counter()
        service.run_import(imp, acting_user=user, approve=True, sole_approval="benchmark: one process does both")
        total = time.perf_counter() - started
    finally:
        (service.readers.read_source, engine.evaluate, bulk._prepare, bulk._write) = originals  # type: ignore[method-assign]
    spent["commit (deferred foreign-key checks) and the rest"] = max(0.0, total - sum(spent.values()))
    spent["run_import total"] = total
    spent["create_import (store, read, detect; before the run)"] = create
    return {k: round(v, 2) for k, v in spent.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", type=Path, default=ROOT / "var" / "bench" / "import_100k.gpkg")
    parser.add_argument("--truncate", action="store_true", help="empty a register that already has hazards")
    args = parser.parse_args()
    setup_django()
    from accounts.models import Organisation
    from demo.gpkg import PROFILE, expected_path, write_gpkg
    from hazards.models import HazardousArea
    from interop.models import ImportProfile
    from places.models import AdminArea
    from vocab.choices import OrganisationKind

    if HazardousArea.objects.exists() and not args.truncate:
        print("the register has hazards; this benchmark empties it between runs: pass --truncate to allow that")
        return 2
    expected_file = expected_path(args.file)
    if not expected_file.exists() or json.loads(expected_file.read_text())["read"] != args.count:
        started = time.perf_counter()
        write_gpkg(args.file, args.count, seed=1)
        print(f"wrote {args.file} ({args.count} features) in {time.perf_counter() - started:.1f} s", flush=True)
    expected = json.loads(expected_file.read_text())
    Organisation.objects.get_or_create(code=ORG, defaults={"name": "Benchmark authority", "country_iso3": "UKR",
                                                           "kind": OrganisationKind.NATIONAL_AUTHORITY})  # fmt: skip
    ImportProfile.objects.get_or_create(
        name=PROFILE["name"], defaults={k: PROFILE[k] for k in ("kind", "description", "mapping")}
    )
    admin_areas = AdminArea.objects.count()
    print(f"{args.count} features, {admin_areas} admin areas loaded; {args.runs} runs each", flush=True)

    raw: list[float] = []
    imports: list[float] = []
    counts: dict[str, int] = {}
    for run in range(args.runs):
        print(f"run {run + 1}", flush=True)
        raw.append(raw_load(args.file))
        seconds, counts = pipeline_import(args.file, PROFILE["name"])
        imports.append(seconds)
    _sql("DROP TABLE IF EXISTS bench_raw")
    want = {"read": expected["read"], "imported": expected["clean"], "repaired": expected["repaired"],
            "rejected": expected["rejected"], "duplicates": expected["duplicates"],
            # Repaired polygons are also counted apart, whatever became of their rows (decision 0048).
            **({"geometries_repaired": expected["repaired"]} if expected["repaired"] else {})}  # fmt: skip
    accounted = counts == want
    breakdown = phases(args.file, PROFILE["name"])
    _empty_register()
    raw_median, import_median = statistics.median(raw), statistics.median(imports)
    ratio = import_median / raw_median
    result = {
        "features": args.count,
        "admin_areas": admin_areas,
        "runs": args.runs,
        "raw_ogr2ogr_s": [round(s, 2) for s in raw],
        "import_s": [round(s, 2) for s in imports],
        "raw_median_s": round(raw_median, 2),
        "import_median_s": round(import_median, 2),
        "ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "counts": counts,
        "expected_counts": want,
        "every_feature_accounted_for": accounted,
        "phases_s": breakdown,
        "hazards_per_s": round((want["imported"] + want["repaired"]) / import_median, 1),
    }
    path = write_result("import_100k", result)
    (ROOT / "bench" / "results" / "import_100k.json").write_text(
        json.dumps(json.loads(path.read_text()), indent=2) + "\n"
    )
    print(json.dumps(result, indent=2))
    print(f"raw {raw_median:.1f} s, import {import_median:.1f} s: {ratio:.1f}× (target ≤ {TARGET_RATIO}×)"
          f"{'' if accounted else '; THE ACCOUNT DIFFERS FROM THE GENERATOR’S'}")  # fmt: skip
    return 0 if accounted else 1


if __name__ == "__main__":
    sys.exit(main())
