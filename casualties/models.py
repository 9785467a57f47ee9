"""Accidents with explosive ordnance (IMAS 10.60) and their casualties (IMAS 13.10).

Rows are written only by records.py when an accident report is approved (reports.actions is the one
write path). A casualty's identity (name, date of birth, contact, address) is personal data: it is
stored only as a Fernet token (crypto.py) and read only through `Casualty.identity()`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.gis.db import models

from casualties import crypto
from casualties.choices import (
    AccidentKind,
    ActivityAtTime,
    AgeBand,
    CasualtyCategory,
    DatePrecision,
    Displacement,
    Outcome,
    RiskEducation,
    Sex,
    Stage,
)
from vocab.choices import DeviceCategory


class Accident(models.Model):
    """A demining accident or incident (near miss), or a civilian accident with explosive ordnance."""

    report = models.OneToOneField("reports.Report", on_delete=models.PROTECT, related_name="accident")
    # The organisation whose record this is (the report's): the access scope of the accident.
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="accidents")
    kind = models.CharField(max_length=20, choices=AccidentKind.choices)
    occurred_at = models.DateTimeField()
    # How much of occurred_at is known: a month-precision accident is stored on the 1st and counted in its
    # month, never on that day; a year-precision one on 1 January, counted in its year only.
    date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    location = models.PointField(srid=4326)
    admin_area = models.ForeignKey("places.AdminArea", null=True, blank=True, on_delete=models.PROTECT)
    device_category = models.CharField(max_length=20, choices=DeviceCategory.choices)
    activity = models.CharField(max_length=20, choices=ActivityAtTime.choices)
    # Demining accidents and incidents: the asset involved (team, machine, dog) of the organisation.
    asset = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    # Evidence gathered: [{"kind": physical | witness | documentary, "description": ...}].
    evidence = models.JSONField(default=list, blank=True)
    findings = models.TextField(blank=True)
    corrective_actions = models.TextField(blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NOTIFICATION)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # Statistics by year and the scoped accident list.
            models.Index(fields=["organisation", "occurred_at"], name="accident_org_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class AccidentStageChange(models.Model):
    """One step of an investigation: notification → investigation → findings → corrective actions → closed."""

    accident = models.ForeignKey(Accident, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["accident", "at", "id"]


class Casualty(models.Model):
    """A person killed or injured in an accident. Identity only as ciphertext; everything else in the clear."""

    accident = models.ForeignKey(Accident, on_delete=models.CASCADE, related_name="casualties")
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="casualties")
    sex = models.CharField(max_length=10, choices=Sex.choices)
    # Age in whole years at the accident (given, or derived from the encrypted date of birth).
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    age_band = models.CharField(max_length=10, choices=AgeBand.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    category = models.CharField(max_length=10, choices=CasualtyCategory.choices)
    activity = models.CharField(max_length=20, choices=ActivityAtTime.choices)
    displacement = models.CharField(max_length=10, choices=Displacement.choices, default=Displacement.UNKNOWN)
    prior_risk_education = models.CharField(max_length=10, choices=RiskEducation.choices, default="unknown")
    disability = models.BooleanField(default=False, help_text="A lasting disability resulted (IMAS 13.10)")
    injury_details = models.TextField(blank=True)
    # The casualty (or their guardian) agreed that their identity be recorded; without it there is none.
    consent = models.BooleanField(default=False)
    # Fernet token of {"name", "date_of_birth", "contact", "address"}; empty when no identity was recorded.
    identity_encrypted = models.TextField(blank=True)

    class Meta:
        ordering = ["accident", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(identity_encrypted="") | models.Q(consent=True), name="casualty_identity_consented"
            )
        ]

    def __str__(self) -> str:
        return f"Casualty #{self.pk} ({self.outcome})"

    @property
    def has_identity(self) -> bool:
        return bool(self.identity_encrypted)

    def identity(self) -> dict[str, Any]:
        """The decrypted identity. Callers check accounts.access.may_see_casualty_records and audit the read."""
        return crypto.decrypt(self.identity_encrypted) if self.identity_encrypted else {}
