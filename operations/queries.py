"""Shared reads of task orders: the board page and /api/v1/tasks/ narrow the tasks by the same rules."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from operations.models import Task
from operations.workflow import LIVE, TaskStatus
from places.models import AdminArea


def in_province(qs: QuerySet[Task], pcode: str) -> QuerySet[Task]:
    """Tasks whose hazard lies in the province (an admin area of level 1, by p-code) or one of its districts.

    An area task without a hazard has no admin area recorded, so a province leaves it out.
    """
    areas = AdminArea.objects.filter(Q(pcode=pcode) | Q(parent__pcode=pcode)).values("pk")
    return qs.filter(hazard__admin_area__in=areas)


def filter_tasks(qs: QuerySet[Task], *, status: str = "", organisation: str = "", province: str = "") -> QuerySet[Task]:
    """The board's filters: a status (or `live`: not yet over), an operator's code, a province's p-code."""
    if status == "live":
        qs = qs.filter(status__in=LIVE)
    elif status in TaskStatus.values:
        qs = qs.filter(status=status)
    if organisation:
        qs = qs.filter(organisation__code=organisation)
    if province:
        qs = in_province(qs, province)
    return qs
