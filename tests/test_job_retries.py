"""Retries with exponential backoff for the job kinds that declare them (jobs.registry.RETRIES, decision 0039).

A failed attempt of such a kind is queued again with `run_after` = now + its wait, which doubles each
time; claim_next passes it over until then; a CleargroundError (the input's fault) and the last
attempt fail the job; kinds without a policy fail at once, as before. Time passing is the row's
`run_after` moved into the past: the database's now() decides, not a mocked clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from core.errors import Problem, ValidationFailed
from jobs.actions import claim_next, enqueue, run_job
from jobs.models import Job, JobStatus
from jobs.registry import HANDLERS, RETRIES, Retry

BOTH = ["default", "progress"]


@pytest.fixture(autouse=True)
def close_progress_connection() -> Any:
    # A mirror alias is not closed by the test teardown; left open, it blocks dropping the test database.
    yield
    connections["progress"].close()


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch) -> list[Exception | None]:
    """A 'test.flaky' kind that retries (3 attempts, 60 s first wait) and raises what the list says, in turn."""
    outcomes: list[Exception | None] = []

    def handler(job: Job, progress: Callable[[int, int], None]) -> dict[str, Any]:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return {"attempt": job.attempts}

    monkeypatch.setitem(HANDLERS, "test.flaky", handler)
    monkeypatch.setitem(RETRIES, "test.flaky", Retry(attempts=3, first_wait_seconds=60, max_wait_seconds=100))
    return outcomes


def claim_and_run() -> Job:
    job = claim_next("w1")
    assert job is not None
    return run_job(job)


def time_passes(job: Job) -> None:
    """The job's backoff is over: its run_after moves into the past."""
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now() - dt.timedelta(seconds=1))


def test_the_wait_doubles_with_each_attempt_up_to_its_ceiling() -> None:
    policy = Retry(attempts=9, first_wait_seconds=30, max_wait_seconds=3600)
    assert [policy.wait_seconds(n) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


@pytest.mark.django_db(databases=BOTH)
def test_a_failed_attempt_is_queued_again_after_its_wait_and_then_succeeds(flaky: list[Exception | None]) -> None:
    flaky += [RuntimeError("mail server down"), None]
    job = enqueue("test.flaky", {}, acting_user=None)

    before = timezone.now()
    first = claim_and_run()

    assert (first.status, first.attempts, first.claimed_by) == (JobStatus.QUEUED, 1, "")
    assert first.error == "RuntimeError: mail server down" and first.message.startswith("Attempt 1 failed")
    assert first.run_after is not None
    assert before + dt.timedelta(seconds=59) < first.run_after < timezone.now() + dt.timedelta(seconds=61)
    assert claim_next("w1") is None  # not due yet

    time_passes(job)
    done = claim_and_run()

    assert (done.status, done.attempts, done.result) == (JobStatus.DONE, 2, {"attempt": 2})


@pytest.mark.django_db(databases=BOTH)
def test_the_second_wait_is_twice_the_first_and_the_last_attempt_fails_the_job(flaky: list[Exception | None]) -> None:
    flaky += [OSError("share away")] * 3
    job = enqueue("test.flaky", {}, acting_user=None)

    claim_and_run()
    time_passes(job)
    second = claim_and_run()
    wait = (second.run_after - timezone.now()).total_seconds() if second.run_after else 0
    time_passes(job)
    third = claim_and_run()

    assert second.status == JobStatus.QUEUED and 100 - 2 < wait <= 100  # 60 × 2 = 120, capped at 100
    assert (third.status, third.attempts, third.error) == (JobStatus.FAILED, 3, "OSError: share away")
    assert third.finished_at is not None


@pytest.mark.django_db(databases=BOTH)
def test_a_cleargrounderror_fails_at_once_even_for_a_kind_that_retries(flaky: list[Exception | None]) -> None:
    flaky.append(ValidationFailed([Problem("import_id", "no such import")]))
    enqueue("test.flaky", {}, acting_user=None)

    job = claim_and_run()

    assert (job.status, job.attempts, job.run_after) == (JobStatus.FAILED, 1, None)
    assert job.result == {"problems": [{"field": "import_id", "code": "invalid", "message": "no such import"}]}


@pytest.mark.django_db(databases=BOTH)
def test_a_kind_without_a_retry_policy_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(job: Job, progress: Callable[[int, int], None]) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setitem(HANDLERS, "test.crash", handler)
    enqueue("test.crash", {}, acting_user=None)

    job = claim_and_run()

    assert (job.status, job.error, job.run_after) == (JobStatus.FAILED, "RuntimeError: disk full", None)
    assert "import.run" not in RETRIES and "import.preview" not in RETRIES


@pytest.mark.django_db(databases=BOTH)
def test_a_job_waiting_out_its_backoff_does_not_hold_up_the_jobs_behind_it(flaky: list[Exception | None]) -> None:
    flaky += [RuntimeError("first try fails"), None]
    waiting = enqueue("test.flaky", {}, acting_user=None)
    claim_and_run()
    behind = enqueue("test.flaky", {}, acting_user=None)

    taken = claim_next("w2")

    assert taken is not None and taken.pk == behind.pk
    assert Job.objects.get(pk=waiting.pk).status == JobStatus.QUEUED
