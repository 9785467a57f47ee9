"""Hazard list API at national scale: p50/p95 of a bbox page of 100, with the query count pinned.

Needs a register of ≥ 100,000 hazards, e.g. `clearground demo --scale 100000` (see docs/benchmarks.md).
Each request is a real Django request (middleware, session auth, access scoping, filtering, GeoJSON
rendering) through the test client, so no network noise; windows of about 30 km are centred on
random hazards so that pages are full. Measured for the authority's IM officer (whole register) and
an operator's clerk (scoped to one organisation).
"""

from __future__ import annotations

import argparse
import random
import time

from common import check_thresholds, setup_django, summary_ms, write_result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--min-hazards", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=0.25, help="bbox size in degrees")
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.access import hazards_for
    from hazards.models import HazardousArea

    total = HazardousArea.objects.count()
    if total < args.min_hazards:
        print(f"only {total} hazards; run `clearground demo --scale {args.min_hazards}` first")
        return 2
    rng = random.Random(11)
    results = {}
    queries = []
    for username in ("imo", "clerk"):
        user = User.objects.get(username=username)
        centres = list(hazards_for(user).order_by("?").values_list("benchmark", flat=True)[: args.requests])
        client = Client()
        client.force_login(user)
        latencies, sizes = [], []
        for i in range(args.requests):
            c = centres[i % len(centres)]
            half = args.window / 2
            bbox = f"{c.x - half:.5f},{c.y - half:.5f},{c.x + half:.5f},{c.y + half:.5f}"
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get("/api/v1/hazards/", {"bbox": bbox, "limit": 100}, HTTP_ACCEPT="application/json")
                latencies.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.content[:300]
            sizes.append(len(response.json()["features"]))
            queries.append(len(captured))
        results[username] = {**summary_ms(latencies), "scope_hazards": hazards_for(user).count(),
                             "mean_features": round(sum(sizes) / len(sizes), 1)}  # fmt: skip
        rng.shuffle(centres)
    measured = {
        "hazards": total,
        "roles": results,
        "p95_ms": max(r["p95_ms"] for r in results.values()),
        "queries_per_page": max(queries),
    }
    path = write_result("hazard_list", measured)
    print(f"hazard_list: {measured}\n-> {path}")
    alarms = check_thresholds("hazard_list", measured)
    for alarm in alarms:
        print("REGRESSION:", alarm)
    return 1 if alarms else 0


if __name__ == "__main__":
    raise SystemExit(main())
