"""Quality management through the REST API: who records, who sees, who acts; accreditations by date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from clearground.test import Cast
from core.errors import NotAllowed, ValidationFailed
from quality.accreditation import is_accredited
from quality.actions import add_team, grant_accreditation, suspend_accreditation, withdraw_accreditation
from quality.models import NonConformity
from tests.test_quality_inspections import QC_DAY, cleared_activity, qc_payload


def client_for(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def failed_inspection(cast: Cast) -> dict[str, Any]:
    """The QA officer records a failed inspection through the API; the authority's IM officer approves it."""
    act = cleared_activity(cast)
    created = client_for(cast.qa).post(
        "/api/v1/qc-inspections/",
        {"date_of_information": QC_DAY.isoformat(), "payload": qc_payload(act.pk)},
        format="json",
    )
    assert created.status_code == 201, created.json()
    approved = client_for(cast.imo).post(f"/api/v1/reports/{created.json()['report']}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    return {"activity": act.pk, "report": created.json()["report"], "nc": NonConformity.objects.get().pk}


def test_the_whole_round_through_the_api(cast: Cast) -> None:
    ids = failed_inspection(cast)
    inspections = client_for(cast.approver).get("/api/v1/qc-inspections/").json()
    feature = inspections["features"][0] if "features" in inspections else inspections["results"]["features"][0]
    assert feature["properties"]["activity"] == ids["activity"] and feature["properties"]["result"] == "fail"
    assert feature["geometry"]["type"] == "MultiPolygon"

    url = f"/api/v1/non-conformities/{ids['nc']}/"
    acted = client_for(cast.approver).post(
        f"{url}corrective-action/",
        {"description": "Lane re-cleared", "due_on": "2024-03-15", "done_on": "2024-03-10"},
        format="json",
    )
    assert acted.status_code == 200, acted.json()
    assert acted.json()["status"] == "action_taken"
    verified = client_for(cast.qa).post(f"{url}verify/", {"note": "Re-sampled"}, format="json")
    assert verified.status_code == 200, verified.json()
    body = verified.json()
    assert body["status"] == "closed"
    assert [(s["to_status"], s["by"]) for s in body["steps"]] == [
        ("open", "qa"),
        ("action_taken", "approver"),
        ("closed", "qa"),
    ]
    assert body["corrective_actions"][0]["verified_by"] == "qa"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("imo", 200),
        ("qa", 200),
        ("viewer", 200),
        ("clerk", 200),
        ("approver", 200),
        ("outsider", 404),
        (None, 403),
    ],
)
def test_a_non_conformity_is_seen_by_the_authority_and_its_operator_only(
    cast: Cast, who: str | None, status: int
) -> None:
    ids = failed_inspection(cast)
    user = getattr(cast, who) if who else None
    response = client_for(user).get(f"/api/v1/non-conformities/{ids['nc']}/")
    missing = client_for(user).get("/api/v1/non-conformities/999999/")
    assert response.status_code == status
    if status == 404:
        assert response.json() == missing.json()  # forbidden and missing look the same
        assert client_for(user).get("/api/v1/non-conformities/").json()["results"] == []


def test_the_outsider_cannot_act_on_another_operators_non_conformity(cast: Cast) -> None:
    ids = failed_inspection(cast)
    response = client_for(cast.outsider).post(
        f"/api/v1/non-conformities/{ids['nc']}/corrective-action/",
        {"description": "x", "due_on": "2024-03-01", "done_on": "2024-03-01"},
        format="json",
    )
    assert response.status_code == 404
    assert NonConformity.objects.get().status == "open"


