"""The job queue: rows in Postgres claimed with SKIP LOCKED, progress through a second connection.

Tests that run a handler ask for the "progress" alias too (it writes progress); tests where two
sessions must see each other's commits are transactional, because the default test transaction
hides every row from every other session.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone

from clearground.test import Cast
from core.errors import Problem, ValidationFailed
from jobs.actions import claim_next, enqueue, requeue_stale, run_job
from jobs.models import Job, JobStatus
from jobs.registry import HANDLERS
from reports.models import Report
from tests.imports_helpers import grid_import

BOTH = ["default", "progress"]


def in_thread(fn: Callable[[], Any]) -> threading.Thread:
    """Run fn in its own thread, hence its own database session, closing it afterwards."""

    def target() -> None:
        try:
            fn()
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.fixture(autouse=True)
def close_progress_connection() -> Any:
    # A mirror alias is not closed by the test teardown; left open, it blocks dropping the test database.
    yield
    connections["progress"].close()


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A 'test.echo' job kind that reports progress 1/1 and returns its args; records the job ids it ran."""
    ran: list[int] = []

    def handler(job: Job, progress: Callable[[int, int], None]) -> dict[str, Any]:
        ran.append(job.pk)
        progress(1, 1)
        return {"echo": job.args}

    monkeypatch.setitem(HANDLERS, "test.echo", handler)
    return ran


def test_enqueue_queues_a_job_of_a_registered_kind(cast: Cast) -> None:
    job = enqueue("import.run", {"import_id": 1}, acting_user=cast.clerk)

    assert (job.status, job.kind, job.args, job.created_by, job.attempts) == (
        JobStatus.QUEUED,
        "import.run",
        {"import_id": 1},
        cast.clerk,
        0,
    )


def test_enqueue_refuses_an_unknown_kind_and_args_that_are_not_an_object(db: None) -> None:
    with pytest.raises(ValidationFailed) as failed:
        enqueue("import.walk", [1, 2], acting_user=None)  # type: ignore[arg-type]

    assert [p.field for p in failed.value.problems] == ["kind", "args"]
    assert "import.walk" in failed.value.problems[0].message
    assert Job.objects.count() == 0


def test_claiming_takes_the_oldest_queued_job_and_none_when_the_queue_is_empty(db: None, echo: list[int]) -> None:
    first = enqueue("test.echo", {"n": 1}, acting_user=None)
    enqueue("test.echo", {"n": 2}, acting_user=None)

    claimed = claim_next("w1")

    assert claimed is not None and claimed.pk == first.pk
    assert (claimed.status, claimed.claimed_by, claimed.attempts) == (JobStatus.RUNNING, "w1", 1)
    assert claimed.started_at is not None and claimed.heartbeat_at is not None
    assert claim_next("w1") is not None
    assert claim_next("w1") is None


@pytest.mark.django_db(transaction=True)
def test_a_job_locked_by_one_workers_claim_is_skipped_not_waited_for_by_another() -> None:
    jobs = [Job.objects.create(kind="test.echo") for _ in range(2)]
    got: dict[str, Job | None] = {}
    claimed, released = threading.Event(), threading.Event()
    waited_in_vain: list[bool] = []

    def first_worker() -> None:
        with transaction.atomic():  # holds the claimed row's lock until the other worker has claimed
            got["a"] = claim_next("a")
            claimed.set()
            waited_in_vain.append(not released.wait(10))

    def second_worker() -> None:
        claimed.wait(10)
        got["b"] = claim_next("b")
        released.set()

    threads = [in_thread(first_worker), in_thread(second_worker)]
    for t in threads:
        t.join(30)

    assert waited_in_vain == [False]  # the second claim did not block behind the first one's lock
    assert got["a"] is not None and got["b"] is not None
    assert {got["a"].pk, got["b"].pk} == {j.pk for j in jobs}


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_together_never_take_the_same_job() -> None:
    jobs = Job.objects.bulk_create([Job(kind="test.echo") for _ in range(40)])
    taken: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def worker(name: str) -> Callable[[], None]:
        def loop() -> None:
            start.wait(10)
            while (job := claim_next(name)) is not None:
                taken[name].append(job.pk)

        return loop

    threads = [in_thread(worker("a")), in_thread(worker("b"))]
    for t in threads:
        t.join(60)

    assert sorted(taken["a"] + taken["b"]) == sorted(j.pk for j in jobs)
    assert set(taken["a"]).isdisjoint(taken["b"])
    assert Job.objects.filter(status=JobStatus.RUNNING).count() == 40
    assert set(Job.objects.values_list("claimed_by", flat=True)) <= {"a", "b"}


