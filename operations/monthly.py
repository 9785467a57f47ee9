"""Monthly operator reporting (decision 0053): who has not reported on which task that was open in a month,
which tasks were overdue at its end, and which work stood suspended.

A task's status on a day is read from its TaskTransition rows (the last step on or before that day), so a
past month reads as it was, not as the tasks stand today. A task counts as reported on in the month when
a report naming it, with its date of information in the month, left the draft (submitted, returned,
validated, approved, and later steps): the operator did report, whatever the authority decided.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from accounts import access
from accounts.access import AnyUser
from core.errors import Problem, ValidationFailed
from operations.models import Task
from operations.workflow import LIVE, TaskStatus

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: Statuses in which work is expected and so a monthly report is due.
AT_WORK = frozenset({TaskStatus.ACCEPTED, TaskStatus.STARTED})


def parse_month(raw: str | None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """(first day, last day) of `raw` (YYYY-MM), or of this month when absent; a bad value names `month`."""
    today = today or timezone.localdate()
    if raw in (None, ""):
        year, month = today.year, today.month
    else:
        match = _MONTH.match(raw)
        if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1999:
            raise ValidationFailed([Problem("month", f"'{raw}' is not a month (YYYY-MM, e.g. 2026-11)")])
        year, month = int(match.group(1)), int(match.group(2))
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _status_on(task: Task, day: dt.date) -> tuple[str, Any]:
    """The task's status at the end of `day` and the step that set it (None before its issue)."""
    last = None
    for step in task.transitions.all():  # prefetched, in order
        if timezone.localdate(step.at) > day:
            break
        last = step
    return (last.to_status if last is not None else "", last)


def monthly_reporting(user: AnyUser, first: dt.date, last: dt.date, today: dt.date | None = None) -> dict[str, Any]:
    """The month's reporting picture over the tasks the user may see (the authority: every operator's)."""
    today = today or timezone.localdate()
    end = min(last, today)  # a month not yet over is read as it stands today
    tasks = list(
        access.tasks_for(user)
        .filter(issued_at__date__lte=end)
        .select_related("organisation", "team", "hazard")
        .prefetch_related("transitions")
        .annotate(
            last_report_on=Max(
                "reports__date_of_information",
                filter=Q(reports__date_of_information__range=(first, last)) & ~Q(reports__status="draft"),
            )
        )
        .order_by("organisation__code", "id")
    )
    not_reported: dict[str, dict[str, Any]] = {}
    overdue, suspended = [], []
    for task in tasks:
        status, step = _status_on(task, end)
        entry = {"id": task.pk, "organisation": task.organisation.code, "activity_kind": task.activity_kind,
                 "hazard": task.hazard.code if task.hazard is not None else None,
                 "team": task.team.code if task.team is not None else None, "status": status,
                 "start_on": task.start_on, "due_on": task.due_on}  # fmt: skip
        if status in AT_WORK and task.start_on <= end and task.last_report_on is None:
            operator = not_reported.setdefault(task.organisation.code, {
                "organisation": task.organisation.code, "name": task.organisation.name, "tasks": []})  # fmt: skip
            operator["tasks"].append(entry)
        if status in LIVE and task.due_on is not None and task.due_on < end:
            overdue.append({**entry, "days_overdue": (end - task.due_on).days})
        if status == TaskStatus.SUSPENDED and step is not None:
            suspended.append({**entry, "since": timezone.localdate(step.at), "reason": step.reason})
    return {
        "month": f"{first:%Y-%m}",
        "from": first,
        "to": last,
        "as_of": end,
        "not_reported": list(not_reported.values()),
        "overdue": overdue,
        "suspended": suspended,
    }
