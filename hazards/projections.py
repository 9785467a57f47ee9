"""Applies an approved report to the register: the only code that writes hazards and their facts.

Called inside reports.actions.approve_report's transaction, with the hazard row locked. A report
whose date of information is older than the hazard's current state is kept in history but does not
overwrite the current attributes (invariant 6); its land-release products, finds and activities
are still recorded, because they are dated facts that would otherwise be lost.
See docs/decisions/0003-hazard-state-is-a-projection.md.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.errors import Problem, ValidationFailed
from core.geometry import ParsedArea, area_m2, as_multipolygon, local_srid, to_srid, to_wgs84_polygonal
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
    MinefieldInspection,
    MinefieldRecord,
    MinefieldRecordRating,
    MinefieldRecordTransfer,
    area_tolerance,
)
from ordnance.catalogue import annotate
from places.models import admin_area_at
from quality.choices import QcResult
from quality.models import QcInspection
from reports.kinds import KINDS
from reports.kinds.base import ActivityChange, Changes, ProductChange
from reports.models import Reconcile, Report
from vocab.choices import (
    FIELD_WORK,
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
    """Invariant 4: a reclassification is justified and recorded (IMAS 07.11), both ways.

    SHA → CHA only on direct evidence; CHA → SHA only on evidence given in the report itself (what
    the re-survey found, or did not find), since the direct evidence that confirmed the hazard is
    still on record. Either way an approver's override with a written reason stands in for it.
    """
    new_class = changes.hazard_fields.get("classification")
    if override_reason.strip() or not new_class or new_class == old_class:
        return
    field = "payload.hazard.classification" if report.kind == "nts" else "payload.classification"
    if new_class == Classification.CHA:
        direct = any(e["kind"] == EvidenceKind.DIRECT for e in changes.evidence) or (
            hazard_pk is not None and Evidence.objects.filter(hazard_id=hazard_pk, kind=EvidenceKind.DIRECT).exists()
        )
        if not direct:
            problems.append(
                Problem(
                    field,
                    _("an SHA becomes a CHA only on direct evidence; add direct evidence or give an override reason"),
                    "evidence_required",
                )
            )
    elif old_class == Classification.CHA and not changes.evidence:
        problems.append(
            Problem(
                field,
                _(
                    "a CHA becomes an SHA only on evidence recorded in this report; "
                    "add the evidence that justifies it or give an override reason"
                ),
                "evidence_required",
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
                    _(
                        "%(area)s m² of this %(kind)s area lie outside the hazard "
                        "(more than the %(tolerance)s m boundary tolerance)"
                    )
                    % {"area": f"{outside.area:,.0f}", "kind": product.kind, "tolerance": f"{tol:g}"},
                    "outside_hazard",
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
                    Problem(
                        product.field + ".geometry",
                        _("overlaps land already released by %(area)s m²") % {"area": f"{overlap.area:,.0f}"},
                        "already_released",
                    )
                )
                return None
            if overlap.area > 0.01:
                note = "; ".join(filter(None, [note, f"removed {overlap.area:,.1f} m² overlapping earlier products"]))
            clipped = clipped.difference(self.released)
        clipped = as_multipolygon(clipped)
        area = float(clipped.area)
        if area <= 0.01:
            problems.append(
                Problem(product.field + ".geometry", _("nothing of this area is left to release"), "nothing_to_release")
            )
            return None
        self.released = clipped if self.released is None else self.released.union(clipped)
        return to_wgs84_polygonal(clipped), area, note


def _new_hazard(
    report: Report, changes: Changes, problems: list[Problem], existing: HazardousArea | None
) -> HazardousArea | None:
    if changes.geom is None:
        problems.append(Problem("payload.hazard.geometry", _("a new hazard needs a polygon"), "required"))
        return None
    geom = changes.geom.geom
    srid = local_srid(geom)
    area = area_m2(geom, srid)
    admin = admin_area_at(geom.point_on_surface)
    hazard = HazardousArea(
        # A replay rebuilds the hazard in its own row, keeping its id and national code.
        pk=existing.pk if existing else None,
        # None lets auto_now_add stamp a new hazard; the stubs type created_at as never None.
        created_at=existing.created_at if existing else None,  # type: ignore[misc]
        # A new hazard takes its number when the plan is written (write_plan).
        code=existing.code if existing else "",
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
        message = _("%(overlaps)s: merge it into %(code)s, link or clip it") % {
            "overlaps": words,
            "code": found[0].code,
        }
        problems.append(Problem("overlap", message, "overlaps_hazard"))
        return []
    if overlap == OverlapResolution.CLIP:
        rest = overlap_rules.clip(hazard.geom, found)
        if rest.empty or area_m2(rest, hazard.utm_srid) <= 0.01:
            message = _("%(overlaps)s: nothing of the new hazard is left after clipping") % {"overlaps": words}
            problems.append(Problem("overlap", message, "nothing_left_after_clipping"))
            return []
        _set_polygon(hazard, rest)
    return found


# The product a re-survey's smaller polygon makes of the land it leaves out, by the survey that drew it.
SHRINK_PRODUCT: dict[str, str] = {ActivityKind.NTS: ProductKind.CANCELLED, ActivityKind.TS: ProductKind.REDUCED}


def _reshape(
    hazard: HazardousArea, changes: Changes, reconcile: str, problems: list[Problem], *, on: dt.date
) -> tuple[ProductChange, GEOSGeometry] | None:
    """Replace or combine the hazard's polygon, keeping the original area (invariant 1, decision 0047).

    The hazard's polygon stays the extent of all the land it ever covered (its products lie in it);
    a replacing polygon that leaves land out does not delete that land: the land left out, less what
    is already released, becomes a product of this report — cancelled by an NTS, reduced by a TS —
    returned with its polygon in the hazard's UTM frame for apply_report to record. Land added grows
    the original area, as new evidence of contamination does.
    """
    if changes.geom is None:
        problems.append(
            Problem(
                "payload.hazard.geometry",
                _("'%(reconcile)s' needs a polygon in the report") % {"reconcile": reconcile},
                "required",
            )
        )
        return None
    srid = hazard.utm_srid
    old_local = to_srid(hazard.geom, srid)
    new_local = to_srid(changes.geom.geom, srid)
    shrink: tuple[ProductChange, GEOSGeometry] | None = None
    if reconcile == Reconcile.REPLACE:
        left_out = old_local.difference(new_local)
        parts = [poly for p in hazard.products.all() for poly in p.geom]
        if parts and not left_out.empty:
            left_out = left_out.difference(to_srid(MultiPolygon(*parts, srid=4326), srid).unary_union)
        # Redrawing the same boundary leaves slivers of digitising error, not land released.
        if left_out.area > area_tolerance(hazard.original_area_m2):
            survey = changes.activity["kind"] if changes.activity else ""
            if survey not in SHRINK_PRODUCT:
                problems.append(
                    Problem(
                        "payload.hazard.geometry",
                        _(
                            "the new polygon leaves out %(area)s m² of the hazard; only a survey "
                            "(NTS or TS) releases land by redrawing it"
                        )
                        % {"area": f"{left_out.area:,.0f}"},
                        "shrinks_hazard",
                    )
                )
                return None
            product = ProductChange(SHRINK_PRODUCT[survey], None, on, None, "payload.hazard.geometry")
            shrink = (product, as_multipolygon(left_out))
    hazard.geom = as_multipolygon(hazard.geom.union(changes.geom.geom))
    hazard.geometry_repair = changes.geom.repair_note
    hazard.original_area_m2 = area_m2(hazard.geom, srid)
    # A polygon redrawn tight around released land leaves only floating-point residue below zero.
    hazard.remaining_area_m2 = max(0.0, hazard.original_area_m2 - hazard.released_area_m2())
    return shrink


Fitted = tuple[ProductChange, MultiPolygon, float, str]  # a product, its clipped polygon, its m², its note


@dataclass
class Plan:
    """What one report changes in the register: computed and checked, not yet written.

    `hazard` is the hazard's new state in memory (a copy: the report's hazard is not touched), or None
    for a kind that records facts of no hazard or an EOD task outside every hazard. Submission stops
    at the plan; approval and replay write it (`write_plan`), so both run one computation.
    """

    report: Report
    changes: Changes
    hazard: HazardousArea | None = None
    own_facts: bool = False  # the kind's own module records them (spec.records_with)
    creating: bool = False
    insert: bool = False  # a new row; a replay re-creates its hazard in the row it had
    stale: bool = False
    old_status: str = ""
    old_class: str = ""
    products: list[Fitted] = field(default_factory=list)
    reason: str = ""
    #: Registered hazards a new one overlaps, and the approver's resolution (link or clip, decision 0048).
    overlapped: list[overlap_rules.Overlap] = field(default_factory=list)
    overlap: str = ""


def plan_report(
    report: Report,
    changes: Changes,
    *,
    reconcile: str,
    override_reason: str,
    rebuild: HazardousArea | None = None,
    checking: bool = False,
    overlap: str = "",
) -> Plan:
    """Check a report's Changes against the register and compute what they change; raise ValidationFailed.

    Reads only. Dispatched by the report's kind: a kind whose facts belong to no hazard is checked by
    its own module; every other kind by the register's rules below. `rebuild` is the hazard row that a
    replay re-creates from its first report. `checking` is the check at submission, where decisions
    that belong to the approver (a reclassification's override, an overlap's resolution: link or clip,
    decision 0048) are not yet due.
    """
    spec = KINDS[report.kind]
    if spec.records_with:
        # No hazard's facts (accidents, risk education, quality management): the kind's own module checks
        # them, at submission here and at approval as it records them (write_plan), once each.
        if checking:
            import_string(spec.records_with[0])(report, changes, checking=True)
        return Plan(report, changes, own_facts=True)
    return _plan_hazard(report, changes, reconcile, override_reason, rebuild, checking, overlap)


def _plan_hazard(
    report: Report,
    changes: Changes,
    reconcile: str,
    override_reason: str,
    rebuild: HazardousArea | None,
    checking: bool,
    overlap: str = "",
) -> Plan:
    """The register's rules for a report on a hazard (or registering one, or an EOD task outside any)."""
    problems: list[Problem] = []
    hazard: HazardousArea | None
    creating = reconcile == Reconcile.NEW
    _match_catalogue(changes)
    if creating:
        hazard = _new_hazard(report, changes, problems, rebuild)
    else:
        hazard = copy.copy(report.hazard)
    if changes.finds and not changes.activity:
        problems.append(
            Problem("payload.activity", _("finds need the activity during which they were found"), "activity_required")
        )
    if hazard is None:
        if changes.activity and changes.activity["kind"] == ActivityKind.EOD_SPOT:
            if problems:
                raise ValidationFailed(problems)
            return Plan(report, changes)  # an EOD task outside any hazard
        raise ValidationFailed(problems or [Problem("hazard", _("this report needs a hazard"), "hazard_required")])

    plan = Plan(
        report,
        changes,
        hazard,
        creating=creating,
        insert=creating and rebuild is None,
        stale=not creating and report.date_of_information < hazard.date_of_information,
        old_status=hazard.status,
        old_class=hazard.classification,
        reason=changes.suspend_reason or override_reason,
    )
    _check_minefield(hazard, changes, creating, problems)
    shrink: tuple[ProductChange, GEOSGeometry] | None = None
    if not creating and not plan.stale and reconcile != Reconcile.LINK:
        for key, value in changes.hazard_fields.items():
            setattr(hazard, key, value)
        if reconcile in (Reconcile.REPLACE, Reconcile.COMBINE):
            shrink = _reshape(hazard, changes, reconcile, problems, on=report.date_of_information)
        if changes.benchmark:
            hazard.benchmark = changes.benchmark
    if not plan.stale and not checking:
        old_class = "" if creating else plan.old_class
        _check_classification(old_class, hazard.pk, report, changes, override_reason, problems)
    if problems:
        raise ValidationFailed(problems)
    if creating and not checking:
        if rebuild is None:
            plan.overlapped = _resolve_overlaps(hazard, overlap, problems)
            plan.overlap = overlap
        elif (clipped := overlap_rules.clipped_on_replay(report, hazard.geom)) is not None:
            _set_polygon(hazard, clipped)  # a replay clips what the approval clipped, as recorded then
    if problems:
        raise ValidationFailed(problems)

    geometry = _Geometry(hazard)
    products = plan.products
    if shrink is not None:
        # First, so that the report's own polygons cannot release the same land twice.
        left_out, left_out_geom = shrink
        geometry.released = left_out_geom if geometry.released is None else geometry.released.union(left_out_geom)
        note = "land left out of the hazard by the re-survey's new polygon"
        products.append((left_out, to_wgs84_polygonal(left_out_geom), float(left_out_geom.area), note))
    if reconcile != Reconcile.LINK:
        for product in changes.products:
            expected = PRODUCT_ACTIVITY[product.kind]
            if not changes.activity or changes.activity["kind"] not in expected:
                problems.append(
                    Problem(
                        product.field,
                        _("%(kind)s land must come from a %(activities)s activity")
                        % {"kind": product.kind, "activities": " or ".join(expected)},
                        "wrong_activity",
                    )
                )
                continue
            fitted = geometry.fit(product, problems)
            if fitted:
                products.append((product, *fitted))
        if changes.cancel_remaining:
            rest = as_multipolygon(geometry.remaining())
            if rest.empty or rest.area <= 0.01:
                problems.append(
                    Problem("payload.cancel_remaining", _("nothing remains to cancel"), "nothing_to_release")
                )
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

    if changes.handover is not None and (parcel := changes.handover.get("parcel")) is not None:
        changes.handover["parcel_area_m2"] = _check_parcel(hazard, geometry, parcel, problems)
    if not plan.stale and reconcile != Reconcile.LINK:
        _apply_status(hazard, report, changes, problems)
    if problems:
        raise ValidationFailed(problems)
    if not plan.stale:
        hazard.date_of_information = max(hazard.date_of_information, report.date_of_information)
    hazard.version += 1
    return plan


