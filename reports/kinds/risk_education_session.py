"""Risk education session report (IMAS 12.10): who was reached, where and how; it stands apart from any hazard.

Attendees are counted by sex × age band × disability, first-time and repeat apart (decision 0011);
mass media, digital media and printed materials give an estimated audience instead. On approval
risk_education/records.py writes the session and its attendance rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import Problem
from reports.fields import Boolean, Choice, Date, Number, Point, Rows, Section, Text, When
from reports.kinds.base import Changes, Checker, ReportKindSpec
from risk_education.choices import INDIRECT_METHODS, AgeBand, Method, Sex, TargetGroup


@dataclass
class SessionChanges(Changes):
    """The session and its attendance cells."""

    session: dict[str, Any] = field(default_factory=dict)
    attendance: list[dict[str, Any]] = field(default_factory=list)


class RiskEducationSessionReport(ReportKindSpec):
    kind = "risk_education"
    label = _("risk education session report")
    title = _("Risk education session report")
    hazard = "optional"  # parse refuses one: risk education is a community's fact, not a hazard's
    records_with = ("risk_education.records.record_session", "risk_education.records.clear_session")
    fields = (
        Section(
            _("Session"),
            (
                Date(name="held_on", label=_("Held on"), required=True),
                Choice(name="method", label=_("Method"), vocab=Method, required=True),
                Choice(name="target_group", label=_("Target group"), vocab=TargetGroup, required=True),
                # A point, a place name, or both (changes()).
                Point(name="location", label=_("Location")),
                Text(name="place_name", label=_("Place name"), max_len=200),
                Text(name="group_code", label=_("Group code"), max_len=60),
                Number(
                    name="audience_estimate",
                    label=_("Estimated audience"),
                    integer=True,
                    minimum=1,
                    required_when=When("method", tuple(sorted(INDIRECT_METHODS))),
                    help=_("For mass media, digital media and printed materials."),
                ),
                Text(name="notes", label=_("Notes"), multiline=True, max_len=10000),
            ),
        ),
        Section(
            _("Attendance"),
            (
                # Counted for face-to-face methods only (changes()).
                Rows(
                    name="attendance",
                    label=_("Attendees"),
                    fields=(
                        Choice(name="sex", label=_("Sex"), vocab=Sex, required=True),
                        Choice(name="age_band", label=_("Age band"), vocab=AgeBand, required=True),
                        Boolean(name="disability", label=_("With disability")),
                        Number(name="first_time", label=_("First-time attendees"), integer=True, required=True),
                        Number(name="repeat", label=_("Repeat attendees"), integer=True),
                    ),
                ),
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        if has_hazard:
            c.problems.append(
                Problem(
                    "hazard",
                    gettext("a risk education session stands alone; leave the hazard empty"),
                    "hazard_not_allowed",
                )
            )
        held_on = c.value("held_on")
        if held_on and on and held_on > on:
            c.problem(
                "held_on",
                gettext("%(date)s is after the report's date of information %(on)s") % {"date": held_on, "on": on},
                "after_date_of_information",
            )
        method = c.value("method")
        location = c.value("location")
        place_name = c.value("place_name")
        if location is None and not place_name:
            c.problem("location", gettext("give the place: a point, a place name, or both"), "required")
        changes = SessionChanges()
        changes.session = {
            "held_on": held_on,
            "method": method,
            "target_group": c.value("target_group"),
            "location": location,
            "place_name": place_name,
            "group_code": c.value("group_code"),
            "notes": c.value("notes"),
        }
        indirect = method in INDIRECT_METHODS
        audience = c.value("audience_estimate")
        if audience is not None and method and not indirect:
            c.problem(
                "audience_estimate",
                gettext("is estimated for mass media, digital media and printed materials only"),
                "not_applicable",
            )
        changes.session["audience_estimate"] = audience
        rows = c.rows("attendance", required=bool(method) and not indirect)
        if rows and indirect:
            c.problem(
                "attendance",
                gettext("%(method)s reaches an audience nobody counts: give audience_estimate instead")
                % {"method": method},
                "not_applicable",
            )
        changes.attendance = [self._cell(c, f"attendance.{i}") for i in rows]
        seen: dict[tuple[Any, ...], int] = {}
        for i, cell in enumerate(changes.attendance):
            key = (cell["sex"], cell["age_band"], cell["disability"])
            if key in seen:
                c.problem(
                    f"attendance.{i}",
                    gettext("repeats the cell of attendance.%(row)s (same sex, age band, disability)")
                    % {"row": seen[key]},
                    "duplicate",
                )
            seen.setdefault(key, i)
        return changes

    def _cell(self, c: Checker, row: str) -> dict[str, Any]:
        first = c.value(f"{row}.first_time")
        repeat = c.value(f"{row}.repeat")
        if first == 0 and not repeat:
            c.problem(row, gettext("counts nobody: give first_time or repeat attendees"), "required")
        return {
            "sex": c.value(f"{row}.sex"),
            "age_band": c.value(f"{row}.age_band"),
            "disability": c.value(f"{row}.disability"),
            "first_time": int(first or 0),
            "repeat": int(repeat or 0),
        }
