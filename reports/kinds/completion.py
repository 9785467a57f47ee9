"""Completion report: the last task on a hazard is done and nothing remains; the hazard closes."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from reports.fields import Choice, Section, Text
from reports.kinds import blocks
from reports.kinds.base import TASK_REQUIRED, Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus

_LAST_ACTIVITY = tuple(
    (k.value, k.label) for k in (ActivityKind.NTS, ActivityKind.TS, ActivityKind.CLEARANCE, ActivityKind.BAC)
)


class CompletionReport(ReportKindSpec):
    kind = "completion"
    task = TASK_REQUIRED
    label = _("completion report")
    title = _("Completion report")
    fields = (
        Section(
            _("Completion"),
            (
                Choice(name="activity_kind", label=_("Kind of the last activity"), vocab=_LAST_ACTIVITY, required=True),
                Text(name="remarks", label=_("Remarks"), multiline=True),
            ),
        ),
        blocks.activity_section(method_required=False, required=False),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes(close=True)
        kind = c.value("activity_kind") or ActivityKind.CLEARANCE
        changes.activity = c.activity(
            "activity",
            kind,
            default_status=ActivityStatus.COMPLETED,
            required=False,
            method_required=kind in (ActivityKind.TS, ActivityKind.CLEARANCE),
        )
        c.value("remarks")
        return changes
