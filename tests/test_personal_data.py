"""Informants are personal data: only IM roles see them, and every read that shows them is audited.

The register is the role matrix's (tests/test_role_matrix.py): alpha's evidence and report payloads
name informants "Olena K." (NTS), "Petro S." (TS progress) and "Ivan D." (the clerk's draft).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from accounts.models import AuditEntry
from hazards.models import Evidence
from reports.models import Report
from tests.test_role_matrix import World, build_world

NAMES = ("Olena K.", "Petro S.", "Ivan D.", "+380")


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once per module inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def doors(world: World) -> dict[str, str]:
    return {
        "evidence-list": "/api/v1/evidence/",
        "evidence-detail": f"/api/v1/evidence/{min(world.alpha_ids['evidence'])}/",
        "report-list": "/api/v1/reports/",
        "report-detail": f"/api/v1/reports/{world.ts_report}/",
    }


DOORS = ["evidence-list", "evidence-detail", "report-list", "report-detail"]


def rows_of(body: Any) -> list[dict[str, Any]]:
    return body["results"] if isinstance(body, dict) and "results" in body else [body]


def informants_in(row: dict[str, Any]) -> list[dict[str, str]]:
    """The informant objects of one evidence row or one report."""
    if "payload" in row:
        return [e["informant"] for e in row["payload"].get("evidence", []) if e.get("informant")]
    return [row["informant"]] if row.get("informant") else []


def shown(body: Any) -> set[int]:
    """Ids of the rows whose informants' names are in the response."""
    return {row["id"] for row in rows_of(body) if any("name" in i for i in informants_in(row))}


def restricted(body: Any) -> set[int]:
    return {row["id"] for row in rows_of(body) if any(i == {"restricted": "true"} for i in informants_in(row))}


def with_informants(door: str, ids: set[int]) -> set[int]:
    """Which of these rows carry an informant at all (read from the database, not the API)."""
    if door.startswith("evidence"):
        return set(Evidence.objects.filter(pk__in=ids).exclude(informant_name="").values_list("id", flat=True))
    return {
        r.pk
        for r in Report.objects.filter(pk__in=ids)
        if any(isinstance(e, dict) and e.get("informant") for e in r.payload.get("evidence", []))
    }


def personal_reads() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="personal_data.read"))


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("role", ["admin", "imo", "approver"])
def test_im_roles_see_informants_and_each_read_is_audited_with_actor_object_and_path(
    db: None, world: World, role: str, door: str
) -> None:
    path = doors(world)[door]

    response = world.client(role).get(path)

    assert response.status_code == 200
    body = response.json()
    returned = {row["id"] for row in rows_of(body)}
    assert shown(body) == with_informants(door, returned) != set()
    assert any(name in response.content.decode() for name in NAMES)
    object_type = "hazards.evidence" if door.startswith("evidence") else "reports.report"
    entries = personal_reads()
    assert {(e.actor_id, e.object_type, int(e.object_id)) for e in entries} == {
        (getattr(world.cast, role).pk, object_type, pk) for pk in shown(body)
    }
    assert all(e.reason == f"API GET {path}" for e in entries)


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("role", ["qa", "viewer", "clerk", "outsider"])
def test_other_roles_see_no_informant_and_leave_no_personal_read_in_the_audit(
    db: None, world: World, role: str, door: str
) -> None:
    # The one exception: a clerk's own draft (still editable) lists its informant "Ivan D." for them.
    own_drafts = {world.draft_report} if (role, door) == ("clerk", "report-list") else set()

    response = world.client(role).get(doors(world)[door])

    assert response.status_code == (404 if role == "outsider" and door.endswith("detail") else 200)
    text = response.content.decode()
    assert [name for name in NAMES if name in text] == (["Ivan D.", "+380"] if own_drafts else [])
    if response.status_code == 200:
        body = response.json()
        assert shown(body) == own_drafts
        # Informants are marked as withheld, not silently dropped: the reader knows one exists.
        assert restricted(body) == with_informants(door, {row["id"] for row in rows_of(body)}) - own_drafts
    assert {int(e.object_id) for e in personal_reads()} == own_drafts


def test_a_clerk_sees_the_informant_on_their_own_draft_until_it_is_submitted(db: None, world: World) -> None:
    clerk = world.client("clerk")
    path = f"/api/v1/reports/{world.draft_report}/"

    before = clerk.get(path)
    assert before.status_code == 200
    assert "Ivan D." in before.content.decode()
    assert [(e.actor_id, e.object_id, e.reason) for e in personal_reads()] == [
        (world.cast.clerk.pk, str(world.draft_report), f"API GET {path}")
    ]

    submitted = clerk.post(f"{path}submit/", {}, format="json")
    after = clerk.get(path)

    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    for response in (submitted, after):
        assert "Ivan D." not in response.content.decode()
        assert restricted(response.json()) == {world.draft_report}
    assert len(personal_reads()) == 1  # only the read of the draft


def test_a_clerk_never_sees_informants_on_submitted_or_approved_reports(db: None, world: World) -> None:
    clerk = world.client("clerk")

    for pk in (world.submitted_report, world.ts_report, world.nts_report):
        response = clerk.get(f"/api/v1/reports/{pk}/")
        assert response.status_code == 200
        assert restricted(response.json()) == {pk}

    assert personal_reads() == []


def test_an_approval_shows_the_approver_the_informant_and_audits_that_read(db: None, world: World) -> None:
    path = f"/api/v1/reports/{world.submitted_report}/approve/"

    response = world.client("imo").post(path, {}, format="json")

    assert response.status_code == 200
    assert "Olena K." in response.content.decode()
    assert [(e.actor_id, e.object_type, e.object_id, e.reason) for e in personal_reads()] == [
        (world.cast.imo.pk, "reports.report", str(world.submitted_report), f"API POST {path}")
    ]


def test_an_outsider_sees_no_informant_even_on_their_own_organisations_approved_report(db: None, world: World) -> None:
    response = world.client("outsider").get(f"/api/v1/reports/{world.bravo_report}/")

    assert response.status_code == 200
    assert restricted(response.json()) == {world.bravo_report}
    assert personal_reads() == []
