"""The home dashboard's figures: every one an aggregate computed in PostgreSQL, within the user's scope.

Each function runs a fixed number of grouped queries (never a Python loop over hazards), so the page
costs the same number of queries at 10 hazards as at 100,000 (tests/test_web_dashboard.py pins it).
What each figure counts, and why, is in docs/decisions/0023-dashboard.md.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce, ExtractYear

from accounts import access
from casualties import statistics as casualty_stats
from casualties.models import Casualty
from hazards.models import Activity, LandReleaseProduct
from reports.models import ReportStatus
from risk_education.statistics import reach_statistics
from vocab.choices import ActivityKind, ProductKind

#: The land-release kinds, in IMAS 07.11 order (cancelled by NTS, reduced by TS, cleared by clearance).
KINDS = [ProductKind.CANCELLED, ProductKind.REDUCED, ProductKind.CLEARED]
#: Reports waiting for an IM officer's decision (validated is the step before approval).
AWAITING = [ReportStatus.SUBMITTED, ReportStatus.VALIDATED]
#: Tasks whose effort produces released land: the denominator of productivity.
RELEASE_ACTIVITIES = [ActivityKind.NTS, ActivityKind.TS, ActivityKind.CLEARANCE, ActivityKind.BAC]


def province(prefix: str) -> tuple[Case, Case]:
    """(pcode, name) of the province of the admin area at `prefix`: a district rolls up to its parent.

    Hazards are placed in the deepest admin area (places.admin_area_at); a national chart by district
    would have hundreds of bars, so figures are shown by province (level 1), as the public summary.
    """
    deep = Q(**{f"{prefix}__level__gte": 2})
    return (
        Case(When(deep, then=F(f"{prefix}__parent__pcode")), default=F(f"{prefix}__pcode")),
        Case(When(deep, then=F(f"{prefix}__parent__name")), default=F(f"{prefix}__name")),
    )


def headline(user: Any) -> dict[str, float]:
    """Hazards, original / remaining / cancelled / reduced / cleared m², reports awaiting approval."""
    figures = access.hazards_for(user).aggregate(
        hazards=Count("id"),
        original=Coalesce(Sum("original_area_m2"), 0.0),
        remaining=Coalesce(Sum("remaining_area_m2"), 0.0),
        cancelled=Coalesce(Sum("cancelled_m2"), 0.0),
        reduced=Coalesce(Sum("reduced_m2"), 0.0),
        cleared=Coalesce(Sum("cleared_m2"), 0.0),
    )
    figures["released"] = figures["cancelled"] + figures["reduced"] + figures["cleared"]
    figures["awaiting"] = access.reports_for(user).filter(status__in=AWAITING).count()
    return figures


def land_release_by_area(user: Any) -> list[dict[str, Any]]:
    """Remaining / cancelled / reduced / cleared m² of the hazards in scope, by province."""
    pcode, name = province("admin_area")
    rows = (
        access.hazards_for(user)
        .annotate(area_pcode=pcode, area_name=name)
        .values("area_pcode", "area_name")
        .annotate(
            hazards=Count("id"),
            remaining=Sum("remaining_area_m2"),
            cancelled=Sum("cancelled_m2"),
            reduced=Sum("reduced_m2"),
            cleared=Sum("cleared_m2"),
        )
        .order_by("area_name", "area_pcode")
    )
    return list(rows)


def _products(user: Any) -> QuerySet:
    # A product belongs to the hazard's operator, as the hazard's own figures do.
    return access.scoped(user, LandReleaseProduct.objects.all(), "hazard__organisation_id")


def land_release_by_year(user: Any) -> dict[int, dict[str, float]]:
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


def who_does_what_where(user: Any) -> list[dict[str, Any]]:
    """Activities by organisation × province × kind: how many, and the m² they released.

    Two grouped queries (counts, then products' m²) rather than one join with COUNT(DISTINCT),
    which would sort every activity row; a task with no hazard (an EOD spot task) has no province.
    """
    activities = access.scoped(user, Activity.objects.all(), "organisation_id")
    pcode, name = province("hazard__admin_area")
    keys = ("organisation__code", "organisation__name", "area_pcode", "area_name", "kind")
    counts = activities.annotate(area_pcode=pcode, area_name=name).values(*keys).annotate(n=Count("id"))
    p_pcode, p_name = province("activity__hazard__admin_area")
    released = (
        access.scoped(user, LandReleaseProduct.objects.all(), "activity__organisation_id")
        .annotate(area_pcode=p_pcode, area_name=p_name)
        .values("activity__organisation__code", "area_pcode", "activity__kind")
        .annotate(m2=Sum("area_m2"))
    )
    m2 = {(r["activity__organisation__code"], r["area_pcode"], r["activity__kind"]): r["m2"] for r in released}
    rows = [{**row, "m2": m2.get((row["organisation__code"], row["area_pcode"], row["kind"]), 0.0)} for row in counts]
    rows.sort(key=lambda r: (r["organisation__name"], r["area_name"] or "", r["kind"]))
    return rows


def productivity(user: Any) -> list[dict[str, Any]]:
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


def casualties_by_year(user: Any) -> list[dict[str, Any]] | None:
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


def risk_education_reach(user: Any) -> dict[str, Any]:
    """People reached (first-time attendees) and attendances by year, over the sessions in scope."""
    stats = reach_statistics(access.risk_education_sessions_for(user))
    by_year = fill_years({r["value"]: r for r in stats["tables"]["year"] if r["value"] is not None}, None)
    years = [r or {"value": y, "reached": 0, "attendances": 0} for y, r in by_year.items()]
    return {"reached": stats["reached"], "attendances": stats["attendances"], "sessions": stats["sessions"],
            "years": years}  # fmt: skip


def latest_hazards(user: Any, n: int = 10) -> QuerySet:
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
