"""The home dashboard's figures: every one an aggregate computed in PostgreSQL, within the user's scope.

Each function runs a fixed number of grouped queries (never a Python loop over hazards), so the page
costs the same number of queries at 10 hazards as at 100,000 (tests/test_web_dashboard.py pins it).
What each figure counts, and why, is in docs/decisions/0023-dashboard.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import ExtractYear

from accounts import access
from accounts.access import AnyUser
from accounts.models import Organisation
from casualties import statistics as casualty_stats
from casualties.models import Casualty
from hazards import overlaps
from hazards.models import Activity, HazardousArea, LandReleaseProduct
from places.models import AdminArea
from reports.models import ReportStatus
from risk_education.statistics import reach_statistics
from vocab.choices import ActivityKind, ProductKind

#: The land-release kinds, in IMAS 07.11 order (cancelled by NTS, reduced by TS, cleared by clearance).
KINDS = [ProductKind.CANCELLED, ProductKind.REDUCED, ProductKind.CLEARED]
#: Reports waiting for an IM officer's decision (validated is the step before approval).
AWAITING = [ReportStatus.SUBMITTED, ReportStatus.VALIDATED]
#: Tasks whose effort produces released land: the denominator of productivity.
RELEASE_ACTIVITIES = [ActivityKind.NTS, ActivityKind.TS, ActivityKind.CLEARANCE, ActivityKind.BAC]


def provinces(area_ids: set[int | None]) -> dict[int | None, tuple[str | None, str | None]]:
    """(pcode, name) of the province of each admin area: a district rolls up to its parent; one query.

    Hazards are placed in the deepest admin area (places.admin_area_at); a national chart by district
    would have hundreds of bars, so figures are shown by province (level 1), as the public summary.
    """
    found: dict[int | None, tuple[str | None, str | None]] = {None: (None, None)}
    rows = AdminArea.objects.filter(id__in=[i for i in area_ids if i is not None])
    for a in rows.values("id", "level", "pcode", "name", "parent__pcode", "parent__name"):
        deep = a["level"] >= 2 and a["parent__pcode"]
        found[a["id"]] = (a["parent__pcode"], a["parent__name"]) if deep else (a["pcode"], a["name"])
    return found


HAZARD_SUMS = ("original", "remaining", "cancelled", "reduced", "cleared")


def hazard_figures(user: AnyUser) -> list[Mapping[str, Any]]:
    """Count and m² sums of the hazards in scope, one row per admin area (the only scan of the register).

    Grouped by admin_area_id alone, so PostgreSQL reads web_dashboard's covering index
    (dashboard_hazard_figures_idx) rather than the 100,000 rows with their geometries; the headline
    and the chart by province are summed from these few rows.
    """
    hazards = access.hazards_for(user)
    rows = list(
        hazards.values("admin_area_id")
        .annotate(
            hazards=Count("id"),
            original=Sum("original_area_m2"),
            remaining=Sum("remaining_area_m2"),
            cancelled=Sum("cancelled_m2"),
            reduced=Sum("reduced_m2"),
            cleared=Sum("cleared_m2"),
        )
        .order_by()
    )
    # Land in two linked hazards is remaining once (decision 0048): taken off the newer hazard's area.
    shared = overlaps.shared_remaining_m2(hazards, by="admin_area")
    figures: list[Mapping[str, Any]] = []
    for row in rows:
        area = row["admin_area_id"]
        figures.append(
            {**row, "remaining": max(0.0, (row["remaining"] or 0.0) - shared[area])} if area in shared else row
        )
    return figures


def headline(user: AnyUser, figures: Sequence[Mapping[str, Any]] | None = None) -> dict[str, float]:
    """Hazards, original / remaining / cancelled / reduced / cleared m², reports awaiting approval."""
    rows = hazard_figures(user) if figures is None else figures
    totals: dict[str, float] = {"hazards": sum(r["hazards"] for r in rows)}
    for key in HAZARD_SUMS:
        totals[key] = sum(r[key] or 0.0 for r in rows)
    totals["released"] = totals["cancelled"] + totals["reduced"] + totals["cleared"]
    totals["awaiting"] = access.reports_for(user).filter(status__in=AWAITING).count()
    return totals


def land_release_by_area(user: AnyUser, figures: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Remaining / cancelled / reduced / cleared m² of the hazards in scope, by province."""
    rows = hazard_figures(user) if figures is None else figures
    names = provinces({r["admin_area_id"] for r in rows})
    by_province: dict[str | None, dict[str, Any]] = {}
    for r in rows:
        pcode, name = names.get(r["admin_area_id"], (None, None))
        into = by_province.setdefault(pcode, {"area_pcode": pcode, "area_name": name, "hazards": 0,
                                              **dict.fromkeys(HAZARD_SUMS, 0.0)})  # fmt: skip
        into["hazards"] += r["hazards"]
        for key in HAZARD_SUMS:
            into[key] += r[key] or 0.0
    return sorted(by_province.values(), key=lambda r: (r["area_name"] is None, r["area_name"] or "", r["area_pcode"]))


def _products(user: AnyUser) -> QuerySet[LandReleaseProduct]:
    # A product belongs to the hazard's operator, as the hazard's own figures do.
    return access.scoped(user, LandReleaseProduct.objects.all(), "hazard__organisation_id")


def land_release_by_year(user: AnyUser) -> dict[int, dict[str, float]]:
    """Cancelled / reduced / cleared m² by the year of the product's date, every year in between filled."""
    rows = (
        _products(user)
        .annotate(year=ExtractYear("on"))
        .values("year", "kind")
        .annotate(m2=Sum("area_m2"))
        .order_by("year")
    )
    by_year: dict[int, dict[str, float]] = {}
    for row in rows:
        by_year.setdefault(row["year"], {})[row["kind"]] = row["m2"]
    return fill_years(by_year, {})