@pytest.mark.django_db(databases=BOTH)
def test_a_job_whose_worker_stopped_beating_is_queued_again_and_the_late_result_is_dropped(echo: list[int]) -> None:
    enqueue("test.echo", {}, acting_user=None)
    lost = claim_next("killed-worker")
    assert lost is not None
    Job.objects.filter(pk=lost.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))

    assert requeue_stale() == (1, 0)
    again = Job.objects.get(pk=lost.pk)
    assert (again.status, again.claimed_by) == (JobStatus.QUEUED, "")
    assert "stopped responding" in again.message

    retaken = claim_next("second-worker")
    assert retaken is not None and retaken.pk == lost.pk and retaken.attempts == 2
    # The first worker was only slow after all: its finish must not overwrite the second one's claim.
    assert run_job(lost).status == JobStatus.RUNNING
    assert run_job(retaken).status == JobStatus.DONE


def test_a_fresh_heartbeat_keeps_a_running_job_with_its_worker(db: None) -> None:
    Job.objects.create(kind="test.echo")
    job = claim_next("alive")

    assert requeue_stale() == (0, 0)
    assert job is not None and Job.objects.get(pk=job.pk).claimed_by == "alive"


def test_a_stale_job_out_of_attempts_fails_instead_of_looping(db: None, settings: Any) -> None:
    settings.CLEARGROUND_JOB_MAX_ATTEMPTS = 2
    Job.objects.create(kind="test.echo", attempts=1)
    job = claim_next("w")
    assert job is not None and job.attempts == 2
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))

    assert requeue_stale() == (0, 1)
    failed = Job.objects.get(pk=job.pk)
    assert failed.status == JobStatus.FAILED and "2 attempts" in failed.error and failed.finished_at is not None


@pytest.mark.django_db(databases=BOTH)
def test_a_failing_handler_fails_its_job_with_every_problem_it_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(job: Job, progress: Callable[[int, int], None]) -> None:
        raise ValidationFailed([Problem("row 3.geometry", "self-intersects"), Problem("row 7.date", "is missing")])

    monkeypatch.setitem(HANDLERS, "test.fail", handler)
    enqueue("test.fail", {}, acting_user=None)

    call_command("worker", "--once", verbosity=0)

    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert "row 3.geometry: self-intersects" in job.error and "row 7.date: is missing" in job.error
    assert job.result == {
        "problems": [
            {"field": "row 3.geometry", "code": "invalid", "message": "self-intersects"},
            {"field": "row 7.date", "code": "invalid", "message": "is missing"},
        ]
    }


@pytest.mark.django_db(databases=BOTH)
def test_an_unexpected_exception_fails_the_job_with_its_type_and_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(job: Job, progress: Callable[[int, int], None]) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setitem(HANDLERS, "test.crash", handler)
    enqueue("test.crash", {}, acting_user=None)

    call_command("worker", "--burst", verbosity=0)

    assert Job.objects.get().error == "RuntimeError: disk full"


@pytest.mark.django_db(databases=BOTH)
def test_the_worker_in_burst_mode_runs_every_queued_job_then_stops(echo: list[int]) -> None:
    jobs = [enqueue("test.echo", {"n": n}, acting_user=None) for n in range(3)]

    call_command("worker", "--burst", verbosity=0)

    assert echo == [j.pk for j in jobs]
    done = list(Job.objects.order_by("id"))
    assert [(j.status, j.result, j.progress_done, j.progress_total, j.percent) for j in done] == [
        (JobStatus.DONE, {"echo": {"n": n}}, 1, 1, 100.0) for n in range(3)
    ]


@pytest.mark.django_db(databases=BOTH)
def test_the_worker_with_once_runs_one_job(echo: list[int]) -> None:
    enqueue("test.echo", {}, acting_user=None)
    enqueue("test.echo", {}, acting_user=None)

    call_command("worker", "--once", verbosity=0)

    assert len(echo) == 1
    assert Job.objects.filter(status=JobStatus.QUEUED).count() == 1


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_progress_is_visible_from_another_session_while_the_jobs_transaction_is_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def look_from_elsewhere(job_id: int) -> None:
        def read() -> None:
            row = Job.objects.get(pk=job_id)
            seen["progress"] = (row.progress_done, row.progress_total, row.percent)
            seen["uncommitted rows"] = Job.objects.filter(kind="written.inside").count()

        in_thread(read).join(30)

    def handler(job: Job, progress: Callable[[int, int], None]) -> None:
        with transaction.atomic():  # like an import: every record in one transaction
            Job.objects.create(kind="written.inside")
            progress(1, 4)
            look_from_elsewhere(job.pk)

    monkeypatch.setitem(HANDLERS, "test.slow", handler)
    enqueue("test.slow", {}, acting_user=None)

    call_command("worker", "--once", verbosity=0)

    # The other session saw the progress but not the rows: the transaction was still open.
    assert seen == {"progress": (1, 4, 25.0), "uncommitted rows": 0}
    job = Job.objects.get(kind="test.slow")
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.DONE, 4, 4)


