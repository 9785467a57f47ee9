"""The published collections: one registry that OGC API items, tiles and exports all read.

Each entry names a view in the `publish` schema (interop/migrations/0002_publish_views.py), its
geometry type, the column that `datetime` filters on, and whether the collection is restricted
(accidents: only members of the national authority and the accident's own organisation may read it).
To add a collection, see docs/howto/add-an-ogc-collection.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Collection:
    id: str  # URL name, and the view's name in the publish schema
    title: str
    description: str
    geometry_type: str  # GeoJSON / OGC geometry type of every feature
    datetime_column: str  # what ?datetime= filters on
    restricted: bool = False  # True: anonymous callers and non-members never see it

    @property
    def view(self) -> str:
        return f"publish.{self.id}"


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "hazardous_areas",
            "Hazardous areas",
            "Suspected and confirmed hazardous areas (SHA/CHA) in their current state, with land released so far.",
            "MultiPolygon",
            "date_of_information",
        ),
        Collection(
            "land_release_products",
            "Land release products",
            "Land cancelled (NTS), reduced (TS) or cleared, each polygon as approved.",
            "MultiPolygon",
            "on",
        ),
        Collection(
            "activities",
            "Activities",
            "Survey, clearance and EOD tasks, drawn at a point inside their hazard (or at their own location).",
            "Point",
            "start_date",
        ),
        Collection(
            "finds",
            "Finds",
            "Explosive ordnance found and its disposal.",
            "Point",
            "on",
        ),
        Collection(
            "risk_education_sessions",
            "Risk education sessions",
            "Explosive ordnance risk education sessions and the people reached (first-time attendees).",
            "Point",
            "held_on",
        ),
        Collection(
            "accidents",
            "Accidents",
            "Mine and ERW accidents with killed and injured counts; no personal data. Restricted.",
            "Point",
            "occurred_at",
            restricted=True,
        ),
    )
}
