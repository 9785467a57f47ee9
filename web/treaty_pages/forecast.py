"""The Article 5 forecast as a chart: obligations.article5.forecast, the function the REST API calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from obligations import article5
from obligations.deadlines import article5_deadline
from web.shell.charts import Series, line_chart

# The land-release process whose share of the remaining mined area finishes last (obligations.article5).
PROCESS_LABELS = {
    "cancelled": gettext_lazy("Cancellation (non-technical survey)"),
    "reduced": gettext_lazy("Reduction (technical survey)"),
    "cleared": gettext_lazy("Clearance"),
}


def _months_between(first: dt.date, later: dt.date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def forecast_for(iso3: str, today: dt.date) -> dict[str, Any] | None:
    """The forecast for a state with its chart, or None when Clearground holds no hazard data for it.

    Same arguments as Article5ForecastView's defaults: the deadline in force from the treaty engine,
    2,000 runs.
    """
    deadline = article5_deadline(iso3)
    result = article5.forecast(iso3, deadline=deadline, today=today)
    if result["remaining_m2"] <= 0 and not any(result["history"]["monthly_release_m2"]):
        return None  # no hazard recorded here: a "completed" verdict would be a guess
    from web.treaty_pages.labels import with_dates

    driver = PROCESS_LABELS.get(result.get("driver") or "")
    return {
        **with_dates(result),
        "deadline_date": deadline,
        "chart_html": _chart(result, deadline),
        "driver_label": str(driver) if driver else None,
    }


def _chart(result: dict[str, Any], deadline: dt.date | None) -> SafeString | None:
    """Remaining area over time (P10/P50/P90), and the straight line that would meet the deadline."""
    points = result["chart"]
    if not points:
        return None
    months = [dt.date.fromisoformat(p["month"]) for p in points]
    series = [
        Series(_("Remaining area, optimistic (P10)"), [p["p10_m2"] for p in points], "#009E73"),
        Series(_("Remaining area, median (P50)"), [p["p50_m2"] for p in points], "#0072B2"),
        Series(_("Remaining area, pessimistic (P90)"), [p["p90_m2"] for p in points], "#D55E00"),
    ]
    span = _months_between(months[0], deadline) if deadline else 0
    if span > 0:
        # The pace that would release what remains exactly by the deadline, for comparison with the forecast.
        start = result["remaining_m2"]
        pace = [max(0.0, start * (1 - _months_between(months[0], m) / span)) for m in months]
        series.append(Series(_("Pace needed to meet the deadline"), pace, "#000000"))
    return line_chart(
        [date_format(m, "YEAR_MONTH_FORMAT") for m in months],
        series,
        title=_("Article 5 forecast: remaining mined area over time"),
        unit="m²",
    )
