"""What each export holds: the columns of every collection, in order, each with its HXL hashtag.

This mapping is the one list of exported columns (the SQL selects exactly these, interop/exports/
query.py), so every column of every format has a tag by construction; a test keeps it equal to the
view's columns, so a column added to a publish view is not silently left out. Tags follow the HXL
1.1 dictionary (https://hxlstandard.org/standard/1-1final/dictionary/); where it has no hashtag for
a mine action notion the nearest core hashtag is refined with our own attributes (HXL allows any
lower-case attribute), e.g. `#indicator+area_m2+cleared`. Decision 0020 explains the choices.
"""

from __future__ import annotations

# The admin area a record lies in is the deepest one loaded (places.models.admin_area_at); the
# boundaries Clearground loads today stop at provinces, hence #adm1 (decision 0020).
_ORG = {"organisation_id": "#org+id", "organisation": "#org+name"}
_ADMIN = {"admin_pcode": "#adm1+code", "admin_area": "#adm1+name"}

HXL: dict[str, dict[str, str]] = {
    "hazardous_areas": {
        "id": "#meta+id",
        "code": "#loc+code",  # the national hazard code: the ID a re-import matches on
        "name": "#loc+name",
        "classification": "#loc+type",  # SHA or CHA
        "status": "#status",
        **_ORG,
        **_ADMIN,
        "original_area_m2": "#indicator+area_m2+original",
        "cancelled_m2": "#indicator+area_m2+cancelled",
        "reduced_m2": "#indicator+area_m2+reduced",
        "cleared_m2": "#indicator+area_m2+cleared",
        "remaining_area_m2": "#indicator+area_m2+remaining",
        "devices_suspected": "#item+type+suspected",
        "devices_confirmed": "#item+type+confirmed",
        "land_use": "#loc+land_use",
        "marking_status": "#status+marking",
        "beneficiaries": "#beneficiary+num",
        "date_of_information": "#date+reported",
        "version": "#meta+version",
        "updated_at": "#date+updated",
    },
    "land_release_products": {
        "id": "#meta+id",
        "hazard_id": "#loc+id",
        "hazard_code": "#loc+code",
        "kind": "#output+type",  # cancelled, reduced, cleared
        "area_m2": "#output+area_m2",
        "depth_cm": "#output+depth_cm",
        "on": "#date",
        **_ORG,
        "report_id": "#meta+report_id",
    },
    "activities": {
        "id": "#activity+id",
        "hazard_id": "#loc+id",
        "hazard_code": "#loc+code",
        "kind": "#activity+type",
        "method": "#activity+method",
        "status": "#status",
        "start_date": "#date+start",
        "end_date": "#date+end",
        "search_depth_cm": "#indicator+search_depth_cm",
        "person_days": "#capacity+person_days",
        "machine_hours": "#capacity+machine_hours",
        **_ORG,
        "report_id": "#meta+report_id",
    },
    "finds": {
        "id": "#meta+id",
        "hazard_id": "#loc+id",
        "hazard_code": "#loc+code",
        "category": "#item+type",
        "model": "#item+name",
        "quantity": "#item+num",
        "condition": "#item+condition",
        "depth_cm": "#item+depth_cm",
        "disposal": "#item+disposal",
        "on": "#date",
        **_ORG,
        "report_id": "#meta+report_id",
    },
    "risk_education_sessions": {
        "id": "#activity+id",
        "held_on": "#date",
        "method": "#activity+method",
        "target_group": "#population+type",
        "place_name": "#loc+name",
        "audience_estimate": "#reached+media",  # media audience, kept apart from people reached (0011)
        "people_reached": "#reached+num",  # first-time attendees
        **_ORG,
        **_ADMIN,
        "report_id": "#meta+report_id",
    },
    "accidents": {
        "id": "#event+id",
        "kind": "#event+type",
        "occurred_at": "#date+occurred",
        "device_category": "#item+type",
        "activity": "#activity+type",  # what the people were doing
        "stage": "#status+investigation",
        "killed": "#affected+killed",
        "injured": "#affected+injured",
        **_ORG,
        **_ADMIN,
        "report_id": "#meta+report_id",
        "date_precision": "#date+precision",  # day, month or year: a month-only date is stored on the 1st
    },
    # Accidents for members who may not read single casualty records (decision 0037).
    "accidents_generalised": {
        "id": "#event+id",
        "kind": "#event+type",
        "month": "#date+occurred+month",
        "device_category": "#item+type",
        "stage": "#status+investigation",
        "killed": "#affected+killed",
        "injured": "#affected+injured",
        **_ORG,
        **_ADMIN,
        "date_precision": "#date+precision",
    },
    "released_land": {
        "id": "#adm1+id",
        **_ADMIN,
        "hazards": "#loc+num",
        "open_hazards": "#loc+num+open",
        "original_m2": "#indicator+area_m2+original",
        "cancelled_m2": "#indicator+area_m2+cancelled",
        "reduced_m2": "#indicator+area_m2+reduced",
        "cleared_m2": "#indicator+area_m2+cleared",
        "remaining_m2": "#indicator+area_m2+remaining",
        "latest_information": "#date+reported",
    },
    "hazard_indications": {
        "id": "#meta+id",
        "kind": "#loc+type+indication",  # suspected contamination, or a lifted minefield
        "status": "#status",
        "year": "#date+year",
        "place": "#loc+name",
        "source": "#meta+source",
        **_ORG,
        **_ADMIN,
        "recorded_at": "#date+recorded",
    },
    "hazard_warnings": {
        "id": "#meta+id",
        "classification": "#loc+type",
        "status": "#status",
        **_ADMIN,
        "date_of_information": "#date+reported",
    },
}

# Geometry in tables: points as latitude and longitude, other shapes as WKT (HXL's #geo+bounds).
LAT, LON, WKT = "lat", "lon", "geometry_wkt"
GEOMETRY_HXL = {LAT: "#geo+lat", LON: "#geo+lon", WKT: "#geo+bounds"}


def columns(view_name: str) -> list[str]:
    """The exported columns of a collection's view (its id, or its generalised view), in order (geometry apart)."""
    return list(HXL[view_name])
