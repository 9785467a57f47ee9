"""The published collections: one registry that OGC API items, tiles and exports all read.

Each entry names a view in the `publish` schema (interop/migrations/0002_publish_views.py and
0005_…), its geometry type, the column that `datetime` filters on, whether the collection is
restricted (accidents: only members of the national authority and the accident's own organisation
may read it), which of its fields the authority may ever publish to anonymous callers
(`publishable`, decision 0037: finds, accidents and the hazards' full records never), and for
accidents the generalised view shown to members who may not read single casualty records.
What the authority does publish is settings.CLEARGROUND_PUBLISHED; interop/publish_access.py
applies both. To add a collection, see docs/howto/add-an-ogc-collection.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """Another view of the same collection, for callers who may see less (its own datetime column)."""

    source: str
    datetime_column: str


@dataclass(frozen=True)
class Collection:
    id: str  # URL name, and (unless `source` says otherwise) the view's name in the publish schema
    title: str
    description: str
    geometry_type: str  # GeoJSON / OGC geometry type of every feature
    datetime_column: str  # what ?datetime= filters on
    restricted: bool = False  # True: anonymous callers and non-members never see it
    # The fields the authority may publish to anonymous callers; () = never public, whatever the settings.
    publishable: tuple[str, ...] = ()
    # Shown instead to members who may not read single casualty records (accounts.access.may_see_casualty_records).
    generalised: Variant | None = None
    # Set per caller by interop.publish_access.as_seen_by, never in the registry:
    source: str = ""  # the view read, when not `id` (the generalised variant)
    fields: tuple[str, ...] | None = None  # the only columns shown besides id and geom; None = all

    @property
    def view_name(self) -> str:
        """The view's name in the publish schema."""
        return self.source or self.id

    @property
    def view(self) -> str:
        return f"publish.{self.view_name}"


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
            publishable=("kind", "area_m2", "on", "organisation"),
        ),
        Collection(
            "activities",
            "Activities",
            "Survey, clearance and EOD tasks, drawn at a point inside their hazard (or at their own location).",
            "Point",
            "start_date",
        ),
        # Never publishable: exact positions of explosive ordnance, its model and condition.
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
            publishable=(
                "held_on",
                "method",
                "target_group",
                "people_reached",
                "organisation",
                "admin_pcode",
                "admin_area",
            ),
        ),  # fmt: skip
        Collection(
            "released_land",
            "Released land",
            "Land cancelled, reduced and cleared, and what remains, by administrative area (no hazard outlines).",
            "MultiPolygon",
            "latest_information",
            publishable=(
                "admin_pcode",
                "admin_area",
                "hazards",
                "open_hazards",
                "original_m2",
                "cancelled_m2",
                "reduced_m2",
                "cleared_m2",
                "remaining_m2",
                "latest_information",
            ),
        ),  # fmt: skip
        Collection(
            "hazard_warnings",
            "Hazard warnings",
            "Areas that are not yet released, as warnings: outline, classification and status, no device details.",
            "MultiPolygon",
            "date_of_information",
            publishable=("classification", "status", "admin_pcode", "admin_area", "date_of_information"),
        ),
        # Points, not yet hazards (decision 0048): as hazards, for signed-in users; the authority may publish
        # where and what kind, never the place names the source gave nor who reported it.
        Collection(
            "hazard_indications",
            "Hazard indications",
            "Points where contamination is suspected (for survey) or a minefield was lifted: not yet hazards.",
            "Point",
            "recorded_at",
            publishable=("kind", "status", "year", "admin_pcode", "admin_area"),
        ),
        Collection(
            "accidents",
            "Accidents",
            "Mine and ERW accidents with killed and injured counts; no personal data. Restricted: the point to "
            "0.1° and the time to the month for members who may not read single casualty records.",
            "Point",
            "occurred_at",
            restricted=True,
            generalised=Variant("accidents_generalised", "month"),
        ),
    )
}
