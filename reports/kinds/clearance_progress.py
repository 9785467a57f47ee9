"""Clearance progress: land cleared to a stated depth, and the items found."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from reports.kinds.ts_progress import SurveyOrClearanceProgress
from vocab.choices import ActivityKind, ProductKind


class ClearanceProgressReport(SurveyOrClearanceProgress):
    kind = "clearance_progress"
    label = gettext_lazy("clearance progress report")
    activity_kind = ActivityKind.CLEARANCE
    product_kind = ProductKind.CLEARED
    product_field = "cleared"
