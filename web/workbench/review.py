"""What a report proposes, read for people: its payload as labelled rows, its geometries as map layers,
and its change against the hazard's current state as a table (field | current | proposed).

Only for showing: the kinds (reports/kinds) remain the judges of what a payload means.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils import formats
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.personal import RESTRICTED
from core.geometry import area_m2, parse_area
from reports.models import Report
from web.workbench.binding import geometry_from_text, point_from_text
from web.workbench.spec import Field, KindForm


def _get(payload: Any, path: str) -> Any:
    node = payload
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _geometry(value: Any, point: bool = False) -> GEOSGeometry | None:
    if isinstance(value, str):
        value = point_from_text(value) if point else geometry_from_text(value)
    try:
        if point:
            return GEOSGeometry(value if isinstance(value, str) else json.dumps(value), srid=4326)
        parsed, problems = parse_area(value, "x")
    except (GEOSException, ValueError, TypeError):
        return None
    return parsed.geom if parsed else None


def _area_text(geom: GEOSGeometry | None) -> str:
    return _m2(area_m2(geom)) if geom else "—"


def shown(f: Field, value: Any) -> str:
    """A payload value as a reader sees it: vocabulary labels, yes/no, polygons by their area."""
    if value is None or value == "" or value == []:
        return "—"
    if value == RESTRICTED:  # withheld from this reader (informants, casualties: decisions 0004, 0037)
        return _("Restricted")
    if f.type == "boolean":
        return _("Yes") if value is True else _("No")
    labels = dict(f.options())
    if f.type == "choice":
        return labels.get(str(value), str(value))
    if f.type == "multi" and isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if f.type == "polygon":
        return _area_text(_geometry(value))
    if f.type == "date" and isinstance(value, str):
        try:
            return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value  # a draft's date as typed
    if f.type == "point" and isinstance(value, dict):
        return ", ".join(str(c) for c in value.get("coordinates") or [])
    if f.type == "points" and isinstance(value, list):
        return "; ".join(shown(Field("", "", "point"), v) for v in value)
    return str(value)


def payload_rows(form: KindForm, payload: Any) -> list[tuple[str, str]]:
    """(label, value) for every field the payload fills, in the form's order."""
    rows = []
    for section in form.sections:
        for item in section.items:
            if isinstance(item, Field):
                value = _get(payload, item.path)
                if value not in (None, ""):
                    rows.append((str(item.label), shown(item, value)))
                continue
            entries = _get(payload, item.path)
            for n, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
                for f in item.fields:
                    value = _get(entry, f.path)
                    if value not in (None, ""):
                        rows.append((f"{item.label} {n}: {f.label}", shown(f, value)))
    return rows


def _group_label(form: KindForm, path: str) -> str:
    return str(form.groups()[path].label)


def _m2(value: float) -> str:
    return _("%(m2)s m²") % {"m2": number_format(round(value), force_grouping=True)}


def _feature(geom: GEOSGeometry, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": json.loads(geom.json), "properties": properties}


def map_layers(form: KindForm, report: Report) -> dict[str, Any]:
    """GeoJSON for the review map: the hazard as it is, the report's own geometry, its products."""
    current = []
    if report.hazard is not None:
        current.append(_feature(report.hazard.geom, label=report.hazard.code))
    proposed = []
    for section in form.sections:
        for item in section.items:
            if isinstance(item, Field) and item.type in ("polygon", "point"):
                geom = _geometry(_get(report.payload, item.path), point=item.type == "point")
                if geom is not None:
                    proposed.append(_feature(geom, label=str(item.label)))
    products = []
    for group_path, field_path in form.polygon_groups():
        entries = _get(report.payload, group_path)
        label = _group_label(form, group_path)
        for n, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
            geom = _geometry(_get(entry, field_path))
            if geom is not None:
                products.append(_feature(geom, label=f"{label} {n}"))
    return {
        "current": {"type": "FeatureCollection", "features": current},
        "proposed": {"type": "FeatureCollection", "features": proposed},
        "products": {"type": "FeatureCollection", "features": products},
    }


def change_table(form: KindForm, report: Report) -> list[tuple[str, str, str]]:
    """(field, current, proposed): each field the report sets, beside the hazard's value of the same name."""
    hazard = report.hazard
    columns = {f.name for f in hazard._meta.fields} if hazard is not None else set()
    rows = []
    for section in form.sections:
        for item in section.items:
            if not isinstance(item, Field):
                continue
            value = _get(report.payload, item.path)
            if value in (None, "", []):
                continue
            # A hazard field and the report's field of the same last name (hazard.name ↔ name); polygons ↔ geom.
            attr = "geom" if item.type == "polygon" else item.path.rsplit(".", 1)[-1]
            current = "—"
            if hazard is not None and attr in columns:
                now = getattr(hazard, attr)
                if item.type == "polygon":
                    current = _area_text(now)
                elif item.type == "point":
                    current = ", ".join(str(c) for c in now.coords) if now else "—"
                else:
                    current = shown(item, now)
            rows.append((str(item.label), current, shown(item, value)))
    for group_path, field_path in form.polygon_groups():
        entries = _get(report.payload, group_path)
        if not isinstance(entries, list) or not entries:
            continue
        geoms = [g for g in (_geometry(_get(e, field_path)) for e in entries) if g is not None]
        total = _m2(sum(area_m2(g) for g in geoms))
        rows.append(
            (_group_label(form, group_path), "—", _("%(n)s polygon(s), %(m2)s") % {"n": len(geoms), "m2": total})
        )
    if hazard is not None:
        rows.append((_("Remaining area"), _m2(hazard.remaining_area_m2), "—"))
    return rows
