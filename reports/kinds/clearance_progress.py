"""Clearance progress: land cleared to a stated depth, and the items found."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from reports.kinds.base import TASK_REQUIRED
from reports.kinds.ts_progress import SurveyOrClearanceProgress, progress_fields
from vocab.choices import ActivityKind, ProductKind


class ClearanceProgressReport(SurveyOrClearanceProgress):
    kind = "clearance_progress"
    task = TASK_REQUIRED
    label = _("clearance progress report")
    title = _("Clearance progress")
    activity_kind = ActivityKind.CLEARANCE
    product_kind = ProductKind.CLEARED
    product_field = "cleared"
    fields = progress_fields("cleared", _("Cleared polygons"), cleared=True)
