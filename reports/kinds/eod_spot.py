"""EOD spot task: items found and disposed of at a point, inside a hazard or not."""

from __future__ import annotations

from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import ActivityKind, ActivityStatus


class EodSpotReport(ReportKindSpec):
    kind = "eod_spot"
    hazard = "optional"
    activity_kind = ActivityKind.EOD_SPOT

    def parse(self, payload, *, on, has_hazard):  # type: ignore[no-untyped-def]
        c = Checker(payload)
        changes = Changes()
        changes.activity = c.activity("activity", ActivityKind.EOD_SPOT, default_status=ActivityStatus.COMPLETED)
        location = c.point("location", required=True)
        if changes.activity is not None:
            changes.activity["location"] = location
        changes.finds = c.finds("finds", on)
        if not changes.finds and not c.present("finds"):
            c.problem("finds", "an EOD spot task report lists at least one item")
        return changes, c.problems
