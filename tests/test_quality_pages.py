"""Accreditation and non-conformity pages (IMAS 07.12, 07.30): the authority's QA roles grant, suspend and verify;
the assessed operator records its corrective action; others see nothing of it (404), in the four languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import AuditEntry
from clearground.test import Cast
from quality.actions import add_team, grant_accreditation
from quality.models import Accreditation, NonConformity
from reports.actions import approve_report
from tests.tasks_helpers import ACCREDITED_FROM
from tests.test_quality_inspections import cleared_activity, qc_payload, record


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def nc(cast: Cast) -> NonConformity:
    """Alpha's open non-conformity, raised by a failed QC inspection of its clearance."""
    approve_report(record(cast, "qc_inspection", qc_payload(cleared_activity(cast).pk)), acting_user=cast.imo)
    return NonConformity.objects.get()


def test_the_qa_officer_grants_a_team_accreditation_then_suspends_it_with_the_reason(cast: Cast) -> None:
    team = add_team(cast.alpha, acting_user=cast.approver, code="mdt-1", name="Manual team 1", team_type="manual")
    qa = page_client(cast.qa)
    assert "Grant an accreditation" in qa.get("/quality/accreditations/").content.decode()
    granted = qa.post(
        "/quality/accreditations/grant/",
        {
            "organisation": "alpha",
            "team": str(team.pk),
            "activity_kinds": ["clearance", "ts"],
            "valid_from": "2024-01-01",
            "reference": "NMAA-24-007",
        },
    )
    assert granted.status_code == 302
    row = Accreditation.objects.get()
    assert (row.organisation, row.team, row.activity_kinds, row.reference) == (
        cast.alpha,
        team,
        ["clearance", "ts"],
        "NMAA-24-007",
    )
    page = page_client(cast.clerk).get("/quality/accreditations/")
    assert [a.pk for a in page.context["rows"]] == [row.pk] and "Grant an accreditation" not in page.content.decode()

    qa.post(f"/quality/accreditations/{row.pk}/suspend/", {"on": "2024-06-01", "reason": "QC failure"})
    row.refresh_from_db()
    assert (row.status, str(row.status_on)) == ("suspended", "2024-06-01")
    assert AuditEntry.objects.filter(action="accreditation.suspended", reason="QC failure").exists()
    qa.post(f"/quality/accreditations/{row.pk}/reinstate/", {"on": "2024-07-01", "reason": "Retrained"})
    assert Accreditation.objects.get(pk=row.pk).status == "active"


def test_granting_lists_every_problem_and_changes_nothing(cast: Cast) -> None:
    answer = page_client(cast.imo).post(
        "/quality/accreditations/grant/", {"organisation": "alpha", "valid_from": "soon"}, follow=True
    )
    text = answer.content.decode()
    assert "valid_from: &#x27;soon&#x27; is not a date (YYYY-MM-DD)" in text
    refused = page_client(cast.imo).post(
        "/quality/accreditations/grant/", {"organisation": "alpha", "valid_from": "2024-01-01"}, follow=True
    )
    assert "activity_kinds: name at least one of" in refused.content.decode()
    step = page_client(cast.qa).post("/quality/accreditations/999/suspend/", {"on": "2024-06-01", "reason": "x"})
    assert step.status_code == 404
    assert not Accreditation.objects.exists()