def test_operators_cannot_record_qa_reports_and_qa_officers_cannot_approve_them(cast: Cast) -> None:
    act = cleared_activity(cast)
    refused = client_for(cast.clerk).post("/api/v1/qc-inspections/", {"payload": qc_payload(act.pk)}, format="json")
    assert refused.status_code == 403
    created = client_for(cast.qa).post(
        "/api/v1/qc-inspections/",
        {"date_of_information": QC_DAY.isoformat(), "payload": qc_payload(act.pk)},
        format="json",
    )
    report = created.json()["report"]
    assert client_for(cast.qa).post(f"/api/v1/reports/{report}/approve/", {}, format="json").status_code == 403
    # The operator's own approver does not see the authority's report at all.
    assert client_for(cast.approver).post(f"/api/v1/reports/{report}/approve/", {}, format="json").status_code == 404


def test_a_qa_officer_may_edit_and_submit_a_returned_qa_report_but_no_other_kind(cast: Cast) -> None:
    act = cleared_activity(cast)
    created = client_for(cast.qa).post(
        "/api/v1/qc-inspections/",
        {"date_of_information": QC_DAY.isoformat(), "payload": qc_payload(act.pk)},
        format="json",
    )
    report = created.json()["report"]
    client_for(cast.imo).post(f"/api/v1/reports/{report}/return/", {"reason": "say the depth"}, format="json")
    fixed = qc_payload(act.pk, remarks="PMN-2 at 10 cm; clearance depth 30 cm")
    read = client_for(cast.qa).get(f"/api/v1/reports/{report}/")
    patched = client_for(cast.qa).patch(
        f"/api/v1/reports/{report}/", {"payload": fixed}, format="json", headers={"If-Match": read["ETag"]}
    )
    assert patched.status_code == 200, patched.json()
    assert client_for(cast.qa).post(f"/api/v1/reports/{report}/submit/").status_code == 200
    # A clearance report stays out of reach.
    clearance = act.report_id
    assert client_for(cast.qa).patch(f"/api/v1/reports/{clearance}/", {"payload": {}}, format="json").status_code == 403


def test_invalid_input_through_the_api_lists_every_problem(cast: Cast) -> None:
    response = client_for(cast.qa).post(
        "/api/v1/qc-inspections/",
        {"date_of_information": QC_DAY.isoformat(), "payload": qc_payload(424242, items_found=-1)},
        format="json",
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"payload.activity", "payload.items_found"} <= fields


def test_the_authority_grants_and_suspends_accreditations_and_operators_see_only_their_own(cast: Cast) -> None:
    grant = {
        "organisation": "alpha",
        "activity_kinds": ["clearance", "ts"],
        "methods": ["manual"],
        "valid_from": "2024-01-01",
        "valid_to": "2025-12-31",
        "reference": "NMAA-ACC-7",
    }
    assert client_for(cast.clerk).post("/api/v1/accreditations/", grant, format="json").status_code == 403
    created = client_for(cast.qa).post("/api/v1/accreditations/", grant, format="json")
    assert created.status_code == 201, created.json()
    client_for(cast.admin).post("/api/v1/accreditations/", {**grant, "organisation": "bravo"}, format="json")
    acc = created.json()["id"]

    suspended = client_for(cast.imo).post(
        f"/api/v1/accreditations/{acc}/suspend/", {"on": "2024-06-01", "reason": "failed QC"}, format="json"
    )
    assert suspended.status_code == 200, suspended.json()
    assert suspended.json()["status"] == "suspended"
    assert [c["to_status"] for c in suspended.json()["changes"]] == ["active", "suspended"]

    assert [a["organisation"] for a in client_for(cast.clerk).get("/api/v1/accreditations/").json()["results"]] == [
        "alpha"
    ]
    assert len(client_for(cast.viewer).get("/api/v1/accreditations/").json()["results"]) == 2
    assert client_for(cast.outsider).get(f"/api/v1/accreditations/{acc}/").status_code == 404
    outsider_post = client_for(cast.outsider).post(
        f"/api/v1/accreditations/{acc}/withdraw/", {"on": "2024-07-01", "reason": "x"}, format="json"
    )
    assert outsider_post.status_code == 404
    assert AuditEntry.objects.filter(action__startswith="accreditation.").count() == 3


