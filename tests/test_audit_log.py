"""The audit log through the API: the authority's admin and IM officers see who read whose names, others get 404."""

from __future__ import annotations

import pytest

from casualties.models import Casualty
from clearground.test import Cast
from tests.test_casualties_personal_data import ROLES, user_of
from tests.test_casualties_recording import (
    client_for,
    field_key,  # noqa: F401  (the autouse fixture: a fresh key per test)
    recorded_and_approved,
)

LOG_READERS = {"admin", "imo"}  # the authority's admin and IM officer; alpha's own IM officer is an operator


def test_the_admin_sees_every_read_of_the_names_and_none_by_the_viewer(cast: Cast) -> None:
    report = recorded_and_approved(cast)
    casualties = sorted(Casualty.objects.filter(report=report).values_list("pk", flat=True))
    assert client_for(cast.imo).get("/api/v1/casualties/").status_code == 200
    assert client_for(cast.admin).get(f"/api/v1/casualties/{casualties[1]}/").status_code == 200
    assert client_for(cast.viewer).get("/api/v1/casualties/").status_code == 200  # names withheld: no read

    response = client_for(cast.admin).get(
        "/api/v1/audit-entries/", {"action": "personal_data.read", "object_type": "casualties.casualty"}
    )

    assert response.status_code == 200
    rows = [(r["actor"], r["object_id"], r["reason"]) for r in response.json()["results"]]
    assert rows == [
        ("imo", str(casualties[0]), "API GET /api/v1/casualties/"),
        ("imo", str(casualties[1]), "API GET /api/v1/casualties/"),
        ("admin", str(casualties[1]), f"API GET /api/v1/casualties/{casualties[1]}/"),
    ]
    by_actor = client_for(cast.admin).get("/api/v1/audit-entries/", {"action": "personal_data.read", "actor": "viewer"})
    assert by_actor.json()["results"] == []
    # The log itself carries no name: the read rows name the fields that were shown, not their values.
    assert "Hrytsenko" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_authoritys_admin_and_im_officers_read_the_log(cast: Cast, role: str) -> None:
    recorded_and_approved(cast)

    response = client_for(user_of(cast, role)).get("/api/v1/audit-entries/")

    if role == "anonymous":
        assert response.status_code == 403
    elif role in LOG_READERS:
        assert response.status_code == 200 and response.json()["results"]
    else:
        assert response.status_code == 404


def test_a_bad_date_filter_is_named(cast: Cast) -> None:
    response = client_for(cast.admin).get("/api/v1/audit-entries/", {"since": "yesterday", "until": "2024-13-40"})

    assert response.status_code == 400
    assert {p["field"] for p in response.json()["errors"]} == {"since", "until"}


def test_since_and_until_select_by_time(cast: Cast) -> None:
    recorded_and_approved(cast)
    admin = client_for(cast.admin)

    assert admin.get("/api/v1/audit-entries/", {"until": "2000-01-01"}).json()["results"] == []
    assert admin.get("/api/v1/audit-entries/", {"since": "2000-01-01"}).json()["results"]
