"""Applies an approved report to the register: the only code that writes hazards and their facts.

Called inside reports.actions.approve_report's transaction, with the hazard row locked. A report
whose date of information is older than the hazard's current state is kept in history but does not
overwrite the current attributes (invariant 6); its land-release products, finds and activities
are still recorded, because they are dated facts that would otherwise be lost.
See docs/decisions/0003-hazard-state-is-a-projection.md.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from core.errors import Problem, ValidationFailed
from core.geometry import area_m2, as_multipolygon, local_srid, to_srid, to_wgs84_polygonal
from hazards import overlaps as overlap_rules
from hazards.attributes import NAMES
from hazards.models import (
    Activity,
    Evidence,
    Find,
    Handover,
    HazardousArea,
    HazardStatusChange,
    HazardVersion,
    LandReleaseProduct,
    MinefieldRecord,
)
from places.models import admin_area_at
from reports.kinds import KINDS
from reports.kinds.base import Changes, ProductChange
from reports.models import Reconcile, Report
from vocab.choices import (
    PRODUCT_ACTIVITY,
    ActivityKind,
    ActivityStatus,
    Classification,
    EvidenceKind,
    HazardStatus,
    OverlapResolution,
    ProductKind,
)

# The snapshot: the descriptive attributes (hazards/attributes.py), then what the register keeps itself.
STATE_FIELDS = (
    *NAMES,
    "status",
    "date_of_information",
    "original_area_m2",
    "cancelled_m2",
    "reduced_m2",
    "cleared_m2",
    "remaining_area_m2",
)
AREA_FIELD: dict[str, str] = {
    ProductKind.CANCELLED: "cancelled_m2",
    ProductKind.REDUCED: "reduced_m2",
    ProductKind.CLEARED: "cleared_m2",
}


def snapshot(hazard: HazardousArea) -> dict[str, Any]:
    """The hazard's attribute state as JSON (what a HazardVersion stores)."""
    state: dict[str, Any] = {f: getattr(hazard, f) for f in STATE_FIELDS}
    state["date_of_information"] = hazard.date_of_information.isoformat()
    state["geometry"] = json_geom(hazard.geom)
    state["benchmark"] = json_geom(hazard.benchmark) if hazard.benchmark else None
    state["organisation"] = hazard.organisation_id
    state["admin_area"] = hazard.admin_area_id
    state["version"] = hazard.version
    return state


def json_geom(geom: GEOSGeometry) -> dict[str, Any]:
    """GeoJSON of a geometry as a dict."""
    parsed: dict[str, Any] = json.loads(geom.geojson)
    return parsed


def _next_code(country: str) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT nextval('hazard_code_seq')")
        (n,) = cur.fetchone()
    return f"{country or 'XXX'}-HA-{n:06d}"


def hazard_country(admin: Any, organisation: Any) -> str:
    """The country part of a hazard code: its admin area's country, else its organisation's (decision 0041).

    'XXX' is left only when neither is known: a hazard outside every loaded area of an organisation
    with no country of its own.
    """
    return (admin.country_iso3 if admin else "") or organisation.country_iso3 or ""


def _check_classification(
    old_class: str,
    hazard_pk: int | None,
    report: Report,
    changes: Changes,
    override_reason: str,
    problems: list[Problem],
) -> None:
    """Invariant 4: SHA → CHA only on direct evidence, or an approver's override with a written reason."""
    if changes.hazard_fields.get("classification") != Classification.CHA or old_class == Classification.CHA:
        return
    direct = any(e["kind"] == EvidenceKind.DIRECT for e in changes.evidence) or (
        hazard_pk is not None and Evidence.objects.filter(hazard_id=hazard_pk, kind=EvidenceKind.DIRECT).exists()
    )
    if not direct and not override_reason.strip():
        field = "payload.hazard.classification" if report.kind == "nts" else "payload.classification"
        problems.append(
            Problem(
                field, "an SHA becomes a CHA only on direct evidence; add direct evidence or give an override reason"
            )
        )


