"""Marking report (IMAS 08.40): a hazard's perimeter marked, repaired or fenced; its marking status follows."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from reports.fields import Choice, Section, Text
from reports.kinds import blocks
from reports.kinds.base import TASK_REQUIRED, Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus, MarkingStatus


class MarkingReport(ReportKindSpec):
    kind = "marking"
    label = _("marking report")
    title = _("Marking report")
    activity_kind = ActivityKind.MARKING
    task = TASK_REQUIRED  # marking is field work the authority tasks (issue 16)
    fields = (
        Section(
            _("Marking"),
            (
                Choice(
                    name="marking_status",
                    label=_("Marking status"),
                    vocab=MarkingStatus,
                    required=True,
                    help=_("How the hazard is marked once this task is done."),
                ),
                Text(name="remarks", label=_("Remarks"), multiline=True),
            ),
        ),
        blocks.activity_section(method_required=False),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        status = c.value("marking_status")
        if status:
            changes.hazard_fields["marking_status"] = status
        c.value("remarks")
        changes.activity = c.activity("activity", ActivityKind.MARKING, default_status=ActivityStatus.COMPLETED)
        return changes
