"""The write path through the REST API: a clerk submits, an IM officer approves, the hazard changes."""

from rest_framework.test import APIClient

from clearground.test import square
from hazards.models import HazardousArea
from reports.models import Report


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_clerk_submits_and_an_im_officer_approves_through_the_api(cast):
    clerk, imo = client_for(cast.clerk), client_for(cast.imo)
    created = clerk.post(
        "/api/v1/reports/",
        {"kind": "nts", "date_of_information": "2024-01-15", "payload": cast.nts_payload(square(100)), "submit": True},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "submitted"

    approved = imo.post(f"/api/v1/reports/{created.json()['id']}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    hazard_id = approved.json()["hazard"]

    listed = clerk.get("/api/v1/hazards/").json()
    assert listed["type"] == "FeatureCollection"
    assert [f["id"] for f in listed["features"]] == [hazard_id]
    assert listed["features"][0]["properties"]["classification"] == "SHA"

    steps = imo.get(f"/api/v1/reports/{created.json()['id']}/transitions/").json()
    assert [(t["from_status"], t["to_status"]) for t in steps] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "validated"),
        ("validated", "approved"),
    ]


def test_an_invalid_report_returns_every_problem_and_changes_nothing(cast):
    clerk = client_for(cast.clerk)
    payload = cast.nts_payload(square(100))
    payload["hazard"]["classification"] = "XYZ"
    payload["hazard"]["geometry"] = {"type": "Point", "coordinates": [36.2, 49.9]}
    payload["evidence"][0]["kind"] = "rumour"
    payload["colour"] = "red"
    reports_before = Report.objects.count()

    response = clerk.post(
        "/api/v1/reports/",
        {"kind": "nts", "date_of_information": "2024-01-15", "payload": payload, "submit": True},
        format="json",
    )

    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {
        "payload.hazard.classification",
        "payload.hazard.geometry",
        "payload.evidence.0.kind",
        "payload.colour",
    } <= fields
    assert Report.objects.count() == reports_before
    assert HazardousArea.objects.count() == 0


def test_a_bad_header_and_a_bad_payload_are_reported_together(cast):
    response = client_for(cast.clerk).post(
        "/api/v1/reports/",
        {"kind": "nts", "date_of_information": "2999-01-01", "payload": {"colour": "red"}, "submit": True},
        format="json",
    )
    fields = {e["field"] for e in response.json()["errors"]}
    assert response.status_code == 400
    assert {"date_of_information", "payload.colour", "payload.hazard.geometry", "payload.evidence"} <= fields