def write_plan(plan: Plan, *, at: dt.datetime | None = None) -> HazardousArea | None:
    """Write a checked plan: the hazard, its facts, its status change and version. The only writer of hazards.

    The caller holds the transaction and, for an existing hazard, its row lock.
    """
    report, changes, hazard = plan.report, plan.changes, plan.hazard
    if plan.own_facts:
        import_string(KINDS[report.kind].records_with[0])(report, changes, checking=False)  # type: ignore[index]
        return None
    if hazard is None:
        _record_facts(None, report, changes, [])  # an EOD task outside any hazard
        return None
    if plan.creating:
        if plan.insert:
            # Numbered at approval only: codes stay gap-free for checked submissions.
            hazard.code = _next_code(hazard_country(hazard.admin_area, report.organisation))
        hazard.save(force_insert=plan.insert)  # its facts refer to its row
        if plan.overlapped and changes.geom is not None:
            overlap_rules.record(hazard, report, changes.geom.geom, plan.overlapped, plan.overlap, at)
    else:
        hazard.save()
    _record_facts(hazard, report, changes, plan.products)
    marking = hazard.marking_status
    _record_minefield_life(hazard, report, changes, stale=plan.stale)
    if hazard.marking_status != marking:  # an inspection found the record's marking changed (decision 0049)
        hazard.save(update_fields=["marking_status"])
    if (hazard.status, hazard.classification) != (plan.old_status, plan.old_class) or plan.creating:
        HazardStatusChange.objects.create(
            hazard=hazard,
            report=report,
            from_status="" if plan.creating else plan.old_status,
            to_status=hazard.status,
            from_classification="" if plan.creating else plan.old_class,
            to_classification=hazard.classification,
            on=report.date_of_information,
            reason=plan.reason,
        )
    _record_version(hazard, report, changes, applied=not plan.stale, at=at or timezone.now())
    return hazard


