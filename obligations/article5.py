"""Article 5 completion forecast: when will the remaining mined area be released, against the deadline?

Only mined areas count (areas known or suspected to contain anti-personnel mines, improvised ones
included: hazards.queries.mined_areas). Land is released by three processes that do not substitute
for each other (IMAS 07.11): non-technical survey cancels, technical survey reduces, clearance clears.
Pooling them lets a year of large cancellations pass for clearance capacity, so each is modelled
apart (decision 0040):

- **Rates.** The m² each process released in mined areas in each of the last 36 calendar months.
- **Demand.** How the remaining land will be released is read from how land of the same
  classification was released in those months: each product counts for the classification its hazard
  had before the product's report (an SHA surveyed and confirmed by one TS report counts as SHA land).
  The remaining SHA and CHA m² are shared out between the processes in those proportions.
- **Projection.** A Monte-Carlo bootstrap draws whole historical months (the three processes'
  figures of one month together, so that a month of bad weather stays bad for all) until each process
  has released its share. A process's completion is its own; the mined area is released when the last
  one finishes, and that process is named as the one that drives the date.

P10/P50/P90 completion dates and the chance of meeting the deadline are reported. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import defaultdict
from typing import Any

from django.db.models import Sum

from hazards import overlaps
from hazards.models import HazardousArea, HazardStatusChange, LandReleaseProduct
from hazards.queries import mined_areas
from vocab.choices import Classification, HazardStatus, ProductKind

HISTORY_MONTHS = 36
HORIZON_MONTHS = 600  # 50 years: beyond that we say "not within 50 years"
PROCESSES: tuple[str, ...] = (ProductKind.CANCELLED, ProductKind.REDUCED, ProductKind.CLEARED)
# With no release of a classification's land in the window: confirmed land is cleared (IMAS 09.10).
DEFAULT_SHARES: dict[str, dict[str, float]] = {
    Classification.CHA: {ProductKind.CANCELLED: 0.0, ProductKind.REDUCED: 0.0, ProductKind.CLEARED: 1.0}
}


def _month_add(d: dt.date, months: int) -> dt.date:
    total = d.year * 12 + d.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _month_index(first: dt.date, d: dt.date) -> int:
    return (d.year - first.year) * 12 + d.month - first.month


def _percentile(values: list[int], p: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


# (kind, m², date, hazard id, report id) of one land-release product.
Product = tuple[str, float, dt.date, int, int]


def _products(iso3: str, first: dt.date, months: int) -> list[Product]:
    """(kind, m², date, hazard, report) of every product in mined areas in the window."""
    hazards = mined_areas(HazardousArea.objects.filter(admin_area__country_iso3=iso3))
    return list(
        LandReleaseProduct.objects.filter(
            hazard__in=hazards, on__gte=first, on__lt=_month_add(first, months)
        ).values_list("kind", "area_m2", "on", "hazard_id", "report_id")
    )


def monthly_release(products: list[Product], first: dt.date, months: int) -> dict[str, list[float]]:
    """m² each process released in each of `months` calendar months from `first` (products from `_products`)."""
    series = {kind: [0.0] * months for kind in PROCESSES}
    for kind, m2, on, _hazard, _report in products:
        series[kind][_month_index(first, on)] += m2
    return series


def release_shares(products: list[Product]) -> dict[str, dict[str, float]]:
    """For SHA and CHA land: the share of its release by cancellation, reduction and clearance in `products`."""
    changes: dict[int, list[tuple[dt.date, int, int, str]]] = defaultdict(list)
    for hazard_id, on, pk, report_id, cls in HazardStatusChange.objects.filter(
        hazard_id__in={p[3] for p in products}
    ).values_list("hazard_id", "on", "pk", "report_id", "to_classification"):
        changes[hazard_id].append((on, pk, report_id, cls))
    current = dict(HazardousArea.objects.filter(pk__in={p[3] for p in products}).values_list("pk", "classification"))
    totals: dict[str, dict[str, float]] = {c: dict.fromkeys(PROCESSES, 0.0) for c in Classification.values}
    for kind, m2, on, hazard_id, report_id in products:
        # The classification the land had when the process began: the latest change before this report's.
        earlier = sorted(c for c in changes[hazard_id] if c[2] != report_id and c[0] <= on)
        cls = earlier[-1][3] if earlier else current[hazard_id]
        totals[cls][kind] += m2
    pooled = {k: sum(t[k] for t in totals.values()) for k in PROCESSES}
    shares = {}
    for cls, by_kind in totals.items():
        whole = sum(by_kind.values())
        if whole > 0:
            shares[cls] = {k: v / whole for k, v in by_kind.items()}
        elif cls in DEFAULT_SHARES:
            shares[cls] = dict(DEFAULT_SHARES[cls])
        else:  # no SHA land released in the window: as all land was
            all_land = sum(pooled.values())
            shares[cls] = {k: (v / all_land if all_land else 0.0) for k, v in pooled.items()}
    return shares


def forecast(
    iso3: str, *, deadline: dt.date | None, today: dt.date | None = None, runs: int = 2000, seed: int = 1
) -> dict[str, Any]:
    """P10/P50/P90 completion dates, per process and overall, the process that drives the date, the
    chance of meeting `deadline`, and the series for a chart."""
    today = today or dt.date.today()
    open_hazards = mined_areas(HazardousArea.objects.filter(admin_area__country_iso3=iso3)).exclude(
        status=HazardStatus.CLOSED
    )
    by_class = {
        row["classification"]: round(row["m2"], 1)
        for row in open_hazards.values("classification").annotate(m2=Sum("remaining_area_m2"))
    }
    # Land in two linked hazards is to be released once (decision 0048).
    for cls, m2 in overlaps.shared_remaining_m2(open_hazards, by="classification").items():
        by_class[cls] = round(max(0.0, by_class.get(cls, 0.0) - m2), 1)
    remaining = sum(by_class.values())
    this_month = dt.date(today.year, today.month, 1)
    history_start = _month_add(this_month, -HISTORY_MONTHS)
    products = _products(iso3, history_start, HISTORY_MONTHS)
    series = monthly_release(products, history_start, HISTORY_MONTHS)
    total = [sum(series[k][i] for k in PROCESSES) for i in range(HISTORY_MONTHS)]
    shares = release_shares(products)
    demand = {k: sum(by_class.get(cls, 0.0) * shares[cls][k] for cls in shares) for k in PROCESSES}
    processes: dict[str, dict[str, Any]] = {
        k: {
            "demand_m2": round(demand[k], 1),
            "mean_monthly_m2": round(sum(series[k]) / HISTORY_MONTHS, 1),
            # The spread of the process's own months: the bootstrap carries it into its completion dates.
            "sd_monthly_m2": round(statistics.pstdev(series[k]), 1),
            "months_with_release": sum(1 for m in series[k] if m > 0),
        }
        for k in PROCESSES
    }
    result: dict[str, Any] = {
        "state": iso3,
        "as_of": today.isoformat(),
        "deadline": deadline.isoformat() if deadline else None,
        "remaining_m2": round(remaining, 1),
        "remaining_by_classification_m2": by_class,
        "history": {
            "from": history_start.isoformat(),
            "monthly_release_m2": [round(m, 1) for m in total],
            "annual_mean_m2": round(sum(total) / HISTORY_MONTHS * 12, 1),
            "by_process": {
                k: {"monthly_m2": [round(m, 1) for m in series[k]], "annual_mean_m2": round(sum(series[k]) / 3, 1)}
                for k in PROCESSES
            },
        },
        "shares": {cls: {k: round(v, 4) for k, v in by_kind.items()} for cls, by_kind in shares.items()},
        "processes": processes,
        "driver": None,
    }
    unknown: dict[str, Any] = {"p10": None, "p50": None, "p90": None, "probability_on_time": 0.0, "chart": []}
    if remaining <= 0:
        done = today.isoformat()
        return {
            **result,
            "completed": True,
            "p10": done,
            "p50": done,
            "p90": done,
            "probability_on_time": 1.0,
            "chart": [],
        }
    if not any(total):
        return {
            **result,
            **unknown,
            "completed": False,
            "note": "no land released in the last three years: no completion can be projected",
        }
    stalled = [k for k in PROCESSES if demand[k] > 0.5 and not any(series[k])]
    if stalled:
        return {
            **result,
            **unknown,
            "completed": False,
            "driver": stalled[-1],
            "note": f"{', '.join(stalled)}: nothing released in the last three years, yet "
            f"{sum(demand[k] for k in stalled):,.0f} m² await it: no completion can be projected",
        }
    return {**result, **_simulate(remaining, demand, series, this_month, deadline, today, runs, seed, processes)}


def _simulate(
    remaining: float,
    demand: dict[str, float],
    series: dict[str, list[float]],
    this_month: dt.date,
    deadline: dt.date | None,
    today: dt.date,
    runs: int,
    seed: int,
    processes: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The Monte-Carlo runs: whole historical months drawn with replacement until every process is done."""
    rng = random.Random(seed)
    months = [tuple(series[k][i] for k in PROCESSES) for i in range(HISTORY_MONTHS)]
    finish: dict[str, list[int]] = {k: [] for k in PROCESSES}
    overall: list[int] = []
    last: dict[str, int] = dict.fromkeys(PROCESSES, 0)
    trajectories: list[list[float]] = []
    for _ in range(runs):
        left = [demand[k] for k in PROCESSES]
        done = [0 if left[i] <= 0.5 else None for i in range(len(PROCESSES))]
        path, month = [remaining], 0
        while any(d is None for d in done) and month < HORIZON_MONTHS:
            draw = rng.choice(months)
            month += 1
            for i, released in enumerate(draw):
                if done[i] is None:
                    left[i] = max(0.0, left[i] - released)
                    if left[i] <= 0.5:
                        done[i] = month
            path.append(sum(left))
        ends = [d if d is not None else HORIZON_MONTHS + 1 for d in done]
        for i, k in enumerate(PROCESSES):
            finish[k].append(ends[i])
        overall.append(max(ends))
        # A tie (done the same month) goes to the later process in the chain: clearance, then reduction.
        slowest = max(range(len(PROCESSES)), key=lambda i: (ends[i], i))
        last[PROCESSES[slowest]] += 1
        trajectories.append(path)

    def when(m: int) -> str | None:
        return None if m > HORIZON_MONTHS else _month_add(this_month, m).isoformat()

    for k in PROCESSES:
        processes[k].update({f"p{p}": when(_percentile(finish[k], p)) for p in (10, 50, 90)})
        processes[k]["last_in_runs"] = round(last[k] / runs, 3)
    driver = max(PROCESSES, key=lambda k: (last[k], demand[k]))
    p10, p50, p90 = (_percentile(overall, p) for p in (10, 50, 90))
    deadline_months = (deadline.year - today.year) * 12 + deadline.month - today.month if deadline else None
    on_time = sum(m <= deadline_months for m in overall) / runs if deadline_months is not None else None
    span = min(HORIZON_MONTHS, p90)
    chart = []
    for m in range(0, span + 1, max(1, span // 60)):
        column = sorted(path[m] if m < len(path) else 0.0 for path in trajectories)
        chart.append(
            {
                "month": _month_add(this_month, m).isoformat(),
                "p10_m2": round(column[int(0.1 * (runs - 1))], 1),
                "p50_m2": round(column[int(0.5 * (runs - 1))], 1),
                "p90_m2": round(column[int(0.9 * (runs - 1))], 1),
            }
        )
    return {
        "completed": False,
        "runs": runs,
        "driver": driver,
        "p10": when(p10),
        "p50": when(p50),
        "p90": when(p90),
        "probability_on_time": on_time,
        "chart": chart,
    }
