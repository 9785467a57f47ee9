"""The parcel status statement (issue 18, decision 0061): anyone asks about a parcel and gets a dated PDF.

A parcel is a point with a radius or a drawn polygon (GeoJSON, WGS 84). The statement says, as the register
stands when it is issued, whether the parcel meets a hazard the authority publishes (`hazard_warnings`:
classification, status and the area met; never devices, finds, accidents or casualties), which of it was
released, when, how (cancelled, reduced, cleared: IMAS 07.11) and by which organisation, as published
(`land_release_products`), and the hand-over certificates of that land; then the authority's caveat.

Everything is read as an anonymous caller reads it, through `interop.publish_access` (the OGC API's and
the tiles' own rule): what the authority does not publish, the statement says it cannot tell. Each issued
statement is an audit row (`public.parcel_statement`: the parcel, a keyed hash of the client's address, the
language), whose number the PDF carries, so the authority can confirm a statement shown to it; the same rows
count a client's statements for the rate limit (CLEARGROUND_STATEMENTS_PER_MINUTE).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NoReturn
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Point
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from psycopg import sql
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from accounts.chain import seal_after_commit
from accounts.models import AuditEntry, Organisation
from core import pdf
from core.errors import CleargroundError, NotFoundOrNoAccess, Problem, ValidationFailed
from core.geometry import area_m2, as_multipolygon, is_valid, to_srid, utm_srid
from core.mapsheet import MapSheet, fitting_scale
from hazards.models import Handover
from interop.basemaps.printed import default_basemap, draw_basemap
from interop.publish_access import published_collection, rows_filter
from vocab.choices import OrganisationKind, ProductKind

ACTION = "public.parcel_statement"
MAX_VERTICES = 1000  # a surveyed field has tens; thousands are a district's outline or an attack
MAX_AREA_M2 = 10_000_000  # 10 km² (1 000 ha): a statement is about a parcel, not a district
MAX_RADIUS_M = 1000
MAX_BODY_BYTES = 256 * 1024
CIRCLE_SEGMENTS = 16  # per quarter circle: 64 sides, within 0.2 % of the circle's area
MAP_SIZE = 170 * mm
_CRS84 = {"EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "urn:ogc:def:crs:EPSG::4326",
          "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326"}  # fmt: skip


class TooManyStatements(CleargroundError):
    """The client asked for more statements than CLEARGROUND_STATEMENTS_PER_MINUTE; `wait` seconds to go."""

    status = 429

    def __init__(self, wait: int) -> None:
        super().__init__(_("Too many statements from this address; try again in %(wait)s s.") % {"wait": wait})
        self.wait = wait


@dataclass
class Parcel:
    """The land asked about, in WGS 84, with its UTM zone and area; `radius_m` when it was a point's circle."""

    geom: MultiPolygon
    srid: int
    area_m2: float
    centre: Point
    radius_m: float | None = None

    def as_geojson(self) -> dict[str, Any]:
        """What the audit row keeps: the point and radius, or the polygon (6 decimals, about 0.1 m)."""
        if self.radius_m is not None:
            return {"type": "Point", "coordinates": [round(self.centre.x, 6), round(self.centre.y, 6)],
                    "radius_m": self.radius_m}  # fmt: skip
        return dict(json.loads(self.geom.json))


def _number(raw: Any, name: str, low: float, high: float) -> tuple[float | None, list[Problem]]:
    try:
        value = float(raw)
        if math.isfinite(value) and low <= value <= high:
            return value, []
    except (TypeError, ValueError):
        pass
    message = _("must be a number from %(low)s to %(high)s") % {"low": f"{low:g}", "high": f"{high:g}"}
    return None, [Problem(name, message, "out_of_range")]


def parcel_from_point(lon: Any, lat: Any, radius: Any) -> Parcel:
    """A circle of `radius` metres (1 to MAX_RADIUS_M) around lon/lat, drawn in the point's UTM zone."""
    x, problems = _number(lon, "lon", -180, 180)
    y, more = _number(lat, "lat", -80, 84)  # the UTM zones' reach
    r, most = _number(radius if radius not in (None, "") else 100, "radius", 1, MAX_RADIUS_M)
    problems += more + most
    if problems or x is None or y is None or r is None:
        raise ValidationFailed(problems)
    centre = Point(x, y, srid=4326)
    srid = utm_srid(x, y)
    circle = to_srid(to_srid(centre, srid).buffer(r, CIRCLE_SEGMENTS), 4326)
    geom = as_multipolygon(circle)
    return Parcel(geom, srid, area_m2(geom, srid), centre, r)


