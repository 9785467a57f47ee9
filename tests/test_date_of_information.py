"""Invariant 6: a report older than what we know is kept in history and never overwrites the present."""

import datetime as dt

import pytest

from clearground.test import rect
from hazards.models import HazardousArea
from hazards.queries import state_as_known_on
from tests.helpers import activity, approved, register_hazard


def resurvey(cast, hazard, on, **fields):
    return approved(cast, "nts", {"hazard": fields, "activity": activity(on.isoformat())}, hazard=hazard, on=on)


def test_an_older_report_does_not_overwrite_the_current_state(cast):
    hazard = register_hazard(cast, on=dt.date(2024, 1, 15))
    resurvey(cast, hazard, dt.date(2024, 3, 1), marking_status="fenced", beneficiaries=300)
    late = resurvey(cast, hazard, dt.date(2024, 2, 1), marking_status="unmarked", beneficiaries=50)

    hazard.refresh_from_db()
    assert (hazard.marking_status, hazard.beneficiaries) == ("fenced", 300)
    assert hazard.date_of_information == dt.date(2024, 3, 1)
    version = hazard.versions.get(report=late)
    assert version.applied is False
    assert version.state["marking_status"] == "unmarked"


def test_the_state_as_known_on_a_date_is_the_version_in_force_then(cast):
    hazard = register_hazard(cast, on=dt.date(2024, 1, 15), marking_status="unmarked")
    resurvey(cast, hazard, dt.date(2024, 3, 1), marking_status="fenced")
    resurvey(cast, hazard, dt.date(2024, 2, 1), marking_status="marked")  # arrives late

    def marking(on):
        return state_as_known_on(hazard, on)["state"]["marking_status"]

    assert marking(dt.date(2024, 1, 20)) == "unmarked"
    assert marking(dt.date(2024, 2, 15)) == "marked"
    assert marking(dt.date(2024, 3, 1)) == "fenced"


def test_an_older_report_still_records_its_released_land(cast):
    hazard = register_hazard(cast, on=dt.date(2024, 1, 15))
    resurvey(cast, hazard, dt.date(2024, 3, 1), marking_status="fenced")
    approved(cast, "ts_progress", {"activity": activity("2024-02-01"), "reduced": [{"geometry": rect(0, 0, 40, 100)}]},
             hazard=hazard, on=dt.date(2024, 2, 5))  # fmt: skip

    hazard = HazardousArea.objects.get(pk=hazard.pk)
    assert hazard.reduced_m2 == pytest.approx(hazard.original_area_m2 * 0.4, rel=0.01)
    assert hazard.marking_status == "fenced"
    assert state_as_known_on(hazard, dt.date(2024, 1, 31))["state"]["reduced_m2"] == 0
    assert state_as_known_on(hazard, dt.date(2024, 2, 5))["state"]["reduced_m2"] > 0


def test_the_api_answers_what_was_known_on_a_date(cast):
    from rest_framework.test import APIClient

    hazard = register_hazard(cast, on=dt.date(2024, 1, 15), marking_status="unmarked")
    resurvey(cast, hazard, dt.date(2024, 3, 1), marking_status="fenced")
    client = APIClient()
    client.force_authenticate(cast.viewer)

    early = client.get(f"/api/v1/hazards/{hazard.pk}/state/?on=2024-02-01").json()
    bad = client.get(f"/api/v1/hazards/{hazard.pk}/state/?on=yesterday")

    assert early["state"]["marking_status"] == "unmarked"
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "on"
