"""Clearance summary report: one month's clearance output of an organisation in one admin area, no polygon.

Land release reported at aggregate level (IMAS 07.11, national reporting): the period (year, month),
the admin area (its code and names as given), m² cleared, devices destroyed by category (AP mines,
UXO, IED) and their total, which must be their sum. A summary with nothing cleared and nothing found
is a fact too (a task that found nothing) and is accepted. On approval hazards/outputs.py writes the
ClearanceOutput row. Decision 0016.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import Problem
from reports.fields import Choice, Group, Number, Section, Text
from reports.kinds.base import Changes, Checker, ReportKindSpec

# The device categories of the summary: payload key under `devices` → ClearanceOutput field.
DEVICE_FIELDS = ("ap_mines", "uxo", "ied")

# Mine action in aggregate records starts after the Ottawa Convention's negotiation; earlier is a typo.
EARLIEST_YEAR = 1990


class ClearanceContext(models.TextChoices):
    """Where the clearance took place (Colombia's `tipodesminado`: Comunidades / Bases Militares)."""

    COMMUNITY = "community", "Community land"
    MILITARY_BASE = "military_base", "Military base"


class SummaryOutput(TypedDict):
    """The fields of an approved summary's hazards.ClearanceOutput row (record_output names each)."""

    year: int
    month: int
    country_iso3: str
    pcode: str
    area_name: str
    parent_pcode: str
    parent_name: str
    context: str
    area_cleared_m2: float
    ap_mines: int
    uxo: int
    ied: int
    total_devices: int
    notes: str


@dataclass
class SummaryChanges(Changes):
    """What an approved summary writes: its ClearanceOutput row (None until the kind has read it)."""

    output: SummaryOutput | None = None


class ClearanceSummaryReport(ReportKindSpec):
    kind = "clearance_summary"
    label = _("clearance summary")
    title = _("Clearance summary (aggregate, no polygon)")
    hazard = "optional"  # parse refuses one: the summary is of an admin area, not of a hazard polygon
    records_with = ("hazards.outputs.record_output", "hazards.outputs.clear_output")
    fields = (
        Section(
            _("Period and area"),
            (
                Group(
                    name="period",
                    label=_("Period"),
                    required=True,
                    fields=(
                        Number(
                            name="year",
                            label=_("Year"),
                            integer=True,
                            required=True,
                            minimum=EARLIEST_YEAR,
                            maximum=9999,
                        ),  # fmt: skip
                        Number(name="month", label=_("Month"), integer=True, required=True, minimum=1, maximum=12),
                    ),
                ),
                Group(
                    name="admin_area",
                    label=_("Admin area"),
                    required=True,
                    fields=(
                        Text(name="country_iso3", label=_("Country (ISO 3166 alpha-3)"), max_len=3),
                        Text(name="pcode", label=_("Admin area code"), required=True, max_len=30),
                        Text(name="name", label=_("Admin area name"), max_len=200),
                        Text(name="parent_pcode", label=_("Parent area code"), max_len=30),
                        Text(name="parent_name", label=_("Parent area name"), max_len=200),
                    ),
                ),
                Choice(name="context", label=_("Context"), vocab=ClearanceContext, required=True),
            ),
        ),
        Section(
            _("Output"),
            (
                Number(name="area_cleared_m2", label=_("Area cleared (m²)"), required=True, maximum=1e10),
                Group(
                    name="devices",
                    label=_("Devices destroyed"),
                    required=True,
                    fields=(
                        Number(name="ap_mines", label=_("Anti-personnel mines destroyed"), integer=True, required=True),
                        Number(name="uxo", label=_("UXO destroyed"), integer=True, required=True),
                        Number(name="ied", label=_("IEDs destroyed"), integer=True, required=True),
                    ),
                ),
                # Their sum, which it must equal (changes()).
                Number(name="total_devices", label=_("Total devices destroyed"), integer=True, required=True),
                Text(name="notes", label=_("Notes"), multiline=True, max_len=10000),
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        if has_hazard:
            c.problems.append(
                Problem(
                    "hazard",
                    gettext("a clearance summary is of an admin area; leave the hazard empty"),
                    "hazard_not_allowed",
                )
            )
        year = c.value("period.year")
        month = c.value("period.month")
        if year is not None and month is not None and on is not None and dt.date(int(year), int(month), 1) > on:
            message = gettext("%(date)s is after the report's date of information %(on)s")
            c.problem(
                "period", message % {"date": f"{int(year)}-{int(month):02d}", "on": on}, "after_date_of_information"
            )
        devices = {key: c.value(f"devices.{key}") for key in DEVICE_FIELDS}
        total = c.value("total_devices")
        if total is not None and all(v is not None for v in devices.values()):
            counted = sum(int(v or 0) for v in devices.values())
            if total != counted:
                message = gettext(
                    "%(total)s is not the sum devices.ap_mines + devices.uxo + devices.ied = %(terms)s = %(sum)s"
                )
                terms = " + ".join(str(int(v or 0)) for v in devices.values())
                c.problem(
                    "total_devices", message % {"total": int(total), "terms": terms, "sum": counted}, "sum_mismatch"
                )
        country = c.value("admin_area.country_iso3")
        if country and (len(country) != 3 or not country.isalpha() or not country.isupper()):
            c.problem(
                "admin_area.country_iso3",
                gettext("'%(country)s' is not an ISO 3166 alpha-3 code (e.g. COL)") % {"country": country},
                "not_a_country_code",
            )
        changes = SummaryChanges()
        changes.output = {
            "year": int(year or 0),
            "month": int(month or 0),
            "country_iso3": country,
            "pcode": c.value("admin_area.pcode"),
            "area_name": c.value("admin_area.name"),
            "parent_pcode": c.value("admin_area.parent_pcode"),
            "parent_name": c.value("admin_area.parent_name"),
            "context": c.value("context"),
            "area_cleared_m2": float(c.value("area_cleared_m2") or 0.0),
            "ap_mines": int(devices["ap_mines"] or 0),
            "uxo": int(devices["uxo"] or 0),
            "ied": int(devices["ied"] or 0),
            "total_devices": int(total or 0),
            "notes": c.value("notes"),
        }
        return changes
