"""The report workflow: every step a stored row; return, resubmit, unapprove and supersede."""

import pytest

from clearground.test import rect
from core.errors import Conflict, ValidationFailed
from hazards.models import HazardousArea, LandReleaseProduct
from hazards.projections import snapshot
from reports.actions import (
    approve_report,
    create_report,
    return_report,
    submit_report,
    unapprove_report,
    update_draft,
    validate_report,
)
from reports.models import Report
from tests.helpers import activity, approved, register_hazard, submitted


def steps(report):
    return [(t.from_status, t.to_status, t.by.username) for t in Report.objects.get(pk=report.pk).transitions.all()]


def reduce_payload(x0, x1):
    return {"activity": activity(), "reduced": [{"geometry": rect(x0, 0, x1, 100)}]}


def test_a_returned_report_is_corrected_resubmitted_and_approved(cast):
    hazard = register_hazard(cast)
    report = submitted(cast, "ts_progress", reduce_payload(0, 40), hazard=hazard)
    return_report(report, acting_user=cast.approver, reason="Wrong strip: should be 0–50 m")
    update_draft(report, acting_user=cast.clerk, payload=reduce_payload(0, 50))
    submit_report(report, acting_user=cast.clerk)
    validate_report(report, acting_user=cast.approver)
    approve_report(report, acting_user=cast.approver)

    assert steps(report) == [
        ("", "draft", "clerk"),
        ("draft", "submitted", "clerk"),
        ("submitted", "returned", "approver"),
        ("returned", "submitted", "clerk"),
        ("submitted", "validated", "approver"),
        ("validated", "approved", "approver"),
    ]
    assert Report.objects.get(pk=report.pk).transitions.get(to_status="returned").reason.startswith("Wrong strip")
    hazard.refresh_from_db()
    assert hazard.reduced_m2 == pytest.approx(hazard.original_area_m2 / 2, rel=0.01)


def test_an_approved_report_is_frozen(cast):
    hazard = register_hazard(cast)
    report = approved(cast, "ts_progress", reduce_payload(0, 40), hazard=hazard)
    with pytest.raises(Conflict):
        update_draft(report, acting_user=cast.clerk, payload=reduce_payload(0, 90))
    with pytest.raises(Conflict):
        approve_report(report, acting_user=cast.imo)


def test_a_draft_keeps_whatever_was_entered_until_it_is_submitted(cast):
    draft = create_report(
        acting_user=cast.clerk,
        organisation=cast.alpha,
        kind="nts",
        date_of_information=__import__("datetime").date(2024, 1, 15),
        payload={"hazard": {"name": "half-typed"}},
    )
    assert Report.objects.get(pk=draft.pk).payload == {"hazard": {"name": "half-typed"}}
    with pytest.raises(ValidationFailed) as excinfo:
        submit_report(draft, acting_user=cast.clerk)
    fields = {p.field for p in excinfo.value.problems}
    assert {
        "payload.hazard.classification",
        "payload.hazard.geometry",
        "payload.evidence",
        "payload.activity",
    } <= fields
    assert Report.objects.get(pk=draft.pk).status == "draft"


def test_unapproving_rebuilds_the_hazard_without_the_report(cast):
    hazard = register_hazard(cast)
    first = approved(cast, "ts_progress", reduce_payload(0, 40), hazard=hazard)
    second = approved(cast, "ts_progress", reduce_payload(40, 70), hazard=hazard)

    unapprove_report(first, acting_user=cast.imo, reason="Strip was surveyed by an unaccredited team")

    hazard.refresh_from_db()
    assert list(LandReleaseProduct.objects.values_list("report", flat=True)) == [second.pk]
    assert hazard.reduced_m2 == pytest.approx(hazard.original_area_m2 * 0.3, rel=0.01)
    assert Report.objects.get(pk=first.pk).status == "submitted"
    assert steps(first)[-2:] == [("approved", "unapproved", "imo"), ("unapproved", "submitted", "imo")]


