"""Clearance outputs reported in aggregate: m² cleared and devices destroyed by an organisation in a municipality
in one month, with no hazard polygon (IMAS 07.11 land release reported at aggregate level).

A `ClearanceOutput` row is written only when a `clearance_summary` report is approved (through the kind's
`records_with`, so reports.actions stays the one write path) and deleted when that approval is taken back.
The admin area is stored as the report gave it (DIVIPOLA / p-code and names), because the country's
boundaries may not be loaded; the `admin_area` link is filled when a boundary with that p-code exists.
Decision 0016.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, F, Min, QuerySet, Sum
from django.db.models.functions import Coalesce

from places.models import AdminArea

# The kind owns its vocabulary; it imports no models, so this import is safe while apps load.
from reports.kinds.clearance_summary import ClearanceContext, SummaryChanges

if TYPE_CHECKING:
    from reports.kinds.base import Changes
    from reports.models import Report


class ClearanceOutput(models.Model):
    """One month's clearance output of an organisation in one admin area, as an approved report stated it."""

    report = models.OneToOneField("reports.Report", on_delete=models.PROTECT, related_name="clearance_output")
    # The organisation that did the work (the report's): the access scope of the row.
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    country_iso3 = models.CharField(max_length=3, blank=True)
    # The municipality's code (DIVIPOLA "05652" in Colombia, an OCHA p-code elsewhere) and names as given.
    pcode = models.CharField(max_length=30)
    area_name = models.CharField(max_length=200, blank=True)
    parent_pcode = models.CharField(max_length=30, blank=True)
    parent_name = models.CharField(max_length=200, blank=True)
    admin_area = models.ForeignKey("places.AdminArea", null=True, blank=True, on_delete=models.PROTECT)
    context = models.CharField(max_length=20, choices=ClearanceContext.choices)
    area_cleared_m2 = models.FloatField()
    ap_mines = models.PositiveIntegerField()
    uxo = models.PositiveIntegerField()
    ied = models.PositiveIntegerField()
    total_devices = models.PositiveIntegerField()
    notes = models.TextField(blank=True)

    class Meta:
        app_label = "hazards"
        ordering = ["-year", "-month", "pcode", "id"]
        indexes = [
            # The list's year / p-code filters and the statistics by year and department.
            models.Index(fields=["year", "pcode"], name="clearance_output_year_pcode"),
            # The scoped list of one organisation.
            models.Index(fields=["organisation", "year"], name="clearance_output_org_year"),
        ]
        constraints = [
            # The kind refuses a total that is not the sum; the database refuses it from any other writer.
            models.CheckConstraint(
                condition=models.Q(total_devices=F("ap_mines") + F("uxo") + F("ied")),
                name="clearance_output_total_is_sum",
            ),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="clearance_output_month"),
            models.CheckConstraint(condition=models.Q(area_cleared_m2__gte=0), name="clearance_output_area"),
        ]

    def __str__(self) -> str:
        return f"{self.area_name or self.pcode} {self.year}-{self.month:02d}: {self.area_cleared_m2:g} m²"


def record_output(report: Report, changes: Changes, *, checking: bool = False) -> None:
    """Write the clearance output of an approved `clearance_summary` report (its `records_with`)."""
    if not isinstance(changes, SummaryChanges):
        raise TypeError("a clearance summary report's changes are SummaryChanges")
    if checking:
        return
    out = changes.output
    if out is None:
        raise ValueError("a clearance summary's changes carry no output: the kind has not read the report")
    ClearanceOutput.objects.create(
        report=report,
        organisation=report.organisation,
        admin_area=AdminArea.objects.filter(pcode=out["pcode"]).first(),
        year=out["year"],
        month=out["month"],
        country_iso3=out["country_iso3"],
        pcode=out["pcode"],
        area_name=out["area_name"],
        parent_pcode=out["parent_pcode"],
        parent_name=out["parent_name"],
        context=out["context"],
        area_cleared_m2=out["area_cleared_m2"],
        ap_mines=out["ap_mines"],
        uxo=out["uxo"],
        ied=out["ied"],
        total_devices=out["total_devices"],
        notes=out["notes"],
    )


def clear_output(report: Report) -> None:
    """Delete what a clearance summary's approval wrote (unapproval, supersession)."""
    ClearanceOutput.objects.filter(report=report).delete()


def clearance_statistics(outputs: QuerySet[ClearanceOutput] | None = None) -> dict[str, Any]:
    """Cleared m² and devices destroyed, in total and per year × department (parent area), for dashboards.

    `outputs` is the caller's scoped queryset (accounts.access.scoped); rows come year by year, then by
    department p-code.
    """
    qs = outputs if outputs is not None else ClearanceOutput.objects.all()
    sums = {
        "outputs": Count("id"),
        "area_cleared_m2": Coalesce(Sum("area_cleared_m2"), 0.0),
        "ap_mines": Coalesce(Sum("ap_mines"), 0),
        "uxo": Coalesce(Sum("uxo"), 0),
        "ied": Coalesce(Sum("ied"), 0),
        "total_devices": Coalesce(Sum("total_devices"), 0),
    }
    rows: Any = (
        qs.order_by()
        .values("year", "country_iso3", "parent_pcode")
        # One row per department code even if reports spelled its name differently.
        .annotate(department=Min("parent_name"), **sums)
        .order_by("year", "country_iso3", "parent_pcode")
    )
    return {
        "totals": qs.aggregate(**sums),
        "by_year_and_department": [
            {
                "year": r["year"],
                "country_iso3": r["country_iso3"],
                "department_pcode": r["parent_pcode"],
                "department": r["department"],
                **{key: r[key] for key in sums},
            }
            for r in rows
        ],
    }
