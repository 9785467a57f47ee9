"""Field reports, the only way facts enter the register, and their workflow transitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reports.kinds import KINDS

StrOrPromise = str | Promise


def kind_choices() -> list[tuple[str, StrOrPromise]]:
    """Report.kind's choices: the registered kinds (reports/kinds/__init__.py KINDS), read when asked.

    A callable, so that adding a kind changes no migration (decision 0042).
    """
    return [(code, spec.title) for code, spec in KINDS.items()]


#: The kinds as a Choices class, derived from KINDS: for code that names a kind's label (ReportKind(k).label).
ReportKind = models.TextChoices(  # type: ignore[call-overload]
    "ReportKind", [(code.upper(), (code, spec.title)) for code, spec in KINDS.items()]
)


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

    kind = models.CharField(max_length=20, choices=kind_choices)
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
