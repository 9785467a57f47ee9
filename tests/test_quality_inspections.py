"""QA visits and QC inspections enter as the authority's reports; a failed inspection raises a non-conformity
that the operator answers with a corrective action and the QA officer verifies and closes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from accounts.models import AuditEntry
from clearground.test import Cast, rect
from core.errors import Conflict, NotAllowed, ValidationFailed
from hazards.models import Activity
from quality.actions import grant_accreditation, record_corrective_action, verify_non_conformity
from quality.models import NonConformity, QaVisit, QcInspection
from reports.actions import approve_report, create_report, unapprove_report
from reports.models import Report
from tests.helpers import activity, approved, register_hazard

QC_DAY = dt.date(2024, 3, 1)


def cleared_activity(cast: Cast) -> Activity:
    """Alpha clears the west half (0–50 m) of its 100 m hazard: one clearance activity with one cleared product."""
    hazard = register_hazard(cast, 100)
    report = approved(
        cast,
        "clearance_progress",
        {"activity": activity(), "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 30}]},
        hazard=hazard,
    )
    return Activity.objects.get(report=report)


def qc_payload(activity_id: int, **extra: Any) -> dict[str, Any]:
    """A failed inspection: a 20 × 20 m sample inside the cleared land, one item found."""
    return {
        "activity": activity_id,
        "inspected_on": "2024-02-20",
        "sample": rect(10, 10, 30, 30),
        "items_found": 1,
        "result": "fail",
        "remarks": "PMN-2 found at 10 cm in the sample",
        **extra,
    }


def record(cast: Cast, kind: str, payload: dict[str, Any], *, submit: bool = True) -> Report:
    """The authority's QA officer records (and submits) a QA report."""
    return create_report(
        acting_user=cast.qa,
        organisation=cast.authority,
        kind=kind,
        date_of_information=QC_DAY,
        payload=payload,
        submit=submit,
    )


def problems_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


def test_a_failed_qc_inspection_raises_a_non_conformity_the_operator_answers_and_the_qa_officer_closes(
    cast: Cast,
) -> None:
    act = cleared_activity(cast)
    report = approve_report(record(cast, "qc_inspection", qc_payload(act.pk)), acting_user=cast.imo)

    inspection = QcInspection.objects.get(report=report)
    assert (inspection.activity, inspection.organisation, inspection.result) == (act, cast.alpha, "fail")
    assert inspection.sample_area_m2 == pytest.approx(400, rel=0.01)
    nc = NonConformity.objects.get()
    assert (nc.activity, nc.organisation, nc.qc_inspection, nc.status) == (act, cast.alpha, inspection, "open")
    assert (nc.severity, nc.automatic) == ("critical", True)
    assert nc.description.startswith("QC inspection failed: 1 item(s) found in 40")

    record_corrective_action(
        nc,
        acting_user=cast.approver,
        description="Team retrained; lane re-cleared to 30 cm",
        due_on=dt.date(2024, 3, 15),
        done_on=dt.date(2024, 3, 10),
    )
    with pytest.raises(Conflict):  # the action is taken; a second one waits for the verification
        record_corrective_action(nc, acting_user=cast.clerk, description="again", due_on=QC_DAY, done_on=QC_DAY)
    verify_non_conformity(nc, acting_user=cast.qa, note="Re-sampled, nothing found")

    nc.refresh_from_db()
    assert nc.status == "closed"
    steps = [(s.from_status, s.to_status, s.by.username) for s in nc.steps.select_related("by")]
    assert steps == [("", "open", "qa"), ("open", "action_taken", "approver"), ("action_taken", "closed", "qa")]
    assert all(s.at is not None for s in nc.steps.all())
    action = nc.corrective_actions.get()
    assert (action.recorded_by, action.verified_by, action.done_on) == (cast.approver, cast.qa, dt.date(2024, 3, 10))
    audited = AuditEntry.objects.filter(object_type="quality.nonconformity", object_id=str(nc.pk))
    assert [(a.action, a.actor.username) for a in audited.order_by("id")] == [
        ("non_conformity.raise", "qa"),
        ("non_conformity.corrective_action", "approver"),
        ("non_conformity.verify", "qa"),
    ]


def test_a_qa_visit_records_its_non_conformities_against_the_ongoing_activity(cast: Cast) -> None:
    act = cleared_activity(cast)
    payload = {
        "activity": act.pk,
        "visited_on": "2024-02-05",
        "observations": "Lane markings missing",
        "non_conformities": [
            {"severity": "minor", "description": "Lane markings missing"},
            {"severity": "major", "description": "No medic on site"},
        ],
    }
    report = approve_report(record(cast, "qa_visit", payload), acting_user=cast.imo)

    visit = QaVisit.objects.get(report=report)
    assert (visit.activity, visit.organisation, visit.inspector, visit.visited_on) == (
        act,
        cast.alpha,
        cast.qa,
        dt.date(2024, 2, 5),
    )
    assert sorted(visit.non_conformities.values_list("severity", "automatic")) == [("major", False), ("minor", False)]


def test_a_passed_inspection_raises_nothing(cast: Cast) -> None:
    act = cleared_activity(cast)
    approve_report(
        record(cast, "qc_inspection", qc_payload(act.pk, items_found=0, result="pass")), acting_user=cast.imo
    )
    assert QcInspection.objects.get().result == "pass"
    assert not NonConformity.objects.exists()


