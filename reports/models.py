"""Field reports, the only way facts enter the register, and their workflow transitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportKind(models.TextChoices):
    NTS = "nts", "Non-technical survey report"
    TS_PROGRESS = "ts_progress", "Technical survey progress"
    CLEARANCE_PROGRESS = "clearance_progress", "Clearance progress"
    COMPLETION = "completion", "Completion report"
    CANCELLATION = "cancellation", "Cancellation report"
    HANDOVER = "handover", "Handover report"
    EOD_SPOT = "eod_spot", "EOD spot task report"
    MINEFIELD_RECORD = "minefield_record", "Minefield record"
    ACCIDENT = "accident", "Accident report (with casualties)"
    QA_VISIT = "qa_visit", "QA visit report"
    QC_INSPECTION = "qc_inspection", "QC inspection report"
    RISK_EDUCATION = "risk_education", "Risk education session report"
    CLEARANCE_SUMMARY = "clearance_summary", "Clearance summary (aggregate, no polygon)"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for correction"
    VALIDATED = "validated", "Validated"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"
    UNAPPROVED = "unapproved", "Unapproved"


class Reconcile(models.TextChoices):
    """What an approval does to the register (chosen by the approver)."""

    NEW = "new", "Create a new hazard"
    UPDATE = "update", "Update the hazard (keep its geometry)"
    REPLACE = "replace", "Update the hazard and replace its geometry"
    COMBINE = "combine", "Update the hazard and combine the geometries"
    LINK = "link", "Link to the hazard only (no change to its state)"


class Report(models.Model):
    """A field report: a versioned payload of one kind, moving through the approval workflow."""

    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    schema_version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="reports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    hazard = models.ForeignKey(
        "hazards.HazardousArea", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    date_of_information = models.DateField()
    payload = models.JSONField()
    reconcile = models.CharField(max_length=10, choices=Reconcile.choices, blank=True)
    override_reason = models.TextField(blank=True, help_text="Approver's written reason for an SHA→CHA override")
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The approval queue: submitted/validated reports per organisation.
            models.Index(fields=["status", "organisation"], name="report_queue_idx"),
            # Replaying a hazard's approved reports in approval order.
            models.Index(fields=["hazard", "approved_at"], name="report_hazard_approved_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"


class ReportTransition(models.Model):
    """One workflow step: who moved the report from which status to which, when and why."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=ReportStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ReportStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["report", "at", "id"]
