"""Writes risk education sessions from approved reports (called through the kind's `records_with`)."""

from __future__ import annotations

from places.models import admin_area_at
from reports.kinds.base import Changes
from reports.kinds.risk_education_session import SessionChanges
from reports.models import Report
from risk_education.models import Attendance, RiskEducationSession


def record_session(report: Report, changes: Changes, *, checking: bool = False) -> None:
    """Create the session and its attendance cells of an approved report."""
    if not isinstance(changes, SessionChanges):
        raise TypeError("a risk education report's changes are SessionChanges")
    if checking:
        return
    fields = changes.session
    session = RiskEducationSession.objects.create(
        report=report, organisation=report.organisation, admin_area=admin_area_at(fields["location"]), **fields
    )
    # The approval's own audit row (reports.actions) covers these rows: they are the report's payload.
    Attendance.objects.bulk_create([Attendance(session=session, **cell) for cell in changes.attendance])


def clear_session(report: Report) -> None:
    """Delete what a risk education report's approval created (unapproval, supersession)."""
    RiskEducationSession.objects.filter(report=report).delete()
