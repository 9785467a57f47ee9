"""The day's first prioritisation ranking at national scale, an earlier version of the code against this one.

Run on a demo register grown by `replicate_register.py` (decision 0065): the copies have no versions, so this
gives each one, set-wise, the version in force of an original (its state with the copy's own geometry, code
and admin area), and adds `--places` gazetteer places over the demo's country, so that every hazard is ranked
and the settlement term reads the gazetteer. Then it computes the ranking with the code of `--before` (a file
holding an earlier `operations/priorities.py`, e.g. `git show main:operations/priorities.py > /tmp/p.py`) and
with this one, in turns, `--runs` times each (each a first ranking: the per-process cache is bypassed), checks
that both rank every hazard the same (hazard, rank, score and every term), and prints the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import statistics
import sys
from typing import Any

from common import setup_django, timed, write_result


def give_versions(places: int) -> None:
    """A version in force for every copy (the state of an original's) and a gazetteer over the register."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            WITH source AS (
                SELECT DISTINCT ON (v.hazard_id) v.report_id, v.valid_from, v.state
                FROM hazards_hazardversion v ORDER BY v.hazard_id, v.valid_from DESC, v.sequence DESC
            ), numbered AS (
                SELECT s.*, row_number() OVER (ORDER BY s.valid_from, s.report_id) - 1 AS k, count(*) OVER () AS n
                FROM source s
            )
            INSERT INTO hazards_hazardversion (hazard_id, report_id, sequence, valid_from, recorded_at, applied, state)
            SELECT h.id, s.report_id, 1, s.valid_from, now(), true,
                   s.state || jsonb_build_object('geometry', ST_AsGeoJSON(h.geom)::jsonb, 'code', h.code,
                                                 'admin_area', h.admin_area_id)
            FROM hazards_hazardousarea h JOIN numbered s ON s.k = h.id % s.n
            WHERE NOT EXISTS (SELECT 1 FROM hazards_hazardversion v WHERE v.hazard_id = h.id)
            """
        )
        cur.execute(
            """
            INSERT INTO places_place (geonameid, name, country_iso3, population, location, search_names)
            SELECT 900000 + i, 'Village ' || i, 'UKR', 100 + i %% 5000,
                   ST_SetSRID(ST_MakePoint(ST_XMin(b) + (i * 7919 %% 2000) / 2000.0 * (ST_XMax(b) - ST_XMin(b)),
                                           ST_YMin(b) + (i * 104729 %% 2000) / 2000.0 * (ST_YMax(b) - ST_YMin(b))),
                              4326), 'village ' || i
            FROM generate_series(1, %(places)s) i,
                 (SELECT ST_Extent(geom)::geometry AS b FROM hazards_hazardousarea) extent
            WHERE NOT EXISTS (SELECT 1 FROM places_place WHERE geonameid >= 900000)
            """,
            {"places": places},
        )
        for table in ("hazards_hazardversion", "places_place", "casualties_accident"):
            cur.execute(f"ANALYZE {table}")


def load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("priorities_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", required=True, help="a file with the earlier operations/priorities.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--places", type=int, default=20_000)
    parser.add_argument("--on", default=dt.date.today().isoformat(), help="the day ranked")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from hazards.models import HazardousArea, HazardVersion
    from operations import priorities

    give_versions(args.places)
    before = load(args.before)
    on = dt.date.fromisoformat(args.on)
    force = priorities.weights_in_force(on)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM places_place")
        gazetteer = cur.fetchone()[0] > 0

    def run(module: Any) -> list[Any]:
        # The private _rank of each: the first ranking of the day, as a worker pays it (no cache).
        return module._rank(on, module.weights_in_force(on), gazetteer=gazetteer)

    def statement() -> int:
        # The one statement both versions run: its share of a ranking, the rest is the rows made in Python (the
        # collector paused, as the ranking does, or it walks the rankings this bench holds).
        gc.disable()
        with connection.cursor() as cur:
            cur.execute(priorities._RANKING_SQL, {"on": on, "day_after": on + dt.timedelta(days=1),
                                                  "accident_m": force.weights.accident_distance_m})  # fmt: skip
            count = len(cur.fetchall())
        gc.enable()
        return count

    same_statement = before._RANKING_SQL == priorities._RANKING_SQL
    seconds: dict[str, list[float]] = {"before": [], "after": [], "statement": []}
    rows: dict[str, list[Any]] = {}
    for i in range(args.runs):
        if same_statement:
            took, _count = timed(statement)
            seconds["statement"].append(took)
        for name, module in (("before", before), ("after", priorities)):
            took, ranked = timed(lambda m=module: run(m))  # type: ignore[misc]
            seconds[name].append(took)
            rows[name] = [p.as_json() for p in ranked]
            print(f"run {i + 1} {name}: {took:.2f} s, {len(ranked)} hazards ranked", flush=True)
    same = rows["before"] == rows["after"]
    medians = {name: round(statistics.median(s), 2) for name, s in seconds.items() if s}
    result = {
        "hazards": HazardousArea.objects.count(),
        "versions": HazardVersion.objects.count(),
        "ranked": len(rows["after"]),
        "gazetteer": gazetteer,
        "weights_version": force.version,
        "seconds": seconds,
        "median_s": medians,
        "ratio_after_to_before": round(medians["after"] / medians["before"], 3),
        "identical": same,
    }
    path = write_result("priority_ranking", result)
    print(f"priority_ranking: {result['median_s']}, after/before {result['ratio_after_to_before']}, "
          f"identical {same} -> {path}")  # fmt: skip
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
