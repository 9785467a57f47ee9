"""Clearance summary report: one month's clearance output of an organisation in one admin area, no polygon.

Land release reported at aggregate level (IMAS 07.11, national reporting): the period (year, month),
the admin area (its code and names as given), m² cleared, devices destroyed by category (AP mines,
UXO, IED) and their total, which must be their sum. A summary with nothing cleared and nothing found
is a fact too (a task that found nothing) and is accepted. On approval hazards/outputs.py writes the
ClearanceOutput row. Decision 0016.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy

from core.errors import Problem
from reports.kinds.base import Changes, Checker, ReportKindSpec

# The device categories of the summary: payload key under `devices` → ClearanceOutput field.
DEVICE_FIELDS = ("ap_mines", "uxo", "ied")

# Mine action in aggregate records starts after the Ottawa Convention's negotiation; earlier is a typo.
EARLIEST_YEAR = 1990


class ClearanceContext(models.TextChoices):
    """Where the clearance took place (Colombia's `tipodesminado`: Comunidades / Bases Militares)."""

    COMMUNITY = "community", "Community land"
    MILITARY_BASE = "military_base", "Military base"


@dataclass
class SummaryChanges(Changes):
    """The ClearanceOutput fields of an approved summary."""

    output: dict[str, Any] = field(default_factory=dict)


class ClearanceSummaryReport(ReportKindSpec):
    kind = "clearance_summary"
    label = gettext_lazy("clearance summary")
    hazard = "optional"  # parse refuses one: the summary is of an admin area, not of a hazard polygon
    records_with = ("hazards.outputs.record_output", "hazards.outputs.clear_output")

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        if has_hazard:
            c.problems.append(Problem("hazard", "a clearance summary is of an admin area; leave the hazard empty"))
        year = c.number("period.year", required=True, integer=True, minimum=EARLIEST_YEAR, maximum=9999)
        month = c.number("period.month", required=True, integer=True, minimum=1, maximum=12)
        if year is not None and month is not None and on is not None and dt.date(int(year), int(month), 1) > on:
            c.problem("period", f"{int(year)}-{int(month):02d} is after the report's date of information {on}")
        devices = {key: c.number(f"devices.{key}", required=True, integer=True) for key in DEVICE_FIELDS}
        total = c.number("total_devices", required=True, integer=True)
        if total is not None and all(v is not None for v in devices.values()):
            counted = sum(int(v or 0) for v in devices.values())
            if total != counted:
                c.problem(
                    "total_devices",
                    f"{int(total)} is not the sum devices.ap_mines + devices.uxo + devices.ied = "
                    + " + ".join(str(int(v or 0)) for v in devices.values())
                    + f" = {counted}",
                )
        country = c.text("admin_area.country_iso3", max_len=3)
        if country and (len(country) != 3 or not country.isalpha() or not country.isupper()):
            c.problem("admin_area.country_iso3", f"'{country}' is not an ISO 3166 alpha-3 code (e.g. COL)")
        changes = SummaryChanges()
        changes.output = {
            "year": int(year or 0),
            "month": int(month or 0),
            "country_iso3": country,
            "pcode": c.text("admin_area.pcode", required=True, max_len=30),
            "area_name": c.text("admin_area.name", max_len=200),
            "parent_pcode": c.text("admin_area.parent_pcode", max_len=30),
            "parent_name": c.text("admin_area.parent_name", max_len=200),
            "context": c.choice("context", ClearanceContext.values),
            "area_cleared_m2": float(c.number("area_cleared_m2", required=True, maximum=1e10) or 0.0),
            **{key: int(value or 0) for key, value in devices.items()},
            "total_devices": int(total or 0),
            "notes": c.text("notes", max_len=10000),
        }
        return changes
