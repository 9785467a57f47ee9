"""The hazard list: bbox, status, classification, admin area, organisation and date filters; keyset pages."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from clearground.test import LAT0, LON0, rect
from tests.helpers import activity, approved


@pytest.fixture
def register(cast):
    """Three hazards: west (SHA, Jan), east (SHA worked on, Mar), far east (CHA on direct evidence, Feb)."""
    west = approved(cast, "nts", cast.nts_payload(rect(0, 0, 100, 100)), on=dt.date(2024, 1, 10)).hazard
    east = approved(cast, "nts", cast.nts_payload(rect(5000, 0, 5100, 100)), on=dt.date(2024, 3, 10)).hazard
    approved(
        cast,
        "ts_progress",
        {"activity": activity("2024-03-11"), "reduced": [{"geometry": rect(5000, 0, 5010, 100)}]},
        hazard=east,
        on=dt.date(2024, 3, 12),
    )
    far = approved(
        cast,
        "nts",
        {**cast.nts_payload(rect(20000, 0, 20100, 100)), "evidence": [{"kind": "direct", "source": "observed"}]},
        on=dt.date(2024, 2, 1),
    )
    far.hazard.refresh_from_db()
    client = APIClient()
    client.force_authenticate(cast.imo)
    return client, west, east, far.hazard


def codes(response):
    assert response.status_code == 200, response.json()
    return {f["properties"]["code"] for f in response.json()["features"]}


def test_bbox_finds_only_the_hazards_inside_the_window(register):
    client, west, east, far = register
    window = f"{LON0 - 0.01},{LAT0 - 0.01},{LON0 + 0.01},{LAT0 + 0.01}"
    assert codes(client.get("/api/v1/hazards/", {"bbox": window})) == {west.code}


def test_status_classification_and_dates_filter_the_list(register):
    client, west, east, far = register
    assert codes(client.get("/api/v1/hazards/", {"status": "worked_on"})) == {east.code}
    assert codes(client.get("/api/v1/hazards/", {"status": "open,worked_on"})) == {west.code, east.code, far.code}
    assert codes(client.get("/api/v1/hazards/", {"date_of_information_after": "2024-02-01"})) == {east.code, far.code}
    assert codes(client.get("/api/v1/hazards/", {"date_of_information_before": "2024-01-31"})) == {west.code}
    assert codes(client.get("/api/v1/hazards/", {"admin_area": "UA63"})) == {west.code, east.code, far.code}
    assert codes(client.get("/api/v1/hazards/", {"admin_area": "UA"})) == {west.code, east.code, far.code}
    assert codes(client.get("/api/v1/hazards/", {"organisation": "bravo"})) == set()


def test_pages_follow_next_links_without_repeats(register):
    client, *hazards = register
    first = client.get("/api/v1/hazards/", {"limit": 2}).json()
    second = client.get(first["next"]).json()
    seen = [f["id"] for f in first["features"] + second["features"]]
    assert sorted(seen) == sorted(h.pk for h in hazards) and second["next"] is None


def test_bad_filters_are_refused_with_every_problem(register):
    client, *_ = register
    response = client.get("/api/v1/hazards/", {"bbox": "1,2,3", "status": "gone", "date_of_information_after": "May"})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"bbox", "status", "date_of_information_after"}
