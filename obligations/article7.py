"""Article 7 transparency report figures, computed from the approved register as known at a cutoff.

Every figure carries its lineage: the approved report versions behind it. Only reports approved at
or before the cutoff count, and hazard states are taken from the history (HazardVersion recorded by
then), so regenerating with the same cutoff after later approvals gives identical figures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Q

from hazards.models import Find, HazardVersion, LandReleaseProduct
from places.models import AdminArea
from reports.models import Report
from vocab.choices import Classification, DeviceCategory, HazardStatus, ProductKind


def _lineage(report_ids: set[int]) -> list[list[int]]:
    """[[report id, report version], ...] for the reports behind a figure."""
    versions = dict(Report.objects.filter(pk__in=report_ids).values_list("pk", "version"))
    return [[pk, versions[pk]] for pk in sorted(report_ids)]


def _country_q(iso3: str, prefix: str = "hazard__") -> Q:
    return Q(**{f"{prefix}admin_area__country_iso3": iso3})


def mined_areas(iso3: str, year_end: dt.date, cutoff: dt.datetime) -> list[dict[str, Any]]:
    """SHA and CHA still to release at the year's end, by admin area, with device types."""
    versions = (
        HazardVersion.objects.filter(_country_q(iso3), valid_from__lte=year_end, recorded_at__lte=cutoff)
        .order_by("hazard_id", "-valid_from", "-sequence")
        .distinct("hazard_id")
        .values("hazard_id", "report_id", "state", "hazard__admin_area__pcode", "hazard__admin_area__name")
    )
    released: dict[int, float] = defaultdict(float)
    release_reports: dict[int, set[int]] = defaultdict(set)
    for hazard_id, area, report_id in LandReleaseProduct.objects.filter(
        _country_q(iso3), on__lte=year_end, report__approved_at__lte=cutoff
    ).values_list("hazard_id", "area_m2", "report_id"):
        released[hazard_id] += area
        release_reports[hazard_id].add(report_id)
    rows: dict[str, dict[str, Any]] = {}
    for v in versions:
        state = v["state"]
        remaining = max(0.0, state["original_area_m2"] - released[v["hazard_id"]])
        if state["status"] == HazardStatus.CLOSED or remaining <= 0.5:
            continue
        pcode = v["hazard__admin_area__pcode"]
        row = rows.setdefault(
            pcode,
            {
                "admin_area": pcode,
                "name": v["hazard__admin_area__name"],
                "sha_areas": 0,
                "sha_remaining_m2": 0.0,
                "cha_areas": 0,
                "cha_remaining_m2": 0.0,
                "devices_suspected": set(),
                "devices_confirmed": set(),
                "reports": set(),
            },
        )
        key = "sha" if state["classification"] == Classification.SHA else "cha"
        row[f"{key}_areas"] += 1
        row[f"{key}_remaining_m2"] += remaining
        row["devices_suspected"].update(state.get("devices_suspected") or [])
        row["devices_confirmed"].update(state.get("devices_confirmed") or [])
        row["reports"].update({v["report_id"], *release_reports[v["hazard_id"]]})
    out = []
    for row in sorted(rows.values(), key=lambda r: r["admin_area"]):
        for key in ("sha_remaining_m2", "cha_remaining_m2"):
            row[key] = round(row[key], 1)
        for key in ("devices_suspected", "devices_confirmed"):
            row[key] = sorted(row[key])
        row["lineage"] = _lineage(row.pop("reports"))
        out.append(row)
    return out


def land_released(iso3: str, year: int, cutoff: dt.datetime) -> list[dict[str, Any]]:
    """Land cancelled, reduced and cleared during the year: m², number of areas, number of polygons."""
    products = LandReleaseProduct.objects.filter(
        _country_q(iso3), on__year=year, report__approved_at__lte=cutoff
    ).values_list("kind", "area_m2", "hazard_id", "report_id")
    rows: dict[str, dict[str, Any]] = {
        k: {"kind": k, "area_m2": 0.0, "areas": set(), "products": 0, "reports": set()} for k in ProductKind.values
    }
    for kind, area, hazard_id, report_id in products:
        row = rows[kind]
        row["area_m2"] += area
        row["areas"].add(hazard_id)
        row["products"] += 1
        row["reports"].add(report_id)
    return [
        {
            "kind": r["kind"],
            "area_m2": round(r["area_m2"], 1),
            "areas": len(r["areas"]),
            "products": r["products"],
            "lineage": _lineage(r["reports"]),
        }
        for r in rows.values()
    ]