def _vertices(coordinates: Any, budget: int) -> int:
    """How many positions a GeoJSON coordinates array holds (stops counting past `budget`)."""
    if isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], (int, float)):
        return 1
    total = 0
    for part in coordinates if isinstance(coordinates, list) else []:
        total += _vertices(part, budget - total)
        if total > budget:
            break
    return total


def _refuse(field: str, message: str, code: str = "invalid") -> NoReturn:
    raise ValidationFailed([Problem(field, message, code)])


def _too_large(area: float | None) -> str:
    limit = f"{MAX_AREA_M2 / 1e6:g}"
    if area is None:
        return _("larger than the %(limit)s km² a statement covers") % {"limit": limit}
    return _("%(area)s km² is larger than the %(limit)s km² a statement covers") % {"area": f"{area / 1e6:,.1f}",
                                                                                     "limit": limit}  # fmt: skip


def parcel_from_geojson(data: Any, radius: Any = None) -> Parcel:
    """A GeoJSON Polygon, MultiPolygon or Point (with `radius`), bare or as a Feature; refused with a problem
    naming what is wrong: not GeoJSON, another CRS, too many vertices, invalid (self-intersecting), too large."""
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            _refuse("features", _("send one parcel: a FeatureCollection of exactly one feature"))
        data = features[0]
    crs = data.get("crs") if isinstance(data, dict) else None
    if isinstance(data, dict) and data.get("type") == "Feature":
        properties = data.get("properties") or {}
        if radius in (None, "") and isinstance(properties, dict):
            radius = properties.get("radius")
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon", "Point"):
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        _refuse("geometry", _("must be a GeoJSON Polygon, MultiPolygon or Point, not %(kind)s") % {"kind": kind})
    crs = data.get("crs", crs)
    if crs is not None:
        name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
        if name not in _CRS84:
            message = _("coordinates must be WGS 84 longitude/latitude (EPSG:4326), not %(crs)s; reproject first") % {
                "crs": name or json.dumps(crs)
            }
            _refuse("crs", message, "wrong_crs")
    count = _vertices(data.get("coordinates"), MAX_VERTICES)
    if count > MAX_VERTICES:
        too_many = _("more than %(n)s vertices: simplify the parcel") % {"n": MAX_VERTICES}
        _refuse("geometry", too_many, "too_many_vertices")
    try:
        geom = GEOSGeometry(json.dumps({"type": data["type"], "coordinates": data.get("coordinates")}))
    except (GEOSException, GDALException, ValueError, TypeError) as exc:
        _refuse("geometry", _("not a readable GeoJSON geometry (%(error)s)") % {"error": exc})
    if geom.empty:
        _refuse("geometry", _("the geometry is empty"))
    xmin, ymin, xmax, ymax = geom.extent
    if xmin < -180 or xmax > 180 or ymin < -80 or ymax > 84:
        projected = _("coordinates must be longitude/latitude in degrees (EPSG:4326); these look projected (metres?)")
        _refuse("geometry", projected, "wrong_crs")
    if geom.geom_type == "Point":
        return parcel_from_point(geom.x, geom.y, radius)  # type: ignore[attr-defined]
    geom.srid = 4326
    if not is_valid(geom):
        invalid = _("not a valid polygon: %(reason)s; draw it again without crossing its own edges")
        _refuse("geometry", invalid % {"reason": geom.valid_reason}, "invalid_geometry")
    centre = geom.centroid
    srid = utm_srid(centre.x, centre.y)
    if max(xmax - xmin, ymax - ymin) > 1.0:  # beyond a degree the UTM area means nothing, and it is too large anyway
        _refuse("geometry", _too_large(None), "too_large")
    area = area_m2(geom, srid)
    if area > MAX_AREA_M2:
        _refuse("geometry", _too_large(area), "too_large")
    return Parcel(as_multipolygon(geom), srid, area, centre)


@dataclass
class HazardMet:
    """A published hazard warning the parcel meets, and how much of the parcel lies in it."""

    classification: str | None
    status: str | None
    admin_area: str | None
    date_of_information: str | None
    met_m2: float


@dataclass
class Release:
    """Published released land within the parcel: when, how, by whom, how much of the parcel."""

    on: str | None
    kind: str | None
    organisation: str | None
    within_m2: float


@dataclass
class Statement:
    """What the statement says; `hazards` / `releases` None when the authority does not publish them."""

    parcel: Parcel
    issued_at: dt.datetime
    data_version: int
    authority: str
    hazards: list[HazardMet] | None
    releases: list[Release] | None
    released_m2: float = 0.0
    handovers: list[tuple[str, str]] = field(default_factory=list)  # (date, certificate number)


