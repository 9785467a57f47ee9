"""The offline basemap on paper (decision 0063): the configured PMTiles archive drawn under a `MapSheet`'s layers.

The tiles covering the sheet are read at the zoom whose pixel is about the standard 0.28 mm on the paper at the
sheet's scale (fewer, coarser tiles when more than `MAX_TILES` would be needed), decoded with mapbox-vector-tile,
clipped to each tile's own square (so the tile buffer's cut edges are never stroked as borders) and to the sheet,
moved from Web Mercator into the sheet's UTM zone and drawn in muted colours: land and water, admin boundaries
dashed by level, roads and rivers when the archive has them, place names. Only an archive that is a file on this
server is read: an online basemap (xyz, wmts, a PMTiles URL) is never fetched for a print, so no request leaves
the server and a print cannot be turned into a request to somewhere else.
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiLineString, MultiPolygon, Polygon
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm

from core import pdf
from core.geometry import to_srid
from core.mapsheet import MapSheet
from interop.basemaps.archive import header as read_header
from interop.basemaps.archive import tile as read_tile
from interop.basemaps.config import Basemap, configured

# A sheet at 1:100 000 on A3 needs about 20 tiles at its zoom; a coarser zoom is read rather than more tiles.
MAX_TILES = 36
# Features decoded per sheet, and place names written: beyond them the basemap would hide the register's layers.
MAX_FEATURES = 6000
MAX_LABELS = 120
PIXEL_MM = 0.28  # the OGC standard rendering pixel: a tile's zoom is chosen so that one pixel is this on paper
TILE_PIXELS = 256
HALF_WORLD = 20037508.342789244  # Web Mercator's half width in metres
MERCATOR = 3857
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")

LAND = colors.HexColor("#f4f1e8")
WATER = colors.HexColor("#d3e3f0")
WATER_LINE = colors.HexColor("#7fa7c9")
AREA = colors.Color(0.894, 0.878, 0.831, alpha=0.5)  # a programme's own areas (--from), as map.js fills them
ROAD = colors.HexColor("#b8aa92")
COUNTRY_LINE = colors.HexColor("#7a7a7a")
PROVINCE_LINE = colors.HexColor("#9a90a5")
PLACE = colors.HexColor("#5a4a3a")
LABEL = colors.HexColor("#4a4440")

# What a vector layer is, from its name: our own archive's layers (`clearground basemap build`), a programme's
# files named after what they hold (--from), and the Protomaps schema (earth, water, boundaries, roads, places).
_WATER = re.compile(r"river|water|stream|lake|ocean|sea")
_ROAD = re.compile(r"road|street|highway|transport|track")
_BOUNDARY = re.compile(r"countr|province|boundar|admin|district|region")
_PLACE = re.compile(r"place|town|village|settlement|cit(y|ies)|locality")
_LAND = re.compile(r"^(countries|earth|land)$")


def offline(basemap: Basemap) -> bool:
    """A basemap a sheet can draw: a PMTiles file on this server that is there."""
    return basemap.served_here and basemap.file is not None and basemap.file.is_file()


def default_basemap() -> Basemap | None:
    """The first configured offline basemap (the print's default, the dossier's and the statement's); None if none."""
    return next((b for b in configured() if offline(b)), None)


def named(name: str) -> Basemap | None:
    """The configured basemap called `name`, whatever its type; None if no such one."""
    return next((b for b in configured() if b.name == name), None)


@dataclass
class _Layers:
    """The decoded features in drawing order, already clipped and in the sheet's zone."""

    land: list[GEOSGeometry] = field(default_factory=list)
    areas: list[GEOSGeometry] = field(default_factory=list)
    water: list[GEOSGeometry] = field(default_factory=list)
    water_lines: list[GEOSGeometry] = field(default_factory=list)
    roads: list[GEOSGeometry] = field(default_factory=list)
    boundaries: list[tuple[int, GEOSGeometry]] = field(default_factory=list)  # (level: 0 country, 1, 2…)
    places: list[tuple[float, str, GEOSGeometry]] = field(default_factory=list)  # (population, name, point)
    dots: list[GEOSGeometry] = field(default_factory=list)


def zoom_for(scale: int, lat: float, min_zoom: int, max_zoom: int) -> int:
    """The zoom whose pixel is about 0.28 mm on paper at 1:`scale` (at this latitude), within the archive's zooms."""
    metres_per_pixel = scale * PIXEL_MM / 1000
    ground = 2 * HALF_WORLD * math.cos(math.radians(lat)) / (TILE_PIXELS * metres_per_pixel)
    return max(min_zoom, min(max_zoom, math.floor(math.log2(max(ground, 1.0)))))


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    lat = max(-85.05, min(85.05, lat))
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def _tiles(bounds: tuple[float, float, float, float], z: int) -> list[tuple[int, int]]:
    west, south, east, north = bounds
    x0, y0 = _tile_xy(west, north, z)
    x1, y1 = _tile_xy(east, south, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _sheet_outline(sheet: MapSheet) -> GEOSGeometry:
    """The sheet's rectangle in its zone, with points along each edge so that it stays true in Web Mercator."""
    west, south, east, north = sheet.ground_box()
    steps = [i / 8 for i in range(8)]
    ring = [(west + (east - west) * t, south) for t in steps]
    ring += [(east, south + (north - south) * t) for t in steps]
    ring += [(east - (east - west) * t, north) for t in steps]
    ring += [(west, north - (north - south) * t) for t in steps]
    return Polygon([*ring, ring[0]], srid=sheet.srid)


def _wkt(geometry: dict[str, Any], to_ground: Any) -> str | None:
    """WKT (Web Mercator) of a decoded feature's GeoJSON-like geometry in tile units."""

    def ring(coords: list[list[float]]) -> str:
        return "(" + ",".join("{} {}".format(*to_ground(x, y)) for x, y in coords) + ")"

    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if not coords:
        return None
    if kind == "Point":
        return "POINT({} {})".format(*to_ground(*coords))
    if kind == "MultiPoint":
        return "MULTIPOINT(" + ",".join("({} {})".format(*to_ground(*c)) for c in coords) + ")"
    if kind == "LineString":
        return "LINESTRING" + ring(coords)
    if kind == "MultiLineString":
        return "MULTILINESTRING(" + ",".join(ring(c) for c in coords) + ")"
    if kind == "Polygon":
        return "POLYGON(" + ",".join(ring(c) for c in coords) + ")"
    if kind == "MultiPolygon":
        return "MULTIPOLYGON(" + ",".join("(" + ",".join(ring(r) for r in p) + ")" for p in coords) + ")"
    return None


def _vector(basemap: Basemap) -> bool:
    """Whether the archive holds vector tiles (a raster PMTiles is not drawn on paper)."""
    from pmtiles.tile import TileType

    assert basemap.file is not None
    try:
        with basemap.file.open("rb") as fh:
            return bool(read_header(fh)["tile_type"] == TileType.MVT)
    except (OSError, ValueError, KeyError, IndexError):
        return False


def _decoded(basemap: Basemap, sheet: MapSheet) -> Iterator[tuple[str, dict[str, Any], GEOSGeometry, GEOSGeometry]]:
    """(layer, properties, geometry in Web Mercator, the part of its tile's square on the sheet) of each feature."""
    import mapbox_vector_tile
    from pmtiles.tile import Compression, TileType

    assert basemap.file is not None
    outline = _sheet_outline(sheet)
    on_mercator = to_srid(outline, MERCATOR)
    west, south, east, north = to_srid(outline, 4326).extent
    count = 0
    with basemap.file.open("rb") as fh:
        header = read_header(fh)
        if header["tile_type"] != TileType.MVT:
            return
        z = zoom_for(sheet.scale, (south + north) / 2, header["min_zoom"], header["max_zoom"])
        while z > header["min_zoom"] and len(_tiles((west, south, east, north), z)) > MAX_TILES:
            z -= 1
        size = 2 * HALF_WORLD / 2**z
        for x, y in _tiles((west, south, east, north), z)[: MAX_TILES * 4]:
            data = read_tile(fh, header, z, x, y)
            if not data:
                continue  # no features there (open sea, or outside the archive)
            left, top = -HALF_WORLD + x * size, HALF_WORLD - y * size
            square = Polygon.from_bbox((left, top - size, left + size, top))
            square.srid = MERCATOR
            clip = square.intersection(on_mercator)
            if clip.empty:
                continue
            try:
                if header["tile_compression"] == Compression.GZIP:
                    data = gzip.decompress(data)
                layers = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
            except Exception:  # noqa: BLE001 - any broken tile (gzip, protobuf) leaves a gap, not a failed print
                continue
            for layer_name, layer in layers.items():
                unit = size / float(layer.get("extent") or 4096)

                def to_ground(px: float, py: float, left: float = left, top: float = top,
                              unit: float = unit) -> tuple[float, float]:  # fmt: skip
                    return left + px * unit, top - py * unit

                for feature in layer.get("features", []):
                    count += 1
                    if count > MAX_FEATURES:
                        return
                    wkt = _wkt(feature.get("geometry") or {}, to_ground)
                    if wkt is None:
                        continue
                    try:
                        geom = GEOSGeometry(wkt, srid=MERCATOR)
                    except (GEOSException, ValueError):
                        continue  # a broken feature leaves a gap, not a failed print
                    yield layer_name, feature.get("properties") or {}, geom, clip


def _parts(geom: GEOSGeometry, kinds: tuple[str, ...]) -> list[GEOSGeometry]:
    """The parts of `geom` (after a clip: any collection) of the given GEOS types."""
    if geom.empty:
        return []
    if geom.geom_type in kinds:
        return [geom]
    if geom.geom_type.startswith("Multi") or geom.geom_type == "GeometryCollection":
        return [p for part in geom for p in _parts(part, kinds)]  # type: ignore[attr-defined]
    return []


def _joined(pieces: list[GEOSGeometry]) -> list[GEOSGeometry]:
    """The polygons of tiles side by side as one: filled apart, their shared edges would show as hairlines."""
    parts = [p for piece in pieces for p in _parts(piece, ("Polygon",))]
    if len(parts) < 2:
        return parts
    try:
        return _parts(MultiPolygon(parts, srid=parts[0].srid).unary_union, ("Polygon",))
    except GEOSException:
        return parts


def _merged(pieces: list[GEOSGeometry]) -> list[GEOSGeometry]:
    """Lines from several features and tiles as one set: shared stretches once, joined end to end."""
    parts = [p for piece in pieces for p in _parts(piece, ("LineString",))]
    if len(parts) < 2:
        return parts
    try:
        joined: Any = MultiLineString(parts, srid=parts[0].srid).unary_union
        return _parts(joined.merged, ("LineString",))
    except (GEOSException, AttributeError):  # AttributeError: a union that came out as a mixed collection
        return parts


def _on_sheet(geom: GEOSGeometry, clip: GEOSGeometry, srid: int, box: GEOSGeometry) -> GEOSGeometry | None:
    """`geom` cut to its tile's part of the sheet, in the sheet's zone, cut again to the exact rectangle."""
    try:
        cut = geom.intersection(clip)
        if cut.empty:
            return None
        local = to_srid(cut, srid).intersection(box)
    except GEOSException:
        return None  # an invalid feature: left off rather than failing the print
    return None if local.empty else local


def _level(props: dict[str, Any], layer: str) -> int:
    if layer == "countries":
        return 0
    raw = props.get("level", props.get("admin_level", props.get("kind_detail", 1)))
    try:
        level = int(raw)
    except (TypeError, ValueError):
        return 1
    # OpenStreetMap's admin_level counts countries as 2 and provinces as 4.
    return max(0, level // 2 - 1) if "admin_level" in props or "kind_detail" in props else level


def _read(basemap: Basemap, sheet: MapSheet) -> _Layers:
    west, south, east, north = sheet.ground_box()
    box = Polygon.from_bbox((west, south, east, north))
    box.srid = sheet.srid
    found = _Layers()
    for layer, props, geom, clip in _decoded(basemap, sheet):
        name = layer.lower()
        polygonal = geom.geom_type in ("Polygon", "MultiPolygon")
        if geom.geom_type in ("Point", "MultiPoint"):
            point = _on_sheet(geom, clip, sheet.srid, box)
            if point is None:
                continue
            label = str(props.get("name") or "")[:60]
            if label and (_PLACE.search(name) or not _BOUNDARY.search(name)):
                population = props.get("population", props.get("population_rank", 0))
                found.places.append((population if isinstance(population, (int, float)) else 0, label, point))
            else:
                found.dots.append(point)
            continue
        if polygonal and (_LAND.match(name) or (_WATER.search(name) is None and _BOUNDARY.search(name) is None)):
            filled = _on_sheet(geom, clip, sheet.srid, box)
            if filled is not None:
                (found.land if _LAND.match(name) else found.areas).append(filled)
        if polygonal and _WATER.search(name):
            filled = _on_sheet(geom, clip, sheet.srid, box)
            if filled is not None:
                found.water.append(filled)
            continue
        # Lines: a polygon's boundary, cut to its tile's own square, so the cut at the tile buffer is never drawn.
        line = _on_sheet(geom.boundary if polygonal else geom, clip, sheet.srid, box)
        if line is None:
            continue
        if _BOUNDARY.search(name):
            found.boundaries.append((_level(props, name), line))
        elif _WATER.search(name):
            found.water_lines.append(line)
        elif _ROAD.search(name) or not polygonal:
            found.roads.append(line)
    return found


def draw_basemap(sheet: MapSheet, basemap: Basemap | None) -> str:
    """Draw `basemap` on `sheet` (call before the register's layers, which then lie over it); its credit line.

    Returns "" with no basemap, the credit ("Basemap: name — attribution") when drawn, and a note that it is not
    printed for an online basemap, one whose file is not there or one of raster tiles: nothing is fetched for a print.
    """
    if basemap is None:
        return ""
    if not offline(basemap) or not _vector(basemap):
        return _("Basemap %(name)s is not printed: a print draws only an offline basemap kept on this server, and "
                 "no request leaves the server for it.") % {"name": basemap.name}  # fmt: skip
    found = _read(basemap, sheet)
    for pieces, fill in ((found.land, LAND), (found.areas, AREA), (found.water, WATER)):
        for part in _joined(pieces):
            sheet.polygons(part, fill, fill, 0.5)  # the edge in the fill's colour hides slivers between tiles
    for geom in found.water_lines:
        for part in _parts(geom, ("LineString",)):
            sheet.line(part, WATER_LINE, 0.8)
    for geom in found.roads:
        for part in _parts(geom, ("LineString",)):
            sheet.line(part, ROAD, 0.7)
    for level in sorted({level for level, _geom in found.boundaries}, reverse=True):  # countries over provinces
        dash: list[float] | None = None if level == 0 else [3.0, 2.0] if level == 1 else [1.0, 1.5]
        colour, width = (COUNTRY_LINE, 1.0) if level == 0 else (PROVINCE_LINE, 0.7 if level == 1 else 0.4)
        # Two neighbours each give their common border: drawn twice, out of step, a dashed line looks solid.
        for part in _merged([geom for at, geom in found.boundaries if at == level]):
            sheet.line(part, colour, width, dash)
    for geom in found.dots:
        for part in _parts(geom, ("Point",)):
            sheet.dot(part, PLACE, radius=1.2)
    _labels(sheet, found.places)
    credit = basemap.attribution or basemap.name
    return _("Basemap: %(name)s — %(attribution)s") % {"name": basemap.name, "attribution": credit}


def _labels(sheet: MapSheet, places: list[tuple[float, str, GEOSGeometry]]) -> None:
    """Place names, the most populous first, each where it overlaps no name already written."""
    # The furniture's corners (coordinates, north arrow, scale bar) stay readable: no name is written there.
    w, h = sheet.width, sheet.height
    taken: list[tuple[float, float, float, float]] = [
        (0, h - 8 * mm, 45 * mm, h), (w - 45 * mm, 0, w, 8 * mm), (w - 20 * mm, h - 28 * mm, w, h),
        (0, 0, 8 * mm + sheet.bar_length() * sheet.per_m + 12 * mm, 16 * mm),
    ]  # fmt: skip
    seen: set[tuple[str, int, int]] = set()
    written = 0
    shape = pdf.visual("ar")
    for population, name, geom in sorted(places, key=lambda p: -p[0]):
        for point in _parts(geom, ("Point",)):
            px, py = sheet.at(*point.coords)  # type: ignore[attr-defined]
            key = (name, round(px), round(py))
            if key in seen:
                continue  # the same place from two tiles' buffers
            seen.add(key)
            size = 8.5 if population >= 1_000_000 else 7 if population >= 100_000 else 6
            width = len(name) * size * 0.55
            box = (px + 2, py - 1, px + 3 + width, py + size)
            if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
                sheet.dot(point, PLACE, radius=1.0)
                continue
            taken.append(box)
            sheet.dot(point, PLACE, radius=1.5 if population >= 100_000 else 1.0)
            # A name in Arabic letters is joined and ordered whatever the sheet's language.
            sheet.label(px + 3, py + 1, shape(name) if ARABIC.search(name) else name, size, LABEL)
            written += 1
            if written >= MAX_LABELS:
                return
