"""Translated names of what the import and export services name by code (kinds, statuses, collections)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

IMPORT_KINDS = {
    "nts": _("NTS report: a new suspected or confirmed hazardous area per polygon"),
    "hazard_indication": _("Hazard indication: a suspected-contamination point for survey"),
    "released_area": _("Released area: checked against the register, listed for a land-release report"),
    "clearance_summary": _(
        "Clearance summary: one month's m² cleared and devices destroyed in a municipality (no polygon)"
    ),
}

IMPORT_STATUSES = {
    "uploaded": _("Uploaded"),
    "previewed": _("Previewed"),
    "running": _("Running"),
    "done": _("Done"),
    "failed": _("Failed"),
    "approved": _("Approved"),
}

ROW_STATUSES = {
    "imported": _("Imported"),
    "repaired": _("Repaired"),
    "rejected": _("Rejected"),
    "duplicate": _("Duplicate"),
}

COLLECTIONS = {
    "hazardous_areas": _("Hazardous areas"),
    "land_release_products": _("Land release products"),
    "activities": _("Activities"),
    "finds": _("Finds"),
    "risk_education_sessions": _("Risk education sessions"),
    "accidents": _("Accidents"),
}

FORMATS = {
    "gpkg": _("GeoPackage"),
    "geojson": _("GeoJSON (zipped, one file per collection)"),
    "fgb": _("FlatGeobuf (zipped)"),
    "kml": _("KML (Google Earth)"),
    "shp": _("Shapefile (zipped)"),
    "xlsx": _("Excel workbook"),
    "csv": _("HXL-tagged CSV (zipped)"),
}


def name(table: Mapping[str, object], code: str, fallback: str = "") -> str:
    """The translated name of `code`, or `fallback` (the service's own label) for a code added later."""
    return str(table.get(code) or fallback or code)
