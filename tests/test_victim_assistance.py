"""Victim-assistance referrals: an IM officer refers a casualty to services and records what became of it.

A referral is the person's health and social data: only the roles that may read single casualty records
(decision 0037) see it, every read is audited, and audit rows withhold the needs, service, provider and notes.
The accident is Alpha's civilian accident with two named casualties (tests/test_casualties_recording.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from accounts.models import AuditEntry
from assistance.actions import record_referral_outcome, refer_casualty
from assistance.models import Referral, ReferralUpdate
from casualties.models import Casualty
from clearground.test import Cast
from core.errors import Conflict, ValidationFailed
from reports.actions import unapprove_report
from tests.test_casualties_recording import (
    client_for,
    field_key,  # noqa: F401  (the autouse fixture: a fresh key per test)
    problems_of,
    recorded_and_approved,
)

ROLES = ["admin", "imo", "qa", "viewer", "clerk", "approver", "outsider", "anonymous"]
READERS = {"admin", "imo"}  # the authority's personal-data roles: single casualty records (decision 0037)
SECRET = "prosthetic fitting at Lviv Unbroken"


def user_of(cast: Cast, role: str) -> Any:
    return None if role == "anonymous" else getattr(cast, role)


def casualties(cast: Cast) -> list[Casualty]:
    report = recorded_and_approved(cast)
    return list(Casualty.objects.filter(report=report).order_by("id"))


def referral_of(cast: Cast, casualty: Casualty, *, by: Any = None, **extra: Any) -> Referral:
    fields: dict[str, Any] = {
        "needs": ["rehabilitation", "psychological"],
        "service": SECRET,
        "provider": "Unbroken National Rehabilitation Centre",
        "referred_on": "2024-01-20",
        "notes": "Lower-leg amputation; needs transport",
        **extra,
    }
    return refer_casualty(acting_user=by or cast.imo, casualty=casualty, **fields)


def test_an_im_officer_refers_a_casualty_and_each_follow_up_is_a_row(cast: Cast) -> None:
    injured, _ = casualties(cast)

    referral = referral_of(cast, injured)
    record_referral_outcome(referral, acting_user=cast.imo, outcome="receiving_services", on="2024-02-01",
                            service_started_on="2024-01-29", note="first fitting")  # fmt: skip
    record_referral_outcome(referral, acting_user=cast.imo, outcome="receiving_services", on="2024-03-01",
                            note="follow-up call")  # fmt: skip
    record_referral_outcome(referral, acting_user=cast.imo, outcome="completed", on="2024-04-15")

    referral.refresh_from_db()
    assert (referral.outcome, referral.service_started_on, referral.closed_on) == (
        "completed", dt.date(2024, 1, 29), dt.date(2024, 4, 15))  # fmt: skip
    assert referral.needs == ["rehabilitation", "psychological"]
    steps = ReferralUpdate.objects.filter(referral=referral).order_by("on", "id")
    assert [(u.from_outcome, u.to_outcome, u.on.isoformat(), u.by.username) for u in steps] == [
        ("", "pending", "2024-01-20", "imo"),
        ("pending", "receiving_services", "2024-02-01", "imo"),
        ("receiving_services", "receiving_services", "2024-03-01", "imo"),
        ("receiving_services", "completed", "2024-04-15", "imo"),
    ]
    with pytest.raises(Conflict):
        record_referral_outcome(referral, acting_user=cast.imo, outcome="receiving_services", on="2024-05-01")
    assert ReferralUpdate.objects.filter(referral=referral).count() == 4


def test_audit_rows_keep_dates_and_outcome_but_withhold_the_persons_needs_and_services(cast: Cast) -> None:
    injured, _ = casualties(cast)
    referral = referral_of(cast, injured)
    record_referral_outcome(referral, acting_user=cast.imo, outcome="declined", on="2024-01-25",
                            note="prefers the local clinic")  # fmt: skip

    rows = list(AuditEntry.objects.filter(object_type="assistance.referral").order_by("id"))

    assert [(r.action, r.actor_id, r.object_id) for r in rows] == [
        ("referral.create", cast.imo.pk, str(referral.pk)),
        ("referral.outcome", cast.imo.pk, str(referral.pk)),
    ]
    restricted = {"restricted": "true"}
    assert rows[0].new == {"casualty": injured.pk, "referred_on": "2024-01-20", "service_started_on": None,
                           "closed_on": None, "outcome": "pending", "needs": restricted, "service": restricted,
                           "provider": restricted, "notes": restricted}  # fmt: skip
    assert (rows[1].old["outcome"], rows[1].new["outcome"], rows[1].new["closed_on"]) == (
        "pending", "declined", "2024-01-25")  # fmt: skip
    assert rows[1].new["note"] == restricted
    stored = str([(r.old, r.new, r.reason) for r in rows])
    assert "Lviv" not in stored and "rehabilitation" not in stored and "local clinic" not in stored


def test_every_problem_of_a_referral_is_listed_at_once_and_nothing_is_written(cast: Cast) -> None:
    injured, _ = casualties(cast)
    before = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as exc:
        refer_casualty(acting_user=cast.imo, casualty=injured, needs=["rehabilitation", "massage"], service=" ",
                       provider="", referred_on="2024-01-05")  # fmt: skip

    assert problems_of(exc) == {
        "needs": "'massage' is not one of emergency_medical, continuing_medical, rehabilitation, psychological, "
        "socio_economic, education, legal, other",
        "service": "say what it is",
        "provider": "say what it is",
        "referred_on": "is before the accident",
    }
    with pytest.raises(ValidationFailed) as exc:
        refer_casualty(acting_user=cast.imo, casualty=999_999, needs=[], service="x", provider="y",
                       referred_on="2999-01-01")  # fmt: skip
    assert set(problems_of(exc)) == {"casualty", "needs", "referred_on"}
    assert problems_of(exc)["referred_on"] == "is in the future"
    assert Referral.objects.count() == 0 and AuditEntry.objects.count() == before


def test_a_follow_up_out_of_order_is_refused_with_every_problem_and_changes_nothing(cast: Cast) -> None:
    injured, _ = casualties(cast)
    referral = referral_of(cast, injured)
    record_referral_outcome(referral, acting_user=cast.imo, outcome="receiving_services", on="2024-02-01")

    with pytest.raises(ValidationFailed) as exc:
        record_referral_outcome(referral, acting_user=cast.imo, outcome="pending", on="2024-01-25",
                                service_started_on="2024-01-10")  # fmt: skip

    assert problems_of(exc) == {
        "on": "is before the last follow-up (2024-02-01)",
        "service_started_on": "a pending referral has no service yet",
        "outcome": "the referral is already receiving_services; it cannot be pending",
    }
    with pytest.raises(ValidationFailed) as exc:
        record_referral_outcome(referral, acting_user=cast.imo, outcome="cured", on="someday")
    assert set(problems_of(exc)) == {"outcome", "on"}
    referral.refresh_from_db()
    assert (referral.outcome, referral.service_started_on) == ("receiving_services", dt.date(2024, 2, 1))
    assert ReferralUpdate.objects.filter(referral=referral).count() == 2


@pytest.mark.parametrize("role", ["qa", "viewer", "clerk", "approver", "outsider"])
def test_a_role_without_personal_data_access_may_not_refer_and_learns_nothing_of_the_casualty(
    cast: Cast, role: str
) -> None:
    injured, _ = casualties(cast)

    with pytest.raises(ValidationFailed) as exc:
        referral_of(cast, injured, by=user_of(cast, role))

    assert problems_of(exc) == {"casualty": "no such casualty (or not one whose personal data you may record)"}
    assert Referral.objects.count() == 0


@pytest.mark.parametrize("door", ["list", "detail"])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_referrals_only_if_it_may_see_the_casualtys_identity_and_each_read_is_audited(
    cast: Cast, role: str, door: str
) -> None:
    injured, killed = casualties(cast)
    referrals = [referral_of(cast, injured), referral_of(cast, killed, needs=["legal"], notes="")]
    path = "/api/v1/referrals/" if door == "list" else f"/api/v1/referrals/{referrals[0].pk}/"
    since = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0  # the log is append-only

    response = client_for(user_of(cast, role)).get(path)

    shown = (referrals if door == "list" else referrals[:1]) if role in READERS else []
    if role == "anonymous":
        assert response.status_code == 403
    elif door == "detail" and role not in READERS:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        rows = response.json()["results"] if door == "list" else [response.json()]
        assert [r["id"] for r in rows] == [r.pk for r in shown]
        if shown:
            assert rows[0]["service"] == SECRET and rows[0]["needs"] == ["rehabilitation", "psychological"]
            assert [u["to_outcome"] for u in rows[0]["updates"]] == ["pending"]
    assert (SECRET in response.content.decode()) == bool(shown)
    reads = list(AuditEntry.objects.filter(action="personal_data.read", id__gt=since).order_by("id"))
    reader = user_of(cast, role)
    assert [(e.actor_id, e.object_type, e.object_id) for e in reads] == [
        (reader.pk, "assistance.referral", str(r.pk)) for r in shown
    ]
    assert all(e.reason == f"API GET {path}" and "referral.needs" in e.new["fields"] for e in reads)


def test_the_api_creates_a_referral_lists_it_by_casualty_and_outcome_and_records_a_follow_up(cast: Cast) -> None:
    injured, killed = casualties(cast)
    imo = client_for(cast.imo)
    body = {"casualty": injured.pk, "needs": ["emergency_medical"], "service": "surgery",
            "provider": "Kharkiv Regional Hospital", "referred_on": "2024-01-12"}  # fmt: skip

    created = imo.post("/api/v1/referrals/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    other = imo.post("/api/v1/referrals/", {**body, "casualty": killed.pk, "needs": ["legal"]}, format="json")
    assert other.status_code == 201
    followed = imo.post(f"/api/v1/referrals/{pk}/follow-up/", {"outcome": "completed", "on": "2024-01-30",
                                                               "note": "discharged"}, format="json")  # fmt: skip
    assert followed.status_code == 200, followed.json()
    assert (followed.json()["outcome"], followed.json()["closed_on"]) == ("completed", "2024-01-30")

    by_casualty = imo.get(f"/api/v1/referrals/?casualty={killed.pk}").json()["results"]
    completed = imo.get("/api/v1/referrals/?outcome=completed").json()["results"]
    assert [r["casualty"] for r in by_casualty] == [killed.pk]
    assert [r["id"] for r in completed] == [pk]
    assert imo.get(f"/api/v1/referrals/{pk}/follow-up/").status_code == 405
    again = imo.post(f"/api/v1/referrals/{pk}/follow-up/", {"outcome": "declined", "on": "2024-02-01"}, format="json")
    assert again.status_code == 409
    bad = imo.post("/api/v1/referrals/", {**body, "needs": ["spa"], "referred_on": "soon", "colour": "red"},
                   format="json")  # fmt: skip
    assert bad.status_code == 400
    assert [p["field"] for p in bad.json()["errors"]] == ["colour", "needs", "referred_on"]
    assert imo.get("/api/v1/referrals/?outcome=happy").status_code == 400
    # Alpha's clerk may not record a follow-up: to them the referral does not exist.
    late = {"outcome": "declined", "on": "2024-02-01"}
    clerk = client_for(cast.clerk).post(f"/api/v1/referrals/{pk}/follow-up/", late, format="json")
    assert clerk.status_code == 404
    assert Referral.objects.count() == 2


def test_referral_statistics_count_needs_and_outcomes_with_small_cells_suppressed(cast: Cast) -> None:
    injured, killed = casualties(cast)
    for _ in range(5):
        referral_of(cast, injured, needs=["rehabilitation"])
    declined = referral_of(cast, killed, needs=["legal", "education"])
    record_referral_outcome(declined, acting_user=cast.imo, outcome="declined", on="2024-01-22")

    responses = {role: client_for(user_of(cast, role)).get("/api/v1/referral-statistics/") for role in ROLES}

    assert {role: r.status_code for role, r in responses.items()} == {
        "admin": 200, "imo": 200, "qa": 200, "viewer": 200, "clerk": 404, "approver": 404, "outsider": 404,
        "anonymous": 403}  # fmt: skip
    stats = responses["viewer"].json()
    need = {c["value"]: c["display"] for c in stats["tables"]["need"]}
    outcome = {c["value"]: c["display"] for c in stats["tables"]["outcome"]}
    # Two small needs hide each other; a lone small outcome takes the smallest other one with it.
    assert (need["rehabilitation"], need["legal"], need["education"], need["other"]) == ("5", "<5", "<5", "0")
    assert (outcome["pending"], outcome["declined"], outcome["completed"]) == ("hidden", "<5", "0")
    assert stats["total"]["display"] == "6"
    assert SECRET not in responses["viewer"].content.decode()


def test_an_accident_report_whose_casualty_has_a_referral_cannot_be_unapproved_and_nothing_changes(
    cast: Cast,
) -> None:
    injured, _ = casualties(cast)
    referral_of(cast, injured)

    with pytest.raises(Conflict, match=r"victim-assistance referrals \(#\d+\)"):
        unapprove_report(injured.report, acting_user=cast.imo, reason="wrong village")
    through_the_api = client_for(cast.imo).post(
        f"/api/v1/reports/{injured.report.pk}/unapprove/", {"reason": "wrong village"}, format="json"
    )

    assert through_the_api.status_code == 409 and "referrals" in through_the_api.json()["detail"]
    injured.report.refresh_from_db()
    assert injured.report.status == "approved"
    assert Casualty.objects.filter(pk=injured.pk).exists() and Referral.objects.count() == 1


def test_the_referral_list_costs_the_same_queries_for_two_referrals_as_for_twelve(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    injured, killed = casualties(cast)
    referral_of(cast, injured)
    record_referral_outcome(referral_of(cast, killed), acting_user=cast.imo, outcome="declined", on="2024-01-25")
    imo = client_for(cast.imo)
    imo.get("/api/v1/referrals/")  # warm: the user's scope is computed once and kept on the user

    # The page with casualty and author, the follow-ups, their authors, and one bulk insert of the audit rows.
    with django_assert_num_queries(4):
        assert len(imo.get("/api/v1/referrals/").json()["results"]) == 2
    for _ in range(5):
        referral_of(cast, injured)
        referral_of(cast, killed, by=cast.imo)
    with django_assert_num_queries(4):
        assert len(imo.get("/api/v1/referrals/").json()["results"]) == 12
