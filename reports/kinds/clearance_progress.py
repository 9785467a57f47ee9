"""Clearance progress: land cleared to a stated depth by clearance or battle area clearance, and the items found."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from reports.fields import Choice
from reports.kinds.base import TASK_REQUIRED, Checker
from reports.kinds.ts_progress import SurveyOrClearanceProgress, progress_fields
from vocab.choices import ActivityKind, ProductKind

# IMAS 09.10 clearance and 09.11 battle area clearance both clear land to a depth (decision 0047).
_CLEARANCE_KINDS = tuple((k.value, k.label) for k in (ActivityKind.CLEARANCE, ActivityKind.BAC))


class ClearanceProgressReport(SurveyOrClearanceProgress):
    kind = "clearance_progress"
    task = TASK_REQUIRED
    label = _("clearance progress report")
    title = _("Clearance progress")
    activity_kind = ActivityKind.CLEARANCE
    product_kind = ProductKind.CLEARED
    product_field = "cleared"
    fields = progress_fields(
        "cleared",
        _("Cleared polygons"),
        cleared=True,
        activity_kind=Choice(
            name="activity_kind",
            label=_("Kind of clearance"),
            vocab=_CLEARANCE_KINDS,
            default=ActivityKind.CLEARANCE,
            help=_("Battle area clearance (BAC) where the area holds unexploded ordnance and no mines."),
        ),
    )

    def task_kind(self, c: Checker) -> str:
        return str(c.value("activity_kind"))
