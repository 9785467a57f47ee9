"""Minefield record: a hazard created from the laying party's record (CCW Amended Protocol II annex).

Recorded so that the area can be marked, monitored and cleared. It describes what was laid and
where; it never suggests where anything should be laid.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.geos import MultiPoint
from django.utils.translation import gettext_lazy as _

from reports.fields import (
    Area,
    Boolean,
    Choice,
    Date,
    Number,
    Points,
    Rows,
    Section,
    Text,
    When,
)
from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import (
    Classification,
    DeviceCategory,
    EvidenceKind,
    EvidenceSource,
    MarkingStatus,
    Reliability,
)


class MinefieldRecordReport(ReportKindSpec):
    kind = "minefield_record"
    label = _("minefield record")
    title = _("Minefield record")
    hazard = "new"
    creates_hazard = True
    fields = (
        Section(
            _("Minefield"),
            (
                Text(name="name", label=_("Hazard name"), required=True, max_len=200),
                Area(name="perimeter", label=_("Perimeter"), required=True),
                Points(
                    name="reference_points",
                    label=_("Reference points"),
                    required=True,
                    help=_("One point a line: longitude, latitude."),
                ),
                Text(name="laying_party", label=_("Laying party"), required=True, max_len=200),
                Date(name="date_laid", label=_("Date laid"), required=True),
                Choice(
                    name="marking_status",
                    label=_("Marking status"),
                    vocab=MarkingStatus,
                    default=MarkingStatus.UNMARKED,
                ),  # fmt: skip
                Boolean(name="self_destructing", label=_("Self-destructing devices")),
                Number(
                    name="lifetime_days",
                    label=_("Lifetime (days)"),
                    integer=True,
                    required_when=When("self_destructing", (True,)),
                ),  # fmt: skip
                Boolean(name="fenced", label=_("Fenced")),
                Boolean(name="monitored", label=_("Monitored")),
            ),
        ),
        Section(
            _("Devices laid"),
            (
                Rows(
                    name="devices",
                    label=_("Devices"),
                    required=True,
                    fields=(
                        Choice(name="category", label=_("Device category"), vocab=DeviceCategory, required=True),
                        Text(name="model", label=_("Model"), max_len=100),
                        Number(name="quantity", label=_("Quantity"), integer=True, required=True, minimum=1),
                    ),
                ),
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        name = c.value("name")
        changes.geom = c.value("perimeter")
        points = c.value("reference_points")
        devices = c.value("devices")
        self_destructing = c.value("self_destructing")
        lifetime = c.value("lifetime_days")
        marking = c.value("marking_status")
        changes.minefield = {
            "laying_party": c.value("laying_party"),
            "date_laid": c.value("date_laid"),
            "reference_points": MultiPoint(*[p for p in points if p is not None], srid=4326),
            "devices": devices,
            "self_destructing": self_destructing,
            "lifetime_days": lifetime,
            "fenced": c.value("fenced"),
            "monitored": c.value("monitored"),
        }
        # A laying record is direct evidence from records: the hazard is confirmed (CHA).
        changes.hazard_fields = {
            "name": name,
            "classification": Classification.CHA,
            "devices_confirmed": sorted({d["category"] for d in devices if d["category"]}),
            "marking_status": MarkingStatus.FENCED if changes.minefield["fenced"] else marking,
            "evidence_summary": "Laying party's minefield record",
        }
        changes.evidence = [
            {
                "kind": EvidenceKind.DIRECT,
                "source": EvidenceSource.RECORDS,
                "reliability": Reliability.HIGH,
                "description": f"Minefield record by {changes.minefield['laying_party']}",
                "informant_name": "",
                "informant_contact": "",
                "on": on,
            }
        ]
        return changes