def fill_years(by_year: dict[int, Any], empty: Any) -> dict[int, Any]:
    """The same mapping with every year between the first and the last (a gap is a year with nothing)."""
    if not by_year:
        return {}
    return {y: by_year.get(y, empty) for y in range(min(by_year), max(by_year) + 1)}


def who_does_what_where(user: AnyUser) -> list[dict[str, Any]]:
    """Activities by organisation × province × kind: how many, and the m² they released.

    Two grouped queries on ids (counts, then products' m²) rather than one join with COUNT(DISTINCT),
    which would sort every activity row; names are looked up for the few groups. A task with no
    hazard (an EOD spot task) has no province.
    """
    counts = (
        access.scoped(user, Activity.objects.all(), "organisation_id")
        .values("organisation_id", area_id=F("hazard__admin_area_id"), task_kind=F("kind"))
        .annotate(n=Count("id"))
        .order_by()
    )
    released = (
        access.scoped(user, LandReleaseProduct.objects.all(), "activity__organisation_id")
        .values(
            organisation_id=F("activity__organisation_id"),
            area_id=F("hazard__admin_area_id"),
            task_kind=F("activity__kind"),
        )
        .annotate(m2=Sum("area_m2"))
        .order_by()
    )
    m2 = {(r["organisation_id"], r["area_id"], r["task_kind"]): r["m2"] for r in released}
    groups = list(counts)
    names = provinces({r["area_id"] for r in groups})
    orgs = {o["id"]: o for o in Organisation.objects.filter(id__in={r["organisation_id"] for r in groups}).values()}
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in groups:
        pcode, name = names.get(r["area_id"], (None, None))
        org = orgs[r["organisation_id"]]
        empty = {"organisation__code": org["code"], "organisation__name": org["name"], "area_pcode": pcode,
                 "area_name": name, "kind": r["task_kind"], "n": 0, "m2": 0.0}  # fmt: skip
        row = merged.setdefault((r["organisation_id"], pcode, r["task_kind"]), empty)
        row["n"] += r["n"]
        row["m2"] += m2.get((r["organisation_id"], r["area_id"], r["task_kind"])) or 0.0
    return sorted(merged.values(), key=lambda r: (r["organisation__name"], r["area_name"] or "", r["kind"]))


def productivity(user: AnyUser) -> list[dict[str, Any]]:
    """m² released per person-day, by method, over the land-release tasks that record their person-days.

    The register records a task's person-days, not its team-days (no team size is kept), so the
    measure is per person-day. Numerator: the products of tasks with person-days recorded;
    denominator: those tasks' person-days, including tasks that released nothing yet (effort spent).
    """
    tasks = access.scoped(user, Activity.objects.all(), "organisation_id").filter(
        kind__in=RELEASE_ACTIVITIES, person_days__gt=0
    )
    per_method = tasks.values("method").annotate(tasks=Count("id"), person_days=Sum("person_days"))
    effort = {r["method"]: r for r in per_method}
    released = {
        r["activity__method"]: r["m2"]
        for r in _products(user)
        .filter(activity__kind__in=RELEASE_ACTIVITIES, activity__person_days__gt=0)
        .values("activity__method")
        .annotate(m2=Sum("area_m2"))
    }
    rows = []
    for method, row in sorted(effort.items()):
        m2 = released.get(method) or 0.0
        rows.append({"method": method, "tasks": row["tasks"], "person_days": row["person_days"], "m2": m2,
                     "per_person_day": m2 / row["person_days"]})  # fmt: skip
    return rows


def casualties_by_year(user: AnyUser) -> list[dict[str, Any]] | None:
    """Casualties by year of the accident (counts only, small cells suppressed as the API does).

    None when the user may not see casualty statistics: the API's rule (the national authority).
    """
    if not access.may_read_national_reports(user):
        return None
    rows = (
        Casualty.objects.annotate(key=casualty_stats.DIMENSIONS["year"])
        .values("key")
        .annotate(n=Count("id"))
        .order_by("key")
    )
    cells = casualty_stats.suppress([(r["key"], r["n"]) for r in rows if r["key"] is not None])
    by_year = fill_years({c["value"]: c for c in cells}, None)
    # A year with no casualty is a true zero (zero names no one), not a suppressed cell.
    return [cell or {"value": year, "count": 0, "display": "0", "suppressed": None} for year, cell in by_year.items()]


def risk_education_reach(user: AnyUser) -> dict[str, Any]:
    """People reached (first-time attendees) and attendances by year, over the sessions in scope."""
    stats = reach_statistics(access.risk_education_sessions_for(user))
    by_year = fill_years({r["value"]: r for r in stats["tables"]["year"] if r["value"] is not None}, None)
    years = [r or {"value": y, "reached": 0, "attendances": 0} for y, r in by_year.items()]
    return {"reached": stats["reached"], "attendances": stats["attendances"], "sessions": stats["sessions"],
            "years": years}  # fmt: skip


def latest_hazards(user: AnyUser, n: int = 10) -> QuerySet[HazardousArea]:
    """The n hazards with the latest information in scope (served by hazard_doi_idx)."""
    return (
        access.hazards_for(user)
        .select_related("organisation", "admin_area")
        .only(
            "code",
            "name",
            "classification",
            "status",
            "remaining_area_m2",
            "date_of_information",
            "organisation__code",
            "admin_area__name",
        )  # fmt: skip
        .order_by("-date_of_information", "-id")[:n]
    )
