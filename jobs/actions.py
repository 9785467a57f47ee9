"""The job queue's actions: enqueue, claim, run, re-queue. Every change of a job's state goes through here.

State changes are conditional UPDATEs (healthchecks' sendalerts, Zulip's queue_processors): a claim
only takes a row that is still queued, a finish only lands if this worker still holds the job, so
two workers, or a worker and the stale-job sweep, can race without corrupting anything.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections
from django.db.models.functions import Now
from django.utils import timezone

from accounts.access import AnyUser
from accounts.chain import seal
from clearground.middleware import database_unreachable
from core.errors import CleargroundError, Problem, ValidationFailed
from jobs.models import Job, JobStatus
from jobs.registry import HANDLERS, RETRIES

logger = logging.getLogger(__name__)

# The second connection alias (clearground/settings.py): autocommit, so what it writes is visible to
# every other session at once, even while the handler's own transaction on "default" is still open.
PROGRESS_DB = "progress"

# The one statement that hands a job to a worker. The sub-select locks the oldest queued row and
# skips rows another worker has locked, so concurrent claims never return the same job and never
# wait on each other; `status = 'queued'` is re-checked on the locked row version. A job waiting out
# a retry's backoff (`run_after` in the future) is passed over, and later jobs are taken meanwhile.
CLAIM_SQL = """
UPDATE jobs_job
   SET status = 'running', claimed_by = %s, started_at = now(), heartbeat_at = now(),
       attempts = attempts + 1, message = ''
 WHERE status = 'queued'
   AND id = (SELECT id FROM jobs_job
              WHERE status = 'queued' AND (run_after IS NULL OR run_after <= now())
              ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id
"""


def new_worker_id() -> str:
    """A name for this worker process that shows where it runs: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def enqueue(kind: str, args: dict[str, Any], *, acting_user: AnyUser | None) -> Job:
    """Queue a job of a registered kind; a worker picks it up once the caller's transaction commits."""
    problems = []
    if kind not in HANDLERS:
        problems.append(Problem("kind", f"'{kind}' is not a job kind ({', '.join(sorted(HANDLERS))})"))
    if not isinstance(args, dict):
        problems.append(Problem("args", "must be a JSON object"))
    if problems:
        raise ValidationFailed(problems)
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    return Job.objects.create(kind=kind, args=args, created_by=user)


def claim_next(worker_id: str) -> Job | None:
    """Take the oldest queued job that is due for `worker_id` (status running, attempts + 1), or None."""
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, [worker_id])
        row = cursor.fetchone()
    return Job.objects.get(pk=row[0]) if row else None


def requeue_stale(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Queue again the running jobs whose worker stopped beating (killed); fail those out of attempts.

    Returns (re-queued, failed). A killed worker's transaction was rolled back by Postgres, so running
    the job again from the start is safe for handlers that are one transaction (imports are).
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.CLEARGROUND_JOB_STALE_SECONDS)
    stale = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
    failed = stale.filter(attempts__gte=settings.CLEARGROUND_JOB_MAX_ATTEMPTS).update(
        status=JobStatus.FAILED,
        finished_at=now,
        error=f"The worker stopped responding on each of {settings.CLEARGROUND_JOB_MAX_ATTEMPTS} attempts.",
    )
    requeued = stale.update(
        status=JobStatus.QUEUED,
        claimed_by="",
        heartbeat_at=None,
        message=f"Queued again at {now:%Y-%m-%d %H:%M:%S} UTC: its worker stopped responding.",
    )
    if requeued or failed:
        logger.warning("jobs: %d stale job(s) queued again, %d failed", requeued, failed)
    return requeued, failed


class ProgressWriter:
    """The `progress(done, total)` callback a handler receives: writes through the progress connection.

    At most one write per CLEARGROUND_JOB_PROGRESS_SECONDS (a row-by-row importer calls it for every
    row), but always the first call and the last (done == total). Each write is also a heartbeat.
    """

    def __init__(self, job: Job) -> None:
        self.job = job
        self._last: float | None = None

    def __call__(self, done: int, total: int) -> None:
        self.job.progress_done, self.job.progress_total = done, total
        now = time.monotonic()
        if self._last is not None and done < total and now - self._last < settings.CLEARGROUND_JOB_PROGRESS_SECONDS:
            return
        self._last = now
        write_progress(self.job, done, total)


def write_progress(job: Job, done: int, total: int) -> None:
    """Record progress where every session sees it now, not when the job's transaction commits."""
    fields = {"progress_done": done, "progress_total": total, "heartbeat_at": Now()}
    running = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, claimed_by=job.claimed_by)
    if running.using(PROGRESS_DB).update(**fields):
        return
    # The progress connection cannot see the row when the job itself was never committed (a job
    # queued and run inside one transaction: a test, a shell); then the job's own connection can.
    running.update(**fields)


class Heartbeat:
    """A thread that touches the job's heartbeat_at while its handler runs, through its own connection."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-job-{job.pk}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(settings.CLEARGROUND_JOB_HEARTBEAT_SECONDS):
                try:
                    Job.objects.using(PROGRESS_DB).filter(
                        pk=self.job.pk, status=JobStatus.RUNNING, claimed_by=self.job.claimed_by
                    ).update(heartbeat_at=Now())
                except DatabaseError:  # a missed beat is retried at the next one
                    logger.exception("jobs: heartbeat of job %s failed", self.job.pk)
                    connections[PROGRESS_DB].close()
        finally:
            connections[PROGRESS_DB].close()  # this thread's connection, not the worker's


def describe_error(exc: BaseException) -> tuple[str, list[dict[str, str]]]:
    """A failed job's error text and, for a CleargroundError, every problem it named."""
    if isinstance(exc, CleargroundError):
        problems = [p.as_dict() for p in exc.problems]
        lines = [exc.message, *(f"{p['field']}: {p['message']}" for p in problems)]
        return "\n".join(lines), problems
    return f"{type(exc).__name__}: {exc}", []