def apply_report(
    report: Report,
    changes: Changes,
    *,
    reconcile: str,
    override_reason: str,
    at: dt.datetime | None = None,
    rebuild: HazardousArea | None = None,
    overlap: str = "",
) -> HazardousArea | None:
    """Apply an approved report's Changes to the register (plan, then write); raise ValidationFailed with every problem.

    The caller holds the transaction and, for an existing hazard, its row lock.
    """
    plan = plan_report(
        report, changes, reconcile=reconcile, override_reason=override_reason, rebuild=rebuild, overlap=overlap
    )
    return write_plan(plan, at=at)


def _apply_status(hazard: HazardousArea, report: Report, changes: Changes, problems: list[Problem]) -> None:
    """Work under way, suspension and closure (invariant 5); the status follows the work (decision 0047)."""
    activity = changes.activity
    if changes.close:
        if not hazard.is_fully_released():
            problems.append(
                Problem(
                    "payload",
                    _("%(area)s m² of this hazard are not yet released; a %(kind)s report cannot close it")
                    % {"area": f"{hazard.remaining_area_m2:,.0f}", "kind": report.kind},
                    "not_yet_released",
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
                    _(
                        "the hazard is closed; record newly found contamination as a new hazard "
                        "(an NTS report without a hazard)"
                    ),
                    "hazard_closed",
                )
            )
        return
    if not activity or activity["kind"] not in FIELD_WORK:
        return
    on = report.date_of_information
    if _under_way(activity["status"], activity["end_date"], on):
        hazard.status = HazardStatus.WORKED_ON
    elif activity["status"] == ActivityStatus.SUSPENDED:
        hazard.status = HazardStatus.SUSPENDED
    elif hazard.pk is not None and _other_work_under_way(hazard, report, activity, on):
        hazard.status = HazardStatus.WORKED_ON
    else:
        # Planned and not begun, or done without closing the hazard: nobody is working on it.
        hazard.status = HazardStatus.OPEN


