"""TS progress: land reduced by technical survey, finds, and confirmation of a hazard (SHA → CHA)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from reports.fields import Choice, ChoiceList, Label, Section, Text
from reports.kinds import blocks
from reports.kinds.base import TASK_REQUIRED, Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus, Classification, DeviceCategory, ProductKind


def progress_fields(
    product_field: str, product_label: Label, *, cleared: bool, activity_kind: Choice | None = None
) -> tuple[Section, ...]:
    """The fields of a TS or clearance progress report: the activity, land released, the hazard's news.

    `activity_kind` is the field a kind with more than one kind of task asks (clearance or BAC).
    """
    return (
        Section(
            _("Activity"),
            (*((activity_kind,) if activity_kind else ()), blocks.activity(method_required=True)),
        ),
        Section(
            _("Land released"),
            (blocks.products(product_field, product_label, cleared=cleared), blocks.FINDS, blocks.EVIDENCE),
        ),
        Section(
            _("Hazard"),
            (
                Choice(name="classification", label=_("New classification"), vocab=Classification),
                ChoiceList(name="devices_confirmed", label=_("Devices confirmed"), vocab=DeviceCategory),
                # Read only when the activity is suspended (changes()); otherwise it is not a field.
                Text(
                    name="suspend_reason",
                    label=_("Reason for suspension"),
                    multiline=True,
                    help=_("Required when the activity is suspended."),
                ),
            ),
        ),
    )


class SurveyOrClearanceProgress(ReportKindSpec):
    """Shared by TS and clearance progress: an activity, its products, finds and status."""

    product_kind: str
    product_field: str

    def task_kind(self, c: Checker) -> str:
        """The kind of the task reported on: the kind's own, unless it asks (clearance_progress: BAC)."""
        assert self.activity_kind is not None
        return self.activity_kind

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        changes.activity = c.activity("activity", self.task_kind(c))
        changes.products = c.products(self.product_field, self.product_kind, on)
        changes.finds = c.finds("finds", on)
        changes.evidence = c.evidence("evidence", on)
        cls = c.value("classification")
        if cls:
            changes.hazard_fields["classification"] = cls
        confirmed = c.value("devices_confirmed")
        if confirmed is not None:
            changes.hazard_fields["devices_confirmed"] = confirmed
        if changes.activity and changes.activity["status"] == ActivityStatus.SUSPENDED:
            changes.suspend_reason = c.value("suspend_reason", required=True)
        return changes


class TsProgressReport(SurveyOrClearanceProgress):
    kind = "ts_progress"
    task = TASK_REQUIRED
    label = _("TS progress report")
    title = _("Technical survey progress")
    activity_kind = ActivityKind.TS
    product_kind = ProductKind.REDUCED
    product_field = "reduced"
    fields = progress_fields("reduced", _("Reduced polygons"), cleared=False)