def test_replaying_the_approved_reports_gives_the_same_hazard(cast):
    hazard = register_hazard(cast)
    approved(cast, "ts_progress", reduce_payload(0, 40), hazard=hazard)
    extra = approved(cast, "ts_progress", reduce_payload(40, 50), hazard=hazard)
    approved(
        cast,
        "clearance_progress",
        {"activity": activity(), "cleared": [{"geometry": rect(50, 0, 100, 100), "depth_cm": 30}]},
        hazard=hazard,
    )
    expected = snapshot(HazardousArea.objects.get(pk=hazard.pk))

    unapprove_report(extra, acting_user=cast.imo, reason="duplicate")
    approve_report(extra, acting_user=cast.imo)

    rebuilt = snapshot(HazardousArea.objects.get(pk=hazard.pk))
    for key in ("classification", "status", "cancelled_m2", "reduced_m2", "cleared_m2", "remaining_area_m2"):
        assert rebuilt[key] == pytest.approx(expected[key]), key


def test_the_report_that_created_a_hazard_cannot_be_unapproved_under_later_reports(cast):
    hazard = register_hazard(cast)
    approved(cast, "ts_progress", reduce_payload(0, 40), hazard=hazard)
    creator = hazard.reports.get(kind="nts")
    with pytest.raises(Conflict):
        unapprove_report(creator, acting_user=cast.imo, reason="wrong place")
    assert HazardousArea.objects.filter(pk=hazard.pk).exists()


def test_unapproving_the_only_report_of_a_hazard_removes_the_hazard(cast):
    hazard = register_hazard(cast)
    creator = hazard.reports.get()
    unapprove_report(creator, acting_user=cast.imo, reason="registered in the wrong country")
    assert not HazardousArea.objects.exists()
    assert Report.objects.get(pk=creator.pk).status == "submitted"


def test_a_correction_supersedes_the_report_it_corrects(cast):
    hazard = register_hazard(cast)
    wrong = approved(cast, "ts_progress", reduce_payload(0, 40), hazard=hazard)
    correction = create_report(
        acting_user=cast.clerk,
        organisation=cast.alpha,
        kind="ts_progress",
        date_of_information=wrong.date_of_information,
        payload=reduce_payload(0, 30),
        hazard=hazard,
        supersedes=wrong,
        submit=True,
    )
    approve_report(correction, acting_user=cast.imo)

    assert Report.objects.get(pk=wrong.pk).status == "superseded"
    hazard.refresh_from_db()
    assert hazard.reduced_m2 == pytest.approx(hazard.original_area_m2 * 0.3, rel=0.01)
    assert list(LandReleaseProduct.objects.values_list("report", flat=True)) == [correction.pk]


def test_replace_and_combine_reshape_the_hazard_and_link_changes_nothing(cast):
    hazard = register_hazard(cast, 100)
    grow = {"hazard": {"geometry": rect(0, 0, 200, 100)}, "activity": activity()}
    approve_report(submitted(cast, "nts", grow, hazard=hazard), acting_user=cast.imo, reconcile="replace")
    hazard.refresh_from_db()
    assert hazard.original_area_m2 == pytest.approx(20_000, rel=0.01)

    east = {"hazard": {"geometry": rect(200, 0, 300, 100)}, "activity": activity()}
    approve_report(submitted(cast, "nts", east, hazard=hazard), acting_user=cast.imo, reconcile="combine")
    hazard.refresh_from_db()
    assert hazard.original_area_m2 == pytest.approx(30_000, rel=0.01)

    version = hazard.version
    approve_report(
        submitted(cast, "nts", {"hazard": {"marking_status": "fenced"}, "activity": activity()}, hazard=hazard),
        acting_user=cast.imo,
        reconcile="link",
    )
    hazard.refresh_from_db()
    assert hazard.marking_status == "unmarked" and hazard.version == version + 1


def test_nobody_approves_their_own_report(cast):
    from core.errors import NotAllowed

    report = submitted(cast, "nts", cast.nts_payload(), by=cast.approver)
    with pytest.raises(NotAllowed):
        approve_report(report, acting_user=cast.approver)
    assert approve_report(report, acting_user=cast.imo).status == "approved"
