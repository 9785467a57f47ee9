"""Completion report: the last task on a hazard is done and nothing remains; the hazard closes."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus


class CompletionReport(ReportKindSpec):
    kind = "completion"
    label = gettext_lazy("completion report")

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes(close=True)
        kind = c.choice("activity_kind", [ActivityKind.NTS, ActivityKind.TS, ActivityKind.CLEARANCE, ActivityKind.BAC])
        changes.activity = c.activity(
            "activity", kind or ActivityKind.CLEARANCE, default_status=ActivityStatus.COMPLETED, required=False
        )
        c.text("remarks")
        return changes
