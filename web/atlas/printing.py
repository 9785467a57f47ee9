"""Print the map page to PDF at a chosen scale (issue 18): the visible layers around the view's centre.

The sheet is drawn by `core.mapsheet.MapSheet`, as the task dossier's map, in the UTM zone of the centre.
Every layer is read from its published view through the tiles' own rule (`interop.publish_access`): the
rows and fields this reader may read, the generalised accidents for those who may not read single
casualty records, nothing for a collection they may not see. So the paper never shows more than the map
page did. The legend lists only the layers printed; the footer names the date, the reader and the scale.
Under the layers lies the offline basemap chosen (`basemap=`, default the first configured offline one;
`interop.basemaps.printed`, decision 0063), named with its attribution under the legend.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import connection
from django.http import QueryDict
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from psycopg import sql
from reportlab.graphics import renderPDF
from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, A4, landscape, portrait
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core import pdf
from core.errors import CleargroundError, Problem, ValidationFailed
from core.geometry import utm_srid
from core.mapsheet import MapSheet
from interop.basemaps.config import configured
from interop.basemaps.printed import default_basemap, draw_basemap, named
from interop.publish_access import Reader, published_collection, rows_filter
from vocab.choices import Classification, HazardStatus

# The scales offered (1:1 000 … 1:100 000): beyond them a sheet is a country map, below a site plan.
PRINT_SCALES = (1000, 2000, 2500, 5000, 10000, 25000, 50000, 100000)
PAPERS = {"a4": A4, "a3": A3}
ORIENTATIONS = {"portrait": portrait, "landscape": landscape}
MARGIN = 10 * mm
HEADER = 12 * mm
LEGEND = 22 * mm
# A sheet at 1:100 000 on A3 holds a few thousand features; more would make a PDF nobody can open in the field.
MAX_FEATURES = 20000

HAZARD_FILL = {"CHA": colors.Color(0.85, 0.1, 0.1, alpha=0.45), "SHA": colors.Color(1, 0.6, 0.1, alpha=0.45)}
CLOSED_FILL = colors.Color(0.6, 0.6, 0.6, alpha=0.4)
PRODUCT_FILL = {"cancelled": colors.lightblue, "reduced": colors.khaki, "cleared": colors.lightgreen}


@dataclass(frozen=True)
class PrintLayer:
    """A map-page layer (its checkbox value) and the published collection it prints."""

    name: str
    collection: str
    style_column: str  # the column the symbol depends on ("" = one symbol)


# In drawing order: areas under products under points.
PRINT_LAYERS = (
    PrintLayer("hazards", "hazardous_areas", "classification"),
    PrintLayer("products", "land_release_products", "kind"),
    PrintLayer("indications", "hazard_indications", ""),
    PrintLayer("finds", "finds", ""),
    PrintLayer("accidents", "accidents", ""),
)


@dataclass(frozen=True)
class PrintOrder:
    """What to print: the centre (lon/lat), the scale, the paper and which layers."""

    lon: float
    lat: float
    scale: int
    paper: str
    orientation: str
    layers: tuple[str, ...]
    # The map page's filters, as it applies them: classification and status to hazards (None: all), the
    # organisation to every layer (None: all).
    classifications: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    organisation: int | None = None
    basemap: str = ""  # a configured basemap's name; "" for none


def parse_print_order(params: QueryDict) -> PrintOrder:
    """Read `lon`, `lat`, `scale`, `paper`, `orientation`, `layer` (repeated), the filters and `basemap`; every
    problem named at once."""
    problems: list[Problem] = []
    position = []
    for name, low, high in (("lon", -180.0, 180.0), ("lat", -80.0, 84.0)):  # UTM stops at 80°S and 84°N
        try:
            value = float(params.get(name, ""))
            if not low <= value <= high:
                raise ValueError
            position.append(value)
        except ValueError:
            problems.append(Problem(name, _("must be a number from %(low)s to %(high)s") % {"low": low, "high": high}))
    try:
        scale = int(params.get("scale", ""))
        if scale not in PRINT_SCALES:
            raise ValueError
    except ValueError:
        scale = 0
        problems.append(
            Problem("scale", _("must be one of %(scales)s") % {"scales": ", ".join(map(str, PRINT_SCALES))})
        )
    paper = params.get("paper", "a4")
    if paper not in PAPERS:
        problems.append(Problem("paper", _("must be a4 or a3")))
    orientation = params.get("orientation", "portrait")
    if orientation not in ORIENTATIONS:
        problems.append(Problem("orientation", _("must be portrait or landscape")))
    known = {layer.name for layer in PRINT_LAYERS}
    layers = tuple(params.getlist("layer")) or tuple(known)
    problems += [Problem("layer", _("unknown layer %(name)s") % {"name": name}) for name in layers if name not in known]
    # `filtered` says the page sent its filters, so that no box ticked means nothing, not everything.
    filtered = params.get("filtered") == "1"
    classifications = tuple(params.getlist("classification"))
    statuses = tuple(params.getlist("status"))
    problems += [Problem("classification", _("unknown classification %(name)s") % {"name": value})
                 for value in classifications if value not in Classification.values]  # fmt: skip
    problems += [Problem("status", _("unknown status %(name)s") % {"name": value})
                 for value in statuses if value not in HazardStatus.values]  # fmt: skip
    organisation = None
    if params.get("organisation"):
        try:
            organisation = int(params.get("organisation", ""))
        except ValueError:
            problems.append(Problem("organisation", _("must be an organisation's number")))
    # `basemap`: a configured one by name, `none`, or (absent) the first offline one when there is one.
    basemap = params.get("basemap", "")
    if not basemap:
        default = default_basemap()
        basemap = default.name if default else ""
    elif basemap == "none":
        basemap = ""
    elif named(basemap) is None:
        names = [b.name for b in configured()] + ["none"]
        problems.append(Problem("basemap", _("unknown basemap %(name)s: give one of %(names)s")
                                % {"name": basemap, "names": ", ".join(names)}))  # fmt: skip
    if problems:
        raise ValidationFailed(problems)
    return PrintOrder(position[0], position[1], scale, paper, orientation, layers,
                      classifications if filtered or classifications else None,
                      statuses if filtered or statuses else None, organisation, basemap)  # fmt: skip


def _filters(order: PrintOrder, layer: PrintLayer) -> Condition:
    """The page's filters as a condition on a layer's view (alias t) and its parameters."""
    parts: list[sql.Composable] = []
    params: list[Any] = []
    if order.organisation is not None:
        parts.append(sql.SQL("t.organisation_id = %s"))
        params.append(order.organisation)
    if layer.name == "hazards":
        for column, values in (("classification", order.classifications), ("status", order.statuses)):
            if values is not None:
                parts.append(sql.SQL("t.{} = ANY(%s)").format(sql.Identifier(column)))
                params.append(list(values))
    return (sql.SQL(" AND ").join(parts) if parts else sql.SQL("TRUE")), params


Condition = tuple[sql.Composable, list[Any]]  # SQL over alias t, and its %s parameters


def layer_features(reader: Reader, collection_id: str, box: GEOSGeometry, *, column: str = "",
                   clip: bool = True, limit: int = MAX_FEATURES,
                   where: Condition | None = None) -> list[tuple[GEOSGeometry, Any]]:  # fmt: skip
    """(geometry in `box`'s SRID, the style column's value) of the rows of a published collection this
    reader may read that meet `box`; clipped to it when `clip`. Raises as the tiles do (404/401) when the
    reader may not read the collection. A column the reader may not see reads as None; `where` narrows further
    (a condition on alias t and its parameters)."""
    collection, org_ids = published_collection(reader, collection_id)
    condition, params = rows_filter(org_ids)
    if where is not None:
        condition = sql.SQL("{} AND {}").format(condition, where[0])
        params = [*params, *where[1]]
    shown = column and (collection.fields is None or column in collection.fields)
    value = sql.SQL("t.{}::text").format(sql.Identifier(column)) if shown else sql.SQL("NULL")
    geometry = sql.SQL("ST_ClipByBox2D(ST_Transform(t.geom, %s), %s::geometry)" if clip else "ST_Transform(t.geom, %s)")
    statement = sql.SQL(
        "SELECT ST_AsEWKB({geometry}), {value} FROM {view} AS t"
        " WHERE t.geom && ST_Transform(%s::geometry, 4326) AND {condition} ORDER BY t.id LIMIT %s"
    ).format(geometry=geometry, value=value, view=sql.Identifier("publish", collection.view_name), condition=condition)
    ewkb = box.ewkb.hex()
    before = [box.srid, ewkb] if clip else [box.srid]
    with connection.cursor() as cursor:
        cursor.execute(statement, [*before, ewkb, *params, limit])
        rows = cursor.fetchall()
    found = []
    for data, style in rows:
        geom = GEOSGeometry(memoryview(bytes(data)))
        if not geom.empty:
            found.append((geom, style))
    return found


def _legend_items(layers: list[str]) -> list[tuple[str, Any, str]]:
    """(kind of symbol, colour, label) for each printed layer."""
    items: list[tuple[str, Any, str]] = []
    if "hazards" in layers:
        items += [("area", HAZARD_FILL["CHA"], _("Confirmed hazardous area (CHA)")),
                  ("area", HAZARD_FILL["SHA"], _("Suspected hazardous area (SHA)")),
                  ("area", CLOSED_FILL, _("Closed hazardous area"))]  # fmt: skip
    if "products" in layers:
        items += [("area", PRODUCT_FILL["cancelled"], _("Land cancelled (non-technical survey)")),
                  ("area", PRODUCT_FILL["reduced"], _("Land reduced (technical survey)")),
                  ("area", PRODUCT_FILL["cleared"], _("Land cleared"))]  # fmt: skip
    if "indications" in layers:
        items.append(("dot", colors.purple, _("Hazard indications")))
    if "finds" in layers:
        items.append(("triangle", colors.orange, _("Find of explosive ordnance")))
    if "accidents" in layers:
        items.append(("cross", colors.black, _("Accident")))
    return items


def print_pdf(order: PrintOrder, *, reader: Reader, language: str = "en") -> bytes:
    """The sheet as PDF bytes: only the ordered layers the reader may read (a hidden one is left off, silently)."""
    regular, bold = pdf.fonts()
    visual = pdf.visual(language)
    page_w, page_h = ORIENTATIONS[order.orientation](PAPERS[order.paper])
    map_w, map_h = page_w - 2 * MARGIN, page_h - 2 * MARGIN - HEADER - LEGEND
    srid = utm_srid(order.lon, order.lat)
    centre: Any = Point(order.lon, order.lat, srid=4326).transform(srid, clone=True)
    with translation.override(language):
        sheet = MapSheet(cx=centre.x, cy=centre.y, srid=srid, scale=order.scale, width=map_w, height=map_h,
                         font=regular, visual=visual)  # fmt: skip
        west, south, east, north = sheet.ground_box()
        box = GEOSGeometry(f"SRID={srid};POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},"
                           f"{west} {south}))")  # fmt: skip
        # The basemap first, so that every layer of the register lies over it.
        credit = draw_basemap(sheet, named(order.basemap) if order.basemap else None)
        printed: list[str] = []
        for layer in PRINT_LAYERS:
            if layer.name not in order.layers:
                continue
            try:
                features = layer_features(reader, layer.collection, box, column=layer.style_column,
                                          where=_filters(order, layer))  # fmt: skip
            except CleargroundError:  # not this reader's to see: the map page has no such layer either
                continue
            printed.append(layer.name)
            for geom, style in features:
                if layer.name == "hazards":
                    sheet.polygons(geom, HAZARD_FILL.get(style or "", CLOSED_FILL), colors.darkred, 0.8)
                elif layer.name == "products":
                    sheet.polygons(geom, PRODUCT_FILL.get(style or "", colors.lightgrey), colors.darkgreen, 0.5)
                elif layer.name == "indications":
                    sheet.dot(geom, colors.purple)
                elif layer.name == "finds":
                    sheet.triangle(geom)
                else:
                    sheet.cross(geom)
        drawing = sheet.furniture()

        out = io.BytesIO()
        title = _("Map of the register")
        canvas = Canvas(out, pagesize=(page_w, page_h), pageCompression=1)
        canvas.setTitle(title)
        name = getattr(reader, "get_full_name", lambda: "")() or getattr(reader, "username", "")
        printed_on = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        canvas.setFont(bold, 12)
        canvas.drawString(MARGIN, page_h - MARGIN - 5 * mm, visual(title))
        canvas.setFont(regular, 8)
        scale_text = _("Scale 1:%(scale)s on %(paper)s printed at 100%%. WGS 84 / UTM zone %(zone)s%(hemisphere)s "
                       "(EPSG:%(srid)s); north is grid north.") % {
            "scale": number_format(order.scale, 0, use_l10n=True, force_grouping=True), "paper": order.paper.upper(),
            "zone": srid % 100, "hemisphere": "N" if srid < 32700 else "S", "srid": srid}  # fmt: skip
        canvas.drawString(MARGIN, page_h - MARGIN - 10 * mm, visual(scale_text))
        renderPDF.draw(drawing, canvas, MARGIN, MARGIN + LEGEND)
        # Legend: symbols of the printed layers, in columns.
        canvas.setFont(regular, 7)
        items = _legend_items(printed)
        column_w = (page_w - 2 * MARGIN) / 3
        for i, (kind, colour, label) in enumerate(items):
            x = MARGIN + (i % 3) * column_w
            y = MARGIN + LEGEND - 6 * mm - (i // 3) * 4 * mm
            canvas.setFillColor(colour)
            if kind == "area":
                canvas.rect(x, y - 1, 6 * mm, 3 * mm, fill=1, stroke=1)
            elif kind == "dot":
                canvas.circle(x + 3 * mm, y + 0.5 * mm, 1.2 * mm, fill=1, stroke=1)
            elif kind == "triangle":
                path = canvas.beginPath()
                path.moveTo(x + 3 * mm, y + 2 * mm)
                path.lineTo(x + 1.5 * mm, y - 1)
                path.lineTo(x + 4.5 * mm, y - 1)
                path.close()
                canvas.drawPath(path, fill=1, stroke=1)
            else:
                canvas.line(x + 1.5 * mm, y - 1, x + 4.5 * mm, y + 2 * mm)
                canvas.line(x + 1.5 * mm, y + 2 * mm, x + 4.5 * mm, y - 1)
            canvas.setFillColor(colors.black)
            canvas.drawString(x + 8 * mm, y, visual(label))
        if credit:  # under the legend's rows (at most three: nine symbols)
            canvas.drawString(MARGIN, MARGIN + 1 * mm, visual(credit))
        footer = _("Printed %(when)s by %(who)s from Clearground. Only the layers this reader may see.") % {
            "when": printed_on, "who": name}  # fmt: skip
        canvas.drawString(MARGIN, MARGIN - 5 * mm, visual(footer))
        canvas.showPage()
        canvas.save()
    return out.getvalue()
