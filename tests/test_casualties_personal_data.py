"""Casualty identities are personal data: encrypted at rest, shown only to IM roles, every read audited.

Alpha's clerk records a civilian accident naming two casualties (tests/test_casualties_recording.py);
the authority's IM officer approves it. Then each role of the cast reads the casualty list and detail.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from psycopg import sql

from accounts.models import AuditEntry
from casualties.models import Casualty
from clearground.test import Cast
from reports.models import Report
from tests.test_casualties_recording import (
    NAMES,
    accident_payload,
    client_for,
    field_key,  # noqa: F401  (the autouse fixture: a fresh key per test)
    recorded_and_approved,
)

ROLES = ["admin", "imo", "qa", "viewer", "clerk", "approver", "outsider", "anonymous"]
# Single casualty records, names included: the authority's personal-data roles only (decision 0037).
NAME_READERS = {"admin", "imo"}


def user_of(cast: Cast, role: str) -> Any:
    return None if role == "anonymous" else getattr(cast, role)


def personal_reads(since: int = 0) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="personal_data.read", id__gt=since).order_by("id"))


def last_audit_id() -> int:
    # The audit log is append-only: a test counts the reads after this id instead of deleting earlier ones.
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def rows_of(body: Any) -> list[dict[str, Any]]:
    return body["results"] if "results" in body else [body]


@pytest.mark.parametrize("door", ["list", "detail"])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_casualty_names_only_if_it_needs_them_and_each_read_is_audited(
    cast: Cast, role: str, door: str
) -> None:
    report = recorded_and_approved(cast)
    casualties = list(Casualty.objects.filter(report=report).order_by("id"))
    path = "/api/v1/casualties/" if door == "list" else f"/api/v1/casualties/{casualties[0].pk}/"
    since = last_audit_id()  # what approval itself showed is not this test's

    response = client_for(user_of(cast, role)).get(path)

    if role == "anonymous":
        assert response.status_code == 403
    elif role not in NAME_READERS:
        # Not even the record without its name: sex, age and injury with a place and a day identify a person.
        assert response.status_code == (200 if door == "list" else 404)
        assert response.status_code == 404 or rows_of(response.json()) == []
    else:
        assert response.status_code == 200
        rows = rows_of(response.json())
        assert {r["id"] for r in rows} == {c.pk for c in casualties[: len(rows)]} and rows
        assert [r["identity"]["name"] for r in rows] == ["Mykola Hrytsenko", "Oksana Hrytsenko"][: len(rows)]
        assert (rows[0]["sex"], rows[0]["age_band"], rows[0]["outcome"]) == ("male", "45-59", "injured")
    shown = casualties if door == "list" else casualties[:1]
    names = [n for n in NAMES if door == "list" or "Oksana" not in n] if role in NAME_READERS else []
    assert [n for n in NAMES if n in response.content.decode()] == names
    reader = user_of(cast, role)
    expected = [(reader.pk, "casualties.casualty", str(c.pk)) for c in shown] if role in NAME_READERS else []
    reads = personal_reads(since)
    assert [(e.actor_id, e.object_type, e.object_id) for e in reads] == expected
    assert all(e.reason == f"API GET {path}" and "identity.name" in e.new["fields"] for e in reads)


def test_a_viewer_sees_the_statistics_and_the_accident_but_no_name_and_leaves_no_personal_read(cast: Cast) -> None:
    report = recorded_and_approved(cast)
    since = last_audit_id()
    viewer = client_for(cast.viewer)

    responses = [
        viewer.get("/api/v1/casualty-statistics/"),
        viewer.get("/api/v1/accidents/"),
        viewer.get(f"/api/v1/reports/{report.pk}/"),
        viewer.get("/api/v1/casualties/"),
    ]

    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    stats, accidents, report_body, _ = (r.json() for r in responses)
    assert stats["total"]["display"] == "<5"
    assert accidents["features"][0]["properties"]["kind"] == "civilian_accident"
    # The report's payload keeps the casualties' outcomes only (decision 0037), and never a name.
    assert report_body["payload"]["casualties"] == [{"outcome": "injured"}, {"outcome": "killed"}]
    assert not [n for n in NAMES if any(n in r.content.decode() for r in responses)]
    assert personal_reads(since) == []


def test_the_report_payload_keeps_identities_sealed_even_for_the_im_officer(cast: Cast) -> None:
    report = recorded_and_approved(cast)

    body = client_for(cast.imo).get(f"/api/v1/reports/{report.pk}/").json()

    sealed = [c["identity"] for c in body["payload"]["casualties"]]
    assert [list(s) for s in sealed] == [["fernet"], ["fernet"]]
    assert not [n for n in NAMES if n in str(body)]


def _text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND data_type IN ('text', 'character varying', 'json', 'jsonb') ORDER BY 1, 2"
        )
        return list(cur.fetchall())


def _tables_holding(needle: str) -> list[str]:
    found = []
    with connection.cursor() as cur:
        for table, column in _text_columns():
            query = sql.SQL("SELECT count(*) FROM {} WHERE {}::text ILIKE %s").format(
                sql.Identifier(table), sql.Identifier(column)
            )
            cur.execute(query.as_string(cur.connection), [f"%{needle}%"])
            if cur.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def test_no_name_is_stored_in_plain_text_anywhere_in_the_database(cast: Cast) -> None:
    # Every path that writes: a draft, its edit, submission, approval, and reads by every role.
    draft = client_for(cast.clerk).post(
        "/api/v1/reports/",
        {"kind": "accident", "date_of_information": "2024-01-15", "payload": accident_payload()},
        format="json",
    )
    assert draft.status_code == 201, draft.json()
    edited = client_for(cast.clerk).patch(f"/api/v1/reports/{draft.json()['id']}/", {"payload": accident_payload(
        description="Edited: the tractor hit a mine"), "version": draft.json()["version"]}, format="json")  # fmt: skip
    assert edited.status_code == 200, edited.json()
    recorded_and_approved(cast)
    for role in ROLES:
        client_for(user_of(cast, role)).get("/api/v1/casualties/")
    assert Casualty.objects.count() == 2 and Report.objects.count() == 2
    assert AuditEntry.objects.filter(action="personal_data.read").exists()
    assert _text_columns()  # the search covers something

    assert {n: _tables_holding(n) for n in NAMES} == {n: [] for n in NAMES}
    # The casualty row holds Fernet tokens (version byte 0x80, base64 "gAAAAA").
    assert all(c.identity_encrypted.startswith("gAAAAA") for c in Casualty.objects.all())
    assert _tables_holding("male") != []  # the search does find what is stored in the clear


def test_the_casualty_list_costs_the_same_queries_for_two_casualties_as_for_twelve(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    recorded_and_approved(cast)
    imo = client_for(cast.imo)
    imo.get("/api/v1/casualties/")  # warm: the content types and the like

    # The page of casualties with their accidents, and one bulk insert of the audit rows
    # (the user's scope was computed by the first request and is kept on the user).
    with django_assert_num_queries(2):
        assert len(imo.get("/api/v1/casualties/").json()["results"]) == 2
    for _ in range(5):
        recorded_and_approved(cast)
    imo = client_for(cast.imo)
    with django_assert_num_queries(2):
        assert len(imo.get("/api/v1/casualties/").json()["results"]) == 12
