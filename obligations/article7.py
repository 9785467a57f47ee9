"""Article 7 transparency report figures, computed from the approved register as known at a cutoff.

The figures follow the reporting forms States Parties use (Forms A–J, one per sub-paragraph of
Art. 7(1) and J for other matters). The register fills C (mined areas), F (land released), G
(anti-personnel mines destroyed), I (marking) and J (risk education, casualties); A, B, D, E and H
are the authority's to complete. A "mined area" is one known or suspected to contain anti-personnel
mines, improvised ones included (hazards.models.is_mined_area; decision 0040).

Every figure carries its lineage: the approved report versions behind it. Only reports approved at
or before the cutoff count, and hazard states are taken from the history (HazardVersion recorded by
then), so regenerating with the same cutoff after later approvals gives identical figures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Q
from django.db.models.functions import Coalesce

from hazards import overlaps
from hazards.models import Find, HazardousArea, HazardVersion, LandReleaseProduct, area_tolerance, is_mined_area
from places.models import AdminArea
from reports.models import Report
from vocab.choices import (
    AP_MINE_CATEGORIES,
    DESTROYED_DISPOSALS,
    Classification,
    DeviceCategory,
    HazardStatus,
    MarkingStatus,
    ProductKind,
)

SCHEMA = 2  # 1: flat sections, every hazard a "mined area" (before decision 0040); 2: Forms A–J
FORMS = tuple("ABCDEFGHIJ")
FROM_REGISTER = ("C", "F", "G", "I", "J")


def _lineage(report_ids: set[int]) -> list[list[int]]:
    """[[report id, report version], ...] for the reports behind a figure."""
    versions = dict(Report.objects.filter(pk__in=report_ids).values_list("pk", "version"))
    return [[pk, versions[pk]] for pk in sorted(report_ids)]


def _country_q(iso3: str, prefix: str = "hazard__") -> Q:
    return Q(**{f"{prefix}admin_area__country_iso3": iso3})


def _mined(state: dict[str, Any]) -> bool:
    return is_mined_area(state.get("devices_suspected"), state.get("devices_confirmed"))


def _device_order(devices: set[str]) -> list[str]:
    order = {c: i for i, c in enumerate(DeviceCategory.values)}
    return sorted(devices, key=lambda d: (order.get(d, 99), d))


def _states_at(iso3: str, year_end: dt.date, cutoff: dt.datetime) -> list[dict[str, Any]]:
    """Each hazard's state in force on `year_end` as recorded by `cutoff`, with its report and admin area."""
    versions = (
        HazardVersion.objects.filter(_country_q(iso3), valid_from__lte=year_end, recorded_at__lte=cutoff)
        .order_by("hazard_id", "-valid_from", "-sequence")
        .distinct("hazard_id")
        .values("hazard_id", "report_id", "state", "hazard__admin_area__pcode", "hazard__admin_area__name")
    )
    return [dict(v) for v in versions]


def _released_by(iso3: str, year_end: dt.date, cutoff: dt.datetime) -> tuple[dict[int, float], dict[int, set[int]]]:
    released: dict[int, float] = defaultdict(float)
    reports: dict[int, set[int]] = defaultdict(set)
    for hazard_id, area, report_id in LandReleaseProduct.objects.filter(
        _country_q(iso3), on__lte=year_end, report__approved_at__lte=cutoff
    ).values_list("hazard_id", "area_m2", "report_id"):
        released[hazard_id] += area
        reports[hazard_id].add(report_id)
    return released, reports


def _remaining(iso3: str, year_end: dt.date, cutoff: dt.datetime) -> list[dict[str, Any]]:
    """Hazards still to release on `year_end`: their state, remaining m² and the reports behind them."""
    released, release_reports = _released_by(iso3, year_end, cutoff)
    states = _states_at(iso3, year_end, cutoff)
    # Land in two linked hazards is to be released once (decision 0048): off the newer hazard's remaining.
    shared = overlaps.shared_remaining_m2(HazardousArea.objects.filter(pk__in=[v["hazard_id"] for v in states]),
                                          recorded_by=cutoff)  # fmt: skip
    out = []
    for v in states:
        state = v["state"]
        remaining = max(0.0, state["original_area_m2"] - released[v["hazard_id"]] - shared.get(v["hazard_id"], 0.0))
        if state["status"] == HazardStatus.CLOSED or remaining <= 0.5:
            continue
        out.append({**v, "remaining_m2": remaining, "reports": {v["report_id"], *release_reports[v["hazard_id"]]}})
    return out


