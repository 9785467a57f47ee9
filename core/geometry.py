"""Geometry rules shared by every door: parse, validate or repair, and measure in metres.

Areas are measured in the local UTM zone of the geometry (never in degrees), which keeps the
error of a hazard-sized polygon well under 0.1 %.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from ctypes import POINTER, byref, c_double, c_int
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.gis.gdal import CoordTransform, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Point, Polygon
from django.contrib.gis.geos.libgeos import GEOM_PTR, GEOSFuncFactory
from django.utils.translation import gettext as _

from core.coordinates import parse_positions
from core.errors import Problem

WGS84 = 4326
_transforms: dict[tuple[int, int], CoordTransform] = {}


def utm_srid(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 / UTM zone holding (lon, lat)."""
    zone = min(60, max(1, int((lon + 180) // 6) + 1))
    return (32600 if lat >= 0 else 32700) + zone


def _transform(srid_from: int, srid_to: int) -> CoordTransform:
    key = (srid_from, srid_to)
    if key not in _transforms:
        # Django's SpatialReference keeps the traditional lon/lat axis order for EPSG:4326.
        _transforms[key] = CoordTransform(SpatialReference(srid_from), SpatialReference(srid_to))
    return _transforms[key]


def to_srid(geom: GEOSGeometry, srid: int) -> GEOSGeometry:
    """A transformed copy of `geom`."""
    if geom.srid == srid:
        return geom.clone()
    return geom.transform(_transform(geom.srid or WGS84, srid), clone=True)


def local_srid(geom: GEOSGeometry) -> int:
    """The UTM zone of the geometry's centroid: the local metric frame used for areas and tolerances."""
    c = to_srid(geom, WGS84).centroid
    return utm_srid(c.x, c.y)


def area_m2(geom: GEOSGeometry, srid: int | None = None) -> float:
    """Area in square metres, measured in `srid` (default: the local UTM zone)."""
    if geom.empty:
        return 0.0
    return float(to_srid(geom, srid or local_srid(geom)).area)


def is_valid(geom: GEOSGeometry) -> bool:
    """OGC validity, asked through GEOSisValidReason: `.valid` would log a GEOS notice per invalid geometry."""
    return geom.valid_reason == "Valid Geometry"


def as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    """Polygonal parts of a geometry as one MultiPolygon (drops lines and points left by a repair)."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    polys: list[Polygon] = []
    for part in cast(Iterable[GEOSGeometry], geom):  # a GeometryCollection
        if isinstance(part, Polygon):
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(cast(Iterable[Polygon], part))
    return MultiPolygon(*polys, srid=geom.srid)


def to_wgs84_polygonal(geom: GEOSGeometry) -> MultiPolygon:
    """A metric-frame result (clip, difference) back in EPSG:4326 as a valid MultiPolygon.

    Reprojection can leave a clipped sliver ring touching itself; MakeValid mends that, and only
    the polygonal parts are kept.
    """
    out = to_srid(geom, WGS84)
    if not is_valid(out):
        out = out.make_valid()
    return as_multipolygon(out)


@dataclass
class ParsedArea:
    """A polygon accepted from input, with a note when it had to be repaired."""

    geom: MultiPolygon
    repair_note: str = ""


# Text GEOS reads (GeoJSON, WKT, EWKT, hex WKB); any other text is coordinates as written in the field.
_GEOMETRY_TEXT = re.compile(
    r"^\s*(\{|\[|SRID=|[A-Z]+\s*(ZM|Z|M)?\s*(\(|EMPTY\b)|(00|01)[0-9A-F]{40,}\s*$)", re.IGNORECASE
)


def _from_positions(text: str) -> GEOSGeometry:
    """One position as a Point, three or more (one a line) as a Polygon whose ring we close."""
    positions = parse_positions(text)  # a CoordinateError is a ValueError: "not a readable geometry (…)"
    coords = [(p.longitude, p.latitude) for p in positions]
    if len(coords) == 1:
        return Point(coords[0], srid=WGS84)
    if len(coords) == 2:
        raise ValueError("two positions are neither a point nor a polygon: give three or more corners, one a line")
    if coords[0] != coords[-1]:
        coords.append(coords[0])
    return Polygon(coords, srid=WGS84)


def _load(value: Any) -> GEOSGeometry:
    if isinstance(value, GEOSGeometry):
        return value
    if isinstance(value, dict):
        value = json.dumps(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a GeoJSON geometry object or WKT text")
    if not _GEOMETRY_TEXT.match(value):
        return _from_positions(value)
    geom = GEOSGeometry(value)
    if not geom.srid:
        geom.srid = WGS84
    return geom


class _Bound(GEOSFuncFactory):
    argtypes = [GEOM_PTR, POINTER(c_double)]
    restype = c_int


# GEOSGeom_getXMin & co. read the envelope in C; Django's `.extent` builds Python ring and coordinate
# objects for it, which dominated the check of a large import (the same four numbers either way).
_BOUNDS = tuple(_Bound(f"GEOSGeom_get{b}") for b in ("XMin", "YMin", "XMax", "YMax"))


def _extent(geom: GEOSGeometry) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) of a non-empty geometry, as `geom.extent`."""
    out = []
    for bound in _BOUNDS:
        value = c_double()
        if not bound(geom.ptr, byref(value)):
            raise GEOSException("could not read the geometry's extent")
        out.append(value.value)
    return out[0], out[1], out[2], out[3]


def _check_lonlat(geom: GEOSGeometry, field: str) -> list[Problem]:
    xmin, ymin, xmax, ymax = _extent(geom)
    if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
        message = _("coordinates must be longitude/latitude in EPSG:4326 (lon -180..180, lat -90..90)")
        return [Problem(field, message, "not_lon_lat")]
    return []


def _unreadable(field: str, exc: Exception) -> Problem:
    # The reason is the reader's own words (GEOS, GDAL, core.coordinates), in English: it names what was read.
    reason = str(exc).replace("\n", " ")
    return Problem(field, _("not a readable geometry (%(reason)s)") % {"reason": reason}, "not_a_geometry")


def parse_area(value: Any, field: str) -> tuple[ParsedArea | None, list[Problem]]:
    """Accept a polygon or multipolygon (GeoJSON or WKT, EPSG:4326); repair an invalid one.

    An invalid polygon (self-intersection, bow-tie, unclosed-then-closed ring) is repaired with
    GEOS MakeValid, the same algorithm PostGIS's ST_MakeValid calls, and the repair is noted. Input that
    is empty, not polygonal, outside lon/lat ranges or has nothing left after repair is rejected.
    """
    if value in (None, "", {}):
        return None, [Problem(field, _("a polygon is required"), "required")]
    try:
        geom = _load(value)
    except (ValueError, GEOSException, GDALException, TypeError) as exc:
        return None, [_unreadable(field, exc)]
    if geom.srid != WGS84:
        geom = to_srid(geom, WGS84)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        message = _("must be a Polygon or MultiPolygon, not a %(type)s") % {"type": geom.geom_type}
        return None, [Problem(field, message, "wrong_geometry_type")]
    if geom.empty:
        return None, [Problem(field, _("the polygon is empty"), "empty_geometry")]
    problems = _check_lonlat(geom, field)
    if problems:
        return None, problems
    note = ""
    if not is_valid(geom):
        reason = geom.valid_reason
        repaired = as_multipolygon(geom.make_valid())
        if repaired.empty or area_m2(repaired) < 0.01:
            message = _("invalid polygon (%(reason)s) and nothing is left after repair") % {"reason": reason}
            return None, [Problem(field, message, "nothing_left_after_repair")]
        note = f"repaired with MakeValid: {reason}; area after repair {area_m2(repaired):,.1f} m²"
        geom = repaired
    return ParsedArea(as_multipolygon(geom), note), []


def parse_point(value: Any, field: str, *, required: bool = True) -> tuple[Point | None, list[Problem]]:
    """Accept a GeoJSON or WKT point in EPSG:4326."""
    if value in (None, "", {}):
        return None, ([Problem(field, _("a point is required"), "required")] if required else [])
    try:
        geom = _load(value)
    except (ValueError, GEOSException, GDALException, TypeError) as exc:
        return None, [_unreadable(field, exc)]
    if geom.geom_type != "Point" or geom.empty:
        message = _("must be a Point, not a %(type)s") % {"type": geom.geom_type}
        return None, [Problem(field, message, "wrong_geometry_type")]
    problems = _check_lonlat(geom, field)
    return (None, problems) if problems else (geom, [])  # type: ignore[return-value]