def test_invalid_inspections_list_every_problem_and_change_nothing(cast: Cast) -> None:
    act = cleared_activity(cast)
    bad = qc_payload(
        act.pk,
        sample=rect(40, 10, 70, 30),
        items_found=2,
        result="pass",
        non_conformities=[{"severity": "critical", "description": "Depth not reached"}],
        inspected_on="2024-01-20",
        colour="red",
    )
    reports_before = Report.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        record(cast, "qc_inspection", bad)
    problems = problems_of(exc)
    assert "lies outside the land this activity cleared or reduced" in problems["payload.sample"]
    assert "found 2 item(s)" in problems["payload.result"] or "critical" in problems["payload.result"]
    assert len([p for p in exc.value.problems if p.field == "payload.result"]) == 2
    assert "before the activity started" in problems["payload.inspected_on"]
    assert problems["payload.colour"] == "is not a field of a QC inspection report"
    assert Report.objects.count() == reports_before and not QcInspection.objects.exists()


def test_an_unknown_activity_is_refused_with_the_other_problems(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as exc:
        record(cast, "qc_inspection", qc_payload(999_999, result="maybe"))
    problems = problems_of(exc)
    assert problems["payload.activity"] == "there is no activity #999999"
    assert problems["payload.result"].startswith("'maybe' is not one of")
    assert not Report.objects.filter(kind="qc_inspection").exists()


def test_an_nts_activity_cannot_be_sampled(cast: Cast) -> None:
    hazard = register_hazard(cast, 100)
    nts = Activity.objects.get(hazard=hazard, kind="nts")
    with pytest.raises(ValidationFailed) as exc:
        record(cast, "qc_inspection", qc_payload(nts.pk))
    assert "QC samples land released by clearance" in problems_of(exc)["payload.activity"]


def test_an_operator_cannot_record_a_qc_inspection_of_its_own_work(cast: Cast) -> None:
    act = cleared_activity(cast)
    with pytest.raises(ValidationFailed) as exc:
        create_report(
            acting_user=cast.clerk,
            organisation=cast.alpha,
            kind="qc_inspection",
            date_of_information=QC_DAY,
            payload=qc_payload(act.pk),
            submit=True,
        )
    assert "recorded by the national authority" in problems_of(exc)["organisation"]


def test_an_outsider_cannot_record_a_corrective_action_and_the_recorder_cannot_verify_it(cast: Cast) -> None:
    act = cleared_activity(cast)
    approve_report(record(cast, "qc_inspection", qc_payload(act.pk)), acting_user=cast.imo)
    nc = NonConformity.objects.get()
    with pytest.raises(NotAllowed):
        record_corrective_action(nc, acting_user=cast.outsider, description="x", due_on=QC_DAY, done_on=QC_DAY)
    with pytest.raises(ValidationFailed) as exc:
        record_corrective_action(nc, acting_user=cast.approver, description=" ", due_on=None, done_on=None)
    assert set(problems_of(exc)) == {"description", "due_on", "done_on"}
    record_corrective_action(nc, acting_user=cast.imo, description="Re-cleared", due_on=QC_DAY, done_on=QC_DAY)
    with pytest.raises(NotAllowed):  # four eyes: the authority's IM officer recorded it, so another verifies
        verify_non_conformity(nc, acting_user=cast.imo)
    with pytest.raises(NotAllowed):  # the operator never verifies its own corrective action
        verify_non_conformity(nc, acting_user=cast.approver)
    verify_non_conformity(nc, acting_user=cast.qa, accepted=False, note="Sample again after re-clearance")
    nc.refresh_from_db()
    assert nc.status == "open" and nc.corrective_actions.get().verified_by is None


def test_an_activity_by_an_unaccredited_organisation_is_flagged_on_its_qa_record(cast: Cast) -> None:
    act = cleared_activity(cast)  # starts 2024-02-01
    grant_accreditation(cast.alpha, acting_user=cast.admin, activity_kinds=["ts"], valid_from=dt.date(2023, 1, 1))
    approve_report(record(cast, "qc_inspection", qc_payload(act.pk)), acting_user=cast.imo)
    inspection = QcInspection.objects.get()
    assert inspection.accredited is False
    assert inspection.accreditation_finding == (
        f"Operator Alpha was not accredited for clearance by manual on 2024-02-01 (activity #{act.pk})"
    )

    grant_accreditation(
        cast.alpha,
        acting_user=cast.admin,
        activity_kinds=["clearance"],
        methods=["manual"],
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2024, 12, 31),
    )
    report = approve_report(
        record(cast, "qa_visit", {"activity": act.pk, "visited_on": "2024-02-05"}), acting_user=cast.imo
    )
    visit = QaVisit.objects.get(report=report)
    assert (visit.accredited, visit.accreditation_finding) == (True, "")


def test_unapproving_an_inspection_is_refused_once_the_operator_has_acted(cast: Cast) -> None:
    act = cleared_activity(cast)
    report = approve_report(record(cast, "qc_inspection", qc_payload(act.pk)), acting_user=cast.imo)
    record_corrective_action(
        NonConformity.objects.get(), acting_user=cast.approver, description="Re-cleared", due_on=QC_DAY, done_on=QC_DAY
    )
    with pytest.raises(Conflict):
        unapprove_report(report, acting_user=cast.imo, reason="wrong activity")
    assert QcInspection.objects.exists() and Report.objects.get(pk=report.pk).status == "approved"