def items_destroyed(iso3: str, year: int, cutoff: dt.datetime) -> list[dict[str, Any]]:
    """Explosive items found during the year, by device category and disposal."""
    country = AdminArea.objects.filter(country_iso3=iso3, level=0).values_list("geom", flat=True).first()
    where = _country_q(iso3)
    if country is not None:
        # EOD spot tasks outside any hazard are placed by their task's location.
        where |= Q(hazard__isnull=True, activity__location__intersects=country)
    finds = Find.objects.filter(where, on__year=year, report__approved_at__lte=cutoff).values_list(
        "category", "disposal", "quantity", "report_id"
    )
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for category, disposal, quantity, report_id in finds:
        row = rows.setdefault(
            (category, disposal),
            {"category": category, "disposal": disposal or "not recorded", "quantity": 0, "reports": set()},
        )
        row["quantity"] += quantity
        row["reports"].add(report_id)
    order = {c: i for i, c in enumerate(DeviceCategory.values)}
    return [
        {**{k: v for k, v in r.items() if k != "reports"}, "lineage": _lineage(r["reports"])}
        for _, r in sorted(rows.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1]))
    ]


def casualties(iso3: str, year: int, cutoff: dt.datetime) -> dict[str, Any]:
    """Casualties of the year's accidents in the state, by outcome and category, small cells suppressed.

    The report is public, so the rule of casualties/statistics.py applies: a count of 1-4 shows as "<5".
    """
    from casualties.models import Casualty
    from casualties.statistics import suppress

    rows = Casualty.objects.filter(
        accident__admin_area__country_iso3=iso3, accident__occurred_at__year=year, report__approved_at__lte=cutoff
    )
    outcomes = Counter(rows.values_list("outcome", flat=True))
    categories = Counter(rows.values_list("category", flat=True))
    [total] = suppress([("total", sum(outcomes.values()))])
    by_outcome = suppress(sorted(outcomes.items()))
    parts = ", ".join(f"{c['value']} {c['display']}" for c in by_outcome)
    return {
        "recorded": True,
        "year": year,
        "total": total,
        "by_outcome": by_outcome,
        "by_category": suppress(sorted(categories.items())),
        "note": f"{total['display']} casualties in {year}" + (f" ({parts})" if parts else ""),
        "lineage": _lineage(set(rows.values_list("report_id", flat=True))),
    }


def risk_education(iso3: str, year: int, cutoff: dt.datetime) -> dict[str, Any]:
    """People reached by risk education in the year in the state (first-time attendees), by sex and age band."""
    from risk_education.models import RiskEducationSession
    from risk_education.statistics import reach_statistics

    sessions = RiskEducationSession.objects.filter(
        admin_area__country_iso3=iso3, held_on__year=year, report__approved_at__lte=cutoff
    )
    stats = reach_statistics(sessions)
    return {
        "recorded": True,
        "year": year,
        "sessions": stats["sessions"],
        "reached": stats["reached"],
        "attendances": stats["attendances"],
        "media_audience_estimate": stats["media_audience_estimate"],
        "by_sex": stats["tables"]["sex"],
        "by_age_band": stats["tables"]["age_band"],
        "note": f"{stats['reached']:,} people reached in {stats['sessions']:,} sessions in {year}"
        + (
            f"; media audience estimated at {stats['media_audience_estimate']:,}"
            if stats["media_audience_estimate"]
            else ""
        ),
        "lineage": _lineage(set(sessions.values_list("report_id", flat=True))),
    }


def compute(iso3: str, year: int, cutoff: dt.datetime) -> dict[str, Any]:
    """Every figure of the report, each with its lineage."""
    year_end = dt.date(year, 12, 31)
    areas = mined_areas(iso3, year_end, cutoff)
    released = land_released(iso3, year, cutoff)
    return {
        "state": iso3,
        "year": year,
        "cutoff": cutoff.isoformat(),
        "mined_areas": {
            "as_of": year_end.isoformat(),
            "rows": areas,
            "totals": {
                key: round(sum(r[key] for r in areas), 1)
                for key in ("sha_areas", "sha_remaining_m2", "cha_areas", "cha_remaining_m2")
            },
        },
        "land_released": {
            "year": year,
            "rows": released,
            "total_m2": round(sum(r["area_m2"] for r in released), 1),
        },
        "items_destroyed": {"year": year, "rows": items_destroyed(iso3, year, cutoff)},
        "risk_education": risk_education(iso3, year, cutoff),
        "casualties": casualties(iso3, year, cutoff),
    }