class _Geometry:
    """The hazard's polygon and released parts in its local UTM frame, for the product checks."""

    def __init__(self, hazard: HazardousArea) -> None:
        self.srid = hazard.utm_srid
        self.hazard = to_srid(hazard.geom, self.srid)
        parts = [poly for p in hazard.products.all() for poly in p.geom] if hazard.pk else []
        # One reprojection and one cascaded union, not a pairwise union per earlier product.
        self.released: GEOSGeometry | None = (
            to_srid(MultiPolygon(*parts, srid=4326), self.srid).unary_union if parts else None
        )

    def remaining(self) -> GEOSGeometry:
        return self.hazard if self.released is None else self.hazard.difference(self.released)

    def fit(self, product: ProductChange, problems: list[Problem]) -> tuple[MultiPolygon, float, str] | None:
        """Invariant 2: the product lies within the hazard (± tolerance) and overlaps no earlier product.

        Returns the product clipped to what is still unreleased, its area in m², and a note of any
        clipping within tolerance, so that Σ products + remaining = original holds exactly.
        """
        tol = settings.PRODUCT_BOUNDARY_TOLERANCE_M
        assert product.area is not None  # "all that remains" never goes through fit()
        geom = to_srid(product.area.geom, self.srid)
        outside = geom.difference(self.hazard)
        # Outside by more than the tolerance: a sliver up to `tol` metres wide is digitising error.
        if not outside.empty and not self.hazard.buffer(tol).contains(geom):
            problems.append(
                Problem(
                    product.field + ".geometry",
                    f"{outside.area:,.0f} m² of this {product.kind} area lie outside the hazard "
                    f"(more than the {tol:g} m boundary tolerance)",
                )
            )
            return None
        clipped = geom.intersection(self.hazard)
        note = f"clipped {outside.area:,.1f} m² outside the hazard boundary" if outside.area > 0.01 else ""
        if self.released is not None and clipped.intersects(self.released):
            overlap = clipped.intersection(self.released)
            allowed = max(1.0, tol * clipped.length / 2)
            if overlap.area > allowed:
                problems.append(
                    Problem(product.field + ".geometry", f"overlaps land already released by {overlap.area:,.0f} m²")
                )
                return None
            if overlap.area > 0.01:
                note = "; ".join(filter(None, [note, f"removed {overlap.area:,.1f} m² overlapping earlier products"]))
            clipped = clipped.difference(self.released)
        clipped = as_multipolygon(clipped)
        area = float(clipped.area)
        if area <= 0.01:
            problems.append(Problem(product.field + ".geometry", "nothing of this area is left to release"))
            return None
        self.released = clipped if self.released is None else self.released.union(clipped)
        return to_wgs84_polygonal(clipped), area, note


def _new_hazard(
    report: Report, changes: Changes, problems: list[Problem], existing: HazardousArea | None, checking: bool
) -> HazardousArea | None:
    if changes.geom is None:
        problems.append(Problem("payload.hazard.geometry", "a new hazard needs a polygon"))
        return None
    geom = changes.geom.geom
    srid = local_srid(geom)
    area = area_m2(geom, srid)
    admin = admin_area_at(geom.point_on_surface)
    hazard = HazardousArea(
        # A replay rebuilds the hazard in its own row, keeping its id and national code.
        pk=existing.pk if existing else None,
        created_at=existing.created_at if existing else None,  # type: ignore[misc]
        # A dry run takes no number from the sequence: codes stay gap-free for submissions.
        code=existing.code
        if existing
        else ("" if checking else _next_code(hazard_country(admin, report.organisation))),
        organisation=report.organisation,
        admin_area=admin,
        geom=geom,
        benchmark=changes.benchmark or geom.point_on_surface,
        utm_srid=srid,
        geometry_repair=changes.geom.repair_note,
        original_area_m2=area,
        remaining_area_m2=area,
        date_of_information=report.date_of_information,
        status=HazardStatus.OPEN,
        version=0,
    )
    for key, value in changes.hazard_fields.items():
        setattr(hazard, key, value)
    return hazard


