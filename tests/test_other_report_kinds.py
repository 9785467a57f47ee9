"""Minefield records and EOD spot tasks."""

import datetime as dt

import pytest

from clearground.test import point, rect
from core.errors import ValidationFailed
from hazards.models import Activity, Find, HazardousArea
from tests.helpers import activity, approved, submitted

MINEFIELD = {
    "name": "Record 17/B, road embankment",
    "laying_party": "Unit recorded in the handover file",
    "date_laid": "2022-04-02",
    "perimeter": rect(0, 0, 300, 50),
    "reference_points": [point(0, 0), point(300, 50)],
    "devices": [
        {"category": "at_mine", "model": "TM-62", "quantity": 40},
        {"category": "ap_mine", "model": "PMN-2", "quantity": 120},
    ],
    "self_destructing": False,
    "fenced": True,
    "monitored": True,
    "received_from": "Engineer battalion that laid it",
    "received_from_kind": "military_unit",
    "received_on": "2022-05-10",
    "document_reference": "MR-17/B",
}


def test_a_minefield_record_creates_a_fenced_cha_with_its_record(cast):
    report = approved(cast, "minefield_record", MINEFIELD)
    hazard = HazardousArea.objects.get(pk=report.hazard_id)
    assert hazard.classification == "CHA" and hazard.marking_status == "fenced"
    assert sorted(hazard.devices_confirmed) == ["ap_mine", "at_mine"]
    record = hazard.minefield_record
    assert record.devices[1]["quantity"] == 120 and len(record.reference_points) == 2
    assert hazard.evidence.get().source == "records"


def test_a_self_destructing_minefield_record_must_state_its_lifetime(cast):
    with pytest.raises(ValidationFailed) as excinfo:
        submitted(cast, "minefield_record", {**MINEFIELD, "self_destructing": True})
    assert "payload.lifetime_days" in {p.field for p in excinfo.value.problems}


def test_an_eod_spot_task_outside_any_hazard_records_its_finds(cast):
    payload = {
        "activity": activity(method="manual"),
        "location": point(5000, 5000),
        "finds": [{"category": "uxo", "model": "122 mm rocket", "quantity": 1, "disposal": "destroyed_in_situ"}],
    }
    report = approved(cast, "eod_spot", payload, on=dt.date(2024, 2, 3))
    assert report.hazard is None
    assert Activity.objects.get(report=report).kind == "eod_spot"
    assert Find.objects.get(report=report).disposal == "destroyed_in_situ"


def test_finds_during_clearance_are_recorded_on_the_hazard(cast):
    report = approved(cast, "nts", cast.nts_payload(rect(0, 0, 100, 100)))
    hazard = HazardousArea.objects.get(pk=report.hazard_id)
    approved(
        cast,
        "clearance_progress",
        {
            "activity": activity(),
            "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}],
            "finds": [{"category": "ap_mine", "model": "PFM-1", "quantity": 3, "location": point(10, 10)}],
        },
        hazard=hazard,
    )
    assert hazard.finds.get().quantity == 3


def test_every_registered_report_kind_is_a_choice_of_the_report_model_with_its_label() -> None:
    from reports.kinds import KINDS
    from reports.models import ReportKind

    assert set(KINDS) == set(ReportKind.values)
