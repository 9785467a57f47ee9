"""EOD spot task: items found and disposed of at a point, inside a hazard or not."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.fields import Point, Section
from reports.kinds import blocks
from reports.kinds.base import TASK_OR_CALL_OUT, Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus


class EodSpotReport(ReportKindSpec):
    kind = "eod_spot"
    task = TASK_OR_CALL_OUT
    label = _("EOD spot task report")
    title = _("EOD spot task report")
    hazard = "optional"
    activity_kind = ActivityKind.EOD_SPOT
    fields = (
        Section(_("Task"), (Point(name="location", label=_("Location"), required=True), blocks.FINDS)),
        blocks.activity_section(method_required=False),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        changes.activity = c.activity("activity", ActivityKind.EOD_SPOT, default_status=ActivityStatus.COMPLETED)
        location = c.value("location")
        if changes.activity is not None:
            changes.activity["location"] = location
        changes.finds = c.finds("finds", on)
        if not changes.finds and not c.present("finds"):
            c.problem("finds", gettext("an EOD spot task report lists at least one item"), "required")
        return changes