def _set_polygon(hazard: HazardousArea, geom: GEOSGeometry) -> None:
    """A new hazard's polygon changed before it is stored (clipped): its areas follow, in its own UTM zone."""
    if hazard.benchmark is not None and hazard.benchmark.equals(hazard.geom.point_on_surface):
        hazard.benchmark = geom.point_on_surface  # the default benchmark stays on the polygon; a surveyed one stays
    hazard.geom = as_multipolygon(geom)
    hazard.original_area_m2 = hazard.remaining_area_m2 = area_m2(hazard.geom, hazard.utm_srid)


def _resolve_overlaps(hazard: HazardousArea, overlap: str, problems: list[Problem]) -> list[overlap_rules.Overlap]:
    """A new hazard overlapping registered ones is approved only with the approver's resolution (decision 0048).

    Merge is an approval that combines the report into the hazard it overlaps (reports.actions.approve_report);
    here remain link (both kept, the overlap recorded and counted once) and clip (the new one loses it).
    """
    found = overlap_rules.find_overlaps(hazard.geom)
    if not found:
        return []
    words = "; ".join(o.words() for o in found)
    if overlap not in (OverlapResolution.LINK, OverlapResolution.CLIP):
        problems.append(Problem("overlap", f"{words}: merge it into {found[0].code}, link or clip it"))
        return []
    if overlap == OverlapResolution.CLIP:
        rest = overlap_rules.clip(hazard.geom, found)
        if rest.empty or area_m2(rest, hazard.utm_srid) <= 0.01:
            problems.append(Problem("overlap", f"{words}: nothing of the new hazard is left after clipping"))
            return []
        _set_polygon(hazard, rest)
    return found


def _reshape(hazard: HazardousArea, changes: Changes, reconcile: str, problems: list[Problem]) -> None:
    """Replace or combine the hazard's polygon; released land must stay inside the new one."""
    if changes.geom is None:
        problems.append(Problem("payload.hazard.geometry", f"'{reconcile}' needs a polygon in the report"))
        return
    new = changes.geom.geom if reconcile == Reconcile.REPLACE else as_multipolygon(hazard.geom.union(changes.geom.geom))
    srid = hazard.utm_srid
    new_local = to_srid(new, srid)
    tol = settings.PRODUCT_BOUNDARY_TOLERANCE_M
    for product in hazard.products.all():
        if not new_local.buffer(tol).contains(to_srid(product.geom, srid)):
            problems.append(
                Problem(
                    "payload.hazard.geometry",
                    f"released land (product #{product.pk}) would fall outside the new polygon",
                )
            )
            return
    hazard.geom = as_multipolygon(new)
    hazard.geometry_repair = changes.geom.repair_note
    hazard.original_area_m2 = area_m2(new, srid)
    # A polygon redrawn tight around released land leaves only floating-point residue below zero.
    hazard.remaining_area_m2 = max(0.0, hazard.original_area_m2 - hazard.released_area_m2())


