"""The task board at national scale: 100,000 hazards, 10,000 task orders, the board page and /api/v1/tasks/.

Seeding (not timed, a few minutes): the test cast, two more operators, nine provinces, one hazard
registered through the report pipeline and copied in SQL across the provinces and operators (with a
version each, so that the prioritisation ranks them all), a gazetteer of places, then the task orders
set-wise (every status, activity and priority; a tenth tasked to another operator than the hazard's, a
tenth given a drawn area and no hazard)
with their transitions. Measured (each a real Django request through the test client, session sign-in):
the board (HTML) and the tasks API, as the authority's IM officer and as operator Alpha's clerk, with
no filter, by status, by operator, by province and a second page; then the prioritisation ranking of
every open hazard. Run against DATABASE_URL on an empty, migrated database (`--reuse` measures a
register seeded by an earlier run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from functools import partial
from typing import Any
from urllib.parse import unquote

from common import check_thresholds, setup_django, summary_ms, timed, write_result

OPERATORS = ("alpha", "bravo", "charlie", "delta", "echo")
GRID = 320  # hazards per row of the grid the copies are laid on (0.006° apart, ~500 m)


def seed(hazards: int, tasks: int, places: int) -> dict[str, Any]:
    """The register the board is measured on; returns how long each part took."""
    from django.conf import settings
    from django.contrib.gis.geos import GEOSGeometry
    from django.db import connection, transaction

    from accounts.models import Organisation
    from clearground.test import DAY0, LAT0, LON0, make_cast, square
    from places.models import AdminArea, Place
    from quality.models import Team
    from reports.actions import approve_report, create_report
    from vocab.choices import OrganisationKind

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    timings: dict[str, Any] = {}
    start = time.perf_counter()
    cast = make_cast()
    for code in OPERATORS[2:]:
        Organisation.objects.create(code=code, name=f"Operator {code.title()}", kind=OrganisationKind.NGO,
                                    country_iso3="UKR")  # fmt: skip
    orgs = [Organisation.objects.get(code=c).pk for c in OPERATORS]
    teams = [Team.objects.create(organisation_id=o, code=f"t-{o}", name=f"Team {o}", team_type="manual", size=8).pk
             for o in orgs]  # fmt: skip
    country = AdminArea.objects.get(pcode="UA")
    provinces = []
    third = 2 / 3
    for row in range(3):
        for col in range(3):
            x0, y0 = LON0 - 1 + col * third, LAT0 - 1 + row * third
            x1, y1, n = x0 + third, y0 + third, row * 3 + col + 1
            box: Any = GEOSGeometry(f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))")
            provinces.append(AdminArea.objects.create(pcode=f"UA-P{n}", name=f"Province {n}", level=1, parent=country,
                                                      country_iso3="UKR", geom=box).pk)  # fmt: skip
    # One hazard through the pipeline: the copies carry its columns and its version's state.
    nts = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=DAY0,
                        payload=cast.nts_payload(square(100)), submit=True)  # fmt: skip
    template = approve_report(nts, acting_user=cast.imo).hazard
    assert template is not None
    with connection.cursor() as cur:
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'hazards_hazardousarea'")
        set_here = {"id", "code", "geom", "benchmark", "organisation_id", "admin_area_id", "created_at", "updated_at"}
        copied = ", ".join(f'"{c}"' for (c,) in cur.fetchall() if c not in set_here)
    timings["cast_and_template_s"] = round(time.perf_counter() - start, 1)
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        # Each copy on a grid over the country; its province is the cell of the 3 × 3 grid it falls in.
        cur.execute(
            f"""
            INSERT INTO hazards_hazardousarea ({copied}, code, geom, benchmark, organisation_id, admin_area_id,
                                               created_at, updated_at)
            SELECT {copied}, 'BH-' || g, ST_Translate(h.geom, dx, dy), ST_Translate(h.benchmark, dx, dy),
                   (%(orgs)s::bigint[])[1 + (g / 10) %% 5],
                   (%(provinces)s::bigint[])[1 + 3 * least(2, floor((dy + 1) * 1.5))::int
                                             + least(2, floor((dx + 1) * 1.5))::int],
                   now(), now()
            FROM hazards_hazardousarea h,
                 LATERAL (SELECT g, -0.957 + (g %% {GRID}) * 0.006 AS dx, -0.957 + (g / {GRID}) * 0.006 AS dy
                          FROM generate_series(1, %(n)s) g) AS step
            WHERE h.id = %(template)s
            """,
            {"orgs": orgs, "provinces": provinces, "n": hazards - 1, "template": template.pk},
        )
        # Each copy's version: the template's state with the copy's own geometry, owner, area and
        # beneficiaries (so that the ranking has something to order).
        cur.execute(
            """
            INSERT INTO hazards_hazardversion (hazard_id, report_id, sequence, valid_from, recorded_at, applied, state)
            SELECT h.id, v.report_id, 1, v.valid_from, now(), true,
                   v.state || jsonb_build_object('geometry', ST_AsGeoJSON(h.geom)::jsonb,
                                                 'benchmark', ST_AsGeoJSON(h.benchmark)::jsonb,
                                                 'admin_area', h.admin_area_id, 'code', h.code,
                                                 'beneficiaries', (h.id * 37) %% 900)
            FROM hazards_hazardousarea h, hazards_hazardversion v
            WHERE v.hazard_id = %(template)s AND h.id <> %(template)s
            """,
            {"template": template.pk},
        )
    timings["hazards_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    Place.objects.bulk_create(
        [Place(geonameid=900_000 + i, name=f"Village {i}", country_iso3="UKR", population=100 + i % 5000,
               location=GEOSGeometry(f"SRID=4326;POINT({LON0 - 1 + (i * 7919 % 2000) / 1000} "
                                     f"{LAT0 - 1 + (i * 104729 % 2000) / 1000})"),
               search_names=f"village {i}") for i in range(places)],
        batch_size=2000,
    )  # fmt: skip
    timings["places_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    statuses = ["issued", "accepted", "started", "started", "suspended", "completed", "completed", "completed",
                "declined", "cancelled"]  # fmt: skip
    staffed = ["accepted", "started", "suspended", "completed"]
    with transaction.atomic(), connection.cursor() as cur:
        # Every tenth hazard is tasked; a tenth of the tasks go to another operator than the hazard's, and a
        # tenth are given the hazard's outline as a drawn area, without the hazard (decision 0065's province rule).
        cur.execute(
            """
            INSERT INTO operations_task (hazard_id, area, activity_kind, organisation_id, team_id, start_on, due_on,
                                         priority, instructions, call_out, status, issued_by_id, issued_at, version)
            SELECT CASE WHEN n %% 10 <> 5 THEN h.id END, CASE WHEN n %% 10 = 5 THEN h.geom END,
                   (ARRAY['ts', 'clearance', 'clearance', 'nts'])[1 + (n / 3) %% 4], org,
                   CASE WHEN st = ANY(%(staffed)s)
                        THEN (%(teams)s::bigint[])[array_position(%(orgs)s::bigint[], org)] END,
                   DATE '2025-01-01' + (n %% 600), DATE '2025-01-01' + (n %% 600) + 30 + n %% 90,
                   (ARRAY['high', 'medium', 'low'])[1 + (n / 7) %% 3], 'Clear the field north of the village',
                   false, st,
                   %(imo)s, TIMESTAMPTZ '2025-01-01' + n * interval '1 hour', 1
            FROM (
                SELECT h.id, h.geom, (row_number() OVER (ORDER BY h.id))::int AS n,
                       CASE WHEN h.id %% 97 < 10 THEN (%(orgs)s::bigint[])[1 + (h.id / 7) %% 5]
                            ELSE h.organisation_id END AS org
                FROM hazards_hazardousarea h WHERE h.id %% 10 = 0 ORDER BY h.id LIMIT %(tasks)s
            ) h, LATERAL (SELECT (%(statuses)s::text[])[1 + (h.n / 5) %% 10] AS st) s
            """,
            {"staffed": staffed, "teams": teams, "orgs": orgs, "imo": cast.imo.pk, "tasks": tasks,
             "statuses": statuses},
        )  # fmt: skip
        cur.execute(
            """
            INSERT INTO operations_tasktransition (task_id, from_status, to_status, team_id, by_id, at, reason)
            SELECT id, '', 'issued', NULL, issued_by_id, issued_at, '' FROM operations_task
            UNION ALL
            SELECT id, 'issued', status, team_id, issued_by_id, issued_at + interval '1 day', ''
            FROM operations_task WHERE status <> 'issued'
            """
        )
        for table in ("hazards_hazardousarea", "hazards_hazardversion", "operations_task",
                      "operations_tasktransition", "places_place"):  # fmt: skip
            cur.execute(f"ANALYZE {table}")
    timings["tasks_s"] = round(time.perf_counter() - t0, 1)
    return timings


def measure(requests: int) -> dict[str, Any]:
    """Median and p95 of the board and the API, per role and filter, with the queries of each request."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    filters: dict[str, dict[str, str]] = {
        "all": {},
        "status": {"status": "started"},
        "operator": {"organisation": "alpha"},
        "province": {"province": "UA-P5"},
        "combined": {"status": "completed", "organisation": "alpha", "province": "UA-P2"},
    }
    out: dict[str, Any] = {}
    for username in ("imo", "clerk"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for door, url in (("board", "/tasks/"), ("api", "/api/v1/tasks/")):
            cases = dict(filters)
            # The second page: the board's ?page=2, the API's next cursor.
            if door == "board":
                cases["page_2"] = {"page": "2"}
            else:
                first = client.get(url, {"limit": 100}, HTTP_ACCEPT="application/json").json()
                cursor = unquote(first["next"].split("cursor=")[1].split("&")[0]) if first.get("next") else ""
                cases["page_2"] = {"cursor": cursor}
            for name, params in cases.items():
                query = {**params, "limit": "100"} if door == "api" else params
                latencies, counts, rows = [], [], 0
                accept = "application/json" if door == "api" else "text/html"
                for _ in range(requests):
                    with CaptureQueriesContext(connection) as captured:
                        seconds, response = timed(partial(client.get, url, query, HTTP_ACCEPT=accept))
                    assert response.status_code == 200, (url, query, response.status_code, response.content[:300])
                    latencies.append(seconds)
                    counts.append(len(captured))
                if door == "api":
                    rows = len(response.json()["results"])
                else:
                    rows = response.content.count(b'<th scope="row">')
                out[f"{door}.{username}.{name}"] = {**summary_ms(latencies), "queries": max(counts), "rows": rows}
                print(f"{door:5} {username:5} {name:9} {out[f'{door}.{username}.{name}']}", flush=True)
    return out


def rank(runs: int) -> dict[str, Any]:
    """The prioritisation ranking of every open hazard (decision 0054), as the authority and as an operator."""
    from django.contrib.auth.models import User

    from operations.priorities import ranking_for

    on = dt.date(2025, 6, 1)
    out: dict[str, Any] = {}
    for username in ("imo", "clerk"):
        user = User.objects.get(username=username)
        latencies = []
        rows: list[Any] = []
        for _ in range(runs):
            seconds, (_force, rows) = timed(lambda: ranking_for(user, on))  # noqa: B023
            latencies.append(seconds)
        out[f"ranking.{username}"] = {**summary_ms(latencies), "rows": len(rows)}
        print(f"ranking {username}: {out[f'ranking.{username}']}", flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--places", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--rank-runs", type=int, default=3, help="rankings timed per role")
    parser.add_argument("--reuse", action="store_true", help="measure the register an earlier run seeded")
    parser.add_argument("--label", default="", help="a name for this run in the results (before, after)")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    from hazards.models import HazardousArea
    from operations.models import Task

    settings.CLEARGROUND_TASKING_REQUIRED = True
    seeded: dict[str, Any] = {}
    if not args.reuse:
        if HazardousArea.objects.exists():
            print("the database is not empty: run on an empty, migrated one, or pass --reuse")
            return 2
        seeded = seed(args.hazards, args.tasks, args.places)
        print(f"seeded: {seeded}", flush=True)
    measured: dict[str, Any] = {"label": args.label, "hazards": HazardousArea.objects.count(),
                                "tasks": Task.objects.count(), "seeding": seeded}  # fmt: skip
    doors = measure(args.requests)
    measured["doors"] = doors
    measured.update(rank(args.rank_runs))
    measured["p95_ms"] = max(v["p95_ms"] for v in doors.values())
    measured["queries_per_page"] = max(v["queries"] for v in doors.values())
    path = write_result("task_board" + (f"-{args.label}" if args.label else ""), measured)
    print(f"task_board: p95 {measured['p95_ms']} ms, {measured['queries_per_page']} queries -> {path}")
    alarms = check_thresholds("task_board", measured)
    for alarm in alarms:
        print("REGRESSION:", alarm)
    return 1 if alarms else 0


if __name__ == "__main__":
    raise SystemExit(main())
