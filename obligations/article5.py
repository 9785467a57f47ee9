"""Article 5 completion forecast: when will the remaining mined area be released, against the deadline?

Remaining area by classification is read from the approved register. Monthly release (cancelled +
reduced + cleared m²) over the last three years is the evidence of capacity; a Monte-Carlo
projection draws future months from those observed months (a bootstrap, so good and bad months keep
their real frequencies) until nothing remains, and reports P10/P50/P90 completion dates and the
chance of meeting the deadline. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.db.models import Sum

from hazards.models import HazardousArea, LandReleaseProduct
from vocab.choices import HazardStatus

HISTORY_MONTHS = 36
HORIZON_MONTHS = 600  # 50 years: beyond that we say "not within 50 years"


def _month_add(d: dt.date, months: int) -> dt.date:
    total = d.year * 12 + d.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _percentile(values: list[int], p: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def monthly_release(iso3: str, first: dt.date, months: int) -> list[float]:
    """m² released in each of `months` calendar months from `first` (zero for months with none)."""
    totals: dict[tuple[int, int], float] = defaultdict(float)
    end = _month_add(first, months)
    rows = (
        LandReleaseProduct.objects.filter(hazard__admin_area__country_iso3=iso3, on__gte=first, on__lt=end)
        .values_list("on__year", "on__month")
        .annotate(m2=Sum("area_m2"))
    )
    for year, month, m2 in rows:
        totals[(year, month)] += m2
    return [totals[(m.year, m.month)] for m in (_month_add(first, i) for i in range(months))]


def forecast(
    iso3: str, *, deadline: dt.date | None, today: dt.date | None = None, runs: int = 2000, seed: int = 1
) -> dict[str, Any]:
    """P10/P50/P90 completion dates, the chance of meeting `deadline`, and the series for a chart."""
    today = today or dt.date.today()
    open_hazards = HazardousArea.objects.filter(admin_area__country_iso3=iso3).exclude(status=HazardStatus.CLOSED)
    by_class = {
        row["classification"]: round(row["m2"], 1)
        for row in open_hazards.values("classification").annotate(m2=Sum("remaining_area_m2"))
    }
    remaining = sum(by_class.values())
    this_month = dt.date(today.year, today.month, 1)
    history_start = _month_add(this_month, -HISTORY_MONTHS)
    history = monthly_release(iso3, history_start, HISTORY_MONTHS)
    result: dict[str, Any] = {
        "state": iso3,
        "as_of": today.isoformat(),
        "deadline": deadline.isoformat() if deadline else None,
        "remaining_m2": round(remaining, 1),
        "remaining_by_classification_m2": by_class,
        "history": {
            "from": history_start.isoformat(),
            "monthly_release_m2": [round(m, 1) for m in history],
            "annual_mean_m2": round(sum(history) / HISTORY_MONTHS * 12, 1),
        },
    }
    if remaining <= 0:
        return {
            **result,
            "completed": True,
            "p10": today.isoformat(),
            "p50": today.isoformat(),
            "p90": today.isoformat(),
            "probability_on_time": 1.0,
            "chart": [],
        }
    if not any(history):
        return {
            **result,
            "completed": False,
            "p10": None,
            "p50": None,
            "p90": None,
            "probability_on_time": 0.0,
            "note": "no land released in the last three years: no completion can be projected",
            "chart": [],
        }
    rng = random.Random(seed)
    finish_months: list[int] = []
    trajectories: list[list[float]] = []
    for _ in range(runs):
        left, path = remaining, [remaining]
        month = 0
        while left > 0 and month < HORIZON_MONTHS:
            left = max(0.0, left - rng.choice(history))
            month += 1
            path.append(left)
        finish_months.append(month if left <= 0 else HORIZON_MONTHS + 1)
        trajectories.append(path)

    def when(months: int) -> str | None:
        return None if months > HORIZON_MONTHS else _month_add(this_month, months).isoformat()

    p10, p50, p90 = (_percentile(finish_months, p) for p in (10, 50, 90))
    deadline_months = (deadline.year - today.year) * 12 + deadline.month - today.month if deadline else None
    on_time = sum(m <= deadline_months for m in finish_months) / runs if deadline_months is not None else None
    span = min(HORIZON_MONTHS, p90 if p90 <= HORIZON_MONTHS else HORIZON_MONTHS)
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
        **result,
        "completed": False,
        "runs": runs,
        "p10": when(p10),
        "p50": when(p50),
        "p90": when(p90),
        "probability_on_time": on_time,
        "chart": chart,
    }
