"""Task orders (IMAS 07.10/07.11): the authority tasks a hazard or an area to an operator (and team).

Written only by operations/actions.py; every step a TaskTransition row and an audit row (decision 0050).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from operations.workflow import LIVE, Priority, TaskStatus
from reports.models import StoredFile
from vocab.choices import ActivityKind


class TaskQuerySet(models.QuerySet["Task"]):
    def live(self) -> TaskQuerySet:
        """Tasks from issue until completed, declined or cancelled."""
        return self.filter(status__in=LIVE)


class Task(models.Model):
    """A task order: which hazard or area, which activity, which operator (and team), when, how urgent, how."""

    hazard = models.ForeignKey(
        "hazards.HazardousArea", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    # An area tasked without a hazard (an NTS of a district's villages), or an EOD call-out's point.
    area = models.GeometryField(srid=4326, null=True, blank=True)
    activity_kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tasks")
    team = models.ForeignKey("quality.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    start_on = models.DateField(help_text="Planned start")
    due_on = models.DateField(null=True, blank=True, help_text="Planned completion")
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.MEDIUM)
    instructions = models.TextField(blank=True)
    # An EOD call-out the operator answered on its own, where the authority allows it: the task was made by
    # the report that answered it (decision 0050), not issued beforehand.
    call_out = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.ISSUED)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            # Serves tasks_for (an operator's tasks) and the board by operator and status.
            models.Index(fields=["organisation", "status"], name="task_org_status_idx"),
            # Serves hazards_for's "hazards of my live tasks" and a hazard's tasks.
            models.Index(fields=["hazard", "status"], name="task_hazard_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="task_hazard_or_area", condition=Q(hazard__isnull=False) | Q(area__isnull=False)
            ),
            models.CheckConstraint(
                name="task_dates_ordered", condition=Q(due_on__isnull=True) | Q(due_on__gte=models.F("start_on"))
            ),
        ]

    def __str__(self) -> str:
        return f"Task #{self.pk} ({self.activity_kind}, {self.status})"


class TaskTransition(models.Model):
    """One step of a task: who moved it from which status to which, when and why (a team assignment too)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=TaskStatus.choices)
    # Set on the step that assigned (or changed) the team.
    team = models.ForeignKey("quality.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["task", "at", "id"]


class PriorityWeights(models.Model):
    """One version of the authority's prioritisation weights (decision 0054): never edited, only superseded.

    The weights in force on a date are the latest version whose `in_force_from` is not after it, so a
    ranking on a past date is computed with the weights of that date. Written only by
    operations.actions.set_priority_weights (audited).
    """

    version = models.PositiveIntegerField(unique=True)
    in_force_from = models.DateField()
    # The criteria's weights, as operations.priorities.Weights reads and checks them.
    weights = models.JSONField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    reason = models.TextField()

    class Meta:
        ordering = ["-version"]
        # Serves "the weights in force on D": the latest in_force_from ≤ D (then the latest version).
        indexes = [models.Index(fields=["in_force_from", "version"], name="priority_weights_force_idx")]

    def __str__(self) -> str:
        return f"Priority weights v{self.version} (from {self.in_force_from})"


class NotificationEvent(models.TextChoices):
    ISSUED = "issued", _("Task issued")
    ACCEPTED = "accepted", _("Task accepted")
    OVERDUE = "overdue", _("Task overdue")
    RETURNED = "returned", _("Report returned")


class Notification(models.Model):
    """One thing a person should know about a task (decision 0053): shown in the app, and e-mailed once.

    Written only by operations/notifications.py; the message is drawn from the event in the reader's
    language, so a row holds no text of its own beyond the reason a report was returned.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=10, choices=NotificationEvent.choices)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="notifications")
    report = models.ForeignKey("reports.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the e-mail job claims the row: each notification is e-mailed at most once, by one worker.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Serves the bell's unread count and a person's list, newest first.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"),
        ]
        constraints = [
            # A task is overdue once: however often the overdue check runs, each person hears of it once.
            models.UniqueConstraint(
                fields=["recipient", "task"], condition=Q(event="overdue"), name="notification_overdue_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} task #{self.task_id} for {self.recipient_id}"


class TaskDocument(StoredFile):
    """A file the authority attached to a task order (a map sheet, a survey report, a permit): decision 0057.

    Checked as report attachments are (reports.attachments: name, type from the bytes, size) and kept in the
    same store by SHA-256; read by whoever may read the task (the authority and the tasked operator).
    Written only by operations.documents.attach_documents (audited).
    """

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="documents")

    class Meta:
        ordering = ["task", "name"]
        constraints = [
            # A document is named once on its task: its download link is /tasks/<id>/documents/<name>.
            models.UniqueConstraint(fields=["task", "name"], name="task_document_name_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} of task #{self.task_id}"
