"""Minefield inspection: the perimeter marking, fence and monitoring of a recorded minefield, checked on a date.

What was found updates the minefield record's state (fenced, monitored, marking) and its next
inspection's due date; a record whose due date has passed is listed as overdue (decision 0049).
Inspections protect civilians while the minefield waits for clearance.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.fields import Choice, Date, Rows, Section, Text
from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import InspectedElement, InspectionCondition, MarkingStatus


class MinefieldInspectionReport(ReportKindSpec):
    kind = "minefield_inspection"
    label = _("minefield inspection report")
    title = _("Minefield inspection report")
    intro = _("Name the hazard of the recorded minefield; list each element inspected and what was found.")
    fields = (
        Section(
            _("Inspection"),
            (
                Date(name="date", label=_("Date of inspection")),
                Rows(
                    name="checks",
                    label=_("Elements inspected"),
                    required=True,
                    fields=(
                        Choice(name="element", label=_("Element inspected"), vocab=InspectedElement, required=True),
                        Choice(name="condition", label=_("Condition found"), vocab=InspectionCondition, required=True),
                    ),
                ),
                Choice(
                    name="marking_status",
                    label=_("Marking status after the inspection"),
                    vocab=MarkingStatus,
                    help=_("Leave empty to keep the marking status unless the marking was found missing."),
                ),
                Date(name="next_due", label=_("Next inspection due"), required=True, future=True),
                Text(name="notes", label=_("Notes"), multiline=True),
            ),
        ),  # fmt: skip
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        when = c.value("date") or on
        checks = c.value("checks")
        marking = c.value("marking_status")
        next_due = c.value("next_due")
        notes = c.value("notes")
        elements = [row["element"] for row in checks if row["element"]]
        for i, element in enumerate(elements):
            if element in elements[:i]:
                c.problem(
                    f"checks.{i}.element", gettext("'%(value)s' is listed twice") % {"value": element}, "duplicate"
                )
        if when and next_due and next_due <= when:
            c.problem(
                "next_due",
                gettext("%(next)s is not after the inspection (%(when)s)") % {"next": next_due, "when": when},
                "dates_out_of_order",
            )
        changes = Changes()
        changes.minefield_inspection = {
            "on": when,
            "checks": [row for row in checks if row["element"] and row["condition"]],
            "marking_status": marking,
            "next_due": next_due,
            "notes": notes,
        }
        return changes
