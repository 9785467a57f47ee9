"""How accidents are generalised for members who may not read single casualty records (decision 0037).

Who may read them exactly is accounts.access.may_see_casualty_records (and, for an accident report,
may_see_report_casualties); this module only says what the others see.

One grid for every door: the REST API annotates it (casualties/api.py) and the publish view
`publish.accidents_generalised` (interop migration 0005) writes the same `ST_SnapToGrid(location, 0.1)`
and the month of the UTC time; tests/test_casualty_disclosure.py keeps the two equal.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from accounts.personal import RESTRICTED

if TYPE_CHECKING:
    from accounts.access import AnyUser
    from reports.models import Report

# 0.1° is about 11 km north–south and 7 km east–west at 50° N: a district, not a village or a field.
GRID_DEGREES = 0.1
ACCIDENT_KIND = "accident"  # reports.kinds: the report kind that records an accident and its casualties

# An accident report's free text and evidence may name people or places; withheld with the casualties.
WITHHELD_KEYS = ("description", "evidence", "asset", "findings", "corrective_actions")


def snapped(coordinate: float) -> float:
    """A coordinate on the grid, as PostGIS's ST_SnapToGrid(geom, GRID_DEGREES) puts it (rint: half to even)."""
    return round(round(coordinate / GRID_DEGREES) * GRID_DEGREES, 6)


def month_of(value: Any) -> Any:
    """An ISO instant as its UTC month ("2024-01"); anything unreadable withheld."""
    try:
        instant = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return RESTRICTED
    if instant.tzinfo is not None:
        instant = instant.astimezone(dt.UTC)
    return instant.strftime("%Y-%m")


def generalised_payload(payload: Any) -> Any:
    """An accident report's payload as members who may not read single casualty records see it.

    The point snapped to the grid, the time to the month, each casualty reduced to its outcome
    (the counts the generalised accident shows), free text and evidence withheld.
    """
    if not isinstance(payload, dict):
        return payload
    shown = dict(payload)
    if "occurred_at" in shown:
        shown["occurred_at"] = month_of(shown["occurred_at"])
    location = shown.get("location")
    if isinstance(location, dict) and location.get("type") == "Point" and len(location.get("coordinates") or []) >= 2:
        x, y = location["coordinates"][:2]
        try:
            shown["location"] = {"type": "Point", "coordinates": [snapped(float(x)), snapped(float(y))]}
        except (TypeError, ValueError):
            shown["location"] = RESTRICTED
    elif "location" in shown:
        shown["location"] = RESTRICTED
    if isinstance(shown.get("casualties"), list):
        shown["casualties"] = [
            {"outcome": c.get("outcome")} if isinstance(c, dict) else RESTRICTED for c in shown["casualties"]
        ]
    for key in WITHHELD_KEYS:
        if shown.get(key):
            shown[key] = RESTRICTED
    return shown


def report_payload_for(user: AnyUser, report: Report, payload: Any) -> Any:
    """A report's payload (already without personal data where due) as this user may see it.

    Accident reports are generalised for whoever accounts.access.may_see_report_casualties refuses.
    """
    from accounts.access import may_see_report_casualties

    if report.kind != ACCIDENT_KIND or may_see_report_casualties(user, report):
        return payload
    return generalised_payload(payload)
