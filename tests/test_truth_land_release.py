"""Issue 15, points 1-5: land release as IMAS 07.11, 08.10, 08.20, 09.10 and 08.30 describe it (decision 0047).

Every step goes through the report actions (create_report, submit, approve) against PostGIS. The test
hazard is a 100 m square SHA registered on 15 January 2024 (tests/helpers.register_hazard).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from clearground.test import Cast, rect
from core.errors import ValidationFailed
from hazards.models import Activity, HazardousArea, HazardStatusChange, LandReleaseProduct
from reports.actions import approve_report, create_report, unapprove_report
from reports.models import Report
from tests.helpers import activity, approved, register_hazard, submitted

DIRECT = [{"kind": "direct", "source": "observed", "reliability": "high", "description": "PMN-2 seen"}]


def close(value: float) -> Any:
    """Areas are measured in the hazard's UTM zone; the test draws in approximate metres (±0.5 %)."""
    return pytest.approx(value, rel=5e-3)


def on(month: int, day: int = 5) -> dt.date:
    return dt.date(2024, month, day)


def problems_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


def status_of(hazard: HazardousArea) -> str:
    return HazardousArea.objects.get(pk=hazard.pk).status


def progress(
    cast: Cast, kind: str, hazard: HazardousArea, when: dt.date, task: dict[str, Any], **payload: Any
) -> Report:
    return approved(cast, kind, {"activity": task, **payload}, hazard=hazard, on=when)


def cleared(x0: float, x1: float) -> list[dict[str, Any]]:
    return [{"geometry": rect(x0, 0, x1, 100), "depth_cm": 20}]


# Point 1: the status follows the work ------------------------------------------------------------


def test_point_1_status_returns_to_open_when_the_work_is_completed_without_closing_the_hazard(cast: Cast) -> None:
    hazard = register_hazard(cast)
    progress(cast, "clearance_progress", hazard, on(2), activity("2024-02-01"), cleared=cleared(0, 30))
    assert status_of(hazard) == "worked_on"

    done = progress(
        cast, "clearance_progress", hazard, on(3),
        activity("2024-02-01", status="completed", end_date="2024-03-01"), cleared=cleared(30, 60),
    )  # fmt: skip
    hazard.refresh_from_db()
    assert hazard.status == "open" and hazard.remaining_area_m2 == close(4_000)
    change = HazardStatusChange.objects.get(report=done)
    assert (change.from_status, change.to_status, change.on) == ("worked_on", "open", on(3))

    # Taking the completion back replays the rest: the work is under way again.
    unapprove_report(done, acting_user=cast.imo, reason="Wrong team")
    assert status_of(hazard) == "worked_on"


def test_point_1_status_leaves_worked_on_when_work_is_suspended_and_returns_when_it_resumes(cast: Cast) -> None:
    hazard = register_hazard(cast)
    progress(cast, "ts_progress", hazard, on(2), activity("2024-02-01"))
    assert status_of(hazard) == "worked_on"
    progress(
        cast, "ts_progress", hazard, on(3), activity("2024-02-01", status="suspended"),
        suspend_reason="Flooded access road",
    )  # fmt: skip
    assert status_of(hazard) == "suspended"
    assert HazardStatusChange.objects.filter(hazard=hazard).last().reason == "Flooded access road"  # type: ignore[union-attr]
    progress(cast, "ts_progress", hazard, on(4), activity("2024-02-01"))
    assert status_of(hazard) == "worked_on"


def test_point_1_status_follows_the_work_s_dates_not_only_its_status(cast: Cast) -> None:
    hazard = register_hazard(cast)
    # Planned work is not under way: the hazard stays open.
    progress(cast, "clearance_progress", hazard, on(2), activity("2024-03-01", status="planned"))
    assert status_of(hazard) == "open"
    progress(cast, "clearance_progress", hazard, on(3), activity("2024-03-01"))
    assert status_of(hazard) == "worked_on"
    # Reported "ongoing" on a date past its end date: the task has ended.
    progress(cast, "clearance_progress", hazard, on(4, 20), activity("2024-03-01", end_date="2024-04-15"))
    assert status_of(hazard) == "open"


def test_point_1_another_task_still_under_way_keeps_the_hazard_worked_on(cast: Cast) -> None:
    hazard = register_hazard(cast)
    progress(cast, "ts_progress", hazard, on(2), activity("2024-02-01"))
    progress(cast, "clearance_progress", hazard, on(3), activity("2024-03-01"), cleared=cleared(0, 20))
    # The clearance team finishes; the survey team is still at work.
    progress(
        cast, "clearance_progress", hazard, on(4), activity("2024-03-01", status="completed", end_date="2024-04-01")
    )
    assert status_of(hazard) == "worked_on"
    progress(cast, "ts_progress", hazard, on(5), activity("2024-02-01", status="completed", end_date="2024-05-01"))
    assert status_of(hazard) == "open"


