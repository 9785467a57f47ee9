"""A map drawn by us at a stated scale, in a UTM zone, with reportlab: one drawing for every PDF map.

The task dossier (operations/dossier.py), the map page's print (web/atlas/printing.py) and the parcel status
statement (web/atlas/statement.py) draw through `MapSheet`, so a 1:5 000 means the same on each: one metre on
the ground is 1000 mm / scale on the paper. North is grid north (the sheet is the UTM grid), the scale bar is
a round length, and two corners carry their UTM coordinates so that the sheet can be laid on a GPS's grid.
The offline basemap, when one is configured, is drawn first by `interop.basemaps.printed.draw_basemap` through
`line`, `polygons`, `dot` and `label` (decision 0063); nothing online is fetched for a sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.graphics.shapes import Polygon as PdfPolygon
from reportlab.lib import colors
from reportlab.lib.units import mm

from core.geometry import to_srid

# Scales a reader can work from with a ruler.
SCALES = (500, 1000, 2000, 2500, 5000, 10000, 25000, 50000, 100000, 250000)
_BARS = (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000)


def fitting_scale(span_m: float, size_pt: float, scales: tuple[int, ...] = SCALES) -> int:
    """The most detailed of `scales` at which `span_m` metres fit `size_pt` points of paper."""
    fits = [s for s in scales if span_m / s * 1000 * mm <= size_pt]
    return fits[0] if fits else scales[-1]


class MapSheet:
    """A rectangle of paper showing the ground around (cx, cy) in UTM metres (EPSG `srid`) at 1:`scale`."""

    def __init__(self, *, cx: float, cy: float, srid: int, scale: int, width: float, height: float, font: str,
                 visual: Callable[[str], str] = lambda text: text) -> None:  # fmt: skip
        self.cx, self.cy, self.srid, self.scale = cx, cy, srid, scale
        self.width, self.height, self.font, self.visual = width, height, font, visual
        self.per_m = 1000 * mm / scale  # points per metre on the ground
        self.drawing = Drawing(width, height)
        self.drawing.add(Rect(0, 0, width, height, fillColor=colors.white, strokeColor=colors.black, strokeWidth=0.5))

    def at(self, x: float, y: float) -> tuple[float, float]:
        """Paper coordinates (points) of a ground position in the sheet's UTM zone."""
        return self.width / 2 + (x - self.cx) * self.per_m, self.height / 2 + (y - self.cy) * self.per_m

    def ground_box(self) -> tuple[float, float, float, float]:
        """West, south, east, north of the sheet in UTM metres."""
        half_w, half_h = self.width / 2 / self.per_m, self.height / 2 / self.per_m
        return self.cx - half_w, self.cy - half_h, self.cx + half_w, self.cy + half_h

    def local(self, geom: GEOSGeometry) -> Any:
        """The geometry in the sheet's zone (a Point, Polygon or MultiPolygon: GEOS's stubs know none)."""
        return geom if geom.srid == self.srid else to_srid(geom, self.srid)

    def polygons(self, geom: GEOSGeometry, fill: Any, stroke: Any, width: float,
                 dash: list[float] | None = None) -> None:  # fmt: skip
        """Draw the polygonal parts (outer rings) of a geometry; other parts are not areas and are skipped."""
        local = self.local(geom)
        parts = [local] if local.geom_type == "Polygon" else list(local) if local.geom_type == "MultiPolygon" else []
        for part in parts:
            points = [c for x, y in part.exterior_ring.coords for c in self.at(x, y)]
            self.drawing.add(PdfPolygon(points, fillColor=fill, strokeColor=stroke, strokeWidth=width,
                                        strokeDashArray=dash))  # fmt: skip

    def line(self, geom: GEOSGeometry, stroke: Any, width: float, dash: list[float] | None = None) -> None:
        """Draw a LineString (a basemap's road, river or boundary)."""
        points = [c for x, y in self.local(geom).coords for c in self.at(x, y)]
        if len(points) >= 4:
            self.drawing.add(PolyLine(points, strokeColor=stroke, strokeWidth=width, strokeDashArray=dash,
                                      strokeLineJoin=1, strokeLineCap=1))  # fmt: skip

    def label(self, px: float, py: float, text: str, size: float, colour: Any) -> None:
        """A name at a paper position (already shaped when it is Arabic)."""
        self.drawing.add(String(px, py, text, fontName=self.font, fontSize=size, fillColor=colour))

    def _inside(self, px: float, py: float) -> bool:
        return 0 <= px <= self.width and 0 <= py <= self.height

    def square(self, geom: GEOSGeometry, fill: Any = colors.red) -> None:
        """A point as a square (the tasked call-out, a parcel statement's point)."""
        px, py = self.at(*self.local(geom).coords)
        if self._inside(px, py):
            self.drawing.add(Rect(px - 4, py - 4, 8, 8, fillColor=fill, strokeColor=colors.black))

    def triangle(self, geom: GEOSGeometry, fill: Any = colors.orange) -> None:
        """A point as a triangle (finds)."""
        px, py = self.at(*self.local(geom).coords)
        if self._inside(px, py):
            self.drawing.add(PdfPolygon([px, py + 4, px - 3.5, py - 2.5, px + 3.5, py - 2.5], fillColor=fill,
                                        strokeColor=colors.black, strokeWidth=0.4))  # fmt: skip

    def cross(self, geom: GEOSGeometry) -> None:
        """A point as a cross (accidents)."""
        px, py = self.at(*self.local(geom).coords)
        if self._inside(px, py):
            self.drawing.add(Line(px - 4, py - 4, px + 4, py + 4, strokeColor=colors.black, strokeWidth=1.2))
            self.drawing.add(Line(px - 4, py + 4, px + 4, py - 4, strokeColor=colors.black, strokeWidth=1.2))

    def dot(self, geom: GEOSGeometry, fill: Any, radius: float = 3) -> None:
        """A point as a small disc (hazard indications; a basemap's places, smaller)."""
        px, py = self.at(*self.local(geom).coords)
        if self._inside(px, py):
            self.drawing.add(Circle(px, py, radius, fillColor=fill, strokeColor=colors.black if radius >= 3 else None,
                                    strokeWidth=0.4))  # fmt: skip

    def bar_length(self) -> float:
        """A round scale-bar length (metres) about a quarter of the sheet's width."""
        target = self.width / mm / 1000 * self.scale / 4
        return float(max((n for n in _BARS if n <= target), default=10))

    def furniture(self) -> Drawing:
        """North arrow (grid north), scale bar and corner coordinates on top; returns the drawing."""
        d, font, w, h = self.drawing, self.font, self.width, self.height
        nx, ny = w - 12 * mm, h - 22 * mm
        d.add(PdfPolygon([nx, ny + 14 * mm, nx - 3 * mm, ny, nx, ny + 3 * mm, nx + 3 * mm, ny],
                         fillColor=colors.black, strokeColor=colors.black))  # fmt: skip
        d.add(String(nx, ny + 16 * mm, self.visual(_("N")), fontName=font, fontSize=10, textAnchor="middle"))
        bar, per_m = self.bar_length(), self.per_m
        bx, by = 8 * mm, 8 * mm
        d.add(Rect(bx, by, bar * per_m / 2, 2 * mm, fillColor=colors.black, strokeColor=colors.black))
        d.add(Rect(bx + bar * per_m / 2, by, bar * per_m / 2, 2 * mm, fillColor=colors.white,
                   strokeColor=colors.black))  # fmt: skip
        d.add(String(bx, by + 3 * mm, "0", fontName=font, fontSize=7))
        label = f"{bar:g} m" if bar < 1000 else f"{bar / 1000:g} km"
        d.add(String(bx + bar * per_m, by + 3 * mm, label, fontName=font, fontSize=7, textAnchor="middle"))
        west, south, east, north = self.ground_box()
        d.add(String(2 * mm, h - 5 * mm, f"E {west:,.0f}  N {north:,.0f}", fontName=font, fontSize=6))
        d.add(String(w - 2 * mm, 2 * mm, f"E {east:,.0f}  N {south:,.0f}", fontName=font, fontSize=6,
                     textAnchor="end"))  # fmt: skip
        return d
