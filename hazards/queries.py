"""Shared reads of the register, called by every door (REST, the public summary, later OGC and the UI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.gis.geos import Polygon
from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import Organisation
from core.errors import Problem, ValidationFailed
from hazards import overlaps
from hazards.models import HazardousArea, HazardVersion, LandReleaseProduct
from places.models import AdminArea
from vocab.choices import AP_MINE_CATEGORIES, Classification, HazardStatus


def mined_area_q(prefix: str = "") -> Q:
    """The database form of hazards.models.is_mined_area, for a query on hazards (or across `prefix`)."""
    return Q(**{f"{prefix}devices_suspected__overlap": list(AP_MINE_CATEGORIES)}) | Q(
        **{f"{prefix}devices_confirmed__overlap": list(AP_MINE_CATEGORIES)}
    )


def mined_areas(qs: QuerySet[HazardousArea] | None = None) -> QuerySet[HazardousArea]:
    """Hazards that are mined areas under Art. 5 / Form C: anti-personnel mines known or suspected."""
    return (qs if qs is not None else HazardousArea.objects.all()).filter(mined_area_q())


def _date(params: Mapping[str, str], key: str, problems: list[Problem]) -> dt.date | None:
    value = params.get(key)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(key, f"'{value}' is not a date (YYYY-MM-DD)"))
        return None


def _choices(params: Mapping[str, str], key: str, allowed: list[str], problems: list[Problem]) -> list[str]:
    raw = params.get(key)
    if not raw:
        return []
    values = [v.strip() for v in raw.split(",") if v.strip()]
    bad = [v for v in values if v not in allowed]
    if bad:
        problems.append(Problem(key, f"{', '.join(bad)} not in {', '.join(allowed)}"))
    return values


def _known(params: Mapping[str, str], key: str, lookup: Any, field: str, why: str, problems: list[Problem]) -> None:
    """A code the register must have (an unknown one is a 400, not an empty list that hides the typo)."""
    code = params.get(key)
    if code and ("\0" in code or len(code) > 200 or not lookup(**{field: code}).exists()):
        problems.append(Problem(key, f"{code[:40]!r}: {why}"))


def parse_bbox(raw: str | None, problems: list[Problem]) -> Polygon | None:
    """`minlon,minlat,maxlon,maxlat` in EPSG:4326 as a polygon."""
    if not raw:
        return None
    try:
        xmin, ymin, xmax, ymax = (float(v) for v in raw.split(","))
    except ValueError:
        problems.append(Problem("bbox", "must be four numbers: minlon,minlat,maxlon,maxlat"))
        return None
    if not (-180 <= xmin < xmax <= 180 and -90 <= ymin < ymax <= 90):
        problems.append(Problem("bbox", "must be minlon,minlat,maxlon,maxlat within lon/lat ranges, min < max"))
        return None
    return Polygon.from_bbox((xmin, ymin, xmax, ymax))


def filter_hazards(qs: QuerySet[HazardousArea], params: Mapping[str, str]) -> QuerySet[HazardousArea]:
    """Apply the list filters: bbox, status, classification, admin_area, organisation, date of information."""
    problems: list[Problem] = []
    bbox = parse_bbox(params.get("bbox"), problems)
    statuses = _choices(params, "status", HazardStatus.values, problems)
    classes = _choices(params, "classification", Classification.values, problems)
    after = _date(params, "date_of_information_after", problems)
    before = _date(params, "date_of_information_before", problems)
    _known(params, "organisation", Organisation.objects.filter, "code", "no organisation has this code", problems)
    _known(params, "admin_area", AdminArea.objects.filter, "pcode", "no admin area has this p-code", problems)
    if problems:
        raise ValidationFailed(problems)
    if bbox is not None:
        qs = qs.filter(geom__intersects=bbox)  # uses the GiST index on geom
    if statuses:
        qs = qs.filter(status__in=statuses)
    if classes:
        qs = qs.filter(classification__in=classes)
    if params.get("admin_area"):
        code = params["admin_area"]
        qs = qs.filter(Q(admin_area__pcode=code) | Q(admin_area__parent__pcode=code) |
                       Q(admin_area__parent__parent__pcode=code))  # fmt: skip
    if params.get("organisation"):
        qs = qs.filter(organisation__code=params["organisation"])
    if after:
        qs = qs.filter(date_of_information__gte=after)
    if before:
        qs = qs.filter(date_of_information__lte=before)
    return qs


def state_as_known_on(hazard: HazardousArea, on: dt.date, known_at: dt.datetime | None = None) -> dict[str, Any]:
    """What the register said of a hazard on date `on` ("what did we know on 2024-03-01?").

    The version in force is the latest by date of information not after `on`; with `known_at`, only
    versions recorded by then count (what the register *showed* at that moment). Released areas are
    the products dated on or before `on`.
    """
    versions = HazardVersion.objects.filter(hazard=hazard, valid_from__lte=on)
    if known_at is not None:
        versions = versions.filter(recorded_at__lte=known_at)
    version = versions.order_by("-valid_from", "-sequence").first()
    if version is None:
        raise ValidationFailed([Problem("on", f"nothing was known of {hazard.code} on {on}")])
    products = LandReleaseProduct.objects.filter(hazard=hazard, on__lte=on)
    if known_at is not None:
        products = products.filter(report__approved_at__lte=known_at)
    sums = {k: products.filter(kind=k).aggregate(s=Sum("area_m2"))["s"] or 0.0 for k in ("cancelled", "reduced",
                                                                                         "cleared")}  # fmt: skip
    state = dict(version.state)
    original = state["original_area_m2"]
    state.update({f"{k}_m2": v for k, v in sums.items()})
    state["remaining_area_m2"] = max(0.0, original - sum(sums.values()))
    return {"hazard": hazard.pk, "code": hazard.code, "on": on.isoformat(), "version_sequence": version.sequence,
            "from_report": version.report_id, "state": state}  # fmt: skip


def land_release_summary() -> list[dict[str, Any]]:
    """Public released-land figures by province: no personal data, no hazard geometry."""
    rows = list(
        HazardousArea.objects.values("admin_area__pcode", "admin_area__name")
        .annotate(
            hazards=Count("id"),
            open_hazards=Count("id", filter=~Q(status=HazardStatus.CLOSED)),
            original_m2=Sum("original_area_m2"),
            cancelled_m2=Sum("cancelled_m2"),
            reduced_m2=Sum("reduced_m2"),
            cleared_m2=Sum("cleared_m2"),
            remaining_m2=Sum("remaining_area_m2"),
        )
        .order_by("admin_area__pcode")
    )
    # Land in two linked hazards is remaining once (decision 0048), taken off the newer hazard's province.
    shared = overlaps.shared_remaining_m2(HazardousArea.objects.all(), by="admin_area")
    pcodes = dict(AdminArea.objects.filter(pk__in=list(shared)).values_list("pk", "pcode")) if shared else {}
    for r in rows:
        r["remaining_m2"] = max(0.0, (r["remaining_m2"] or 0.0) - sum(
            m2 for pk, m2 in shared.items() if pcodes.get(pk) == r["admin_area__pcode"]))  # fmt: skip
    return [
        {
            "admin_area": r["admin_area__pcode"],
            "name": r["admin_area__name"],
            **{
                k: (round(v, 1) if isinstance(v, float) else v)
                for k, v in r.items()
                if not k.startswith("admin_area__")
            },
        }
        for r in rows
    ]
