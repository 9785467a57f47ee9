"""Field reports, the only way facts enter the register, and their workflow transitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    NTS = "nts", _("Non-technical survey report")
    TS_PROGRESS = "ts_progress", _("Technical survey progress")
    CLEARANCE_PROGRESS = "clearance_progress", _("Clearance progress")
    COMPLETION = "completion", _("Completion report")
    CANCELLATION = "cancellation", _("Cancellation report")
    HANDOVER = "handover", _("Handover report")
    EOD_SPOT = "eod_spot", _("EOD spot task report")
    MINEFIELD_RECORD = "minefield_record", _("Minefield record")
    ACCIDENT = "accident", _("Accident report (with casualties)")
    QA_VISIT = "qa_visit", _("QA visit report")
    QC_INSPECTION = "qc_inspection", _("QC inspection report")
    RISK_EDUCATION = "risk_education", _("Risk education session report")
    CLEARANCE_SUMMARY = "clearance_summary", _("Clearance summary (aggregate, no polygon)")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    VALIDATED = "validated", _("Validated")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")
    UNAPPROVED = "unapproved", _("Unapproved")


class Reconcile(models.TextChoices):
    """What an approval does to the register (chosen by the approver)."""

    NEW = "new", _("Create a new hazard")
    UPDATE = "update", _("Update the hazard (keep its geometry)")
    REPLACE = "replace", _("Update the hazard and replace its geometry")
    COMBINE = "combine", _("Update the hazard and combine the geometries")
    LINK = "link", _("Link to the hazard only (no change to its state)")


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
