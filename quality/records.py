"""Writes QA visits and QC inspections from approved reports, with the non-conformities they raise.

`record_quality` and `clear_quality` are called by hazards.projections inside approve_report's (or
unapprove_report's) transaction, through the kinds' `records_with`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts import access, audit
from core.errors import Conflict, Problem, ValidationFailed
from quality.accreditation import accreditation_finding
from quality.choices import NonConformityStatus, QcResult, Severity
from quality.models import NonConformity, NonConformityStep, QaVisit, QcInspection
from reports.kinds.base import Changes
from reports.kinds.qa_visit import QualityChanges
from reports.models import Report


def _check(report: Report, changes: QualityChanges) -> None:
    problems = []
    if not report.organisation.is_authority:
        problems.append(Problem("organisation", "QA visits and QC inspections are recorded by the national authority"))
    activity = changes.assessed
    if (
        activity is not None
        and not access.scoped(
            report.created_by, type(activity).objects.filter(pk=activity.pk), "organisation_id"
        ).exists()
    ):
        # Same words as a missing one: the author learns nothing about activities outside their scope.
        problems.append(Problem("payload.activity", f"there is no activity #{activity.pk}"))
    if problems:
        raise ValidationFailed(problems)


def record_quality(report: Report, changes: Changes, *, checking: bool = False) -> None:
    """Create the QA visit or QC inspection of an approved report and raise its non-conformities."""
    if not isinstance(changes, QualityChanges):
        raise TypeError("a QA report's changes are QualityChanges")
    _check(report, changes)
    if checking:
        return
    activity = changes.assessed
    accredited, finding = accreditation_finding(activity)
    common: dict[str, Any] = {
        "report": report,
        "activity": activity,
        "organisation": activity.organisation,
        "inspector": report.created_by,
        "accredited": accredited,
        "accreditation_finding": finding,
    }
    found = list(changes.non_conformities)
    if report.kind == "qa_visit":
        visit = QaVisit.objects.create(**common, **changes.record)
        source: dict[str, Any] = {"qa_visit": visit}
        on = visit.visited_on
    else:
        inspection = QcInspection.objects.create(**common, **changes.record)
        source, on = {"qc_inspection": inspection}, inspection.inspected_on
        if inspection.result == QcResult.FAIL:
            # IMAS 09.20: a failed sample is itself a non-conformity of the clearance it checks.
            found.insert(
                0,
                {
                    "severity": Severity.CRITICAL if inspection.items_found else Severity.MAJOR,
                    "description": f"QC inspection failed: {inspection.items_found} item(s) found in "
                    f"{inspection.sample_area_m2:.0f} m² sampled",
                    "automatic": True,
                },
            )
    now = timezone.now()
    for n in found:
        nc = NonConformity.objects.create(
            activity=activity, organisation=activity.organisation, raised_on=on, **source, **n
        )
        NonConformityStep.objects.create(
            non_conformity=nc,
            from_status="",
            to_status=NonConformityStatus.OPEN,
            by=report.created_by,
            at=now,
            note=f"{report.kind} report #{report.pk}",
        )
        audit.record(
            report.created_by,
            "non_conformity.raise",
            nc,
            new={"severity": nc.severity, "activity": activity.pk, "report": report.pk},
        )


def clear_quality(report: Report) -> None:
    """Delete what a QA report's approval created (unapproval, supersession), unless work on it has begun."""
    raised = NonConformity.objects.filter(qa_visit__report=report) | NonConformity.objects.filter(
        qc_inspection__report=report
    )
    if raised.exclude(status=NonConformityStatus.OPEN).exists():
        raise Conflict("A non-conformity this report raised has corrective actions; it cannot be taken back.")
    QaVisit.objects.filter(report=report).delete()
    QcInspection.objects.filter(report=report).delete()
