"""Risk education session report (IMAS 12.10): who was reached, where and how; it stands apart from any hazard.

Attendees are counted by sex × age band × disability, first-time and repeat apart (decision 0011);
mass media, digital media and printed materials give an estimated audience instead. On approval
risk_education/records.py writes the session and its attendance rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

from core.errors import Problem
from reports.kinds.base import Changes, Checker, ReportKindSpec
from risk_education.choices import INDIRECT_METHODS, AgeBand, Method, Sex, TargetGroup


@dataclass
class SessionChanges(Changes):
    """The session and its attendance cells."""

    session: dict[str, Any] = field(default_factory=dict)
    attendance: list[dict[str, Any]] = field(default_factory=list)


class RiskEducationSessionReport(ReportKindSpec):
    kind = "risk_education"
    label = gettext_lazy("risk education session report")
    hazard = "optional"  # parse refuses one: risk education is a community's fact, not a hazard's
    records_with = ("risk_education.records.record_session", "risk_education.records.clear_session")

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        if has_hazard:
            c.problems.append(Problem("hazard", "a risk education session stands alone; leave the hazard empty"))
        held_on = c.date("held_on")
        if held_on and on and held_on > on:
            c.problem("held_on", f"{held_on} is after the report's date of information {on}")
        method = c.choice("method", Method.values)
        location = c.point("location")
        place_name = c.text("place_name", max_len=200)
        if location is None and not place_name:
            c.problem("location", "give the place: a point, a place name, or both")
        changes = SessionChanges()
        changes.session = {
            "held_on": held_on,
            "method": method,
            "target_group": c.choice("target_group", TargetGroup.values),
            "location": location,
            "place_name": place_name,
            "group_code": c.text("group_code", max_len=60),
            "notes": c.text("notes", max_len=10000),
        }
        indirect = method in INDIRECT_METHODS
        audience = c.number("audience_estimate", integer=True, minimum=1, required=indirect)
        if audience is not None and method and not indirect:
            c.problem("audience_estimate", "is estimated for mass media, digital media and printed materials only")
        changes.session["audience_estimate"] = audience
        rows = c.rows("attendance", required=bool(method) and not indirect)
        if rows and indirect:
            c.problem("attendance", f"{method} reaches an audience nobody counts: give audience_estimate instead")
        changes.attendance = [self._cell(c, f"attendance.{i}") for i in rows]
        seen: dict[tuple[Any, ...], int] = {}
        for i, cell in enumerate(changes.attendance):
            key = (cell["sex"], cell["age_band"], cell["disability"])
            if key in seen:
                c.problem(
                    f"attendance.{i}", f"repeats the cell of attendance.{seen[key]} (same sex, age band, disability)"
                )
            seen.setdefault(key, i)
        return changes

    def _cell(self, c: Checker, row: str) -> dict[str, Any]:
        first = c.number(f"{row}.first_time", integer=True, required=True)
        repeat = c.number(f"{row}.repeat", integer=True)
        if first == 0 and not repeat:
            c.problem(row, "counts nobody: give first_time or repeat attendees")
        return {
            "sex": c.choice(f"{row}.sex", Sex.values),
            "age_band": c.choice(f"{row}.age_band", AgeBand.values),
            "disability": c.boolean(f"{row}.disability"),
            "first_time": int(first or 0),
            "repeat": int(repeat or 0),
        }
