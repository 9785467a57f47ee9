"""Accidents and casualties enter through an accident report: a clerk records, an IM officer approves.

The payload helpers here are shared by the other tests/test_casualties_*.py modules.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from casualties.models import Accident, Casualty
from casualties.records import advance_investigation
from clearground.test import DAY0, Cast, point
from core.errors import Conflict, ValidationFailed
from reports.actions import approve_report, create_report, unapprove_report
from reports.models import Report
from tests.helpers import register_hazard

NAMES = ("Mykola Hrytsenko", "Oksana Hrytsenko", "Vilkhivka", "+380 55 123")


@pytest.fixture(autouse=True)
def field_key(settings: Any) -> str:
    """Every test runs with its own key, as a server would with CLEARGROUND_FIELD_KEY."""
    settings.CLEARGROUND_FIELD_KEY = Fernet.generate_key().decode()
    return settings.CLEARGROUND_FIELD_KEY


def casualty(**extra: Any) -> dict[str, Any]:
    """An anonymous adult civilian injured while farming (no identity recorded)."""
    return {"sex": "male", "age": 40, "outcome": "injured", "category": "civilian", "activity": "agriculture", **extra}


def accident_payload(**extra: Any) -> dict[str, Any]:
    """A civilian accident with two named casualties: a man injured (born 1971) and a girl of 16 killed."""
    return {
        "accident_kind": "civilian_accident",
        "occurred_at": "2024-01-12T10:30:00+02:00",
        "location": point(200, 300),
        "device_category": "at_mine",
        "activity": "agriculture",
        "description": "A tractor hit a mine while ploughing",
        "evidence": [{"kind": "witness", "description": "A neighbour saw the explosion"}],
        "casualties": [
            {
                "sex": "male",
                "outcome": "injured",
                "category": "civilian",
                "activity": "agriculture",
                "displacement": "resident",
                "prior_risk_education": "no",
                "disability": True,
                "injury_details": "lower-leg amputation",
                "consent": True,
                "identity": {
                    "name": "Mykola Hrytsenko",
                    "date_of_birth": "1971-05-03",
                    "contact": "+380 55 123",
                    "address": "Vilkhivka",
                },
            },
            {
                "sex": "female",
                "age": 16,
                "outcome": "killed",
                "category": "civilian",
                "activity": "agriculture",
                "consent": True,
                "identity": {"name": "Oksana Hrytsenko"},
            },
        ],
        **extra,
    }


def client_for(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def recorded_and_approved(cast: Cast, payload: dict[str, Any] | None = None) -> Report:
    """Alpha's clerk records the accident through the API; the authority's IM officer approves it."""
    created = client_for(cast.clerk).post(
        "/api/v1/reports/",
        {"kind": "accident", "date_of_information": DAY0.isoformat(), "payload": payload or accident_payload(),
         "submit": True},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    approved = client_for(cast.imo).post(f"/api/v1/reports/{created.json()['id']}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    return Report.objects.get(pk=created.json()["id"])


def submit(cast: Cast, payload: Any, **kwargs: Any) -> Report:
    return create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="accident", date_of_information=DAY0,
                         payload=payload, submit=True, **kwargs)  # fmt: skip


def problems_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


def test_a_clerk_records_an_accident_with_two_casualties_and_an_im_officer_approves_it(cast: Cast) -> None:
    report = recorded_and_approved(cast)

    assert report.status == "approved" and report.hazard_id is None
    accident = Accident.objects.get(report=report)
    assert (accident.kind, accident.organisation, accident.admin_area) == ("civilian_accident", cast.alpha, cast.area)
    assert (accident.device_category, accident.activity, accident.stage) == ("at_mine", "agriculture", "notification")
    assert accident.occurred_at.isoformat() == "2024-01-12T08:30:00+00:00"
    assert accident.evidence == [{"kind": "witness", "description": "A neighbour saw the explosion"}]
    assert [(s.from_stage, s.to_stage) for s in accident.stage_changes.all()] == [("", "notification")]
    man, girl = accident.casualties.order_by("id")
    # The man's age comes from his (encrypted) date of birth, at the day of the accident.
    assert (man.sex, man.age, man.age_band, man.outcome, man.disability) == ("male", 52, "45-59", "injured", True)
    assert (girl.sex, girl.age, girl.age_band, girl.outcome) == ("female", 16, "12-17", "killed")
    assert man.identity() == {
        "name": "Mykola Hrytsenko",
        "date_of_birth": "1971-05-03",
        "contact": "+380 55 123",
        "address": "Vilkhivka",
    }
    assert girl.identity() == {"name": "Oksana Hrytsenko"}


def test_it_lists_every_problem_of_an_accident_report_at_once_unknown_fields_included(cast: Cast) -> None:
    payload = accident_payload(accident_kind="demining_accident", occurred_at="yesterday", colour="red")
    payload["casualties"][0].update(outcome="killed", category="tourist")
    payload["casualties"][1]["identity"]["nickname"] = "Oksi"

    with pytest.raises(ValidationFailed) as exc:
        submit(cast, payload)

    assert problems_of(exc) == {
        "payload.occurred_at": "'yesterday' is not a date and time (YYYY-MM-DDTHH:MM, with its UTC offset)",
        "payload.asset": "is required",
        "payload.casualties.0.disability": "a person killed has no disability to record",
        "payload.casualties.0.category": "'tourist' is not one of civilian, military, deminer, unknown",
        "payload.casualties.1.identity.nickname": "is not a field of a report of an accident",
        "payload.colour": "is not a field of a report of an accident",
    }
    assert not Report.objects.exists()


def test_it_records_an_identity_only_with_consent(cast: Cast) -> None:
    payload = accident_payload()
    payload["casualties"][1]["consent"] = False

    with pytest.raises(ValidationFailed) as exc:
        submit(cast, payload)

    assert problems_of(exc) == {
        "payload.casualties.1.identity": "is recorded only with the casualty's consent (consent: true)"
    }


def test_a_near_miss_has_no_casualties_and_a_demining_accident_names_its_asset(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as exc:
        submit(cast, accident_payload(accident_kind="demining_incident", asset="Team 3"))
    assert problems_of(exc) == {
        "payload.casualties": "a demining incident (near miss) has no casualties; report it as an accident"
    }

    near_miss = accident_payload(accident_kind="demining_incident", asset="Team 3, manual clearance", activity=None)
    del near_miss["casualties"]
    report = approve_report(submit(cast, near_miss), acting_user=cast.imo)
    accident = Accident.objects.get(report=report)
    assert (accident.kind, accident.asset, accident.activity) == ("demining_incident", "Team 3, manual clearance",
                                                                  "demining")  # fmt: skip
    assert not accident.casualties.exists()


def test_an_accident_report_refuses_a_hazard(cast: Cast) -> None:
    hazard = register_hazard(cast)

    with pytest.raises(ValidationFailed) as exc:
        submit(cast, accident_payload(), hazard=hazard)

    assert problems_of(exc) == {"hazard": "an accident report stands alone; leave the hazard empty"}


def test_unapproving_an_accident_report_removes_its_accident_and_casualties(cast: Cast) -> None:
    report = recorded_and_approved(cast)

    unapprove_report(report, acting_user=cast.imo, reason="wrong village")

    assert not Accident.objects.exists() and not Casualty.objects.exists()
    assert Report.objects.get(pk=report.pk).status == "submitted"
    again = approve_report(report, acting_user=cast.imo)
    assert Accident.objects.get(report=again).casualties.count() == 2


def test_the_investigation_moves_one_step_at_a_time_with_findings_and_corrective_actions(cast: Cast) -> None:
    accident = Accident.objects.get(report=recorded_and_approved(cast))

    with pytest.raises(Conflict):
        advance_investigation(accident, acting_user=cast.imo, to="findings", findings="x")
    with pytest.raises(ValidationFailed) as exc:
        advance_investigation(accident, acting_user=cast.imo, to="investigation", blame="farmer")
    assert problems_of(exc) == {"blame": "is not a field of an investigation step"}
    advance_investigation(accident, acting_user=cast.imo, to="investigation", note="team sent")
    api = client_for(cast.approver)
    step = api.post(f"/api/v1/accidents/{accident.pk}/stage/", {"to": "findings", "findings": "Road not surveyed"},
                    format="json")  # fmt: skip
    assert step.status_code == 200, step.json()
    refused = client_for(cast.clerk).post(f"/api/v1/accidents/{accident.pk}/stage/", {"to": "corrective_actions"},
                                          format="json")  # fmt: skip
    assert refused.status_code == 403
    advance_investigation(accident, acting_user=cast.imo, to="corrective_actions", corrective_actions="Mark the road")
    advance_investigation(accident, acting_user=cast.imo, to="closed")

    accident.refresh_from_db()
    assert (accident.stage, accident.findings, accident.corrective_actions) == ("closed", "Road not surveyed",
                                                                                "Mark the road")  # fmt: skip
    assert [(s.to_stage, s.by.username) for s in accident.stage_changes.all()] == [
        ("notification", "clerk"), ("investigation", "imo"), ("findings", "approver"),
        ("corrective_actions", "imo"), ("closed", "imo"),
    ]  # fmt: skip
    assert AuditEntry.objects.filter(action="accident.stage", object_id=str(accident.pk)).count() == 4


def test_a_server_without_its_own_field_key_is_stopped(cast: Cast, settings: Any) -> None:
    settings.CLEARGROUND_FIELD_KEY = ""
    assert [e.id for e in run_checks() if e.id.startswith("casualties")] == []  # the development key is allowed

    settings.SECRET_KEY = "a-real-server-secret-key-" * 3
    assert [e.id for e in run_checks() if e.id.startswith("casualties")] == ["casualties.E001"]
    with pytest.raises(ImproperlyConfigured, match="CLEARGROUND_FIELD_KEY is not set"):
        submit(cast, accident_payload())
    assert not Report.objects.exists()

    settings.CLEARGROUND_FIELD_KEY = "not-a-key"
    assert [e.msg for e in run_checks() if e.id == "casualties.E001"] == [
        "CLEARGROUND_FIELD_KEY is not a Fernet key (32 url-safe base64-encoded bytes)"
    ]


def test_a_rotated_key_still_reads_old_identities_and_a_foreign_key_reads_none(cast: Cast, settings: Any) -> None:
    old_key = settings.CLEARGROUND_FIELD_KEY
    report = recorded_and_approved(cast, copy.deepcopy(accident_payload()))
    man = Casualty.objects.filter(report=report).order_by("id").first()
    assert man is not None

    settings.CLEARGROUND_FIELD_KEY = f"{Fernet.generate_key().decode()},{old_key}"
    assert man.identity()["name"] == "Mykola Hrytsenko"

    settings.CLEARGROUND_FIELD_KEY = Fernet.generate_key().decode()
    with pytest.raises(ValueError, match="cannot be decrypted"):
        man.identity()
