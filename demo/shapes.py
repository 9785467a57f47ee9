"""Drawing demo geometry: irregular quadrilaterals in metres and the non-overlapping strips inside them.

A hazard is drawn in its own frame (metres, centred on 0,0, long axis along x), then rotated and
moved to a point in the local UTM zone and transformed to EPSG:4326. Its strips are the hazard
intersected with bands across that frame, so every product lies inside its hazard, no two overlap,
and together they cover it exactly.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.contrib.gis.geos.prepared import PreparedGeometry

from core.geometry import as_multipolygon, to_srid, utm_srid

MIN_STRIP_M2 = 5.0  # smaller slivers are merged into their neighbour: a strip is a real work lane


@dataclass
class Frame:
    """A hazard's drawing frame: rotation and position in a UTM zone."""

    srid: int
    x0: float
    y0: float
    angle: float

    def place(self, local: GEOSGeometry) -> GEOSGeometry:
        """The local-frame geometry rotated and moved into the UTM zone."""
        cos, sin = math.cos(self.angle), math.sin(self.angle)

        def move(coords: Any) -> list[tuple[float, float]]:
            return [(self.x0 + x * cos - y * sin, self.y0 + x * sin + y * cos) for x, y in coords]

        if isinstance(local, Point):
            return Point(*move([local.coords])[0], srid=self.srid)
        if isinstance(local, MultiPolygon):
            return MultiPolygon(*[self.place(p) for p in local], srid=self.srid)
        assert isinstance(local, Polygon)
        return Polygon(*[move(ring.coords) for ring in local], srid=self.srid)


def geojson(geom: GEOSGeometry) -> dict[str, Any]:
    """GeoJSON of a UTM geometry, in EPSG:4326, as a payload dict."""
    out: dict[str, Any] = json.loads(to_srid(geom, 4326).json)
    return out


def quadrilateral(rng: random.Random, area_m2: float) -> Polygon:
    """An irregular quadrilateral of about `area_m2`, centred on (0, 0), longest along x."""
    aspect = rng.uniform(1.0, 3.0)
    half_w = math.sqrt(area_m2 * aspect) / 2
    half_h = half_w / aspect
    corners = [(-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)]
    # Jitter each corner by up to a fifth of the sides: irregular, never self-intersecting.
    jittered = [(x + rng.uniform(-0.2, 0.2) * half_w, y + rng.uniform(-0.2, 0.2) * half_h) for x, y in corners]
    poly = Polygon([*jittered, jittered[0]])
    scale = math.sqrt(area_m2 / poly.area)
    return Polygon([(x * scale, y * scale) for x, y in poly.exterior_ring.coords])


def strips(local: Polygon, n: int) -> list[GEOSGeometry]:
    """The local-frame hazard cut into `n` bands across its long axis (slivers merged into a neighbour)."""
    xmin, ymin, xmax, ymax = local.extent
    width = (xmax - xmin) / n
    out: list[GEOSGeometry] = []
    for i in range(n):
        left = xmin + i * width
        right = xmax if i == n - 1 else left + width
        band = Polygon.from_bbox((left, ymin - 1, right, ymax + 1))
        part = as_multipolygon(local.intersection(band))
        if part.empty:
            continue
        if out and (part.area < MIN_STRIP_M2 or out[-1].area < MIN_STRIP_M2):
            out[-1] = as_multipolygon(out[-1].union(part))
        else:
            out.append(part)
    return out


def point_in(rng: random.Random, local: GEOSGeometry) -> Point:
    """A random point inside a local-frame geometry."""
    xmin, ymin, xmax, ymax = local.extent
    for _ in range(20):
        p = Point(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax))
        if local.contains(p):
            return p
    return local.point_on_surface


class Region:
    """An admin area in which to place hazards: random points inside its boundary."""

    def __init__(self, geom: GEOSGeometry) -> None:
        self.geom = geom
        self.prepared: PreparedGeometry = geom.prepared
        self.extent = geom.extent

    def spot(self, rng: random.Random, radius_m: float) -> Frame:
        """A frame whose circle of `radius_m` lies inside the area (rejection sampling)."""
        xmin, ymin, xmax, ymax = self.extent
        for _ in range(200):
            lon, lat = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
            if not self.prepared.contains(Point(lon, lat, srid=4326)):
                continue
            srid = utm_srid(lon, lat)
            centre = to_srid(Point(lon, lat, srid=4326), srid)
            assert isinstance(centre, Point)
            x, y = centre.x, centre.y
            frame = Frame(srid, x, y, rng.uniform(0, math.pi))
            if self.prepared.contains(to_srid(frame.place(Point(0, 0)).buffer(radius_m, 4), 4326)):
                return frame
        raise ValueError("no room for a hazard in this area")
