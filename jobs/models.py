"""Background jobs as rows: a worker claims a queued row with one conditional UPDATE (decision 0015).

No broker: Postgres already holds everything a job needs, and `FOR UPDATE SKIP LOCKED` lets any
number of workers take rows without ever taking the same one twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """One unit of background work: which handler (`kind`), with what (`args`), and how far it got."""

    kind = models.CharField(max_length=60)  # a key of jobs.registry.HANDLERS, e.g. "import.run"
    args = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # Written through the "progress" connection while the handler's own transaction is still open.
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)  # "<host>:<pid>:<random>" of the worker
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not claimed before this time: a retry's backoff (jobs.registry.RETRIES); None = as soon as possible.
    run_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # claim_next: the oldest queued job, looked up on every poll of every worker.
            models.Index(fields=["id"], condition=Q(status="queued"), name="job_queued_by_id"),
            # requeue_stale: running jobs whose worker stopped beating.
            models.Index(fields=["heartbeat_at"], condition=Q(status="running"), name="job_running_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> float | None:
        """How far the job got, 0–100, or None while its total is unknown."""
        if self.status == JobStatus.DONE:
            return 100.0
        if not self.progress_total:
            return None
        return round(min(100.0, 100.0 * self.progress_done / self.progress_total), 1)

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.DONE, JobStatus.FAILED}
