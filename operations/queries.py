"""Shared reads of task orders: the board page and /api/v1/tasks/ narrow the tasks by the same rules."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Organisation
from operations.models import Task
from operations.workflow import LIVE, TaskStatus
from places.models import AdminArea


def in_province(qs: QuerySet[Task], pcode: str) -> QuerySet[Task]:
    """Tasks whose hazard lies in the province (an admin area of level 1, by p-code) or one of its districts.

    An area task without a hazard has no admin area recorded, so a province leaves it out.
    """
    # The areas first (a few ids), so the planner sees a list rather than a join it cannot estimate.
    areas = list(AdminArea.objects.filter(Q(pcode=pcode) | Q(parent__pcode=pcode)).values_list("pk", flat=True))
    return qs.filter(hazard__admin_area__in=areas)


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