def _meeting(collection_id: str, parcel: Parcel, columns: tuple[str, ...]) -> list[tuple[Any, ...]] | None:
    """Rows of a published collection meeting the parcel, as an anonymous caller reads them: each column
    (None where not published) and the parcel's area inside the row. None when the collection is not published."""
    try:
        collection, org_ids = published_collection(AnonymousUser(), collection_id)
    except NotFoundOrNoAccess:
        return None
    condition, params = rows_filter(org_ids)
    shown = [
        sql.SQL("t.{}::text").format(sql.Identifier(c)) if collection.fields is None or c in collection.fields
        else sql.SQL("NULL") for c in columns
    ]  # fmt: skip
    statement = sql.SQL(
        "SELECT {columns}, ST_Area(ST_Transform(ST_Intersection(t.geom, p.geom), %s)) FROM {view} AS t,"
        " (SELECT ST_GeomFromEWKB(%s) AS geom) AS p WHERE ST_Intersects(t.geom, p.geom) AND {condition}"
        " ORDER BY 1, t.id"
    ).format(columns=sql.SQL(", ").join(shown), view=sql.Identifier("publish", collection.view_name),
             condition=condition)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(statement, [parcel.srid, bytes(parcel.geom.ewkb), *params])
        return [row for row in cursor.fetchall() if row[-1] > 0.005]  # a shared edge is not land met


def _released_m2(parcel: Parcel) -> float:
    """The parcel's area on published released land, counted once where products overlap (linked hazards)."""
    collection, org_ids = published_collection(AnonymousUser(), "land_release_products")
    condition, params = rows_filter(org_ids)
    statement = sql.SQL(
        "SELECT COALESCE(ST_Area(ST_Transform(ST_Intersection(ST_Union(t.geom), ST_GeomFromEWKB(%s)), %s)), 0)"
        " FROM {view} AS t WHERE ST_Intersects(t.geom, ST_GeomFromEWKB(%s)) AND {condition}"
    ).format(view=sql.Identifier("publish", collection.view_name), condition=condition)
    ewkb = bytes(parcel.geom.ewkb)
    with connection.cursor() as cursor:
        cursor.execute(statement, [ewkb, parcel.srid, ewkb, *params])
        row = cursor.fetchone()
    return float(row[0]) if row else 0.0


def _handovers(parcel: Parcel) -> list[tuple[str, str]]:
    """Hand-over certificates of land meeting the parcel (its parcel, or the whole hazard when none was drawn):
    the date and the certificate number only; whom it was handed to may name a person."""
    met = Handover.objects.filter(parcel__intersects=parcel.geom) | Handover.objects.filter(
        parcel__isnull=True, hazard__geom__intersects=parcel.geom, hazard__status="closed"
    )
    return [(h.on.isoformat(), h.certificate) for h in met.exclude(certificate="").order_by("on", "id")]


def build_statement(parcel: Parcel) -> Statement:
    """What the register publishes about the parcel now (reads only)."""
    from hazards.models import data_version

    authorities = Organisation.objects.filter(kind=OrganisationKind.NATIONAL_AUTHORITY).order_by("id")
    authority = authorities.values_list("name", flat=True).first()
    hazards = _meeting("hazard_warnings", parcel, ("classification", "status", "admin_area", "date_of_information"))
    products = _meeting("land_release_products", parcel, ("on", "kind", "organisation"))
    statement = Statement(
        parcel=parcel,
        issued_at=timezone.now(),
        data_version=data_version(),
        authority=authority or _("the national mine action authority"),
        hazards=None if hazards is None else [HazardMet(r[0], r[1], r[2], r[3], float(r[4])) for r in hazards],
        releases=None if products is None else [Release(r[0], r[1], r[2], float(r[3])) for r in products],
    )
    if products is not None:
        statement.released_m2 = _released_m2(parcel)
        statement.handovers = _handovers(parcel)
    return statement


def caveat(language: str) -> str:
    """The authority's standard caveat (CLEARGROUND_STATEMENT_CAVEAT: a text, or language → text), else ours."""
    configured = getattr(settings, "CLEARGROUND_STATEMENT_CAVEAT", "")
    if isinstance(configured, dict):
        configured = configured.get(language) or configured.get(settings.LANGUAGE_CODE) or ""
    if isinstance(configured, str) and configured.strip():
        return configured.strip()
    return _(
        "This statement reports only what the authority has recorded and published on the date above. It is not a "
        "guarantee that the land is free of explosive ordnance: land that was never reported, or was reported "
        "after this date, is not in it, and released land can still hold an item missed or moved. Whoever finds "
        "a suspicious object must not touch it, must mark the place and report it to the police or the authority."
    )