@pytest.mark.django_db(databases=BOTH)
def test_progress_writes_are_throttled_but_the_last_one_always_lands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.conf.settings.CLEARGROUND_JOB_PROGRESS_SECONDS", 3600)
    recorded: list[tuple[int, int | None]] = []

    def handler(job: Job, progress: Callable[[int, int], None]) -> None:
        for done in range(1, 6):
            progress(done, 5)
            row = Job.objects.get(pk=job.pk)
            recorded.append((row.progress_done, row.progress_total))

    monkeypatch.setitem(HANDLERS, "test.rows", handler)
    enqueue("test.rows", {}, acting_user=None)

    call_command("worker", "--once", verbosity=0)

    assert recorded == [(1, 5), (1, 5), (1, 5), (1, 5), (5, 5)]


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_long_step_without_progress_still_beats_so_its_job_is_not_taken_for_lost(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.CLEARGROUND_JOB_HEARTBEAT_SECONDS = 0.05
    beats: list[dt.datetime | None] = []

    def read_heartbeat(job_id: int) -> None:
        def read() -> None:
            beats.append(Job.objects.get(pk=job_id).heartbeat_at)

        in_thread(read).join(30)

    def handler(job: Job, progress: Callable[[int, int], None]) -> None:
        read_heartbeat(job.pk)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(beats) < 2:  # a long read of a file, say
            time.sleep(0.2)
            read_heartbeat(job.pk)
            if beats[-1] == beats[0]:
                beats.pop()

    monkeypatch.setitem(HANDLERS, "test.long", handler)
    enqueue("test.long", {}, acting_user=None)

    call_command("worker", "--once", verbosity=0)

    assert len(beats) == 2 and beats[0] is not None and beats[1] is not None and beats[1] > beats[0]
    assert Job.objects.get().status == JobStatus.DONE


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_worker_killed_mid_import_leaves_nothing_and_the_next_worker_enters_every_row_once(
    cast: Cast, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    n = 600  # enough rows that the import is still running when the worker is killed
    import_ = grid_import(cast, tmp_path, n, user=cast.clerk)
    job = enqueue("import.run", {"import_id": import_.pk, "approve": False}, acting_user=cast.clerk)

    # A worker process of its own on the test database (committed rows: transaction=True), writing the
    # progress of every row: the run is slower and its progress seen early, however fast the engine gets.
    base = urlparse(os.environ["DATABASE_URL"])
    url = base._replace(path="/" + str(django_settings.DATABASES["default"]["NAME"])).geturl()
    env = {**os.environ, "DATABASE_URL": url, "CLEARGROUND_JOB_PROGRESS_SECONDS": "0",
           "MEDIA_ROOT": str(settings.MEDIA_ROOT)}  # fmt: skip
    child = subprocess.Popen([str(Path(sys.executable).with_name("clearground")), "worker", "--once"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    try:
        deadline, seen = time.monotonic() + 300, 0
        while time.monotonic() < deadline and child.poll() is None:
            seen = Job.objects.get(pk=job.pk).progress_done  # read while the import's transaction is open
            if seen >= 10:
                break
            time.sleep(0.1)
        assert child.poll() is None, "the import ended before the worker could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()

    lost = Job.objects.get(pk=job.pk)
    assert lost.status == JobStatus.RUNNING and 10 <= lost.progress_done < n and lost.progress_total == n
    assert Report.objects.count() == 0  # the killed transaction entered nothing

    settings.CLEARGROUND_JOB_STALE_SECONDS = 0
    time.sleep(0.01)
    assert requeue_stale() == (1, 0)
    call_command("worker", "--once", verbosity=0)

    done = Job.objects.get(pk=job.pk)
    assert (done.status, done.attempts, done.progress_done) == (JobStatus.DONE, 2, n), done.error
    assert Report.objects.filter(kind="nts", organisation=cast.alpha).count() == n
