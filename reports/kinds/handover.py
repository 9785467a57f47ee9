"""Handover report: released land formally handed back to its users, the whole hazard or parcel by parcel.

Without a parcel the whole hazard is handed over, which closes it (nothing may remain). With one, the
parcel is released land of the hazard that a QC inspection has passed; other land may remain
(IMAS 07.11, 09.20; decision 0047).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from reports.fields import Area, Date, Section, Text
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
                Area(
                    name="parcel",
                    label=_("Parcel handed over"),
                    help=_(
                        "Released land handed over while other land of the hazard remains; it needs a passed "
                        "QC inspection. Leave empty to hand over the whole hazard, which closes it."
                    ),
                ),
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        parcel = c.value("parcel")
        changes = Changes(close=parcel is None)
        changes.handover = {
            "on": c.value("date") or on,
            "handed_to": c.value("handed_to"),
            "certificate": c.value("certificate"),
            "parcel": parcel,
        }
        return changes