def mined_areas(iso3: str, year_end: dt.date, cutoff: dt.datetime) -> dict[str, Any]:
    """Form C: mined areas still to release at the year's end, by admin area, with device types.

    Hazards without anti-personnel mines (UXO, cluster munitions or anti-vehicle mines only) are not
    mined areas under Art. 5; they are totalled apart so that nothing of the register is hidden.
    """
    rows: dict[str, dict[str, Any]] = {}
    other: dict[str, Any] = {"areas": 0, "remaining_m2": 0.0, "device_unknown_areas": 0, "reports": set()}
    for h in _remaining(iso3, year_end, cutoff):
        state = h["state"]
        if not _mined(state):
            other["areas"] += 1
            other["remaining_m2"] += h["remaining_m2"]
            devices = {*(state.get("devices_suspected") or ()), *(state.get("devices_confirmed") or ())}
            # No device recorded, or "unknown": the authority decides whether these are mined areas.
            other["device_unknown_areas"] += not devices or DeviceCategory.UNKNOWN in devices
            other["reports"].update(h["reports"])
            continue
        pcode = h["hazard__admin_area__pcode"]
        row = rows.setdefault(
            pcode,
            {
                "admin_area": pcode,
                "name": h["hazard__admin_area__name"],
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
        row[f"{key}_remaining_m2"] += h["remaining_m2"]
        row["devices_suspected"].update(state.get("devices_suspected") or [])
        row["devices_confirmed"].update(state.get("devices_confirmed") or [])
        row["reports"].update(h["reports"])
    out = []
    for row in sorted(rows.values(), key=lambda r: r["admin_area"]):
        for key in ("sha_remaining_m2", "cha_remaining_m2"):
            row[key] = round(row[key], 1)
        for key in ("devices_suspected", "devices_confirmed"):
            row[key] = _device_order(row[key])
        row["lineage"] = _lineage(row.pop("reports"))
        out.append(row)
    return {
        "as_of": year_end.isoformat(),
        "rows": out,
        "totals": {
            key: round(sum(r[key] for r in out), 1)
            for key in ("sha_areas", "sha_remaining_m2", "cha_areas", "cha_remaining_m2")
        },
        "other_hazardous_areas": {
            "areas": other["areas"],
            "remaining_m2": round(other["remaining_m2"], 1),
            "device_unknown_areas": other["device_unknown_areas"],
            "lineage": _lineage(other.pop("reports")),
        },
    }


def _release_rows(products: list[tuple[str, float, int, int]]) -> list[dict[str, Any]]:
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


def land_released(iso3: str, year: int, cutoff: dt.datetime) -> dict[str, Any]:
    """Form F (Art. 5 programme): land cancelled, reduced and cleared during the year in mined areas.

    Whether a hazard is a mined area is judged on its state at the year's end. Land released in other
    hazardous areas (battle area clearance of UXO-only land, say) and land taken out of the register
    by a re-survey that redrew a polygon smaller (no land-release product records it) are given apart.
    """
    year_end = dt.date(year, 12, 31)
    states = {v["hazard_id"]: v["state"] for v in _states_at(iso3, year_end, cutoff)}
    mined: list[tuple[str, float, int, int]] = []
    other: list[tuple[str, float, int, int]] = []
    for kind, area, hazard_id, report_id in LandReleaseProduct.objects.filter(
        _country_q(iso3), on__year=year, report__approved_at__lte=cutoff
    ).values_list("kind", "area_m2", "hazard_id", "report_id"):
        (mined if _mined(states.get(hazard_id, {})) else other).append((kind, area, hazard_id, report_id))
    rows, other_rows = _release_rows(mined), _release_rows(other)
    return {
        "year": year,
        "rows": rows,
        "total_m2": round(sum(r["area_m2"] for r in rows), 1),
        "other_hazardous_areas": {"rows": other_rows, "total_m2": round(sum(r["area_m2"] for r in other_rows), 1)},
        "resurvey": resurvey_reductions(iso3, year, cutoff),
    }


def resurvey_reductions(iso3: str, year: int, cutoff: dt.datetime) -> dict[str, Any]:
    """Mined area taken out of the register during the year by a re-survey that redrew a polygon smaller."""
    versions = (
        HazardVersion.objects.filter(_country_q(iso3), valid_from__lte=dt.date(year, 12, 31), recorded_at__lte=cutoff)
        .filter(hazard_id__in=HazardVersion.objects.filter(_country_q(iso3), valid_from__year=year).values("hazard_id"))
        .order_by("hazard_id", "sequence")
        .values_list("hazard_id", "report_id", "valid_from", "state")
    )
    area, hazards, reports = 0.0, set(), set()
    previous: dict[int, float] = {}
    for hazard_id, report_id, valid_from, state in versions:
        before, now = previous.get(hazard_id), state["original_area_m2"]
        previous[hazard_id] = now
        if before is not None and valid_from.year == year and before - now > area_tolerance(before) and _mined(state):
            area += before - now
            hazards.add(hazard_id)
            reports.add(report_id)
    return {"areas": len(hazards), "area_m2": round(area, 1), "lineage": _lineage(reports)}


def items_destroyed(iso3: str, year: int, cutoff: dt.datetime) -> dict[str, Any]:
    """Form G: anti-personnel mines destroyed during the year, by type; other items and finds not destroyed apart.

    Destroyed means destroyed in situ or at a demolition site (vocab.choices.DESTROYED_DISPOSALS). An
    item removed for later destruction, rendered safe or handed over is counted as found, not destroyed.
    """
    country = AdminArea.objects.filter(country_iso3=iso3, level=0).values_list("geom", flat=True).first()
    where = _country_q(iso3)
    if country is not None:
        # EOD spot tasks outside any hazard are placed by their task's location.
        where |= Q(hazard__isnull=True, activity__location__intersects=country)
    # A model found in the ordnance catalogue counts as the catalogue's category and under its catalogue
    # name (decision 0049): a PMN-2 reported as "uxo" is an AP mine, and "pmn 2" and "PMN-2" are one row.
    finds = Find.objects.filter(where, on__year=year, report__approved_at__lte=cutoff).values_list(
        Coalesce("catalogue_entry__category", "category"),
        Coalesce("catalogue_entry__name", "model"),
        "disposal",
        "quantity",
        "report_id",
    )
    tables: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {"ap": {}, "other": {}, "kept": {}}
    for category, model, disposal, quantity, report_id in finds:
        model = model.strip()
        key: tuple[str, ...]
        if disposal not in DESTROYED_DISPOSALS:
            name, key, row = "kept", (category, model, disposal), {"model": model, "disposal": disposal}
        elif category in AP_MINE_CATEGORIES:
            name, key, row = "ap", (category, model), {"model": model}
        else:
            name, key, row = "other", (category,), {}
        entry = tables[name].setdefault(key, {"category": category, **row, "quantity": 0, "reports": set()})
        entry["quantity"] += quantity
        entry["reports"].add(report_id)
    order = {c: i for i, c in enumerate(DeviceCategory.values)}

    def listed(name: str) -> dict[str, Any]:
        rows = [
            {**{k: v for k, v in r.items() if k != "reports"}, "lineage": _lineage(r["reports"])}
            for _key, r in sorted(tables[name].items(), key=lambda kv: (order.get(kv[0][0], 99), *kv[0][1:]))
        ]
        return {"rows": rows, "total": sum(r["quantity"] for r in rows)}

    return {
        "year": year,
        "ap_mines_destroyed": listed("ap"),
        "other_items_destroyed": listed("other"),
        "not_destroyed": listed("kept"),
    }


def marking(iso3: str, year_end: dt.date, cutoff: dt.datetime) -> dict[str, Any]:
    """Form I (warning measures): the mined areas remaining at the year's end by how they are marked."""
    rows: dict[str, dict[str, Any]] = {}
    for h in _remaining(iso3, year_end, cutoff):
        if not _mined(h["state"]):
            continue
        status = h["state"].get("marking_status") or MarkingStatus.UNMARKED
        row = rows.setdefault(status, {"marking_status": status, "areas": 0, "remaining_m2": 0.0, "reports": set()})
        row["areas"] += 1
        row["remaining_m2"] += h["remaining_m2"]
        row["reports"].add(h["report_id"])
    order = {m: i for i, m in enumerate(MarkingStatus.values)}
    return {
        "as_of": year_end.isoformat(),
        "rows": [
            {
                **{k: v for k, v in r.items() if k not in ("reports", "remaining_m2")},
                "remaining_m2": round(r["remaining_m2"], 1),
                "lineage": _lineage(r["reports"]),
            }
            for r in sorted(rows.values(), key=lambda r: order.get(r["marking_status"], 99))
        ],
    }


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
    """Every figure of the report, form by form (A–J), each with its lineage."""
    year_end = dt.date(year, 12, 31)
    register: dict[str, dict[str, Any]] = {
        "C": mined_areas(iso3, year_end, cutoff),
        "F": land_released(iso3, year, cutoff),
        "G": items_destroyed(iso3, year, cutoff),
        "I": marking(iso3, year_end, cutoff),
        "J": {
            "year": year,
            "risk_education": risk_education(iso3, year, cutoff),
            "casualties": casualties(iso3, year, cutoff),
        },
    }
    forms = {
        code: {"source": "register", **register[code]} if code in register else {"source": "authority"}
        for code in FORMS
    }
    return {"schema": SCHEMA, "state": iso3, "year": year, "cutoff": cutoff.isoformat(), "forms": forms}