def test_accreditation_validity_follows_its_dates_kinds_methods_and_suspension(cast: Cast) -> None:
    acc = grant_accreditation(
        cast.alpha,
        acting_user=cast.qa,
        activity_kinds=["clearance"],
        methods=["manual"],
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2024, 12, 31),
    )
    assert is_accredited(cast.alpha, "clearance", dt.date(2024, 5, 1))
    assert is_accredited(cast.alpha, "clearance", dt.date(2024, 5, 1), method="manual")
    assert not is_accredited(cast.alpha, "clearance", dt.date(2024, 5, 1), method="mechanical")
    assert not is_accredited(cast.alpha, "clearance", dt.date(2023, 12, 31))
    assert not is_accredited(cast.alpha, "clearance", dt.date(2025, 1, 1))
    assert not is_accredited(cast.alpha, "ts", dt.date(2024, 5, 1))
    assert not is_accredited(cast.bravo, "clearance", dt.date(2024, 5, 1))

    suspend_accreditation(acc, acting_user=cast.imo, on=dt.date(2024, 6, 1), reason="failed QC inspection")
    assert is_accredited(cast.alpha, "clearance", dt.date(2024, 5, 31))  # work before the suspension stays covered
    assert not is_accredited(cast.alpha, "clearance", dt.date(2024, 6, 1))
    withdraw_accreditation(acc, acting_user=cast.imo, on=dt.date(2024, 7, 1), reason="repeated failures")
    assert acc.changes.count() == 3


def test_a_team_accreditation_covers_that_team_and_the_organisation_but_not_another_team(cast: Cast) -> None:
    team1 = add_team(cast.alpha, acting_user=cast.qa, code="mdt-1", name="Manual demining team 1")
    team2 = add_team(cast.alpha, acting_user=cast.qa, code="mdt-2", name="Manual demining team 2")
    grant_accreditation(
        cast.alpha, acting_user=cast.qa, activity_kinds=["clearance"], team=team1, valid_from=dt.date(2024, 1, 1)
    )
    assert is_accredited(cast.alpha, "clearance", dt.date(2024, 2, 1), team=team1)
    assert not is_accredited(cast.alpha, "clearance", dt.date(2024, 2, 1), team=team2)
    assert is_accredited(cast.alpha, "clearance", dt.date(2024, 2, 1))


def test_granting_lists_every_problem_and_only_authority_roles_may_grant(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as exc:
        grant_accreditation(
            cast.authority,
            acting_user=cast.qa,
            activity_kinds=["clearance", "dowsing"],
            methods=["guessing"],
            valid_from=dt.date(2024, 2, 1),
            valid_to=dt.date(2024, 1, 1),
        )
    assert {p.field for p in exc.value.problems} == {"organisation", "activity_kinds", "methods", "valid_to"}
    for user in (cast.approver, cast.viewer, cast.clerk):
        with pytest.raises(NotAllowed):
            grant_accreditation(
                cast.alpha, acting_user=user, activity_kinds=["clearance"], valid_from=dt.date(2024, 1, 1)
            )


def test_the_non_conformity_list_costs_the_same_queries_for_one_or_three(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quality.actions import record_corrective_action

    ids = failed_inspection(cast)

    def queries() -> int:
        client = client_for(cast.approver)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/non-conformities/").status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    nc = NonConformity.objects.get(pk=ids["nc"])
    record_corrective_action(nc, acting_user=cast.approver, description="Re-cleared", due_on=QC_DAY, done_on=QC_DAY)
    for _ in range(2):
        failed_again = client_for(cast.qa).post(
            "/api/v1/qc-inspections/",
            {"date_of_information": QC_DAY.isoformat(), "payload": qc_payload(ids["activity"])},
            format="json",
        )
        client_for(cast.imo).post(f"/api/v1/reports/{failed_again.json()['report']}/approve/", {}, format="json")
    assert NonConformity.objects.count() == 3
    assert queries() == one
