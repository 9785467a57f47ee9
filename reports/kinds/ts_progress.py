"""TS progress: land reduced by technical survey, finds, and confirmation of a hazard (SHA → CHA)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus, Classification, DeviceCategory, ProductKind


class SurveyOrClearanceProgress(ReportKindSpec):
    """Shared by TS and clearance progress: an activity, its products, finds and status."""

    product_kind: str
    product_field: str

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        assert self.activity_kind is not None
        changes.activity = c.activity("activity", self.activity_kind)
        changes.products = c.products(self.product_field, self.product_kind, on)
        changes.finds = c.finds("finds", on)
        changes.evidence = c.evidence("evidence", on)
        cls = c.choice("classification", Classification.values, required=False)
        if cls:
            changes.hazard_fields["classification"] = cls
        confirmed = c.choice_list("devices_confirmed", DeviceCategory.values)
        if confirmed is not None:
            changes.hazard_fields["devices_confirmed"] = confirmed
        if changes.activity and changes.activity["status"] == ActivityStatus.SUSPENDED:
            changes.suspend_reason = c.text("suspend_reason", required=True)
        return changes


class TsProgressReport(SurveyOrClearanceProgress):
    kind = "ts_progress"
    label = gettext_lazy("TS progress report")
    activity_kind = ActivityKind.TS
    product_kind = ProductKind.REDUCED
    product_field = "reduced"
