"""Minefield record hand-over: the record passed on (to the organisation that will clear the minefield).

From whom, to whom, when and under which document; each hand-over is a row of the record's history
(decision 0049). The land itself is handed back to its users by a `handover` report once released.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.fields import Date, Section, Text
from reports.kinds import blocks
from reports.kinds.base import Changes, Checker, ReportKindSpec


class MinefieldHandoverReport(ReportKindSpec):
    kind = "minefield_handover"
    label = _("minefield record hand-over")
    title = _("Minefield record hand-over")
    intro = _("Name the hazard of the recorded minefield; say who handed its record to whom, when.")
    fields = (
        Section(
            _("Hand-over of the record"),
            (
                Date(name="date", label=_("Date of hand-over")),
                Text(name="handed_from", label=_("Handed over by"), required=True, max_len=200),
                Text(
                    name="handed_to",
                    label=_("Handed over to"),
                    required=True,
                    max_len=200,
                    help=_("Usually the organisation that will clear the minefield."),
                ),
                blocks.document_reference(_("Hand-over document reference")),
            ),
        ),  # fmt: skip
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        changes.minefield_transfer = {
            "on": c.value("date") or on,
            "handed_from": c.value("handed_from"),
            "handed_to": c.value("handed_to"),
            "document_reference": c.value("document_reference"),
        }
        if changes.minefield_transfer["handed_from"] == changes.minefield_transfer["handed_to"] != "":
            c.problem(
                "handed_to",
                gettext("is who handed it over; a hand-over passes the record to someone else"),
                "same_party",
            )
        return changes