def test_operators_and_viewers_may_not_grant_or_change_accreditations(cast: Cast) -> None:
    row = grant_accreditation(cast.alpha, acting_user=cast.qa, activity_kinds=["clearance"], valid_from=ACCREDITED_FROM)
    body = {"organisation": "alpha", "activity_kinds": ["clearance"], "valid_from": "2024-01-01"}
    for who in ("approver", "clerk", "viewer"):
        assert page_client(getattr(cast, who)).post("/quality/accreditations/grant/", body).status_code == 403
    assert page_client(cast.approver).post(f"/quality/accreditations/{row.pk}/withdraw/",
                                           {"on": "2024-06-01", "reason": "x"}).status_code == 403  # fmt: skip
    # Bravo does not learn that Alpha's accreditation exists: 404, as for a missing one.
    assert page_client(cast.outsider).post(f"/quality/accreditations/{row.pk}/withdraw/",
                                           {"on": "2024-06-01", "reason": "x"}).status_code == 404  # fmt: skip
    assert list(page_client(cast.outsider).get("/quality/accreditations/").context["rows"]) == []
    assert Accreditation.objects.get(pk=row.pk).status == "active" and Accreditation.objects.count() == 1


def test_the_operator_records_its_corrective_action_and_the_qa_officer_closes_it(cast: Cast, nc: NonConformity) -> None:
    clerk = page_client(cast.clerk)
    page = clerk.get("/quality/non-conformities/")
    assert [r["nc"].pk for r in page.context["rows"]] == [nc.pk] and page.context["rows"][0]["act"] is True
    answer = clerk.post(
        f"/quality/non-conformities/{nc.pk}/corrective-action/",
        {"description": "Lane re-cleared to 30 cm", "due_on": "2024-03-15", "done_on": "2024-03-10"},
    )
    assert answer.status_code == 302
    assert NonConformity.objects.get(pk=nc.pk).status == "action_taken"
    qa = page_client(cast.qa)
    assert "Accept and close" in qa.get("/quality/non-conformities/").content.decode()
    refused = qa.post(f"/quality/non-conformities/{nc.pk}/verify/", {"accepted": "0", "note": ""}, follow=True)
    assert "note: say why the corrective action is not enough" in refused.content.decode()
    qa.post(f"/quality/non-conformities/{nc.pk}/verify/", {"accepted": "1", "note": "Re-sampled"})
    closed = NonConformity.objects.get(pk=nc.pk)
    assert closed.status == "closed"
    assert [s.to_status for s in closed.steps.all()] == ["open", "action_taken", "closed"]


def test_the_outsider_sees_no_non_conformity_and_cannot_act_on_one(cast: Cast, nc: NonConformity) -> None:
    outsider = page_client(cast.outsider)
    assert outsider.get("/quality/non-conformities/").context["rows"] == []
    body = {"description": "Mine now", "due_on": "2024-03-15", "done_on": "2024-03-10"}
    assert outsider.post(f"/quality/non-conformities/{nc.pk}/corrective-action/", body).status_code == 404
    assert outsider.post(f"/quality/non-conformities/{nc.pk}/verify/", {"accepted": "1"}).status_code == 404
    # The operator may not verify its own action; the QA officer may not record the operator's.
    assert page_client(cast.approver).post(f"/quality/non-conformities/{nc.pk}/verify/",
                                           {"accepted": "1"}).status_code == 403  # fmt: skip
    assert NonConformity.objects.get(pk=nc.pk).status == "open"
    assert page_client(cast.qa).post(f"/quality/non-conformities/{nc.pk}/corrective-action/", body).status_code == 403


def test_the_quality_link_shows_for_the_roles_that_use_the_pages(cast: Cast) -> None:
    def nav(user: Any) -> bool:
        return 'href="/quality/accreditations/"' in page_client(user).get("/tasks/").content.decode()

    assert nav(cast.qa) and nav(cast.imo) and nav(cast.clerk)
    assert not nav(cast.viewer)


@pytest.mark.parametrize(
    ("language", "words"),
    [("uk", "Акредитації"), ("es", "Acreditaciones"), ("ar", "الاعتمادات"), ("en", "Accreditations")],
)
def test_the_quality_pages_read_in_the_four_languages(cast: Cast, language: str, words: str) -> None:
    client = page_client(cast.qa)
    client.cookies["clearground_language"] = language
    assert f"<h1>{words}</h1>" in client.get("/quality/accreditations/").content.decode()
