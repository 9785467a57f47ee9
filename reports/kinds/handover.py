"""Handover report: released land formally handed back to its users; closes the hazard."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from reports.fields import Date, Section, Text
from reports.kinds.base import TASK_REQUIRED, Changes, Checker, ReportKindSpec


class HandoverReport(ReportKindSpec):
    kind = "handover"
    task = TASK_REQUIRED
    label = _("handover report")
    title = _("Handover report")
    fields = (
        Section(
            _("Handover"),
            (
                Date(name="date", label=_("Date of handover")),
                Text(name="handed_to", label=_("Handed over to"), required=True, max_len=200),
                Text(name="certificate", label=_("Certificate number"), max_len=100),
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes(close=True)
        changes.handover = {
            "on": c.value("date") or on,
            "handed_to": c.value("handed_to"),
            "certificate": c.value("certificate"),
        }
        return changes
