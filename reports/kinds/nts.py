"""NTS report: registers a new SHA/CHA, or re-surveys one and cancels land with no evidence."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus, ProductKind


class NtsReport(ReportKindSpec):
    kind = "nts"
    label = gettext_lazy("NTS report")
    hazard = "optional"
    creates_hazard = True
    activity_kind = ActivityKind.NTS

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        changes.hazard_fields = c.hazard_fields("hazard", creating=not has_hazard)
        changes.geom = c.area("hazard.geometry", required=not has_hazard)
        changes.benchmark = c.point("hazard.benchmark")
        changes.evidence = c.evidence("evidence", on)
        if not has_hazard and not changes.evidence:
            c.problem("evidence", "a new hazard needs at least one piece of evidence")
        changes.activity = c.activity("activity", ActivityKind.NTS, default_status=ActivityStatus.COMPLETED)
        changes.products = c.products("cancelled", ProductKind.CANCELLED, on)
        return changes
