"""The province filter of the task board (decision 0065), the rule before it against this one, in turns.

Run on a register seeded by `task_board.py` (it seeds one when the database is empty): for a province, the
board's two statements (the count, the newest page of 100) with the hazard-only rule of decision 0057 and with
this one (a task without a hazard in every province its area intersects), `--runs` times each, alternating;
prints the medians, the rows each rule finds, and the plan of this rule's count.
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from common import setup_django, timed, write_result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--province", default="UA-P5")
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.db.models import Q, QuerySet

    from hazards.models import HazardousArea
    from operations.models import Task
    from operations.queries import in_province
    from places.models import AdminArea

    if not HazardousArea.objects.exists():
        import task_board

        print(f"seeded: {task_board.seed(100_000, 10_000, 20_000)}", flush=True)

    def hazard_only(qs: QuerySet[Task], pcode: str) -> QuerySet[Task]:
        # Decision 0057's rule: by the hazard's admin area only.
        areas = list(AdminArea.objects.filter(Q(pcode=pcode) | Q(parent__pcode=pcode)).values_list("pk", flat=True))
        return qs.filter(hazard__admin_area__in=areas)

    def board(rule: Any) -> tuple[int, list[int]]:
        qs = rule(Task.objects.all(), args.province)
        return qs.count(), list(qs.order_by("-id").values_list("pk", flat=True)[:100])

    seconds: dict[str, list[float]] = {"before": [], "after": []}
    found: dict[str, int] = {}
    for _ in range(args.runs):
        for name, rule in (("before", hazard_only), ("after", in_province)):
            took, (count, _page) = timed(lambda r=rule: board(r))  # type: ignore[misc]
            seconds[name].append(took)
            found[name] = count
    with connection.cursor() as cur:
        sql, params = in_province(Task.objects.all(), args.province).values("pk").query.sql_with_params()
        cur.execute(f"EXPLAIN ANALYZE SELECT count(*) FROM ({sql}) t", params)
        plan = [line for (line,) in cur.fetchall()]
    medians = {name: round(statistics.median(s) * 1000, 2) for name, s in seconds.items()}
    result = {"tasks": Task.objects.count(), "without_hazard": Task.objects.filter(hazard__isnull=True).count(),
              "province": args.province, "found": found, "median_ms": medians,
              "ratio_after_to_before": round(medians["after"] / medians["before"], 2), "plan": plan}  # fmt: skip
    print("\n".join(plan))
    path = write_result("task_province", result)
    print(f"task_province: {medians} ms (count + page), rows {found} -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