# Point 2: a shrinking re-survey releases land, it does not delete it -----------------------------


def resurvey(cast: Cast, hazard: HazardousArea, geometry: dict[str, Any], when: dt.date) -> Report:
    report = submitted(
        cast, "nts", {"hazard": {"geometry": geometry}, "activity": {"start_date": "2024-04-01"}},
        hazard=hazard, on=when,
    )  # fmt: skip
    return approve_report(report, acting_user=cast.imo, reconcile="replace")


def test_point_2_a_re_survey_that_shrinks_an_sha_cancels_the_land_it_leaves_out(cast: Cast) -> None:
    hazard = register_hazard(cast)
    report = resurvey(cast, hazard, rect(0, 0, 100, 60), on(4))

    hazard.refresh_from_db()
    assert hazard.original_area_m2 == close(10_000)  # the original is unchanged
    assert hazard.cancelled_m2 == close(4_000) and hazard.remaining_area_m2 == close(6_000)
    assert abs(hazard.conservation_gap_m2()) < 1
    product = LandReleaseProduct.objects.get(hazard=hazard)
    assert (product.kind, product.report, product.on, product.activity.kind) == ("cancelled", report, on(4), "nts")
    assert product.area_m2 == close(4_000)

    # The same polygon again releases nothing more.
    resurvey(cast, hazard, rect(0, 0, 100, 60), on(5))
    hazard.refresh_from_db()
    assert hazard.cancelled_m2 == close(4_000) and LandReleaseProduct.objects.filter(hazard=hazard).count() == 1


def test_point_2_land_already_released_is_not_cancelled_again_and_no_longer_blocks_a_redraw(cast: Cast) -> None:
    hazard = register_hazard(cast)
    progress(cast, "clearance_progress", hazard, on(2), activity("2024-02-01"), cleared=cleared(70, 100))
    # The re-survey draws the SHA around 0-50 m: 50-70 m is cancelled, 70-100 m stays cleared.
    resurvey(cast, hazard, rect(0, 0, 50, 100), on(4))
    hazard.refresh_from_db()
    assert hazard.original_area_m2 == close(10_000)
    assert (hazard.cleared_m2, hazard.cancelled_m2, hazard.remaining_area_m2) == (
        close(3_000),
        close(2_000),
        close(5_000),
    )
    assert abs(hazard.conservation_gap_m2()) < 1


def test_point_2_a_re_survey_that_grows_the_hazard_adds_to_its_original_area(cast: Cast) -> None:
    hazard = register_hazard(cast)
    resurvey(cast, hazard, rect(0, 0, 120, 100), on(4))
    hazard.refresh_from_db()
    assert hazard.original_area_m2 == close(12_000) and hazard.remaining_area_m2 == close(12_000)
    assert not LandReleaseProduct.objects.filter(hazard=hazard).exists()


# Point 3: BAC clears land; marking and post-clearance inspection are reports ---------------------


def test_point_3_battle_area_clearance_produces_cleared_land(cast: Cast) -> None:
    hazard = register_hazard(cast, devices_suspected=["uxo"])
    report = progress(
        cast, "clearance_progress", hazard, on(2), activity("2024-02-01"), activity_kind="bac", cleared=cleared(0, 40)
    )
    hazard.refresh_from_db()
    assert hazard.cleared_m2 == close(4_000) and hazard.status == "worked_on"
    product = LandReleaseProduct.objects.get(report=report)
    assert (product.kind, product.activity.kind) == ("cleared", "bac")


def test_point_3_a_marking_report_sets_the_marking_status_and_records_the_task(cast: Cast) -> None:
    hazard = register_hazard(cast)
    report = approved(
        cast, "marking", {"marking_status": "fenced", "activity": {"start_date": "2024-02-01"}},
        hazard=hazard, on=on(2),
    )  # fmt: skip
    hazard.refresh_from_db()
    assert hazard.marking_status == "fenced" and hazard.status == "open"
    task = Activity.objects.get(report=report)
    assert (task.kind, task.status, task.hazard) == ("marking", "completed", hazard)
    assert hazard.versions.last().state["marking_status"] == "fenced"  # type: ignore[union-attr]


def test_point_3_a_post_clearance_inspection_records_its_activity_and_finds_even_after_closure(cast: Cast) -> None:
    hazard = register_hazard(cast)
    progress(cast, "clearance_progress", hazard, on(2), activity("2024-02-01"), cleared=cleared(0, 100))
    approved(cast, "completion", {"activity_kind": "clearance"}, hazard=hazard, on=on(3))
    report = approved(
        cast, "post_clearance_inspection",
        {"activity": {"start_date": "2024-03-10"}, "finds": [{"category": "uxo", "quantity": 1}]},
        hazard=hazard, on=on(3, 12),
    )  # fmt: skip
    hazard.refresh_from_db()
    assert hazard.status == "closed"  # an inspection changes no status and releases nothing
    task = Activity.objects.get(report=report)
    assert task.kind == "pci" and [(f.category, f.quantity) for f in task.finds.all()] == [("uxo", 1)]


