"""Risk-education reach: people reached (first-time attendees) and attendances, by each dimension.

The counting rule (decision 0011): a person is reached once, at their first session; repeat
attendances are counted apart and never added to the reach; an estimated media audience is
reported on its own line. No attendee is identified, so no cell is suppressed.
"""

from __future__ import annotations

from typing import Any, TypedDict

from django.db.models import Count, F, Func, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractYear

from risk_education.models import Attendance, RiskEducationSession

DIMENSIONS: dict[str, Func | F] = {
    "year": ExtractYear("session__held_on"),
    "sex": F("sex"),
    "age_band": F("age_band"),
    "disability": F("disability"),
    "method": F("session__method"),
    "target_group": F("session__target_group"),
    "admin_area": F("session__admin_area__pcode"),
}


class ReachRow(TypedDict):
    """One row of a reach table: a dimension's value, the people it reached and their attendances."""

    value: Any  # a year, a vocabulary code, a pcode; None where the attendance does not say
    reached: int
    attendances: int


class Reach(TypedDict):
    """Reach statistics: the totals, and one table per dimension (largest reach first)."""

    sessions: int
    reached: int
    attendances: int
    repeat_attendances: int
    media_audience_estimate: int
    tables: dict[str, list[ReachRow]]


def reach_statistics(sessions: QuerySet[RiskEducationSession] | None = None) -> Reach:
    """Totals and one table per dimension: [{value, reached, attendances}], largest reach first."""
    sessions = sessions if sessions is not None else RiskEducationSession.objects.all()
    cells = Attendance.objects.filter(session__in=sessions)
    sums = {"reached": Coalesce(Sum("first_time"), 0), "attendances": Coalesce(Sum(F("first_time") + F("repeat")), 0)}
    totals = cells.aggregate(**sums)
    media = sessions.aggregate(sessions=Count("id"), audience_estimate=Coalesce(Sum("audience_estimate"), 0))
    tables = {name: _table(cells, expression, sums) for name, expression in DIMENSIONS.items()}
    return {
        "sessions": media["sessions"],
        "reached": totals["reached"],
        "attendances": totals["attendances"],
        "repeat_attendances": totals["attendances"] - totals["reached"],
        "media_audience_estimate": media["audience_estimate"],
        "tables": tables,
    }


def _table(cells: QuerySet[Attendance], expression: Func | F, sums: dict[str, Any]) -> list[ReachRow]:
    rows: Any = cells.annotate(value=expression).values("value").annotate(**sums)
    return [
        {"value": r["value"], "reached": r["reached"], "attendances": r["attendances"]}
        for r in rows.order_by("-reached", "value")
    ]
