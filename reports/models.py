"""Field reports, the only way facts enter the register, and their workflow transitions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reports.kinds import KINDS

if TYPE_CHECKING:
    from accounts.access import AnyUser

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


class ReviewFlag(models.TextChoices):
    """Why a report that came from a field device needs the reviewer's eye (decision 0051)."""

    CONFLICT = "conflict", _("Same client id as an earlier submission, different content")
    EDITED = "edited", _("An edit of an earlier field submission")
    PROBLEMS = "problems", _("Kept as a draft: its kind refused it")


class Reconcile(models.TextChoices):
    """What an approval does to the register (chosen by the approver)."""

    NEW = "new", _("Create a new hazard")
    UPDATE = "update", _("Update the hazard (keep its geometry)")
    REPLACE = "replace", _("Update the hazard and replace its geometry")
    COMBINE = "combine", _("Update the hazard and combine the geometries")
    LINK = "link", _("Link to the hazard only (no change to its state)")


class Report(models.Model):
    """A field report: a versioned payload of one kind, moving through the approval workflow."""

    kind = models.CharField(max_length=40, choices=kind_choices)
    schema_version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="reports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Who last changed what the report says (created it, edited the draft or returned report): four eyes
    # (decision 0036) keeps this person, like the author, from approving it. Empty on rows from before.
    content_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hazard = models.ForeignKey(
        "hazards.HazardousArea", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    # The task order the work was done under (decision 0050); the kind's `task` says when one is required.
    task = models.ForeignKey("operations.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
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
    # The id the client gave the report (an XForm's meta/instanceID, `uuid:…`): a retried upload finds
    # the report it already made instead of making another (decision 0051). Empty for other doors.
    client_id = models.CharField(max_length=100, null=True, blank=True)
    # SHA-256 of what the client sent under that id: the same id with other content is a conflict.
    client_digest = models.CharField(max_length=64, blank=True)
    review_flag = models.CharField(max_length=12, choices=ReviewFlag.choices, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One report per client id; the copies of a conflicting resubmission are kept beside it for
            # review (flagged `conflict`), so they do not count.
            models.UniqueConstraint(
                fields=["client_id"],
                condition=models.Q(client_id__isnull=False) & ~models.Q(review_flag="conflict"),
                name="report_client_id_once",
            )
        ]
        indexes = [
            # The approval queue: submitted/validated reports per organisation.
            models.Index(fields=["status", "organisation"], name="report_queue_idx"),
            # Replaying a hazard's approved reports in approval order.
            models.Index(fields=["hazard", "approved_at"], name="report_hazard_approved_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    def content_people(self) -> set[int]:
        """Who shaped what this report says: its author, its last editor and, if imported, the import's
        uploader and runner. None of them may approve it (four eyes, IMAS 05.10; decision 0036).

        The import runs are read through `import_key`: several records may have become one report (AICMA
        victims of one accident, decision 0041), each naming the run that entered it, if any.
        """
        people = {self.created_by_id, self.content_changed_by_id}
        runs = self.import_key.filter(import_run__isnull=False)
        for uploader, runner in runs.values_list("import_run__created_by_id", "import_run__run_by_id"):
            people |= {uploader, runner}
        return {p for p in people if p is not None}

    def four_eyes_refusal(self, user: AnyUser) -> str | None:
        """Why `user` may not approve this report under the four-eyes rule, or None if they may."""
        if getattr(user, "pk", None) in self.content_people():
            return "A report is approved by someone other than whoever wrote, edited or imported it (four eyes)."
        return None


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


def attachment_path(sha256: str) -> Path:
    """Where an attachment's bytes live: under MEDIA_ROOT by their hash, never by a name a client chose."""
    return Path(settings.MEDIA_ROOT) / "attachments" / sha256[:2] / sha256


class StoredFile(models.Model):
    """A checked upload kept by its SHA-256 (reports.attachments): a report's attachment, a task's document."""

    # The name the file is known by on its report or task (checked: no path, no control characters).
    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=40)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        abstract = True

    @property
    def path(self) -> Path:
        """The stored file."""
        return attachment_path(self.sha256)


class ReportAttachment(StoredFile):
    """A file that came with a report (a photo, a sketch map, a certificate): checked, stored by its SHA-256."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="attachments")
    # Where a photo was taken, read from its EXIF GPS tags when it has them (WGS 84 degrees); null otherwise.
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["report", "name"]
        constraints = [
            # A split upload sends each file once; a retry of one part finds the file already there.
            models.UniqueConstraint(fields=["report", "name"], name="report_attachment_name_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} of report #{self.report_id}"


class ApprovalDelegation(models.Model):
    """The national authority lets an accredited operator approve its own reports of one kind (decision 0036).

    Without one, an operator's IM officer validates and the authority approves into the register (IMAS
    05.10). Granted and revoked through reports.delegations only, each with an audit row; a revoked
    delegation stays as the record of who might approve what, when.
    """

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="delegations")
    kind = models.CharField(max_length=40, choices=kind_choices)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    reason = models.TextField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            # At most one standing delegation per operator and kind: granting again is a no-op or a conflict.
            models.UniqueConstraint(
                fields=["organisation", "kind"],
                condition=models.Q(revoked_at__isnull=True),
                name="approval_delegation_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} approves {self.get_kind_display()}"
