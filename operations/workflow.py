"""The steps of a task order (IMAS 07.11): which status may follow which, stated once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.errors import Conflict


class TaskStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    STARTED = "started", _("Started")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


#: From each status, the statuses a step may lead to. Completed, declined and cancelled are final.
STEPS: dict[str, frozenset[str]] = {
    TaskStatus.ISSUED: frozenset({TaskStatus.ACCEPTED, TaskStatus.DECLINED, TaskStatus.CANCELLED}),
    TaskStatus.ACCEPTED: frozenset({TaskStatus.STARTED, TaskStatus.CANCELLED}),
    TaskStatus.STARTED: frozenset({TaskStatus.SUSPENDED, TaskStatus.COMPLETED, TaskStatus.CANCELLED}),
    TaskStatus.SUSPENDED: frozenset({TaskStatus.STARTED, TaskStatus.CANCELLED}),
}

#: The task's life: from issue to its end. The tasked operator sees and reports on the hazard meanwhile.
LIVE = frozenset({TaskStatus.ISSUED, TaskStatus.ACCEPTED, TaskStatus.STARTED, TaskStatus.SUSPENDED})
#: Reports of work name a task in these statuses: accepted and not yet over (work may be reported late
#: while suspended: the days before the suspension).
REPORTABLE = frozenset({TaskStatus.ACCEPTED, TaskStatus.STARTED, TaskStatus.SUSPENDED})
#: A team may be (re)assigned until the work is over.
TEAM_ASSIGNABLE = frozenset({TaskStatus.ISSUED, TaskStatus.ACCEPTED, TaskStatus.STARTED, TaskStatus.SUSPENDED})


def check_step(current: str, to: str) -> None:
    """Conflict (409) unless a task in `current` may move to `to`."""
    if to not in STEPS.get(current, frozenset()):
        raise Conflict(f"The task is {current}; it cannot become {to}.")
