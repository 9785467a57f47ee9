"""Shared reads of task orders: the board page and /api/v1/tasks/ narrow the tasks by the same rules."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Subquery

from accounts.models import Organisation
from hazards.models import HazardousArea
from operations.models import Task
from operations.workflow import LIVE, TaskStatus
from places.models import AdminArea


def in_province(qs: QuerySet[Task], pcode: str) -> QuerySet[Task]:
    """Tasks in the province (an admin area of level 1, by p-code): by their hazard's admin area, the province or
    one of its districts; a task without a hazard by its own area, when it meets the province's boundary.

    A task given a drawn area only (an NTS of villages, a call-out's point) is in every province its area
    intersects: one across a border shows under both, as a provincial office expects to see all the work that
    reaches into its province (decision 0065).
    """
    # The areas first (a few ids), so the planner sees a list rather than a join it cannot estimate.
    areas = list(AdminArea.objects.filter(Q(pcode=pcode) | Q(parent__pcode=pcode)).values_list("pk", flat=True))
    if not areas:
        return qs.none()
    # The hazard-less tasks meeting the province, by the GiST index on the task's area (a hashed sub-plan, run
    # once); the province's boundary is read in the database rather than sent back and forth.
    boundary = Subquery(AdminArea.objects.filter(pcode=pcode).values("geom")[:1])
    drawn = Task.objects.filter(hazard__isnull=True, area__intersects=boundary).values("pk")
    # The hazards by the admin-area index as a second sub-plan, not a join: under the OR, a join to the hazards
    # was an outer join reading all of them (25 → 67 ms at 100,000 hazards, docs/benchmarks.md).
    hazards = HazardousArea.objects.filter(admin_area__in=areas).values("pk")
    return qs.filter(Q(hazard__in=hazards) | Q(pk__in=drawn))


def filter_tasks(qs: QuerySet[Task], *, status: str = "", organisation: str = "", province: str = "") -> QuerySet[Task]:
    """The board's filters: a status (or `live`: not yet over), an operator's code, a province's p-code."""
    if status == "live":
        qs = qs.filter(status__in=LIVE)
    elif status in TaskStatus.values:
        qs = qs.filter(status=status)
    if organisation:
        # The operator's id first: filtered on the join to its code, the planner guessed 80 rows of 2,000 and
        # sorted them all; on the id it walks the newest tasks down the primary key (docs/benchmarks.md).
        org = Organisation.objects.filter(code=organisation).values_list("pk", flat=True).first()
        qs = qs.filter(organisation_id=org) if org is not None else qs.none()
    if province:
        qs = in_province(qs, province)
    return qs
