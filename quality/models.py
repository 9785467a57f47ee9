"""Quality management: accreditations, QA visits, QC inspections, non-conformities and corrective actions.

Accreditations and the steps of a non-conformity are written only by quality/actions.py (audited);
QA visits and QC inspections only by quality/records.py, from approved reports. Every change of
status is a row (AccreditationChange, NonConformityStep).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q

from accounts.models import Organisation
from hazards.models import Activity
from quality.choices import AccreditationStatus, AssetKind, NonConformityStatus, QcResult, Severity, TeamType
from vocab.choices import ActivityKind, Method


class Team(models.Model):
    """A team of an organisation (a demining team, a survey team), accredited on its own (IMAS 07.30)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    # Blank on teams registered before types existed (decision 0050): such a team is tasked by its accreditation only.
    team_type = models.CharField(max_length=12, choices=TeamType.choices, blank=True)
    size = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Number of people in the team")

    class Meta:
        ordering = ["organisation", "code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="team_code_per_organisation")]

    def __str__(self) -> str:
        return f"{self.organisation.code}/{self.code}"


class Asset(models.Model):
    """A machine, a dog or another asset of an organisation, maybe with a team, accredited on its own (IMAS 07.30)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assets")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="assets")
    kind = models.CharField(max_length=10, choices=AssetKind.choices)
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["organisation", "code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="asset_code_per_organisation")]

    def __str__(self) -> str:
        return f"{self.organisation.code}/{self.code}"


class Accreditation(models.Model):
    """The authority's permission for an organisation (or one of its teams) to do activities, from/to a date."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="accreditations")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="accreditations")
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="accreditations")
    activity_kinds = ArrayField(models.CharField(max_length=20, choices=ActivityKind.choices))
    methods = ArrayField(
        models.CharField(max_length=16, choices=Method.choices), default=list, blank=True, help_text="Empty: any"
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: until suspended or withdrawn")
    reference = models.CharField(max_length=100, blank=True, help_text="The authority's certificate number")
    status = models.CharField(max_length=10, choices=AccreditationStatus.choices, default=AccreditationStatus.ACTIVE)
    # Suspension or withdrawal takes effect on this date; an activity before it stays accredited.
    status_on = models.DateField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["organisation", "valid_from", "id"]
        # Serves is_accredited: one organisation's accreditations.
        indexes = [models.Index(fields=["organisation", "valid_from"], name="accreditation_org_from_idx")]
        constraints = [
            models.CheckConstraint(
                name="accreditation_dates_ordered",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
            )
        ]

    def covers(self, activity_kind: str, on: dt.date, method: str = "") -> bool:
        """Does this accreditation cover `activity_kind` (by `method`) on the day `on`?"""
        if activity_kind not in self.activity_kinds or (method and self.methods and method not in self.methods):
            return False
        if on < self.valid_from or (self.valid_to is not None and on > self.valid_to):
            return False
        return self.status == AccreditationStatus.ACTIVE or (self.status_on is not None and on < self.status_on)


class AccreditationChange(models.Model):
    """One row per change of an accreditation's status (granted, suspended, reinstated, withdrawn)."""

    accreditation = models.ForeignKey(Accreditation, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, choices=AccreditationStatus.choices)
    on = models.DateField(help_text="The day the change takes effect")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class QaVisit(models.Model):
    """A monitoring visit to an ongoing activity (IMAS 07.40), from an approved qa_visit report."""

    report = models.OneToOneField("reports.Report", on_delete=models.PROTECT, related_name="qa_visit")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="qa_visits")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, help_text="The assessed operator")
    visited_on = models.DateField()
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    observations = models.TextField(blank=True)
    # Accreditation of the assessed organisation for the activity on its start date: a finding, never a refusal.
    accredited = models.BooleanField()
    accreditation_finding = models.TextField(blank=True)

    class Meta:
        ordering = ["visited_on", "id"]


class QcInspection(models.Model):
    """Post-clearance sampling of released land (IMAS 09.20), from an approved qc_inspection report."""

    report = models.OneToOneField("reports.Report", on_delete=models.PROTECT, related_name="qc_inspection")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="qc_inspections")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, help_text="The assessed operator")
    inspected_on = models.DateField()
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sample = models.MultiPolygonField(srid=4326)
    sample_area_m2 = models.FloatField(help_text="Measured in the hazard's UTM zone")
    items_found = models.PositiveIntegerField()
    result = models.CharField(max_length=4, choices=QcResult.choices)
    remarks = models.TextField(blank=True)
    accredited = models.BooleanField()
    accreditation_finding = models.TextField(blank=True)

    class Meta:
        ordering = ["inspected_on", "id"]


class NonConformity(models.Model):
    """A departure from standards found by a QA visit or a QC inspection, tracked until verified closed."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="non_conformities")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="non_conformities")
    qa_visit = models.ForeignKey(
        QaVisit, null=True, blank=True, on_delete=models.CASCADE, related_name="non_conformities"
    )
    qc_inspection = models.ForeignKey(
        QcInspection, null=True, blank=True, on_delete=models.CASCADE, related_name="non_conformities"
    )
    severity = models.CharField(max_length=10, choices=Severity.choices)
    description = models.TextField()
    automatic = models.BooleanField(default=False, help_text="Raised by a failed QC inspection itself")
    status = models.CharField(max_length=12, choices=NonConformityStatus.choices, default=NonConformityStatus.OPEN)
    raised_on = models.DateField()

    class Meta:
        ordering = ["id"]
        # Serves the operator's list: its open non-conformities.
        indexes = [models.Index(fields=["organisation", "status"], name="nc_org_status_idx")]
        constraints = [
            models.CheckConstraint(
                name="nc_raised_by_one_record",
                condition=Q(qa_visit__isnull=False, qc_inspection__isnull=True)
                | Q(qa_visit__isnull=True, qc_inspection__isnull=False),
            )
        ]


class NonConformityStep(models.Model):
    """One row per step of a non-conformity: raised, corrective action taken, verified and closed."""

    non_conformity = models.ForeignKey(NonConformity, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, choices=NonConformityStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class CorrectiveAction(models.Model):
    """What the operator did (or will do) about a non-conformity, and who at the authority verified it."""

    non_conformity = models.ForeignKey(NonConformity, on_delete=models.CASCADE, related_name="corrective_actions")
    description = models.TextField()
    due_on = models.DateField()
    done_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