def _under_way(status: str, end_date: dt.date | None, on: dt.date) -> bool:
    """A task is under way on `on` while ongoing and not yet at its end date."""
    return status == ActivityStatus.ONGOING and (end_date is None or end_date > on)


def _other_work_under_way(hazard: HazardousArea, report: Report, activity: ActivityChange, on: dt.date) -> bool:
    """Whether another task on the hazard is still under way: each task (kind and operator) as last reported.

    A task is reported again and again (one Activity row per report); its latest report says where it stands.
    """
    latest: dict[tuple[str, int], Activity] = {}
    tasks = (
        Activity.objects.filter(hazard=hazard, kind__in=FIELD_WORK, report__date_of_information__lte=on)
        .exclude(report=report)
        .order_by("report__date_of_information", "id")
    )
    for task in tasks:
        latest[(task.kind, task.organisation_id)] = task
    # This report speaks for its own task.
    latest.pop((activity["kind"], report.organisation_id), None)
    return any(_under_way(t.status, t.end_date, on) for t in latest.values())


def _check_parcel(
    hazard: HazardousArea, geometry: _Geometry, parcel: ParsedArea, problems: list[Problem]
) -> float | None:
    """A parcel handed over is released land of its hazard, not handed over before, with a passed QC inspection.

    IMAS 07.11 hands land back as it is released, parcel by parcel; IMAS 09.20 asks that cleared land
    pass quality control before it is handed over. The latest QC inspection whose sample lies in the
    parcel decides. Returns the parcel's area in m² (the hazard's UTM zone).
    """
    tol = settings.PRODUCT_BOUNDARY_TOLERANCE_M
    field = "payload.parcel"
    local = to_srid(parcel.geom, geometry.srid)
    released = geometry.released
    outside = local if released is None else local.difference(released)
    if not outside.empty and (released is None or not released.buffer(tol).contains(local)):
        problems.append(
            Problem(
                field,
                _("%(area)s m² of the parcel are not released land of hazard %(code)s")
                % {"area": f"{outside.area:,.0f}", "code": hazard.code},
                "outside_released_land",
            )
        )
        return None
    earlier = [h.parcel for h in hazard.handovers.exclude(parcel=None)]
    for handed in earlier:
        assert handed is not None
        overlap = local.intersection(to_srid(handed, geometry.srid))
        if overlap.area > max(1.0, tol * local.length / 2):
            problems.append(
                Problem(
                    field,
                    _("%(area)s m² of the parcel were handed over before") % {"area": f"{overlap.area:,.0f}"},
                    "already_handed_over",
                )
            )
            return None
    inspection = (
        QcInspection.objects.filter(activity__hazard=hazard, sample__intersects=parcel.geom)
        .order_by("-inspected_on", "-id")
        .first()
    )
    if inspection is None:
        problems.append(
            Problem(
                field, _("no QC inspection has sampled this parcel; it is handed over after one passes"), "qc_required"
            )
        )
        return None
    if inspection.result != QcResult.PASS:
        problems.append(
            Problem(
                field,
                _("the latest QC inspection of this parcel (%(on)s) failed; it is handed over after one passes")
                % {"on": inspection.inspected_on},
                "qc_failed",
            )
        )
        return None
    return float(local.area)


