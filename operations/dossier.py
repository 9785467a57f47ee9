"""The task dossier (decision 0053): one PDF the team leader takes to the field, in the reader's language.

The area on a map at a stated scale (drawn in the hazard's own UTM zone, no basemap), the hazard's
history, evidence, minefield record, finds and accidents within a set distance, the task's instructions,
dates, priority, team and contacts. Never an informant's identity nor a casualty's: accidents nearby are
counts by year and kind unless the reader may read single casualty records (decision 0037). Every door
(command, API, page) calls `render_dossier`, which writes the audit row (the contacts name people).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections import Counter
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db.models import Count, Q
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from accounts import access, audit
from accounts.access import AnyUser
from accounts.models import Organisation
from casualties.models import Accident
from core import pdf
from core.geometry import to_srid, utm_srid
from core.mapsheet import MapSheet, fitting_scale
from hazards.models import Evidence, Find, HazardStatusChange, HazardVersion, MinefieldRecord
from interop.basemaps.printed import default_basemap, draw_basemap
from operations.models import Task
from vocab.choices import OrganisationKind, Role

#: The default radius of "nearby" finds and accidents, in metres (the command's --within).
WITHIN_M = 2000
MAX_WITHIN_M = 20000  # beyond a day's walk the list stops being a briefing
MAP_SIZE = 170 * mm  # the map's side on an A4 page with 20 mm margins
PRODUCT_COLOURS = {"cancelled": colors.lightblue, "reduced": colors.khaki, "cleared": colors.lightgreen}


def _area(task: Task) -> GEOSGeometry:
    """What was tasked: the hazard's polygon, or the task's own area (an area task, a call-out's point)."""
    geom: GEOSGeometry | None = task.hazard.geom if task.hazard is not None else task.area
    assert geom is not None  # the task_hazard_or_area constraint
    return geom


def _srid(task: Task, area: GEOSGeometry) -> int:
    if task.hazard is not None:
        return task.hazard.utm_srid
    centre = area.centroid
    return utm_srid(centre.x, centre.y)


def _search_box(area: GEOSGeometry, within_m: float) -> Polygon:
    """A lon/lat box holding everything within `within_m` of the area (generous: the index narrows, metres decide)."""
    x0, y0, x1, y1 = area.extent
    dlat = within_m / 110_000 * 1.1
    dlon = dlat / max(0.05, math.cos(math.radians(max(abs(y0), abs(y1)))))
    box = Polygon.from_bbox((x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat))
    box.srid = 4326
    return box


def _bearing(origin: Any, target: Any) -> str:
    """The compass point (of eight) from the area's centre to the target, both in UTM metres."""
    angle = math.degrees(math.atan2(target.x - origin.x, target.y - origin.y)) % 360
    return (_("N"), _("NE"), _("E"), _("SE"), _("S"), _("SW"), _("W"), _("NW"))[int((angle + 22.5) // 45) % 8]


def nearby_finds(area: GEOSGeometry, srid: int, within_m: float) -> list[tuple[Find, float, str]]:
    """Finds of the whole register (publish.finds shows them too) within `within_m` of the area, nearest first."""
    local, centre = to_srid(area, srid), to_srid(area, srid).centroid
    rows = []
    qs = Find.objects.select_related("hazard").filter(location__intersects=_search_box(area, within_m))
    for find in qs.order_by("on", "id"):
        assert find.location is not None
        where = to_srid(find.location, srid)
        distance = local.distance(where)
        if distance <= within_m:
            rows.append((find, distance, _bearing(centre, where)))
    return sorted(rows, key=lambda row: row[1])


def nearby_accidents(area: GEOSGeometry, srid: int, within_m: float) -> list[tuple[Accident, float, str]]:
    """Accidents of the whole register within `within_m` of the area, nearest first, with their casualty counts."""
    local, centre = to_srid(area, srid), to_srid(area, srid).centroid
    qs = Accident.objects.filter(location__intersects=_search_box(area, within_m)).annotate(
        killed=Count("casualties", filter=Q(casualties__outcome="killed")),
        injured=Count("casualties", filter=Q(casualties__outcome="injured")),
    )
    rows = []
    for accident in qs.order_by("occurred_at", "id"):
        where = to_srid(accident.location, srid)
        distance = local.distance(where)
        if distance <= within_m:
            rows.append((accident, distance, _bearing(centre, where)))
    return sorted(rows, key=lambda row: row[1])


def _contacts(task: Task) -> list[tuple[str, str, str]]:
    """(organisation, person, e-mail) for the operator's and the authority's IM officers and the task's issuer."""
    authority_ids = list(
        Organisation.objects.filter(kind=OrganisationKind.NATIONAL_AUTHORITY, memberships__user=task.issued_by)
        .values_list("pk", flat=True)
        .distinct()
    )
    people = (
        User.objects.filter(
            Q(memberships__organisation=task.organisation, memberships__role=Role.IM_OFFICER)
            | Q(memberships__organisation_id__in=authority_ids, memberships__role=Role.IM_OFFICER)
            | Q(pk=task.issued_by_id),
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )
    rows = []
    for person in people.prefetch_related("memberships__organisation"):
        orgs = sorted(
            {
                m.organisation.name
                for m in person.memberships.all()
                if m.organisation_id == task.organisation_id or m.organisation_id in authority_ids
            }  # fmt: skip
        )
        rows.append((", ".join(orgs), person.get_full_name() or person.username, person.email))
    return rows


def _map(area: GEOSGeometry, srid: int, products: list[Any], finds: list[Any], accidents: list[Any],
         visual: Callable[[str], str], font: str) -> tuple[Drawing, int, str]:  # fmt: skip
    """The area, its released products, finds (and accidents, for those who may see them) in UTM metres, over the
    offline basemap when one is configured; with the scale and the basemap's credit line ("" without one)."""
    local: Any = to_srid(area, srid)  # a Point, Polygon or MultiPolygon: GEOSGeometry's stubs know none
    x0, y0, x1, y1 = local.extent
    pad = max(x1 - x0, y1 - y0, 100.0) * 0.25
    half = max(x1 - x0, y1 - y0) / 2 + pad
    scale = fitting_scale(2 * half, MAP_SIZE)
    sheet = MapSheet(cx=(x0 + x1) / 2, cy=(y0 + y1) / 2, srid=srid, scale=scale, width=MAP_SIZE, height=MAP_SIZE,
                     font=font, visual=visual)  # fmt: skip
    credit = draw_basemap(sheet, default_basemap())  # first: the task's area and finds lie over it (0063)
    if local.geom_type == "Point":
        sheet.square(local)
    sheet.polygons(local, colors.Color(1, 0.85, 0.85), colors.red, 1.2)
    for product in products:
        sheet.polygons(product.geom, PRODUCT_COLOURS.get(product.kind, colors.lightgrey), colors.darkgreen, 0.5)
    for find in (row[0] for row in finds):
        assert find.location is not None
        sheet.triangle(find.location)
    for accident in (row[0] for row in accidents):
        sheet.cross(accident.location)
    return sheet.furniture(), scale, credit


def _n(value: float, places: int = 0) -> str:
    return str(number_format(value, places, use_l10n=True, force_grouping=True))


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else value.isoformat()


def dossier_pdf(task: Task, *, reader: AnyUser, within_m: float = WITHIN_M, language: str = "en") -> bytes:
    """The dossier of a task the reader may see, as PDF bytes (reads only; render_dossier audits)."""
    area, hazard = _area(task), task.hazard
    srid = _srid(task, area)
    # The hazard's own records only while the reader may see the hazard (the operator's sight of another
    # organisation's hazard ends with the task's life, decision 0050).
    hazard_visible = hazard is not None and access.hazards_for(reader).filter(pk=hazard.pk).exists()
    exact_accidents = access.may_see_casualty_records(reader)
    regular, bold = pdf.fonts()
    visual = pdf.visual(language)
    rtl = language == "ar"
    base = getSampleStyleSheet()
    styles = {
        name: ParagraphStyle(
            f"dossier-{name}",
            parent=base[name],
            fontName=bold if name != "Normal" else regular,
            alignment=TA_RIGHT if rtl else TA_LEFT,
        )  # fmt: skip
        for name in ("Title", "Heading2", "Normal")
    }

    with translation.override(language):
        story: list[Any] = []

        def para(text: str, style: str = "Normal") -> None:
            story.append(Paragraph(escape(visual(text)), styles[style]))

        def heading(text: str) -> None:
            story.append(Spacer(1, 10))
            para(text, "Heading2")

        def table(columns: list[str], rows: list[list[Any]]) -> None:
            story.append(pdf.grid(columns, rows, language=language, empty=_("none recorded")))

        title = _("Task dossier: task %(task)s") % {"task": task.pk}
        para(title, "Title")
        where = f"{hazard.code} {hazard.name}" if hazard is not None else _("area without a hazard")
        table([_("Field"), _("Value")], [
            [_("Activity"), task.get_activity_kind_display()],
            [_("Hazard"), where],
            [_("Operator"), task.organisation.name],
            [_("Team"), f"{task.team.code} {task.team.name} ({task.team.get_team_type_display()}, "
                        f"{task.team.size or '?'})" if task.team is not None else _("not assigned yet")],
            [_("Status"), task.get_status_display()],
            [_("Priority"), task.get_priority_display()],
            [_("Planned start"), _date(task.start_on)],
            [_("Planned completion"), _date(task.due_on)],
            [_("Issued"), _date(task.issued_at)],
            [_("Printed"), _date(dt.datetime.now(dt.UTC))],
        ])  # fmt: skip
        heading(_("Instructions"))
        para(task.instructions or _("none given"))

        # The map and the lists near the area.
        finds = nearby_finds(area, srid, within_m)
        accidents = nearby_accidents(area, srid, within_m)
        products = list(hazard.products.order_by("on", "id")) if hazard is not None and hazard_visible else []
        heading(_("Map"))
        drawing, scale, credit = _map(area, srid, products, finds, accidents if exact_accidents else [], visual,
                              regular)  # fmt: skip
        zone = srid % 100
        hemisphere = _("north") if srid < 32700 else _("south")
        para(
            _(
                "Scale 1:%(scale)s on A4 printed at 100%%. WGS 84 / UTM zone %(zone)s %(hemisphere)s (EPSG:%(srid)s); "
                "north is grid north."
            )
            % {"scale": _n(scale), "zone": zone, "hemisphere": hemisphere, "srid": srid}
        )
        para(
            _(
                "Red: the tasked area. Green, yellow, blue: land released (cleared, reduced, cancelled). "
                "Orange triangles: finds. Crosses: accidents."
            )
        )
        if credit:
            para(credit)
        story.append(drawing)

        if hazard is not None and hazard_visible:
            heading(_("Hazard"))
            table([_("Field"), _("Value")], [
                [_("Classification"), hazard.get_classification_display()],
                [_("Status"), hazard.get_status_display()],
                [_("Remaining area (m²)"), _n(hazard.remaining_area_m2 or 0)],
                [_("Marking"), hazard.get_marking_status_display()],
                [_("Date of information"), _date(hazard.date_of_information)],
                [_("Version"), hazard.version],
            ])  # fmt: skip
            heading(_("Status history"))
            changes = HazardStatusChange.objects.filter(hazard=hazard).order_by("on", "at", "id")
            table([_("On"), _("From"), _("To"), _("Classification"), _("Reason")],
                  [[_date(c.on), c.get_from_status_display() or "—", c.get_to_status_display(),
                    f"{c.from_classification or '—'} → {c.to_classification}", c.reason] for c in changes])  # fmt: skip
            heading(_("Versions"))
            versions = HazardVersion.objects.filter(hazard=hazard).select_related("report").order_by("sequence")
            table([_("Version"), _("Valid from"), _("Recorded"), _("Report"), _("Applied")],
                  [[v.sequence, _date(v.valid_from), _date(v.recorded_at), f"{v.report.kind} #{v.report_id}",
                    _("yes") if v.applied else _("no (older than the state it met)")] for v in versions])  # fmt: skip
            heading(_("Land released"))
            table([_("On"), _("Product"), _("Area (m²)"), _("Depth (cm)")],
                  [[_date(p.on), p.get_kind_display(), _n(p.area_m2 or 0), p.depth_cm or "—"]
                   for p in products])  # fmt: skip
            # Evidence without who gave it: the informant's name and contact never leave the register here.
            heading(_("Evidence"))
            table([_("On"), _("Kind"), _("Source"), _("Reliability"), _("Description")],
                  [[_date(e.on), e.get_kind_display(), e.get_source_display(), e.get_reliability_display(),
                    e.description] for e in Evidence.objects.filter(hazard=hazard).order_by("on", "id")])  # fmt: skip
            heading(_("Minefield record"))
            record = MinefieldRecord.objects.filter(hazard=hazard).first()
            if record is None:
                para(_("No minefield record is attached to this hazard."))
            else:
                devices = "; ".join(f"{d.get('quantity', '?')} × {d.get('model') or d.get('category', '')}"
                                    for d in record.devices or [])  # fmt: skip
                table([_("Field"), _("Value")], [
                    [_("Laid by"), record.laying_party],
                    [_("Laid on"), _date(record.date_laid)],
                    [_("Devices"), devices or "—"],
                    [_("Self-destructing"), _("yes") if record.self_destructing else _("no")],
                    [_("Received from"), record.received_from or "—"],
                    [_("Document"), record.document_reference or "—"],
                    [_("Reliability"), record.get_reliability_display() or "—"],
                    [_("Marking"), record.get_marking_status_display()],
                    [_("Fenced"), _("yes") if record.fenced else _("no")],
                    [_("Last inspected"), _date(record.last_inspected_on)],
                ])  # fmt: skip
        elif hazard is not None:
            heading(_("Hazard"))
            para(_("The hazard's records are no longer in your scope: the task is over."))

        heading(_("Finds within %(within)s m") % {"within": _n(within_m)})
        table([_("On"), _("Device"), _("Model"), _("Quantity"), _("Distance (m)"), _("Direction"), _("Hazard")],
              [[_date(f.on), f.get_category_display(), f.model, f.quantity, _n(d), b,
                f.hazard.code if f.hazard is not None else "—"] for f, d, b in finds])  # fmt: skip
        heading(_("Accidents within %(within)s m") % {"within": _n(within_m)})
        if exact_accidents:
            table([_("On"), _("Kind"), _("Device"), _("Killed"), _("Injured"), _("Distance (m)"), _("Direction")],
                  [[_date(a.occurred_at.date()), a.get_kind_display(), a.get_device_category_display(),
                    a.killed, a.injured, _n(d), b] for a, d, b in accidents])  # type: ignore[attr-defined]  # fmt: skip
        else:
            # Decision 0037: counts by year and kind; no single accident's point or day.
            para(
                _(
                    "Counts by year and kind; single accidents are shown only to the authority's "
                    "information-management officers."
                )
            )
            counts: Counter[tuple[int, str]] = Counter()
            casualties: Counter[tuple[int, str]] = Counter()
            for a, _d, _b in accidents:
                key = (a.occurred_at.year, a.get_kind_display())
                counts[key] += 1
                casualties[key] += a.killed + a.injured  # type: ignore[attr-defined]
            rows = [[year, kind, n, casualties[(year, kind)]] for (year, kind), n in sorted(counts.items())]
            table([_("Year"), _("Kind"), _("Accidents"), _("Killed or injured")], rows)

        heading(_("Contacts"))
        table([_("Organisation"), _("Name"), _("E-mail")], [list(c) for c in _contacts(task)])

        out = io.BytesIO()
        SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=20 * mm, rightMargin=20 * mm,
                          topMargin=15 * mm, bottomMargin=15 * mm).build(story)  # fmt: skip
    return out.getvalue()


def render_dossier(task: Task, *, reader: AnyUser, within_m: float = WITHIN_M, language: str = "en") -> bytes:
    """The dossier for a reader who may see the task (access_task first), audited: it names contacts."""
    data = dossier_pdf(task, reader=reader, within_m=within_m, language=language)
    audit.record(reader, "task.dossier", task, new={"language": language, "within_m": within_m,
                                                     "accidents": "exact" if access.may_see_casualty_records(reader)
                                                     else "counts"})  # fmt: skip
    return data


def parse_within(raw: str | None) -> float:
    """The `within` parameter in metres: a number from 0 to MAX_WITHIN_M (default WITHIN_M)."""
    from core.errors import Problem, ValidationFailed

    if raw in (None, ""):
        return float(WITHIN_M)
    try:
        value = float(raw)
    except ValueError:
        raise ValidationFailed([Problem("within", "must be a distance in metres")]) from None
    if not 0 <= value <= MAX_WITHIN_M:
        raise ValidationFailed([Problem("within", f"must be from 0 to {MAX_WITHIN_M} metres")])
    return value
