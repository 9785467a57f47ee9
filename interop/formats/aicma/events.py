"""Read the AICMA mine events points ("Eventos Minas Antipersonal en Colombia", 1990-2019) without a database.

Every feature comes back as an `EventRow` with the record it should become (`kind`): accidents become
accident records, suspected minefields become hazard indications for survey, and every other event
type is kept and counted as "other_event", never dropped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .victims import LAT_RANGE, LON_RANGE, Problem

EventKind = Literal["accident", "hazard_indication", "other_event"]

# TIPO_EVENTO codes as coded by the derivative's author (PROVENANCE.md).
EVENT_TYPES: dict[int, str] = {
    1: "Accidente por MAP (anti-personnel mine accident)",
    2: "Accidente por MUSE (unexploded ordnance accident)",
    3: "Arsenal almacenado (cache)",
    4: "Desminado militar en operaciones (military demining)",
    5: "Incautaciones (seizure)",
    6: "Municiones sin explotar (UXO found)",
    7: "Producción de minas (mine factory)",
    8: "Sospecha de campo minado (suspected minefield)",
}

# Why these and only these: types 1/2 are events with victims (the accident record); type 8 is a report
# that land may be mined, which in mine action starts a survey rather than stating a hazard.
KINDS: dict[int, EventKind] = {1: "accident", 2: "accident", 8: "hazard_indication"}


@dataclass
class EventRow:
    """One event point as read from one feature; `problems` non-empty means it needs a person's look."""

    feature_number: int  # 1-based position in the FeatureCollection
    event_type: int | None
    event_type_meaning: str | None
    kind: EventKind
    department: str
    municipality: str
    area_type: str | None  # "rural" / "urban"
    year: int | None
    lon: float | None
    lat: float | None
    problems: list[Problem] = field(default_factory=list)


def _event_type(value: Any, problems: list[Problem]) -> int | None:
    """Read TIPO_EVENTO (a string "1"…"8") as an int; another value is a problem."""
    try:
        code = int(str(value).strip())
    except ValueError:
        code = None
    if code not in EVENT_TYPES:
        problems.append(Problem("TIPO_EVENTO", "unknown_value", f"TIPO_EVENTO '{value}' is not a code 1-8"))
        return None
    return code


def _year(value: Any, problems: list[Problem]) -> int | None:
    """Read AÑO (a string) as an int."""
    try:
        return int(str(value).strip())
    except ValueError:
        problems.append(Problem("AÑO", "not_a_number", f"AÑO '{value}' is not a year"))
        return None


def _point(geometry: Any, problems: list[Problem]) -> tuple[float | None, float | None]:
    """Return (lon, lat) of a Point geometry; a point outside Colombia is a problem, not silently fixed.

    One point has a positive longitude (a lost minus sign puts it in Asia); flipping it would be a
    guess about the source, so it is kept with the problem for a person to decide.
    """
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        problems.append(Problem("geometry", "not_a_point", "geometry is not a Point"))
        return None, None
    try:
        lon, lat = (float(c) for c in geometry["coordinates"][:2])
    except (KeyError, TypeError, ValueError):
        problems.append(Problem("geometry", "not_a_number", "Point coordinates are not numbers"))
        return None, None
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
        problems.append(Problem("geometry", "outside_colombia", f"point ({lon}, {lat}) is outside Colombia"))
    return lon, lat


def _feature(number: int, feature: dict[str, Any]) -> EventRow:
    """Type one GeoJSON feature."""
    problems: list[Problem] = []
    properties = feature.get("properties") or {}
    code = _event_type(properties.get("TIPO_EVENTO"), problems)
    lon, lat = _point(feature.get("geometry"), problems)
    area = str(properties.get("TIPO_AREA") or "").strip().casefold()
    return EventRow(
        feature_number=number,
        event_type=code,
        event_type_meaning=EVENT_TYPES.get(code) if code is not None else None,
        kind=KINDS.get(code, "other_event") if code is not None else "other_event",
        department=" ".join(str(properties.get("DEPARTAMENTO") or "").split()),
        municipality=" ".join(str(properties.get("MUNICIPIO") or "").split()),
        area_type={"rural": "rural", "urbana": "urban"}.get(area),
        year=_year(properties.get("AÑO"), problems),
        lon=lon,
        lat=lat,
        problems=problems,
    )


def read_events(path: str | Path) -> list[EventRow]:
    """Read the events FeatureCollection into one typed `EventRow` per feature, in file order."""
    with open(path, encoding="utf-8-sig") as handle:
        collection = json.load(handle)
    return [_feature(number, feature) for number, feature in enumerate(collection.get("features", []), start=1)]


def event_account(rows: Sequence[EventRow]) -> dict[str, object]:
    """Count events read, by kind and by type code, and those with problems (by reason)."""
    return {
        "read": len(rows),
        "kinds": dict(sorted(Counter(row.kind for row in rows).items())),
        "event_types": dict(sorted(Counter(row.event_type for row in rows if row.event_type is not None).items())),
        "with_problems": sum(bool(row.problems) for row in rows),
        "problems": dict(sorted(Counter(f"{p.field}: {p.kind}" for row in rows for p in row.problems).items())),
    }