def client_key(ip: str | None) -> str:
    """The client's address as a keyed hash: enough to count its statements, not to name a visitor.

    The audit log is append-only, so what it keeps of an anonymous visitor is kept for good: not the address.
    """
    digest = hmac.new(settings.SECRET_KEY.encode(), (ip or "").encode(), hashlib.sha256).hexdigest()
    return digest[:20]


def seconds_refused(ip: str | None) -> int:
    """0 if the client at `ip` may have a statement now, else the seconds until it may."""
    limit = int(getattr(settings, "CLEARGROUND_STATEMENTS_PER_MINUTE", 6))
    now = timezone.now()
    times = list(
        AuditEntry.objects.filter(action=ACTION, at__gt=now - timedelta(seconds=60), new__client=client_key(ip))
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(times) < limit:
        return 0
    return max(1, math.ceil((times[-1] + timedelta(seconds=60) - now).total_seconds()))


def issue_statement(parcel: Parcel, *, ip: str | None, language: str) -> tuple[bytes, int]:
    """The statement as PDF bytes and its number, audited; refused (429) past the client's rate."""
    with transaction.atomic():
        # One client's statements are counted under a lock on its address, so parallel requests cannot all pass.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{ACTION}:{client_key(ip)}"])
        wait = seconds_refused(ip)
        if wait:
            raise TooManyStatements(wait)
        statement = build_statement(parcel)
        entry = AuditEntry.objects.create(
            actor=None, action=ACTION, object_type="public.parcel", object_id="",
            new={"client": client_key(ip), "language": language, "parcel": parcel.as_geojson(),
                 "area_m2": round(parcel.area_m2, 1), "data_version": statement.data_version},
        )  # fmt: skip
        seal_after_commit()
    return statement_pdf(statement, language=language, number=entry.pk), entry.pk


def _n(value: float, places: int = 0) -> str:
    return str(number_format(value, places, use_l10n=True, force_grouping=True))


def _how(kind: str | None) -> str:
    labels = {"cancelled": _("cancelled (non-technical survey)"), "reduced": _("reduced (technical survey)"),
              "cleared": _("cleared")}  # fmt: skip
    return labels.get(kind or "", str(ProductKind(kind).label) if kind in ProductKind.values else "—")


def statement_pdf(statement: Statement, *, language: str, number: int) -> bytes:
    """The statement on A4 in `language`: the finding, the map, the hazards met, the land released, the caveat."""
    regular, bold = pdf.fonts()
    visual = pdf.visual(language)
    rtl = language == "ar"
    base = getSampleStyleSheet()
    styles = {
        name: ParagraphStyle(f"statement-{name}", parent=base[name], fontName=bold if name != "Normal" else regular,
                             alignment=TA_RIGHT if rtl else TA_LEFT)
        for name in ("Title", "Heading2", "Normal")
    }  # fmt: skip
    parcel = statement.parcel
    with translation.override(language):
        story: list[Any] = []

        def para(text: str, style: str = "Normal") -> None:
            story.append(Paragraph(escape(visual(text)), styles[style]))

        def table(columns: list[str], rows: list[list[Any]]) -> None:
            story.append(pdf.grid(columns, rows, language=language))

        title = _("Parcel status statement")
        para(title, "Title")
        issued = statement.issued_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        para(_("Statement no. %(number)s, issued %(when)s from the register of %(authority)s (data version "
               "%(version)s).") % {"number": number, "when": issued, "authority": statement.authority,
                                   "version": statement.data_version})  # fmt: skip
        if parcel.radius_m is not None:
            para(_("Parcel: a circle of %(radius)s m around longitude %(lon)s, latitude %(lat)s (WGS 84); "
                   "%(area)s m².") % {"radius": _n(parcel.radius_m), "lon": f"{parcel.centre.x:.6f}",
                                      "lat": f"{parcel.centre.y:.6f}", "area": _n(parcel.area_m2)})  # fmt: skip
        else:
            para(
                _("Parcel: the polygon drawn, centre longitude %(lon)s, latitude %(lat)s (WGS 84); %(area)s m².")
                % {"lon": f"{parcel.centre.x:.6f}", "lat": f"{parcel.centre.y:.6f}", "area": _n(parcel.area_m2)}
            )

        story.append(Spacer(1, 8))
        para(_("Finding"), "Heading2")
        if statement.hazards is None:
            para(_("The authority does not publish hazardous areas: this statement cannot say whether the parcel "
                   "meets one. Ask the authority."))  # fmt: skip
        elif statement.hazards:
            met = sum(h.met_m2 for h in statement.hazards)
            para(
                _("The parcel MEETS %(count)s recorded hazardous area(s): %(met)s m² of it lies in them.")
                % {"count": len(statement.hazards), "met": _n(min(met, parcel.area_m2))}
            )
        else:
            para(_("The parcel meets no hazardous area the authority has recorded and published."))
        if statement.releases is None:
            para(_("The authority does not publish released land by parcel: this statement cannot say what of "
                   "the parcel was released."))  # fmt: skip
        else:
            para(
                _("%(released)s m² of the parcel lies on land recorded as released.")
                % {"released": _n(statement.released_m2)}
            )

        story.append(Spacer(1, 8))
        sheet_map = _map(statement, regular, visual)
        story.append(sheet_map[0])
        para(
            _(
                "Scale 1:%(scale)s on A4 printed at 100%%; north is grid north. Red: hazardous areas; green, yellow, "
                "blue: land cleared, reduced, cancelled; black outline: the parcel."
            )
            % {"scale": _n(sheet_map[1])}
        )
        if sheet_map[2]:
            para(sheet_map[2])

        if statement.hazards:
            story.append(Spacer(1, 8))
            para(_("Hazardous areas met"), "Heading2")
            table([_("Classification"), _("Status"), _("Administrative area"), _("Date of information"),
                   _("Parcel area in it (m²)")],
                  [[h.classification or "—", h.status or "—", h.admin_area or "—", h.date_of_information or "—",
                    _n(h.met_m2)] for h in statement.hazards])  # fmt: skip
        if statement.releases:
            story.append(Spacer(1, 8))
            para(_("Land released within the parcel"), "Heading2")
            table([_("On"), _("How"), _("By"), _("Parcel area (m²)")],
                  [[r.on or "—", _how(r.kind), r.organisation or "—", _n(r.within_m2)]
                   for r in statement.releases])  # fmt: skip
        if statement.handovers:
            story.append(Spacer(1, 8))
            para(_("Hand-over certificates"), "Heading2")
            table([_("On"), _("Certificate")], [list(h) for h in statement.handovers])

        story.append(Spacer(1, 10))
        para(_("Caveat"), "Heading2")
        para(caveat(language))
        out = io.BytesIO()
        SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=20 * mm, rightMargin=20 * mm,
                          topMargin=15 * mm, bottomMargin=15 * mm).build(story)  # fmt: skip
    return out.getvalue()


