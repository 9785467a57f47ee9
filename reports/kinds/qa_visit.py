"""QA visit (IMAS 07.40): the authority's QA officer monitors an ongoing activity; it stands apart from any hazard.

The assessed activity is named by id and must exist; non-conformities found are listed with their
severity. On approval quality/records.py writes the QaVisit and raises the non-conformities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

from core.errors import Problem
from reports.kinds.base import Changes, Checker, ReportKindSpec


@dataclass
class QualityChanges(Changes):
    """A QA visit's or QC inspection's facts, and the non-conformities it raises."""

    assessed: Any = None  # the hazards.models.Activity assessed
    record: dict[str, Any] = field(default_factory=dict)
    non_conformities: list[dict[str, Any]] = field(default_factory=list)


def assessed_activity(c: Checker, on: dt.date | None) -> Any:
    """The activity a QA record assesses: an id that must name an existing activity started by `on`."""
    from hazards.models import Activity

    value = c.number("activity", required=True, integer=True, minimum=1)
    if value is None:
        return None
    activity = Activity.objects.select_related("organisation", "hazard").filter(pk=int(value)).first()
    if activity is None:
        c.problem("activity", f"there is no activity #{value}")
    elif on and activity.start_date > on:
        c.problem("activity", f"activity #{value} starts on {activity.start_date}, after this report's date {on}")
    return activity


def dated(c: Checker, path: str, on: dt.date | None, activity: Any) -> dt.date | None:
    """The day of the visit or inspection: not after the report's date, not before the activity started."""
    day = c.date(path)
    if day and on and day > on:
        c.problem(path, f"{day} is after the report's date of information {on}")
    if day and activity is not None and day < activity.start_date:
        c.problem(path, f"{day} is before the activity started ({activity.start_date})")
    return day


def non_conformities(c: Checker) -> list[dict[str, Any]]:
    """The non-conformities found: severity (critical, major, minor) and what was wrong."""
    from quality.choices import Severity

    return [
        {
            "severity": c.choice(f"non_conformities.{i}.severity", Severity.values),
            "description": c.text(f"non_conformities.{i}.description", required=True),
        }
        for i in c.rows("non_conformities")
    ]


class QaVisitReport(ReportKindSpec):
    kind = "qa_visit"
    label = gettext_lazy("QA visit report")
    hazard = "optional"  # the assessed activity names its hazard; the report names none
    records_with = ("quality.records.record_quality", "quality.records.clear_quality")

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        if has_hazard:
            c.problems.append(Problem("hazard", "a QA visit names the activity it assesses; leave the hazard empty"))
        changes = QualityChanges()
        changes.assessed = assessed_activity(c, on)
        changes.record = {
            "visited_on": dated(c, "visited_on", on, changes.assessed),
            "observations": c.text("observations", max_len=10000),
        }
        changes.non_conformities = non_conformities(c)
        return changes