_Value = TypeVar("_Value")


def _given(value: _Value | None, what: str) -> _Value:
    """A value the kind requires: at approval it is there (a row's date defaults to the report's), else a
    Problem stopped the report first. None here is a bug, said plainly rather than as a NOT NULL error."""
    if value is None:
        raise ValueError(f"{what} is missing from an approved report's changes")
    return value


def _record_facts(
    hazard: HazardousArea | None,
    report: Report,
    changes: Changes,
    products: list[tuple[ProductChange, MultiPolygon, float, str]],
) -> None:
    # Each row's fields are named one by one, so that mypy checks every key against its model.
    activity = None
    if a := changes.activity:
        activity = Activity.objects.create(
            hazard=hazard,
            report=report,
            organisation=report.organisation,
            location=a.get("location"),
            kind=a["kind"],
            method=a["method"],
            status=a["status"],
            start_date=a["start_date"] or report.date_of_information,
            end_date=a["end_date"],
            search_depth_cm=a["search_depth_cm"],
            person_days=a["person_days"],
            machine_hours=a["machine_hours"],
        )
    if hazard is not None:
        rating = _rating(report) if changes.minefield else ""  # a record's evidence is as reliable as rated
        Evidence.objects.bulk_create(
            [
                Evidence(
                    hazard=hazard,
                    report=report,
                    kind=e["kind"],
                    source=e["source"],
                    reliability=e["reliability"] or rating,
                    description=e["description"],
                    informant_name=e["informant_name"],
                    informant_contact=e["informant_contact"],
                    on=_given(e["on"], "evidence date"),
                )
                for e in changes.evidence
            ]
        )
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
        Find.objects.bulk_create(
            [
                Find(
                    hazard=hazard,
                    activity=activity,
                    report=report,
                    category=f["category"],
                    model=f["model"],
                    quantity=_given(f["quantity"], "quantity"),
                    condition=f["condition"],
                    depth_cm=f["depth_cm"],
                    location=f["location"],
                    disposal=f["disposal"],
                    on=_given(f["on"], "find date"),
                    catalogue_entry=f.get("catalogue_entry"),
                    catalogue_note=f.get("catalogue_note", ""),
                )
                for f in changes.finds
            ]
        )
    if (h := changes.handover) and hazard is not None:
        Handover.objects.create(
            hazard=hazard,
            report=report,
            on=_given(h["on"], "handover date"),
            handed_to=h["handed_to"],
            certificate=h["certificate"],
            parcel=parcel.geom if (parcel := h.get("parcel")) else None,
            parcel_area_m2=h.get("parcel_area_m2"),
        )
    if changes.minefield and hazard is not None:
        MinefieldRecord.objects.create(
            hazard=hazard,
            report=report,
            reliability=_rating(report),
            held_by=report.organisation.name,
            **changes.minefield,
        )