def _map(statement: Statement, font: str, visual: Any) -> tuple[Any, int, str]:
    """The parcel, the published hazards and released land around it, at the scale that fits it, over the offline
    basemap (public reference data, served to anyone: decision 0056); with the scale and the basemap's credit."""
    from web.atlas.printing import layer_features

    parcel = statement.parcel
    local: Any = to_srid(parcel.geom, parcel.srid)
    x0, y0, x1, y1 = local.extent
    span = max(x1 - x0, y1 - y0, 100.0) * 1.5
    scale = fitting_scale(span, MAP_SIZE)
    sheet = MapSheet(cx=(x0 + x1) / 2, cy=(y0 + y1) / 2, srid=parcel.srid, scale=scale, width=MAP_SIZE,
                     height=MAP_SIZE * 0.7, font=font, visual=visual)  # fmt: skip
    credit = draw_basemap(sheet, default_basemap())  # first: the register's layers lie over it (0063)
    west, south, east, north = sheet.ground_box()
    box = GEOSGeometry(f"SRID={parcel.srid};POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},"
                       f"{west} {south}))")  # fmt: skip
    anonymous = AnonymousUser()
    if statement.hazards is not None:
        for geom, _style in layer_features(anonymous, "hazard_warnings", box):
            sheet.polygons(geom, colors.Color(1, 0.8, 0.8), colors.red, 1.0)
    if statement.releases is not None:
        fills = {"cancelled": colors.lightblue, "reduced": colors.khaki, "cleared": colors.lightgreen}
        for geom, kind in layer_features(anonymous, "land_release_products", box, column="kind"):
            sheet.polygons(geom, fills.get(kind or "", colors.lightgrey), colors.darkgreen, 0.5)
    sheet.polygons(local, None, colors.black, 1.5, dash=[4, 2])
    return sheet.furniture(), scale, credit
