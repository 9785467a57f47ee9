"""The overdue notices run by themselves (decision 0057): the worker queues `tasks.overdue` daily, idempotently."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from clearground.test import Cast
from jobs.models import Job
from operations.actions import issue_task
from operations.models import Notification, Task
from tests.tasks_helpers import ON, accredited_team, bravo_hazard

BOTH = {"default", "progress"}


@pytest.fixture(autouse=True)
def tasking_on_and_schedule_checked_at_once(settings: Any) -> None:
    settings.CLEARGROUND_TASKING_REQUIRED = True
    settings.CLEARGROUND_SCHEDULE_CHECK_SECONDS = 0


def overdue_task(cast: Cast) -> Task:
    """A task issued to Alpha, due long ago and not over."""
    accredited_team(cast)
    return issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="ts", hazard=bravo_hazard(cast),
                      start_on=ON, due_on=ON + dt.timedelta(days=10))  # fmt: skip


def worker_burst() -> str:
    out = StringIO()
    call_command("worker", "--burst", stdout=out)
    return out.getvalue()


def overdue_notices() -> list[tuple[int, int]]:
    return sorted(Notification.objects.filter(event="overdue").values_list("task_id", "recipient_id"))


@pytest.mark.django_db(databases=BOTH)
def test_the_worker_queues_the_overdue_check_by_itself_and_it_notifies_each_person_once(cast: Cast) -> None:
    task = overdue_task(cast)
    worker_burst()
    runs = Job.objects.filter(kind="tasks.overdue")
    assert [(j.status, j.result) for j in runs] == [("done", {"notifications": 3})]
    # The tasked operator's clerk and IM officer, the authority's IM officer: one notice each.
    assert overdue_notices() == sorted((task.pk, u.pk) for u in (cast.clerk, cast.approver, cast.imo))
    # The same day again: the schedule queues nothing more.
    worker_burst()
    assert runs.count() == 1


@pytest.mark.django_db(databases=BOTH)
def test_the_next_days_run_writes_no_second_notice_for_the_same_task(cast: Cast) -> None:
    overdue_task(cast)
    worker_burst()
    before = overdue_notices()
    # A day later the schedule queues the check again; the task is still overdue, nobody hears of it twice.
    Job.objects.filter(kind="tasks.overdue").update(created_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    worker_burst()
    runs = Job.objects.filter(kind="tasks.overdue").order_by("id")
    assert [(j.status, j.result) for j in runs] == [("done", {"notifications": 3}), ("done", {"notifications": 0})]
    assert overdue_notices() == before


@pytest.mark.django_db(databases=BOTH)
def test_nothing_is_queued_while_no_task_is_overdue(cast: Cast) -> None:
    accredited_team(cast)
    issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="ts", hazard=bravo_hazard(cast),
               start_on=ON, due_on=None)  # fmt: skip
    worker_burst()
    assert not Job.objects.filter(kind="tasks.overdue").exists()