def apply_report(
    report: Report,
    changes: Changes,
    *,
    reconcile: str,
    override_reason: str,
    at: dt.datetime | None = None,
    rebuild: HazardousArea | None = None,
    checking: bool = False,
    overlap: str = "",
) -> HazardousArea | None:
    """Apply an approved report's Changes to the register; raise ValidationFailed with every problem.

    The caller holds the transaction and, for an existing hazard, its row lock. `rebuild` is the
    hazard row that a replay re-creates from its first report. `checking` is the dry run of
    submission, where decisions that belong to the approver (an SHA → CHA override, an overlap's
    resolution) are not yet due. `overlap` is that resolution for a new hazard: link or clip.
    """
    spec = KINDS[report.kind]
    if spec.records_with:
        # No hazard's facts (accidents, risk education, quality management): the kind's own module records them.
        import_string(spec.records_with[0])(report, changes, checking=checking)
        return None
    at = at or timezone.now()
    problems: list[Problem] = []
    hazard: HazardousArea | None
    creating = reconcile == Reconcile.NEW
    if creating:
        hazard = _new_hazard(report, changes, problems, rebuild, checking)
    else:
        hazard = report.hazard
    if changes.finds and not changes.activity:
        problems.append(Problem("payload.activity", "finds need the activity during which they were found"))
    if hazard is None:
        if changes.activity and changes.activity["kind"] == ActivityKind.EOD_SPOT:
            if problems:
                raise ValidationFailed(problems)
            if not checking:
                _record_facts(None, report, changes, [])  # an EOD task outside any hazard
            return None
        raise ValidationFailed(problems or [Problem("hazard", "this report needs a hazard")])

    stale = not creating and report.date_of_information < hazard.date_of_information
    old_status, old_class = hazard.status, hazard.classification
    if not creating and not stale and reconcile != Reconcile.LINK:
        for key, value in changes.hazard_fields.items():
            setattr(hazard, key, value)
        if reconcile in (Reconcile.REPLACE, Reconcile.COMBINE):
            _reshape(hazard, changes, reconcile, problems)
        if changes.benchmark:
            hazard.benchmark = changes.benchmark
    if not stale and not checking:
        _check_classification("" if creating else old_class, hazard.pk, report, changes, override_reason, problems)
    if problems:
        raise ValidationFailed(problems)
    overlapped: list[overlap_rules.Overlap] = []
    if creating and not checking:
        if rebuild is None:
            overlapped = _resolve_overlaps(hazard, overlap, problems)
        elif (clipped := overlap_rules.clipped_on_replay(report, hazard.geom)) is not None:
            _set_polygon(hazard, clipped)  # a replay clips what the approval clipped, as recorded then
    if problems:
        raise ValidationFailed(problems)
    if creating and not checking:
        hazard.save(force_insert=rebuild is None)
        if overlapped and changes.geom is not None:
            overlap_rules.record(hazard, report, changes.geom.geom, overlapped, overlap, at)

    geometry = _Geometry(hazard)
    products = []
    if reconcile != Reconcile.LINK:
        for product in changes.products:
            expected = PRODUCT_ACTIVITY[product.kind]
            if not changes.activity or changes.activity["kind"] != expected:
                problems.append(Problem(product.field, f"{product.kind} land must come from a {expected} activity"))
                continue
            fitted = geometry.fit(product, problems)
            if fitted:
                products.append((product, *fitted))
        if changes.cancel_remaining:
            rest = as_multipolygon(geometry.remaining())
            if rest.empty or rest.area <= 0.01:
                problems.append(Problem("payload.cancel_remaining", "nothing remains to cancel"))
            else:
                remaining = ProductChange(
                    ProductKind.CANCELLED,
                    None,
                    report.date_of_information,
                    None,
                    "payload.cancel_remaining",
                )
                geometry.released = geometry.hazard
                products.append((remaining, to_wgs84_polygonal(rest), float(rest.area), "all remaining land"))
    for product, _g, area, _n in products:
        setattr(hazard, AREA_FIELD[product.kind], getattr(hazard, AREA_FIELD[product.kind]) + area)
    if products:
        # Negative only by floating-point residue of the clipping; the check constraint guards real errors.
        hazard.remaining_area_m2 = max(0.0, hazard.original_area_m2 - hazard.released_area_m2())

    if not stale and reconcile != Reconcile.LINK:
        _apply_status(hazard, report, changes, problems)
    if problems:
        raise ValidationFailed(problems)
    if checking:
        return hazard  # every rule has been checked; a dry run writes nothing

    _record_facts(hazard, report, changes, products)
    if not stale:
        hazard.date_of_information = max(hazard.date_of_information, report.date_of_information)
    hazard.version += 1
    hazard.save()
    if (hazard.status, hazard.classification) != (old_status, old_class) or creating:
        HazardStatusChange.objects.create(
            hazard=hazard,
            report=report,
            from_status="" if creating else old_status,
            to_status=hazard.status,
            from_classification="" if creating else old_class,
            to_classification=hazard.classification,
            on=report.date_of_information,
            reason=changes.suspend_reason or override_reason,
        )
    _record_version(hazard, report, changes, applied=not stale, at=at)
    return hazard


