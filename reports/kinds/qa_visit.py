"""QA visit (IMAS 07.40): the authority's QA officer monitors an ongoing activity; it stands apart from any hazard.

The assessed activity is named by id and must exist; non-conformities found are listed with their
severity. On approval quality/records.py writes the QaVisit and raises the non-conformities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import Problem
from quality.choices import Severity
from reports.fields import Choice, Date, Number, Rows, Section, Text
from reports.kinds.base import Changes, Checker, ReportKindSpec

#: The assessed activity, by its number; it must exist (assessed_activity()).
ASSESSED_ACTIVITY = Number(name="activity", label=_("Activity number assessed"), integer=True, required=True, minimum=1)

NON_CONFORMITIES = Rows(
    name="non_conformities",
    label=_("Non-conformities"),
    fields=(
        Choice(name="severity", label=_("Severity"), vocab=Severity, required=True),
        Text(name="description", label=_("Description"), multiline=True, required=True),
    ),
)


@dataclass
class QualityChanges(Changes):
    """A QA visit's or QC inspection's facts, and the non-conformities it raises."""

    assessed: Any = None  # the hazards.models.Activity assessed
    record: dict[str, Any] = field(default_factory=dict)
    non_conformities: list[dict[str, Any]] = field(default_factory=list)


def assessed_activity(c: Checker, on: dt.date | None) -> Any:
    """The activity a QA record assesses: an id that must name an existing activity started by `on`."""
    from hazards.models import Activity

    value = c.value("activity")
    if value is None:
        return None
    activity = Activity.objects.select_related("organisation", "hazard").filter(pk=int(value)).first()
    if activity is None:
        c.problem("activity", gettext("there is no activity #%(id)s") % {"id": value}, "unknown_activity")
    elif on and activity.start_date > on:
        c.problem(
            "activity",
            gettext("activity #%(id)s starts on %(start)s, after this report's date %(on)s")
            % {"id": value, "start": activity.start_date, "on": on},
            "dates_out_of_order",
        )
    return activity


def dated(c: Checker, path: str, on: dt.date | None, activity: Any) -> dt.date | None:
    """The day of the visit or inspection: not after the report's date, not before the activity started."""
    day: dt.date | None = c.value(path)
    if day and on and day > on:
        c.problem(
            path,
            gettext("%(date)s is after the report's date of information %(on)s") % {"date": day, "on": on},
            "after_date_of_information",
        )
    if day and activity is not None and day < activity.start_date:
        c.problem(
            path,
            gettext("%(date)s is before the activity started (%(start)s)")
            % {"date": day, "start": activity.start_date},
            "dates_out_of_order",
        )
    return day


def non_conformities(c: Checker) -> list[dict[str, Any]]:
    """The non-conformities found: severity (critical, major, minor) and what was wrong."""
    rows: list[dict[str, Any]] = c.value("non_conformities")
    return rows


class QaVisitReport(ReportKindSpec):
    kind = "qa_visit"
    label = _("QA visit report")
    title = _("QA visit report")
    hazard = "optional"  # the assessed activity names its hazard; the report names none
    records_with = ("quality.records.record_quality", "quality.records.clear_quality")
    authority_only = True  # the authority's QA officers' own record of an operator's work
    fields = (
        Section(
            _("QA visit"),
            (
                ASSESSED_ACTIVITY,
                Date(name="visited_on", label=_("Visited on"), required=True),
                Text(name="observations", label=_("Observations"), multiline=True, max_len=10000),
                NON_CONFORMITIES,
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        if has_hazard:
            c.problems.append(
                Problem(
                    "hazard",
                    gettext("a QA visit names the activity it assesses; leave the hazard empty"),
                    "hazard_not_allowed",
                )
            )
        changes = QualityChanges()
        changes.assessed = assessed_activity(c, on)
        changes.record = {
            "visited_on": dated(c, "visited_on", on, changes.assessed),
            "observations": c.value("observations"),
        }
        changes.non_conformities = non_conformities(c)
        return changes
