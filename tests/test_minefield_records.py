"""Issue 15 point 12: records of laid minefields through their life (CCW Amended Protocol II, Art. 9).

Received from the body that laid them, attached to a hazard or registering one, rated by the approver,
their marking, fence and monitoring inspected on a schedule, overdue inspections listed, and the record
handed over to the clearing organisation, every step a report (decision 0049). For marking, protecting
civilians and clearance only.
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from clearground.test import Cast, point, rect
from core.errors import ValidationFailed
from hazards.models import HazardousArea, HazardStatusChange, MinefieldInspection, MinefieldRecord
from reports.actions import approve_report, unapprove_report
from reports.models import Report, ReportStatus
from tests.helpers import approved, register_hazard, submitted

RECORD: dict[str, Any] = {
    "received_from": "3rd Engineer Battalion",
    "received_from_kind": "military_unit",
    "received_on": "2023-03-01",
    "document_reference": "MR-2023-017",
    "name": "Recorded minefield by the bridge",
    "perimeter": rect(0, 0, 300, 50),
    "reference_points": [point(0, 0), point(300, 50)],
    "laying_party": "3rd Engineer Battalion",
    "date_laid": "2022-04-02",
    "marking_status": "marked",
    "devices": [
        {"category": "ap_mine", "model": "PMN-2", "quantity": 120},
        {"category": "uxo", "model": "tm 62m", "quantity": 40},  # misfiled: the catalogue says anti-vehicle
    ],
}
DAY = dt.date(2024, 1, 15)


def inspection(*checks: tuple[str, str], on: str = "2024-02-01", next_due: str = "2024-05-01", **extra: Any) -> dict:
    return {"date": on, "checks": [{"element": e, "condition": c} for e, c in checks], "next_due": next_due, **extra}


def record_hazard(cast: Cast, **payload: Any) -> HazardousArea:
    report = approved(cast, "minefield_record", {**RECORD, **payload}, reliability="medium")
    return HazardousArea.objects.get(pk=report.hazard_id)


def api(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {p.field for p in exc.value.problems}


# Receipt, rating, attachment -------------------------------------------------------------------------


def test_a_record_received_from_the_unit_that_laid_it_registers_a_cha_with_its_receipt_and_rating(cast: Cast) -> None:
    hazard = record_hazard(cast)
    record = hazard.minefield_record
    assert (record.received_from, record.received_from_kind, record.received_on, record.document_reference) == (
        "3rd Engineer Battalion", "military_unit", dt.date(2023, 3, 1), "MR-2023-017")  # fmt: skip
    assert record.reliability == "medium" and hazard.evidence.get().reliability == "medium"
    assert record.held_by == "Operator Alpha"
    assert hazard.classification == "CHA" and hazard.marking_status == "marked"
    # The catalogue decides what the misfiled "tm 62m" is; the model stays as the record writes it.
    assert hazard.devices_confirmed == ["ap_mine", "at_mine"]
    assert record.devices[1]["model"] == "tm 62m" and record.devices[1]["catalogue"] == "TM-62M"


def test_approving_a_record_without_the_approvers_rating_is_refused_and_changes_nothing(cast: Cast) -> None:
    report = submitted(cast, "minefield_record", RECORD)
    for rating in ("", "certain"):
        with pytest.raises(ValidationFailed) as exc:
            approve_report(report, acting_user=cast.imo, reliability=rating)
        assert fields(exc) == {"reliability"}
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and not MinefieldRecord.objects.exists()
    assert not HazardousArea.objects.exists()


def test_a_record_must_say_from_whom_when_and_under_which_document_it_was_received(cast: Cast) -> None:
    payload = {k: v for k, v in RECORD.items() if k not in ("received_from", "received_on", "document_reference")}
    with pytest.raises(ValidationFailed) as exc:
        submitted(cast, "minefield_record", {**payload, "received_from_kind": "ally"})
    assert {"payload.received_from", "payload.received_on", "payload.document_reference",
            "payload.received_from_kind"} <= fields(exc)  # fmt: skip


def test_the_review_page_asks_the_approver_for_the_rating_and_approves_with_it(cast: Cast) -> None:
    report = submitted(cast, "minefield_record", RECORD)
    page = Client()
    page.force_login(cast.imo)
    html = page.get(f"/reports/{report.pk}/review/").content.decode()
    assert 'name="reliability"' in html
    unrated = page.post(f"/reports/{report.pk}/review/", {"decision": "approve", "reconcile": "new"})
    assert unrated.status_code == 200 and not MinefieldRecord.objects.exists()
    rated = page.post(
        f"/reports/{report.pk}/review/", {"decision": "approve", "reconcile": "new", "reliability": "low"}
    )
    assert rated.status_code == 302
    assert MinefieldRecord.objects.get().reliability == "low"
    nts = submitted(cast, "nts", cast.nts_payload(rect(2000, 0, 2100, 100)))
    assert 'name="reliability"' not in page.get(f"/reports/{nts.pk}/review/").content.decode()


def test_a_record_attached_to_a_registered_sha_is_direct_evidence_that_confirms_it(cast: Cast) -> None:
    sha = register_hazard(cast, size_m=400)
    assert sha.classification == "SHA" and sha.devices_suspected == ["ap_mine"]
    payload = {k: v for k, v in RECORD.items() if k != "name"}  # an attached record need not rename the hazard
    report = approved(cast, "minefield_record", payload, hazard=sha, on=dt.date(2024, 2, 1), reliability="low")
    sha.refresh_from_db()
    assert report.hazard_id == sha.pk and sha.classification == "CHA"
    assert sha.name == "Field north of the school" and sha.minefield_record.reliability == "low"
    assert HazardStatusChange.objects.filter(hazard=sha, from_classification="SHA", to_classification="CHA").exists()
    assert sha.evidence.filter(kind="direct", source="records", reliability="low").exists()


def test_the_approver_attaches_a_record_to_a_hazard_named_by_its_code_through_the_api(cast: Cast) -> None:
    sha = register_hazard(cast, size_m=400)
    report = submitted(cast, "minefield_record", RECORD)
    answer = api(cast.imo).post(
        f"/api/v1/reports/{report.pk}/approve/",
        {"reconcile": "update", "hazard_code": sha.code, "reliability": "high"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    sha.refresh_from_db()
    assert sha.classification == "CHA" and sha.minefield_record.reliability == "high"
    assert HazardousArea.objects.count() == 1  # attached, not a second hazard


def test_an_outsider_cannot_attach_a_record_to_a_hazard_code_they_cannot_see(cast: Cast) -> None:
    sha = register_hazard(cast)
    report = submitted(cast, "minefield_record", RECORD)
    answer = api(cast.outsider).post(
        f"/api/v1/reports/{report.pk}/approve/", {"hazard_code": sha.code, "reliability": "high"}, format="json"
    )
    assert answer.status_code == 404
    assert not MinefieldRecord.objects.exists()


def test_a_second_record_on_a_hazard_that_holds_one_is_refused(cast: Cast) -> None:
    hazard = record_hazard(cast)
    with pytest.raises(ValidationFailed) as exc:  # found at submission, before anyone reviews it
        submitted(cast, "minefield_record", RECORD, hazard=hazard, on=dt.date(2024, 2, 1))
    assert fields(exc) == {"hazard"} and "already holds a minefield record" in exc.value.problems[0].message
    assert MinefieldRecord.objects.count() == 1


# Inspections -----------------------------------------------------------------------------------------


def test_an_inspection_updates_the_records_fence_monitoring_marking_and_due_date(cast: Cast) -> None:
    hazard = record_hazard(cast, fenced=True, monitored=False)
    assert hazard.marking_status == "fenced"
    approved(
        cast,
        "minefield_inspection",
        inspection(("fence", "missing"), ("monitoring", "good"), ("marking", "damaged"), marking_status="partial"),
        hazard=hazard,
        on=dt.date(2024, 2, 1),
    )
    record = MinefieldRecord.objects.get(hazard=hazard)
    assert (record.fenced, record.monitored, record.marking_status) == (False, True, "partial")
    assert record.last_inspected_on == dt.date(2024, 2, 1) and record.next_inspection_due == dt.date(2024, 5, 1)
    hazard.refresh_from_db()
    assert hazard.marking_status == "partial"  # the fence is gone: the hazard shows what marking is left
    assert MinefieldInspection.objects.filter(record=record).count() == 3


def test_an_older_inspection_is_kept_as_history_without_overwriting_a_later_one(cast: Cast) -> None:
    hazard = record_hazard(cast)
    approved(cast, "minefield_inspection", inspection(("fence", "good"), on="2024-03-01", next_due="2024-06-01"),
             hazard=hazard, on=dt.date(2024, 3, 1))  # fmt: skip
    approved(cast, "minefield_inspection", inspection(("fence", "missing"), on="2024-02-01", next_due="2024-04-01"),
             hazard=hazard, on=dt.date(2024, 3, 2))  # fmt: skip
    record = MinefieldRecord.objects.get(hazard=hazard)
    assert record.fenced and record.next_inspection_due == dt.date(2024, 6, 1)
    assert record.inspections.count() == 2


def test_an_inspection_needs_a_recorded_minefield_and_a_due_date_after_it(cast: Cast) -> None:
    sha = register_hazard(cast)
    with pytest.raises(ValidationFailed) as exc:
        submitted(cast, "minefield_inspection", inspection(("fence", "good")), hazard=sha)
    assert fields(exc) == {"hazard"} and "holds no minefield record" in exc.value.problems[0].message
    hazard = record_hazard(cast, perimeter=rect(1000, 0, 1300, 50))
    with pytest.raises(ValidationFailed) as exc:
        submitted(cast, "minefield_inspection",
                  inspection(("fence", "good"), ("fence", "damaged"), ("roof", "good"), next_due="2024-01-01"),
                  hazard=hazard)  # fmt: skip
    assert fields(exc) == {"payload.checks.1.element", "payload.checks.2.element", "payload.next_due"}
    assert not MinefieldInspection.objects.exists()


def test_unapproving_an_inspection_rebuilds_the_record_with_its_approvers_rating(cast: Cast) -> None:
    hazard = record_hazard(cast, fenced=True)
    report = approved(cast, "minefield_inspection", inspection(("fence", "missing")), hazard=hazard,
                      on=dt.date(2024, 2, 1))  # fmt: skip
    unapprove_report(report, acting_user=cast.imo, reason="the inspector named the wrong minefield")
    record = MinefieldRecord.objects.get(hazard=hazard)
    assert record.fenced and record.reliability == "medium" and not record.inspections.exists()
    assert record.last_inspected_on is None


# Overdue inspections ---------------------------------------------------------------------------------


def _two_records(cast: Cast) -> tuple[HazardousArea, HazardousArea]:
    due = record_hazard(cast, next_inspection_due="2024-03-01")
    fresh = record_hazard(cast, perimeter=rect(1000, 0, 1300, 50), next_inspection_due="2024-03-01")
    approved(cast, "minefield_inspection", inspection(("marking", "good"), next_due="2024-08-01"), hazard=fresh,
             on=dt.date(2024, 2, 1))  # fmt: skip
    return due, fresh


def test_overdue_inspections_are_listed_by_the_api_most_overdue_first(cast: Cast) -> None:
    due, fresh = _two_records(cast)
    answer = api(cast.imo).get("/api/v1/minefield-inspections/overdue/", {"on": "2024-04-01"})
    assert answer.status_code == 200
    rows = answer.json()["records"]
    assert [r["hazard_code"] for r in rows] == [due.code]
    assert rows[0]["days_overdue"] == 31 and rows[0]["last_inspected_on"] is None
    later = api(cast.imo).get("/api/v1/minefield-inspections/overdue/", {"on": "2024-09-01"}).json()["records"]
    assert [r["hazard_code"] for r in later] == [due.code, fresh.code]
    bad = api(cast.imo).get("/api/v1/minefield-inspections/overdue/", {"on": "soon"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "on"


def test_the_minefields_command_lists_overdue_inspections(cast: Cast) -> None:
    due, fresh = _two_records(cast)
    out = StringIO()
    call_command("minefields", "overdue", "--on", "2024-04-01", stdout=out)
    assert "1 minefield record(s) overdue" in out.getvalue() and due.code in out.getvalue()
    assert fresh.code not in out.getvalue()
    out = StringIO()
    call_command("minefields", "overdue", "--on", "2024-09-01", "--json", "--organisation", "bravo", stdout=out)
    assert json.loads(out.getvalue())["count"] == 0


def test_a_record_with_no_inspection_scheduled_is_overdue(cast: Cast) -> None:
    hazard = record_hazard(cast)
    rows = api(cast.imo).get("/api/v1/minefield-inspections/overdue/", {"on": "2024-01-20"}).json()["records"]
    assert [(r["hazard_code"], r["next_inspection_due"]) for r in rows] == [(hazard.code, None)]


# Hand-over -------------------------------------------------------------------------------------------


def test_the_record_is_handed_over_to_the_clearing_organisation_with_its_full_history(cast: Cast) -> None:
    hazard = record_hazard(cast)
    approved(cast, "minefield_inspection", inspection(("fence", "good")), hazard=hazard, on=dt.date(2024, 2, 1))
    approved(cast, "minefield_handover", {"date": "2024-02-10", "handed_from": "Operator Alpha",
             "handed_to": "Operator Bravo (clearance)", "document_reference": "HO-7"}, hazard=hazard,
             on=dt.date(2024, 2, 10))  # fmt: skip
    record = MinefieldRecord.objects.get(hazard=hazard)
    assert record.held_by == "Operator Bravo (clearance)"
    answer = api(cast.imo).get(f"/api/v1/minefield-records/{record.pk}/history/")
    assert answer.status_code == 200
    events = answer.json()["events"]
    assert [e["event"] for e in events] == ["received", "inspection", "handover"]
    assert events[0]["from"] == "3rd Engineer Battalion" and events[0]["document_reference"] == "MR-2023-017"
    assert (events[2]["from"], events[2]["to"], events[2]["on"]) == (
        "Operator Alpha", "Operator Bravo (clearance)", "2024-02-10")  # fmt: skip
    listed = api(cast.imo).get("/api/v1/minefield-record-handovers/").json()["results"]
    assert [t["document_reference"] for t in listed] == ["HO-7"]


def test_a_hand_over_names_someone_else_and_its_document(cast: Cast) -> None:
    hazard = record_hazard(cast)
    with pytest.raises(ValidationFailed) as exc:
        submitted(cast, "minefield_handover", {"handed_from": "Operator Alpha", "handed_to": "Operator Alpha"},
                  hazard=hazard)  # fmt: skip
    assert fields(exc) == {"payload.handed_to", "payload.document_reference"}


# Who sees minefield records --------------------------------------------------------------------------


def test_an_outsider_cannot_read_another_organisations_minefield_records(cast: Cast) -> None:
    hazard = record_hazard(cast)
    approved(cast, "minefield_inspection", inspection(("fence", "good")), hazard=hazard, on=dt.date(2024, 2, 1))
    approved(cast, "minefield_handover", {"handed_from": "Operator Alpha", "handed_to": "Operator Bravo",
             "document_reference": "HO-1"}, hazard=hazard, on=dt.date(2024, 2, 10))  # fmt: skip
    record = MinefieldRecord.objects.get(hazard=hazard)
    outsider = api(cast.outsider)
    assert outsider.get(f"/api/v1/minefield-records/{record.pk}/history/").status_code == 404
    assert outsider.get(f"/api/v1/minefield-records/{record.pk}/").status_code == 404
    assert outsider.get("/api/v1/minefield-records/").json()["features"] == []
    assert outsider.get("/api/v1/minefield-inspections/").json()["results"] == []
    assert outsider.get("/api/v1/minefield-record-handovers/").json()["results"] == []
    inspection_id = record.inspections.get().pk
    assert outsider.get(f"/api/v1/minefield-inspections/{inspection_id}/").status_code == 404
    assert outsider.get("/api/v1/minefield-inspections/overdue/", {"on": "2030-01-01"}).json()["count"] == 0
    # Its own organisation's clerk and the authority's viewer see it.
    assert api(cast.clerk).get(f"/api/v1/minefield-records/{record.pk}/history/").status_code == 200
    assert api(cast.viewer).get("/api/v1/minefield-inspections/overdue/", {"on": "2030-01-01"}).json()["count"] == 1


def test_minefield_records_are_never_published_to_anonymous(cast: Cast, settings: Any) -> None:
    hazard = record_hazard(cast)
    record = MinefieldRecord.objects.get(hazard=hazard)
    anonymous = api(None)
    for path in (f"/api/v1/minefield-records/{record.pk}/history/", "/api/v1/minefield-records/",
                 "/api/v1/minefield-inspections/", "/api/v1/minefield-inspections/overdue/",
                 "/api/v1/minefield-record-handovers/"):  # fmt: skip
        assert anonymous.get(path).status_code in (401, 403), path
    collections = [c["id"] for c in anonymous.get("/ogc/collections", {"f": "json"}).json()["collections"]]
    assert not [c for c in collections if "minefield" in c]


def test_an_outsider_cannot_file_an_inspection_on_another_organisations_minefield(cast: Cast) -> None:
    hazard = record_hazard(cast)
    answer = api(cast.outsider).post(
        "/api/v1/reports/",
        {"kind": "minefield_inspection", "hazard": hazard.pk, "date_of_information": "2024-02-01",
         "payload": inspection(("fence", "missing")), "submit": True},
        format="json",
    )  # fmt: skip
    assert answer.status_code in (403, 404)
    assert not Report.objects.filter(kind="minefield_inspection").exists()
