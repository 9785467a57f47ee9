"""NTS report: registers a new SHA/CHA, or re-surveys one and cancels land with no evidence."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.fields import NEW_HAZARD, Area, Group, Point, Section
from reports.kinds import blocks
from reports.kinds.base import TASK_WITH_HAZARD, Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus, ProductKind


class NtsReport(ReportKindSpec):
    kind = "nts"
    task = TASK_WITH_HAZARD
    label = _("NTS report")
    title = _("Non-technical survey report")
    intro = _("Leave the hazard empty to register a new one; name a hazard to re-survey it.")
    hazard = "optional"
    creates_hazard = True
    activity_kind = ActivityKind.NTS
    fields = (
        Section(
            _("Hazard"),
            (
                # A re-survey of a named hazard may leave out any of it.
                Group(
                    name="hazard",
                    label=_("Hazard"),
                    required_when=NEW_HAZARD,
                    fields=(
                        *blocks.HAZARD_ATTRIBUTES,
                        Area(name="geometry", label=_("Hazard polygon"), required_when=NEW_HAZARD),
                        Point(name="benchmark", label=_("Benchmark")),
                    ),
                ),
            ),
        ),
        Section(_("Evidence"), (blocks.EVIDENCE,)),
        blocks.activity_section(method_required=False),
        Section(_("Land cancelled"), (blocks.products("cancelled", _("Cancelled polygons")),)),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        changes.hazard_fields = c.hazard_fields("hazard", creating=not has_hazard)
        changes.geom = c.value("hazard.geometry")
        changes.benchmark = c.value("hazard.benchmark")
        changes.evidence = c.evidence("evidence", on)
        if not has_hazard and not changes.evidence:
            c.problem("evidence", gettext("a new hazard needs at least one piece of evidence"), "required")
        changes.activity = c.activity("activity", ActivityKind.NTS, default_status=ActivityStatus.COMPLETED)
        changes.products = c.products("cancelled", ProductKind.CANCELLED, on)
        return changes