def _match_catalogue(changes: Changes) -> None:
    """Match the models of finds and of a record's devices to the ordnance catalogue (decision 0049).

    Models stay as written, with a note of the match. A matched model's catalogue category is what the
    item counts as: a record's devices confirmed on its hazard, a find's AP-ness in Article 7.
    """
    if changes.finds:
        # annotate adds the two keys FindChange declares NotRequired (catalogue_entry, catalogue_note).
        annotate(cast(list[dict[str, Any]], changes.finds))
    if changes.minefield and changes.minefield.get("devices"):
        devices = changes.minefield["devices"]
        annotate(devices)
        counted = set()
        for d in devices:
            entry = d.pop("catalogue_entry")
            d["catalogue"] = entry.name if entry else None
            d["catalogue_category"] = entry.category if entry else None
            if d["catalogue_category"] or d["category"]:
                counted.add(d["catalogue_category"] or d["category"])
        changes.hazard_fields["devices_confirmed"] = sorted(counted)


def _check_minefield(hazard: HazardousArea, changes: Changes, creating: bool, problems: list[Problem]) -> None:
    """A hazard holds one minefield record; inspections and hand-overs are of the record its hazard holds."""
    if changes.minefield is None and changes.minefield_inspection is None and changes.minefield_transfer is None:
        return
    record = None if creating else MinefieldRecord.objects.filter(hazard=hazard).first()
    if changes.minefield is not None and record is not None:
        problems.append(
            Problem(
                "hazard",
                _(
                    "%(code)s already holds a minefield record (%(record)s); correct that record's report, "
                    "or register this minefield as a hazard of its own"
                )
                % {"code": hazard.code, "record": record.document_reference or record.laying_party},
                "record_exists",
            )
        )
    if changes.minefield is not None and not creating:
        # Attached to a registered hazard: what it already confirmed stays confirmed.
        laid = changes.hazard_fields.get("devices_confirmed", [])
        changes.hazard_fields["devices_confirmed"] = sorted({*hazard.devices_confirmed, *laid})
    if (changes.minefield_inspection or changes.minefield_transfer) and record is None:
        problems.append(
            Problem(
                "hazard",
                _("%(code)s holds no minefield record; attach the record first")
                % {"code": hazard.code or _("this hazard")},
                "record_required",
            )
        )


