"""Which AICMA victims describe which AICMA event: the rule, without a database (decision 0041).

The two files describe one reality twice and share no key: the victims register (one row per victim,
year and month, DANE municipality code, a point) and the events points (one point per event, the year
only, municipality by name). Entering both as they come counts every accident twice.

1. Victims of one accident: rows with the same municipality (DANE code), year and month, point (to
   1 m), area type, site and condition (civilian / security forces) are one accident's casualties: the
   register cannot tell two accidents apart that agree on all of these, and several victims of one
   accident are written exactly so (PROVENANCE: ~3,800 identical rows).
2. An event and a victims' accident describe the same event when they agree on the year (the event
   knows no month: any month of its year is within its precision), the department and municipality
   (names folded: case, accents and spaces do not count, for the events carry no DANE code), the area
   type, and the device where both state it (MAP = AP mine, MUSE = UXO; the 2024/2025 victims exports
   state none, which agrees with either).
3. Each event joins at most one victims' accident and each accident at most one event: among all
   agreeing pairs, the closest points pair first (ties: earlier victim row, then earlier feature), so
   the same two files give the same pairs in whichever order they are loaded.
4. Points more than MAX_DISTANCE_M apart never pair. In the real files 6,654 of 6,689 pairs lie on
   the very same point; the few leftovers 50-700 km apart are the last unpaired accident and event of
   a municipality and year, one of them placed outside the municipality: two accidents, not one.

Every pair comes with a sentence saying which rows joined which feature and why.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

EARTH_RADIUS_M = 6_371_008.8
# Wider than Colombia's large mine-affected municipalities (Segovia, Tumaco: 30-60 km across) from seat to edge.
MAX_DISTANCE_M = 25_000.0
# TIPO_EVENTO → the victims' event type (interop/formats/aicma/events.py, victims.py).
EVENT_DEVICE = {1: "ap_mine", 2: "uxo"}


def fold(text: str | None) -> str:
    """Compare form of a name: no accents, lower case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split()).casefold()


@dataclass
class VictimsAccident:
    """Victim rows read as one accident (rule 1); `ref` is the caller's handle (a key, a report id)."""

    ref: Any
    rows: list[int]  # 1-based data rows of the snapshot, or stored row numbers
    year: int
    month: int
    department: str
    municipality: str
    municipality_code: str
    area_type: str | None
    device: str  # ap_mine | uxo | unknown
    lon: float
    lat: float


@dataclass
class EventAccident:
    """One accident event (TIPO_EVENTO 1 or 2)."""

    ref: Any
    feature: int
    year: int
    department: str
    municipality: str
    area_type: str | None
    event_type: int
    lon: float
    lat: float

    @property
    def device(self) -> str:
        return EVENT_DEVICE.get(self.event_type, "unknown")


@dataclass
class Match:
    """An event and the victims' accident it describes, with the reason in words."""

    event: EventAccident
    victims: VictimsAccident
    distance_m: float
    note: str = field(default="")


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine): enough to rank candidates inside one municipality."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _place(department: str, municipality: str) -> tuple[str, str]:
    return fold(department), fold(municipality)


def _agrees(event: EventAccident, victims: VictimsAccident) -> bool:
    if event.area_type and victims.area_type and event.area_type != victims.area_type:
        return False
    return "unknown" in (event.device, victims.device) or event.device == victims.device


def _rows(rows: list[int]) -> str:
    return f"row {rows[0]}" if len(rows) == 1 else "rows " + ", ".join(str(r) for r in rows)


def explain(event: EventAccident, victims: VictimsAccident, metres: float) -> str:
    """The sentence stored with a match."""
    device = (f"device {victims.device}" if event.device == victims.device
              else f"device {event.device} (event) / {victims.device} (victims: not stated)")  # fmt: skip
    return (
        f"AICMA victims {_rows(victims.rows)} ({victims.year}-{victims.month:02d}, {victims.municipality} "
        f"DANE {victims.municipality_code}) and AICMA event feature {event.feature} ({event.year}, "
        f"{event.municipality}, {event.department}) describe one accident: same year (the event gives the year "
        f"only), same department and municipality by name, area {victims.area_type or 'not stated'}, {device}; "
        f"points {metres:,.0f} m apart, the closest unmatched pair in that municipality and year"
    )


def match(events: list[EventAccident], accidents: list[VictimsAccident]) -> list[Match]:
    """Pair events with victims' accidents by rules 2 to 4; unpaired ones on either side are left out."""
    by_place: dict[tuple[int, str, str], list[VictimsAccident]] = defaultdict(list)
    for acc in accidents:
        by_place[(acc.year, *_place(acc.department, acc.municipality))].append(acc)
    candidates: list[tuple[float, int, int, int, int, EventAccident, VictimsAccident]] = []
    for ei, event in enumerate(events):
        for ai, acc in enumerate(by_place.get((event.year, *_place(event.department, event.municipality)), [])):
            if _agrees(event, acc):
                metres = distance_m(event.lon, event.lat, acc.lon, acc.lat)
                if metres > MAX_DISTANCE_M:
                    continue
                candidates.append((round(metres, 1), min(acc.rows), event.feature, ei, ai, event, acc))
    candidates.sort(key=lambda c: c[:3])
    used_events: set[int] = set()
    used_accidents: set[int] = set()
    matches: list[Match] = []
    for metres, _, _, _, _, event, acc in candidates:
        if id(event) in used_events or id(acc) in used_accidents:
            continue
        used_events.add(id(event))
        used_accidents.add(id(acc))
        matches.append(Match(event, acc, metres, explain(event, acc, metres)))
    return matches
