"""Approval is one transaction: if anything fails in the middle, nothing at all changes."""

import pytest

from accounts.models import AuditEntry
from clearground.test import rect
from hazards import projections
from hazards.models import Activity, Find, HazardousArea, HazardVersion, LandReleaseProduct
from reports.actions import approve_report
from reports.models import Report, ReportTransition
from tests.helpers import activity, register_hazard, submitted


def counts():
    return {m.__name__: m.objects.count() for m in (HazardVersion, LandReleaseProduct, Find, Activity,
                                                    ReportTransition, AuditEntry)}  # fmt: skip


def test_an_exception_in_the_middle_of_approval_leaves_nothing_changed(cast, monkeypatch):
    hazard = register_hazard(cast)
    payload = {
        "activity": activity(),
        "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}],
        "finds": [{"category": "ap_mine", "quantity": 2}],
    }
    report = submitted(cast, "clearance_progress", payload, hazard=hazard)
    before_hazard = HazardousArea.objects.values().get(pk=hazard.pk)
    before = counts()

    def fail_after_products_were_written(*args, **kwargs):
        assert LandReleaseProduct.objects.filter(report=report).exists()  # we really are mid-way
        raise RuntimeError("disk full")

    monkeypatch.setattr(projections, "_record_version", fail_after_products_were_written)
    with pytest.raises(RuntimeError):
        approve_report(report, acting_user=cast.imo)

    assert HazardousArea.objects.values().get(pk=hazard.pk) == before_hazard
    assert counts() == before
    assert Report.objects.get(pk=report.pk).status == "submitted"


def test_a_refused_approval_changes_nothing_and_lists_every_problem(cast):
    hazard = register_hazard(cast)
    approve_report(submitted(cast, "ts_progress", {"activity": activity(), "reduced": [{"geometry":
                   rect(0, 0, 60, 100)}]}, hazard=hazard), acting_user=cast.imo)  # fmt: skip
    # Submitted while the land was free, but by approval time another report released part of it.
    late = submitted(cast, "clearance_progress", {"activity": activity(), "cleared": [
        {"geometry": rect(60, 0, 100, 100), "depth_cm": 20}]}, hazard=hazard)  # fmt: skip
    rival = submitted(cast, "clearance_progress", {"activity": activity(), "cleared": [
        {"geometry": rect(70, 0, 100, 100), "depth_cm": 20}]}, hazard=hazard)  # fmt: skip
    approve_report(late, acting_user=cast.imo)
    before_hazard = HazardousArea.objects.values().get(pk=hazard.pk)
    before = counts()

    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as excinfo:
        approve_report(rival, acting_user=cast.imo)

    assert "overlaps land already released" in excinfo.value.problems[0].message
    assert HazardousArea.objects.values().get(pk=hazard.pk) == before_hazard
    assert counts() == before