def _apply_status(hazard: HazardousArea, report: Report, changes: Changes, problems: list[Problem]) -> None:
    """Work in progress, suspension and closure (invariant 5)."""
    activity = changes.activity
    if changes.close:
        if not hazard.is_fully_released():
            problems.append(
                Problem(
                    "payload",
                    f"{hazard.remaining_area_m2:,.0f} m² of this hazard are not yet released; "
                    f"a {report.kind} report cannot close it",
                )
            )
            return
        hazard.status = HazardStatus.CLOSED
        # Closed means nothing remains; the sub-tolerance residue of clipping is not land to release.
        hazard.remaining_area_m2 = 0.0
        return
    if hazard.status == HazardStatus.CLOSED:
        if changes.products or (activity and activity["kind"] in (ActivityKind.TS, ActivityKind.CLEARANCE)):
            problems.append(
                Problem(
                    "hazard",
                    "the hazard is closed; record newly found contamination as a new hazard "
                    "(an NTS report without a hazard)",
                )
            )
        return
    if activity and activity["kind"] in (ActivityKind.TS, ActivityKind.CLEARANCE, ActivityKind.BAC):
        if activity["status"] == ActivityStatus.SUSPENDED:
            hazard.status = HazardStatus.SUSPENDED
        elif activity["status"] in (ActivityStatus.ONGOING, ActivityStatus.PLANNED, ActivityStatus.COMPLETED):
            hazard.status = HazardStatus.WORKED_ON


def _record_facts(
    hazard: HazardousArea | None,
    report: Report,
    changes: Changes,
    products: list[tuple[ProductChange, MultiPolygon, float, str]],
) -> None:
    activity = None
    if changes.activity:
        fields = {k: v for k, v in changes.activity.items() if k != "location"}
        activity = Activity.objects.create(
            hazard=hazard,
            report=report,
            organisation=report.organisation,
            location=changes.activity.get("location"),
            **{**fields, "start_date": fields["start_date"] or report.date_of_information},
        )
    if hazard is not None:
        Evidence.objects.bulk_create([Evidence(hazard=hazard, report=report, **e) for e in changes.evidence])
    LandReleaseProduct.objects.bulk_create(
        [
            LandReleaseProduct(
                hazard=hazard,
                activity=activity,
                report=report,
                kind=p.kind,
                geom=g,
                area_m2=area,
                depth_cm=p.depth_cm,
                on=p.on,
                adjustment=note,
            )
            for p, g, area, note in products
        ]
    )
    if changes.finds:
        Find.objects.bulk_create([Find(hazard=hazard, activity=activity, report=report, **f) for f in changes.finds])
    if changes.handover and hazard is not None:
        Handover.objects.create(hazard=hazard, report=report, **changes.handover)
    if changes.minefield and hazard is not None:
        MinefieldRecord.objects.create(hazard=hazard, report=report, **changes.minefield)


def _record_version(hazard: HazardousArea, report: Report, changes: Changes, *, applied: bool, at: dt.datetime) -> None:
    if applied:
        state = snapshot(hazard)
    else:
        # The state in force at the report's date, with what the report says: history, not current.
        base = (
            hazard.versions.filter(valid_from__lte=report.date_of_information)
            .order_by("-valid_from", "-sequence")
            .first()
        )
        state = dict(base.state) if base else snapshot(hazard)
        state.update({k: v for k, v in changes.hazard_fields.items()})
        state["date_of_information"] = report.date_of_information.isoformat()
    HazardVersion.objects.create(
        hazard=hazard,
        report=report,
        sequence=hazard.version,  # versions count from 1 with the hazard's own version number
        valid_from=report.date_of_information,
        recorded_at=at,
        applied=applied,
        state=state,
    )


def clear_derived(hazard: HazardousArea) -> None:
    """Delete everything approvals derived for this hazard, before a replay rebuilds it."""
    for model in (LandReleaseProduct, Find, Evidence, Handover, MinefieldRecord, HazardVersion, HazardStatusChange):
        model.objects.filter(hazard=hazard).delete()
    Activity.objects.filter(hazard=hazard).delete()


def clear_report_facts(report: Report) -> None:
    """Delete the facts of a report that touched no hazard (an EOD spot task, an accident, ...)."""
    spec = KINDS[report.kind]
    if spec.records_with:
        import_string(spec.records_with[1])(report)
    Find.objects.filter(report=report).delete()
    Activity.objects.filter(report=report).delete()
