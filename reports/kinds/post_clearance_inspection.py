"""Post-clearance inspection (IMAS 09.10): the operator's own check of land it cleared, with any items found.

It records the inspection as an activity of the hazard (`ActivityKind.PCI`) and its finds; it releases
no land and changes no status. The authority's sampling of released land is a `qc_inspection`.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from reports.fields import Section, Text
from reports.kinds import blocks
from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus


class PostClearanceInspectionReport(ReportKindSpec):
    kind = "post_clearance_inspection"
    label = _("post-clearance inspection report")
    title = _("Post-clearance inspection")
    activity_kind = ActivityKind.PCI
    fields = (
        blocks.activity_section(method_required=False),
        Section(
            _("Inspection"),
            (
                blocks.FINDS,
                Text(name="remarks", label=_("Remarks"), multiline=True),
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        changes.activity = c.activity("activity", ActivityKind.PCI, default_status=ActivityStatus.COMPLETED)
        changes.finds = c.finds("finds", on)
        c.value("remarks")
        return changes