def test_point_3_the_new_kinds_list_every_missing_field(cast: Cast) -> None:
    hazard = register_hazard(cast)
    with pytest.raises(ValidationFailed) as failed:
        submitted(cast, "marking", {"colour": "red"}, hazard=hazard)
    assert problems_of(failed) == {
        "payload.marking_status": "is required (one of unmarked, partial, marked, fenced)",
        "payload.activity": "is required (method, start_date, ...)",
        "payload.colour": "is not a field of a marking report",
    }
    with pytest.raises(ValidationFailed) as failed:
        submitted(cast, "post_clearance_inspection", {"finds": [{"quantity": 1}]}, hazard=hazard)
    assert problems_of(failed) == {
        "payload.activity": "is required (method, start_date, ...)",
        "payload.finds.0.category": (
            "is required (one of ap_mine, ap_improvised, at_mine, uxo, axo, submunition, ied, booby_trap, unknown)"
        ),
    }


def test_point_3_the_new_kinds_need_a_hazard(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as failed:
        submitted(cast, "marking", {"marking_status": "marked", "activity": {"start_date": "2024-01-10"}})
    assert "hazard" in problems_of(failed)


# Point 4: handover parcel by parcel, after a passed QC inspection --------------------------------


def qc(cast: Cast, task: Activity, sample: dict[str, Any], result: str, inspected_on: str) -> Report:
    """The authority's QA officer samples released land; the IM officer approves the inspection."""
    report = create_report(
        acting_user=cast.qa,
        organisation=cast.authority,
        kind="qc_inspection",
        date_of_information=on(3),
        payload={
            "activity": task.pk,
            "inspected_on": inspected_on,
            "sample": sample,
            "items_found": 0 if result == "pass" else 1,
            "result": result,
        },
        submit=True,
    )
    return approve_report(report, acting_user=cast.imo)


def half_cleared(cast: Cast) -> tuple[HazardousArea, Activity]:
    hazard = register_hazard(cast)
    report = progress(cast, "clearance_progress", hazard, on(2), activity("2024-02-01"), cleared=cleared(0, 50))
    return hazard, Activity.objects.get(report=report)


HANDOVER_DAY = on(3, 10)


def hand_over(cast: Cast, hazard: HazardousArea, parcel: dict[str, Any] | None, when: dt.date = HANDOVER_DAY) -> Report:
    payload: dict[str, Any] = {"handed_to": "Village council", "certificate": "HO-7"}
    if parcel is not None:
        payload["parcel"] = parcel
    return approved(cast, "handover", payload, hazard=hazard, on=when)


def test_point_4_a_released_parcel_with_a_passed_qc_inspection_is_handed_over_while_land_remains(cast: Cast) -> None:
    hazard, task = half_cleared(cast)
    qc(cast, task, rect(10, 10, 30, 30), "pass", "2024-03-01")
    report = hand_over(cast, hazard, rect(0, 0, 50, 100))

    hazard.refresh_from_db()
    assert hazard.status == "worked_on" and hazard.remaining_area_m2 == close(5_000)  # not closed
    handover = hazard.handovers.get()
    assert (handover.report, handover.handed_to, handover.on) == (report, "Village council", on(3, 10))
    assert handover.parcel_area_m2 == close(5_000)

    # The same land is not handed over twice.
    with pytest.raises(ValidationFailed) as failed:
        hand_over(cast, hazard, rect(0, 0, 50, 100), on(3, 11))
    assert problems_of(failed)["payload.parcel"].endswith("m² of the parcel were handed over before")


def test_point_4_a_parcel_without_a_passed_qc_inspection_is_refused_with_the_reason(cast: Cast) -> None:
    hazard, task = half_cleared(cast)
    with pytest.raises(ValidationFailed) as failed:
        hand_over(cast, hazard, rect(0, 0, 50, 100))
    assert problems_of(failed) == {
        "payload.parcel": "no QC inspection has sampled this parcel; it is handed over after one passes"
    }

    qc(cast, task, rect(10, 10, 30, 30), "pass", "2024-02-20")
    qc(cast, task, rect(20, 40, 40, 60), "fail", "2024-03-01")  # the latest inspection of the parcel failed
    with pytest.raises(ValidationFailed) as failed:
        hand_over(cast, hazard, rect(0, 0, 50, 100))
    assert problems_of(failed) == {
        "payload.parcel": "the latest QC inspection of this parcel (2024-03-01) failed; "
        "it is handed over after one passes"
    }
    assert not hazard.handovers.exists()


def test_point_4_a_parcel_must_be_released_land_of_the_hazard(cast: Cast) -> None:
    hazard, task = half_cleared(cast)
    qc(cast, task, rect(10, 10, 30, 30), "pass", "2024-03-01")
    with pytest.raises(ValidationFailed) as failed:
        hand_over(cast, hazard, rect(0, 0, 70, 100))
    message = problems_of(failed)["payload.parcel"]
    assert message.endswith(f" m² of the parcel are not released land of hazard {hazard.code}")
    assert float(message.split(" ")[0].replace(",", "")) == close(2_000)
    # Without a parcel the whole hazard is handed over, and that still needs all of it released.
    with pytest.raises(ValidationFailed) as failed:
        hand_over(cast, hazard, None)
    assert "not yet released" in problems_of(failed)["payload"]
    assert not hazard.handovers.exists()


# Point 5: a downgrade is justified and recorded too ----------------------------------------------


def confirmed_hazard(cast: Cast) -> HazardousArea:
    payload = cast.nts_payload(rect(0, 0, 100, 100), classification="CHA", devices_confirmed=["ap_mine"])
    payload["evidence"] = DIRECT
    report = approved(cast, "nts", payload)
    return HazardousArea.objects.get(pk=report.hazard_id)


def test_point_5_cha_to_sha_needs_evidence_or_an_override_reason(cast: Cast) -> None:
    hazard = confirmed_hazard(cast)
    report = submitted(cast, "ts_progress", {"activity": activity(), "classification": "SHA"}, hazard=hazard, on=on(2))
    with pytest.raises(ValidationFailed) as failed:
        approve_report(report, acting_user=cast.imo)
    assert problems_of(failed) == {
        "payload.classification": "a CHA becomes an SHA only on evidence recorded in this report; "
        "add the evidence that justifies it or give an override reason"
    }
    assert HazardousArea.objects.get(pk=hazard.pk).classification == "CHA"

    approve_report(report, acting_user=cast.imo, override_reason="Mine seen in 2023 was a training item")
    change = HazardStatusChange.objects.get(report=report)
    assert (change.from_classification, change.to_classification) == ("CHA", "SHA")
    assert change.reason == "Mine seen in 2023 was a training item"


def test_point_5_cha_to_sha_on_evidence_in_the_report_is_accepted(cast: Cast) -> None:
    hazard = confirmed_hazard(cast)
    evidence = [{"kind": "indirect", "source": "records", "description": "Army record: practice range, inert items"}]
    approved(
        cast, "ts_progress", {"activity": activity(), "classification": "SHA", "evidence": evidence},
        hazard=hazard, on=on(2),
    )  # fmt: skip
    hazard.refresh_from_db()
    assert hazard.classification == "SHA"
    assert hazard.evidence.filter(source="records").exists()


# The doors: the new kinds and the parcel go through the same access rules as every report ----------


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("marking", {"marking_status": "fenced", "activity": {"start_date": "2024-02-01"}}),
        ("post_clearance_inspection", {"activity": {"start_date": "2024-02-01"}}),
        ("handover", {"handed_to": "Bravo's friends", "parcel": rect(0, 0, 50, 100)}),
    ],
)
def test_an_outsider_cannot_report_on_another_operators_hazard(cast: Cast, kind: str, payload: dict[str, Any]) -> None:
    hazard, _task = half_cleared(cast)
    client = APIClient()
    client.force_authenticate(cast.outsider)  # operator Bravo's clerk
    body = {"kind": kind, "date_of_information": "2024-03-10", "hazard": hazard.pk, "payload": payload, "submit": True}
    response = client.post("/api/v1/reports/", body, format="json")
    assert response.status_code == 404  # as for a hazard that does not exist
    assert not Report.objects.filter(kind=kind).exists()
    hazard.refresh_from_db()
    assert (hazard.marking_status, hazard.handovers.count()) == ("unmarked", 0)


def test_a_parcel_handover_through_the_api_says_why_it_is_refused(cast: Cast) -> None:
    hazard, _task = half_cleared(cast)
    client = APIClient()
    client.force_authenticate(cast.clerk)
    body = {
        "kind": "handover",
        "date_of_information": "2024-03-10",
        "hazard": hazard.pk,
        "payload": {"handed_to": "Village council", "parcel": rect(0, 0, 50, 100)},
        "submit": True,
    }
    response = client.post("/api/v1/reports/", body, format="json")
    assert response.status_code == 400
    refused = {"field": "payload.parcel", "code": "qc_required",
               "message": "no QC inspection has sampled this parcel; it is handed over after one passes"}  # fmt: skip
    assert refused in response.json()["errors"]
    assert not Report.objects.filter(kind="handover").exists()
