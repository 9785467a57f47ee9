"""Handover report: released land formally handed back to its users; closes the hazard."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from reports.kinds.base import Changes, Checker, ReportKindSpec


class HandoverReport(ReportKindSpec):
    kind = "handover"
    label = gettext_lazy("handover report")

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes(close=True)
        changes.handover = {
            "on": c.date("date", required=False) or on,
            "handed_to": c.text("handed_to", required=True, max_len=200),
            "certificate": c.text("certificate", max_len=100),
        }
        return changes
