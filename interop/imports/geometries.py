"""Every row's geometry checked at once (shapely 2, vectorised GEOS): null, empty, type, reprojection, range, validity.

Per-row Python work is what limits a 100,000-polygon import, so the checks run on whole arrays; only
the few invalid polygons go one by one through core.geometry.parse_area, the same MakeValid repair
and note the report pipeline uses. Reprojection transforms all coordinates of the layer in one GDAL
OCTTransform call, with the transform Django's GDAL builds (lon/lat order).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _

from core.errors import Problem
from core.geometry import parse_area
from interop.imports.crs import Crs, _own_gdal

POLYGONAL = (3, 6)  # shapely type ids: Polygon, MultiPolygon
POINT = (0,)
_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
          6: "MultiPolygon", 7: "GeometryCollection"}  # fmt: skip


@dataclass
class Checked:
    """Per row: the geometry in EPSG:4326 (None when rejected), its WKT, and problems / repairs by row index."""

    shapes: np.ndarray
    wkt: list[str | None]
    problems: dict[int, list[Problem]] = field(default_factory=dict)
    repairs: dict[int, list[Problem]] = field(default_factory=dict)
    unrepaired: dict[int, str] = field(default_factory=dict)  # WKT before the repair, of the repaired rows


def _transform_coordinates(crs: Crs, coords: np.ndarray) -> np.ndarray:
    """(N, 2) source coordinates → lon/lat, in one OCTTransform call; a point that fails becomes inf."""
    ct = crs.transform_to_wgs84()
    assert ct is not None
    x = np.ascontiguousarray(coords[:, 0], dtype=np.float64).copy()
    y = np.ascontiguousarray(coords[:, 1], dtype=np.float64).copy()
    fn = _own_gdal().OCTTransform
    dbl = ctypes.POINTER(ctypes.c_double)
    fn.restype, fn.argtypes = ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, dbl, dbl, dbl]
    if len(x):
        fn(ct.ptr, len(x), x.ctypes.data_as(dbl), y.ctypes.data_as(dbl), None)
    return np.column_stack([x, y])


def check(wkb: list[bytes | None], *, wanted: str, kind: str, crs: Crs | None, reasons: dict[int, str]) -> Checked:
    """Check and reproject a layer's geometries; `wanted` is "polygon" or "point"."""
    n = len(wkb)
    problems: dict[int, list[Problem]] = {}
    raw = np.empty(n, dtype=object)
    raw[:] = wkb
    shapes = shapely.from_wkb(raw, on_invalid="ignore")
    ok = np.ones(n, dtype=bool)

    def reject(mask: np.ndarray, reason: Any, code: str) -> None:
        for i in np.flatnonzero(mask & ok):
            problems[int(i)] = [Problem("geometry", reason(int(i)) if callable(reason) else reason, code)]
        ok[mask] = False

    missing = np.array([w is None for w in wkb], dtype=bool)
    reject(missing, lambda i: reasons.get(i) or _("null geometry"), "no_geometry")
    reject(shapely.is_missing(shapes), _("not readable (invalid WKB)"), "not_a_geometry")
    reject(shapely.is_empty(shapes), _("empty geometry"), "empty_geometry")
    if shapely.has_z(shapes[ok]).any():
        shapes[ok] = shapely.force_2d(shapes[ok])  # GPS units and KML give Z; the register is 2D
    types = shapely.get_type_id(shapes)
    allowed = POLYGONAL if wanted == "polygon" else POINT
    takes = " or ".join(_NAMES[t] for t in allowed)
    wrong_type = _("a %(type)s; the %(kind)s target takes %(takes)s geometries")
    reject(~np.isin(types, allowed),
           lambda i: wrong_type % {"type": _NAMES.get(int(types[i]), "geometry"), "kind": kind, "takes": takes},
           "wrong_geometry_type")  # fmt: skip
    if crs is not None and not crs.is_wgs84 and ok.any():
        shapes[ok] = shapely.transform(shapes[ok], lambda c: _transform_coordinates(crs, c))
    bounds = shapely.bounds(shapes)
    finite = np.isfinite(bounds).all(axis=1)
    reject(~finite, _("could not be reprojected from %(crs)s") % {"crs": crs.label if crs else ""}, "not_reprojectable")
    with np.errstate(invalid="ignore"):
        outside = (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
    if crs is None:
        no_crs = _(
            "coordinates (%(x)s, %(y)s) are outside the longitude/latitude range and the file states no CRS; "
            "give it with --crs EPSG:<code>"
        )
        reject(outside, lambda i: no_crs % {"x": f"{bounds[i, 0]:.0f}", "y": f"{bounds[i, 1]:.0f}"}, "not_lon_lat")
    else:
        reject(
            outside,
            _("coordinates outside the longitude/latitude range after reprojection from %(crs)s") % {"crs": crs.label},
            "not_lon_lat",
        )
    repairs: dict[int, list[Problem]] = {}
    unrepaired: dict[int, str] = {}
    if wanted == "polygon" and ok.any():
        invalid = np.zeros(n, dtype=bool)
        invalid[ok] = ~shapely.is_valid(shapes[ok])
        for i in np.flatnonzero(invalid):
            # The pipeline's own repair (GEOS MakeValid through Django), so the note matches a typed-in report.
            area, found = parse_area(GEOSGeometry(memoryview(shapely.to_wkb(shapes[i])), srid=4326), "geometry")
            if area is None:
                problems[int(i)] = found
                ok[i] = False
                continue
            unrepaired[int(i)] = str(shapely.to_wkt(shapes[i], rounding_precision=-1))
            shapes[i] = shapely.from_wkb(bytes(area.geom.wkb))
            repairs[int(i)] = [Problem("geometry", area.repair_note, "repaired")]
    shapes[~ok] = None
    wkt = shapely.to_wkt(shapes, rounding_precision=-1).tolist()
    return Checked(shapes, wkt, problems, repairs, unrepaired)