def _rating(report: Report) -> str:
    """The approver's rating of a minefield record ("" in a dry run, before anyone has rated it)."""
    rating = MinefieldRecordRating.objects.filter(report=report).values_list("reliability", flat=True).first()
    return rating or ""


def _record_minefield_life(hazard: HazardousArea, report: Report, changes: Changes, *, stale: bool) -> None:
    """An inspection updates the record's state and due date; a hand-over passes the record on."""
    if changes.minefield_inspection is None and changes.minefield_transfer is None:
        return
    record = MinefieldRecord.objects.get(hazard=hazard)
    if changes.minefield_inspection is not None:
        i = changes.minefield_inspection
        MinefieldInspection.objects.bulk_create(
            [
                MinefieldInspection(record=record, report=report, on=i["on"], element=c["element"],
                                    condition=c["condition"], next_due=i["next_due"], notes=i["notes"])
                for c in i["checks"]
            ]
        )  # fmt: skip
        if record.apply_inspection(i["on"], i["checks"], marking_status=i["marking_status"], next_due=i["next_due"]):
            record.save()
            if not stale:
                hazard.marking_status = record.hazard_marking()
    if changes.minefield_transfer is not None:
        t = changes.minefield_transfer
        MinefieldRecordTransfer.objects.create(record=record, report=report, **t)
        if not record.transfers.filter(on__gt=t["on"]).exists():  # a later hand-over already passed it on
            record.held_by = t["handed_to"]
            record.save(update_fields=["held_by"])


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
