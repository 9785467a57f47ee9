"""Periodic jobs (decision 0057): a literal SCHEDULE of job kind → how often, queued by the worker when due.

The worker asks `queue_due` every CLEARGROUND_SCHEDULE_CHECK_SECONDS. A kind is due when there is work for
it (its `pending` question: an empty register queues no empty job rows) and no job of it was queued within
its interval (by the schedule or by hand, e.g. `clearground tasks overdue --enqueue`), so the Job rows are
the schedule's memory: a restarted worker, or two workers, queue nothing twice. The jobs themselves must be
idempotent (the overdue notices are: one per task and person, decision 0053), since a job that failed and is
retried, or one queued by hand beside the schedule, may run on the same day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from operations.notifications import overdue_pending


@dataclass(frozen=True)
class Periodic:
    """How often a kind of job runs, and the question whether there is anything for it to do."""

    every: dt.timedelta
    pending: Callable[[], bool]


SCHEDULE: dict[str, Periodic] = {
    # Overdue task orders (decision 0053): due dates are days, so once a day is enough.
    "tasks.overdue": Periodic(every=dt.timedelta(days=1), pending=overdue_pending),
}
# Two workers checking at once queue one job: the check holds this transaction-scoped advisory lock.
LOCK_KEY = 0x0057_0001


def queue_due(now: dt.datetime | None = None) -> list[int]:
    """Queue each scheduled kind with work pending and no job within its interval; the ids of the jobs queued."""
    from jobs.actions import enqueue
    from jobs.models import Job

    now = now or timezone.now()
    queued: list[int] = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
            row = cursor.fetchone()
        if not (row and row[0]):
            return []
        for kind, periodic in SCHEDULE.items():
            if periodic.pending() and not Job.objects.filter(kind=kind, created_at__gt=now - periodic.every).exists():
                queued.append(enqueue(kind, {}, acting_user=None).pk)
    return queued