def run_job(job: Job) -> Job:
    """Run a claimed job's handler and record done (with its result) or failed (with its error).

    Call it outside any transaction that wrote the job's row: the progress connection would wait for
    that row lock (claim_next in autocommit, as the worker does, is fine).
    """
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise ValidationFailed([Problem("kind", f"'{job.kind}' is not a job kind")])
        with Heartbeat(job):
            result = handler(job, ProgressWriter(job))
    except Exception as exc:
        if database_unreachable(exc):
            raise  # not the job's fault: the worker loop hands it back once the database answers (decision 0028)
        logger.exception("jobs: %s failed", job)
        error, problems = describe_error(exc)
        retry = RETRIES.get(job.kind)
        if retry is not None and not isinstance(exc, CleargroundError) and job.attempts < retry.attempts:
            _try_again(job, error, retry.wait_seconds(job.attempts))
        else:
            _finish(job, JobStatus.FAILED, error=error, result={"problems": problems} if problems else None)
    else:
        total = job.progress_total
        _finish(job, JobStatus.DONE, result=result, progress_done=total if total is not None else job.progress_done)
    job.refresh_from_db()
    return job


def _finish(job: Job, status: str, **fields: Any) -> None:
    # Lands only if this worker still holds the job: the stale sweep may have handed it on.
    landed = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, claimed_by=job.claimed_by).update(
        status=status, finished_at=timezone.now(), **fields
    )
    if not landed:
        logger.warning("jobs: %s was taken from worker %s before it finished; result dropped", job, job.claimed_by)


def _try_again(job: Job, error: str, wait_seconds: float) -> None:
    """Queue a failed attempt again, not to be claimed for `wait_seconds`; its error stays on the row."""
    now = timezone.now()
    due = now + dt.timedelta(seconds=wait_seconds)
    message = f"Attempt {job.attempts} failed; trying again at {due:%Y-%m-%d %H:%M:%S} UTC."
    landed = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, claimed_by=job.claimed_by).update(
        status=JobStatus.QUEUED, claimed_by="", heartbeat_at=None, run_after=due, error=error, message=message
    )
    if landed:
        logger.warning("jobs: %s queued again, due at %s", job, due.isoformat())


def hand_back(worker_id: str) -> int:
    """Queue again the job this worker was running when the database went away; how many (0 or 1).

    Its transaction died with the connection, so running it again is safe, as for a killed worker;
    a job already out of attempts fails instead, so one that brings the database down cannot loop.
    """
    mine = Job.objects.filter(status=JobStatus.RUNNING, claimed_by=worker_id)
    now = timezone.now()
    mine.filter(attempts__gte=settings.CLEARGROUND_JOB_MAX_ATTEMPTS).update(
        status=JobStatus.FAILED, finished_at=now, error="The database was not reachable on each attempt."
    )
    message = f"Queued again at {now:%Y-%m-%d %H:%M:%S} UTC: the database was not reachable."
    queued = mine.update(status=JobStatus.QUEUED, claimed_by="", heartbeat_at=None, message=message)
    if queued:
        logger.warning("jobs: the database is back; the interrupted job is queued again")
    return queued


def work(worker_id: str, *, once: bool = False, burst: bool = False, stop: threading.Event | None = None) -> int:
    """The worker loop: sweep stale jobs, claim, run; forever, or until the queue is empty (burst) or after one
    job (once). Returns how many jobs it ran."""
    stop = stop or threading.Event()
    ran, interrupted = 0, False
    next_check = 0.0  # the static public map's republish check is due at once, then every so often
    # The periodic jobs (jobs/schedule.py) are first looked at one interval after the worker starts: a worker
    # run for a burst (tests, a command) runs the queue it was given, not the day's schedule as well.
    next_schedule = time.monotonic() + settings.CLEARGROUND_SCHEDULE_CHECK_SECONDS
    while not stop.is_set():
        try:
            if not connection.in_atomic_block:  # inside a test's transaction, closing would break it
                close_old_connections()  # a long-lived worker: drop broken or too-old connections
            if interrupted:
                hand_back(worker_id)
                interrupted = False
            requeue_stale()
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + settings.CLEARGROUND_PUBLIC_MAP_CHECK_SECONDS
                from interop.public_map.schedule import republish_if_changed

                republish_if_changed()  # queues a job when the register moved on (decision 0056)
            if time.monotonic() >= next_schedule:
                next_schedule = time.monotonic() + settings.CLEARGROUND_SCHEDULE_CHECK_SECONDS
                from jobs.schedule import queue_due

                queue_due()  # the daily overdue notices and any other periodic job (decision 0057)
            job = claim_next(worker_id)
            if job is not None:
                run_job(job)
                ran += 1
            seal()  # audit rows written without an on-commit seal (bulk imports) join the chain here
        except DatabaseError:
            if once or burst:
                raise
            # The database restarted or the network dropped: keep the worker up beside the web server
            # and try again; a job caught mid-run is handed back to the queue once the database answers.
            logger.exception("jobs: the database failed; trying again in a moment")
            interrupted = True
            connection.close()
            stop.wait(settings.CLEARGROUND_WORKER_POLL_SECONDS)
            continue
        if once or (burst and job is None):
            break
        if job is None:
            stop.wait(settings.CLEARGROUND_WORKER_POLL_SECONDS)
    return ran
