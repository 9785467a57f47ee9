"""Cancellation report: NTS found no evidence, so land (or all that remains) is cancelled."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.fields import Boolean, Section, Text
from reports.kinds import blocks
from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus, ProductKind


class CancellationReport(ReportKindSpec):
    kind = "cancellation"
    label = _("cancellation report")
    title = _("Cancellation report")
    activity_kind = ActivityKind.NTS
    fields = (
        Section(
            _("Cancellation"),
            (
                Text(name="reason", label=_("Reason"), multiline=True, required=True),
                Boolean(name="cancel_remaining", label=_("Cancel all the land that remains")),
                blocks.products("cancelled", _("Cancelled polygons")),
                blocks.EVIDENCE,
            ),
        ),
        blocks.activity_section(method_required=False),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        c.value("reason")
        changes.activity = c.activity("activity", ActivityKind.NTS, default_status=ActivityStatus.COMPLETED)
        changes.cancel_remaining = c.value("cancel_remaining")
        changes.products = c.products("cancelled", ProductKind.CANCELLED, on)
        if not changes.cancel_remaining and not changes.products and not c.present("cancelled"):
            c.problem("cancelled", gettext("give the cancelled polygons, or set cancel_remaining to true"), "required")
        changes.evidence = c.evidence("evidence", on)
        # A cancellation that releases everything closes the hazard (invariant 5).
        changes.close = changes.cancel_remaining
        return changes
