"""Minefield record: a hazard created from the laying party's record (CCW Amended Protocol II annex).

Recorded so that the area can be marked, monitored and cleared. It describes what was laid and
where; it never suggests where anything should be laid.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.geos import MultiPoint
from django.utils.translation import gettext_lazy

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
    label = gettext_lazy("minefield record")
    hazard = "new"
    creates_hazard = True

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        name = c.text("name", required=True, max_len=200)
        changes.geom = c.area("perimeter")
        points = [c.point(f"reference_points.{i}", required=True) for i in c.rows("reference_points", required=True)]
        devices = []
        for i in c.rows("devices", required=True):
            devices.append(
                {
                    "category": c.choice(f"devices.{i}.category", DeviceCategory.values),
                    "model": c.text(f"devices.{i}.model", max_len=100),
                    "quantity": c.number(f"devices.{i}.quantity", required=True, integer=True, minimum=1),
                }
            )
        self_destructing = c.boolean("self_destructing")
        lifetime = c.number("lifetime_days", integer=True, required=self_destructing)
        marking = c.choice("marking_status", MarkingStatus.values, required=False, default=MarkingStatus.UNMARKED)
        changes.minefield = {
            "laying_party": c.text("laying_party", required=True, max_len=200),
            "date_laid": c.date("date_laid"),
            "reference_points": MultiPoint(*[p for p in points if p is not None], srid=4326),
            "devices": devices,
            "self_destructing": self_destructing,
            "lifetime_days": lifetime,
            "fenced": c.boolean("fenced"),
            "monitored": c.boolean("monitored"),
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
