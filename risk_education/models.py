"""Risk education sessions (IMAS 12.10) and who attended them, by sex × age band × disability.

Rows are written only by records.py when a risk-education report is approved (reports.actions is
the one write path). No attendee is named: the counts are the record.
"""

from __future__ import annotations

from django.contrib.gis.db import models

from risk_education.choices import AgeBand, Method, Sex, TargetGroup


class RiskEducationSession(models.Model):
    """One session (or one media campaign day) delivered by an organisation at a place."""

    report = models.OneToOneField("reports.Report", on_delete=models.PROTECT, related_name="risk_education_session")
    # The organisation that delivered it (the report's): the access scope of the session.
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    location = models.PointField(srid=4326, null=True, blank=True)
    admin_area = models.ForeignKey("places.AdminArea", null=True, blank=True, on_delete=models.PROTECT)
    place_name = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=30, choices=Method.choices)
    target_group = models.CharField(max_length=30, choices=TargetGroup.choices)
    # A recurring group (a school class, a village committee) keeps its code from session to session,
    # so its members return as repeat attendees rather than as new people reached.
    group_code = models.CharField(max_length=60, blank=True)
    # Mass media, digital media and printed materials: an estimated audience, never counted as reach.
    audience_estimate = models.PositiveIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [
            # Reach by year, and the scoped session list.
            models.Index(fields=["organisation", "held_on"], name="re_session_org_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.held_on}"


class Attendance(models.Model):
    """Attendees of one session in one cell (sex × age band × disability): first-time and repeat."""

    session = models.ForeignKey(RiskEducationSession, on_delete=models.CASCADE, related_name="attendance")
    sex = models.CharField(max_length=10, choices=Sex.choices)
    age_band = models.CharField(max_length=10, choices=AgeBand.choices)
    disability = models.BooleanField(default=False)
    # The counting rule (decision 0011): only first-time attendees add to the reach.
    first_time = models.PositiveIntegerField(default=0)
    repeat = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "sex", "age_band", "disability"], name="re_attendance_cell"),
            models.CheckConstraint(
                condition=models.Q(first_time__gt=0) | models.Q(repeat__gt=0), name="re_attendance_not_empty"
            ),
        ]

    @property
    def attendances(self) -> int:
        return self.first_time + self.repeat
