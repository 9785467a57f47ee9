"""The public treaty API: read-only, no sign-in, errors as {"detail", "errors": [{field, message}]}."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api() -> APIClient:
    return APIClient()  # anonymous: these are public facts


def test_anyone_can_count_the_states_parties_on_a_day(api):
    response = api.get("/api/v1/treaty/parties/", {"on": "2026-02-20"})

    assert response.status_code == 200
    assert response.json()["count"] == 161


def test_the_states_endpoint_is_the_whole_register_with_197_rows(api):
    response = api.get("/api/v1/treaty/states/", {"on": "2024-01-01"})

    assert response.status_code == 200
    rows = response.json()["states"]
    assert len(rows) == 197 and sum(1 for r in rows if r["is_party"]) == 164


def test_a_state_status_gives_its_dates_on_the_day_asked(api):
    response = api.get("/api/v1/treaty/states/POL/", {"on": "2026-03-01"})

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["withdrawal"]["effective"] == "2026-02-20"


def test_a_state_timeline_is_in_date_order(api):
    response = api.get("/api/v1/treaty/states/UKR/timeline/", {"until": "2026-12-31"})

    dated = [e["date"] for e in response.json()["events"] if e["date"]]
    assert response.status_code == 200 and dated == sorted(dated)


def test_a_bad_date_is_a_400_naming_the_field(api):
    response = api.get("/api/v1/treaty/parties/", {"on": "20260220"})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "on", "code": "invalid", "message": "'20260220' is not a date; use YYYY-MM-DD, e.g. 2026-02-20"}
    ]


def test_an_unknown_iso3_code_is_a_404(api):
    response = api.get("/api/v1/treaty/states/XYZ/")

    assert response.status_code == 404
    assert "XYZ" in response.json()["detail"]


def test_the_treaty_api_is_read_only(api):
    assert api.post("/api/v1/treaty/parties/", {}).status_code == 405


def test_only_the_yyyy_mm_dd_form_of_a_date_is_accepted(api):
    assert api.get("/api/v1/treaty/states/POL/", {"on": "2026-W08"}).status_code == 400
    assert api.get("/api/v1/treaty/states/POL/", {"on": "2026-02-31"}).status_code == 400
