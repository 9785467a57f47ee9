"""Documents attached to a task order (decision 0057): the authority attaches them, on issue or later; the
authority and the tasked operator read them; other operators and the anonymous get nothing. The files are
checked as report attachments are (one function, reports.attachments.read_uploads) and every step is audited."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEntry
from clearground.test import Cast
from operations.actions import issue_task
from operations.models import Task, TaskDocument
from tests.tasks_helpers import ON, accredited_team, bravo_hazard, client_for

PDF = b"%PDF-1.4\n" + b"map sheet " * 200 + b"\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def task(cast: Cast) -> Task:
    accredited_team(cast)
    return issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance",
                      hazard=bravo_hazard(cast), start_on=ON)  # fmt: skip


def upload(name: str, data: bytes) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_authority_attaches_a_document_through_the_api_and_the_operator_reads_it(cast: Cast, task: Task) -> None:
    made = client_for(cast.imo).post(f"/api/v1/tasks/{task.pk}/attachments/",
                                     {"file": [upload("sheet-12.pdf", PDF)]}, format="multipart")  # fmt: skip
    assert made.status_code == 201, made.json()
    [row] = made.json()
    assert (row["name"], row["sha256"], row["size"], row["content_type"], row["added_by"]) == (
        "sheet-12.pdf",
        hashlib.sha256(PDF).hexdigest(),
        len(PDF),
        "application/pdf",
        "imo",
    )
    assert AuditEntry.objects.filter(action="task.attach", object_id=str(task.pk)).count() == 1
    listed = client_for(cast.clerk).get(f"/api/v1/tasks/{task.pk}/attachments/")
    assert [r["name"] for r in listed.json()] == ["sheet-12.pdf"]
    got = client_for(cast.clerk).get(row["url"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Type"] == "application/pdf" and "attachment" in got["Content-Disposition"]
    assert AuditEntry.objects.filter(action="task.document.read", actor=cast.clerk).count() == 1


def test_other_operators_and_the_anonymous_get_nothing(cast: Cast, task: Task) -> None:
    client_for(cast.imo).post(f"/api/v1/tasks/{task.pk}/attachments/", {"file": [upload("sheet.pdf", PDF)]},
                              format="multipart")  # fmt: skip
    api_file, page_file = f"/api/v1/tasks/{task.pk}/attachments/sheet.pdf", f"/tasks/{task.pk}/documents/sheet.pdf"
    # Bravo's clerk: the hazard is Bravo's, the task is not; 404 as for a missing task, on every door.
    assert client_for(cast.outsider).get(f"/api/v1/tasks/{task.pk}/attachments/").status_code == 404
    assert client_for(cast.outsider).get(api_file).status_code == 404
    assert page_client(cast.outsider).get(page_file).status_code == 404
    posted = client_for(cast.outsider).post(f"/api/v1/tasks/{task.pk}/attachments/",
                                            {"file": [upload("x.pdf", PDF)]}, format="multipart")  # fmt: skip
    assert posted.status_code == 404
    anonymous = Client()
    assert anonymous.get(api_file).status_code in (401, 403)
    assert anonymous.get(page_file).status_code == 302  # to sign-in
    assert not AuditEntry.objects.filter(action="task.document.read").exists()


def test_the_tasked_operator_reads_but_does_not_attach(cast: Cast, task: Task) -> None:
    refused = client_for(cast.approver).post(f"/api/v1/tasks/{task.pk}/attachments/",
                                             {"file": [upload("mine.pdf", PDF)]}, format="multipart")  # fmt: skip
    assert refused.status_code == 403
    assert page_client(cast.approver).post(f"/tasks/{task.pk}/documents/",
                                           {"file": [upload("mine.pdf", PDF)]}).status_code == 403  # fmt: skip
    assert not TaskDocument.objects.exists()


def test_a_refused_file_is_named_with_its_reason_and_none_of_the_batch_is_stored(cast: Cast, task: Task,
                                                                                 settings: Any) -> None:  # fmt: skip
    answer = client_for(cast.imo).post(f"/api/v1/tasks/{task.pk}/attachments/",
                                       {"file": [upload("good.pdf", PDF), upload("fake.pdf", b"MZ not a pdf")]},
                                       format="multipart")  # fmt: skip
    assert answer.status_code == 400
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [("attachments.fake.pdf", "wrong_type")]
    settings.CLEARGROUND_ATTACHMENT_MAX_BYTES = 100
    too_big = client_for(cast.imo).post(f"/api/v1/tasks/{task.pk}/attachments/",
                                        {"file": [upload("big.pdf", PDF)]}, format="multipart")  # fmt: skip
    assert too_big.status_code == 413
    assert not TaskDocument.objects.exists()
    assert not AuditEntry.objects.filter(action="task.attach").exists()


def test_the_task_page_lists_the_documents_and_offers_the_upload_to_the_authority_only(cast: Cast, task: Task) -> None:
    authority = page_client(cast.imo)
    sent = authority.post(f"/tasks/{task.pk}/documents/", {"file": [upload("permit.pdf", PDF)]})
    assert sent.status_code == 302
    page = authority.get(f"/tasks/{task.pk}/").content.decode()
    assert f'href="/tasks/{task.pk}/documents/permit.pdf"' in page and 'name="file"' in page
    operator = page_client(cast.clerk).get(f"/tasks/{task.pk}/").content.decode()
    assert f'href="/tasks/{task.pk}/documents/permit.pdf"' in operator and 'name="file"' not in operator
    got = page_client(cast.clerk).get(f"/tasks/{task.pk}/documents/permit.pdf")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF


def test_the_task_page_draws_the_tasked_polygon_on_a_map(cast: Cast, task: Task) -> None:
    page = page_client(cast.clerk).get(f"/tasks/{task.pk}/").content.decode()
    assert 'id="task-map"' in page and 'id="task-geojson"' in page and "maplibre-gl" in page
    drawn = json.loads(page.split('id="task-geojson" type="application/json">')[1].split("</script>")[0])
    [feature] = drawn["features"]
    assert feature["properties"]["role"] == "hazard" and feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    x0, y0, x1, y1 = drawn["bbox"]
    assert x0 < x1 and y0 < y1
    # Once the task is over, Alpha no longer sees Bravo's hazard (decision 0050): no map of it either.
    from operations.actions import cancel_task

    cancel_task(task, acting_user=cast.imo, reason="Re-planned")
    later = page_client(cast.clerk).get(f"/tasks/{task.pk}/").content.decode()
    assert 'id="task-map"' not in later


def test_documents_sent_with_the_order_through_the_api_are_stored_with_it_or_not_at_all(cast: Cast) -> None:
    accredited_team(cast)
    hazard = bravo_hazard(cast)
    order = {"organisation": "alpha", "activity_kind": "clearance", "hazard": hazard.pk, "start_on": "2024-02-01"}
    refused = client_for(cast.imo).post("/api/v1/tasks/", {**order, "file": [upload("bad.pdf", b"not a pdf")]},
                                        format="multipart")  # fmt: skip
    assert refused.status_code == 400 and not Task.objects.exists() and not TaskDocument.objects.exists()
    made = client_for(cast.imo).post("/api/v1/tasks/", {**order, "file": [upload("brief.pdf", PDF)]},
                                     format="multipart")  # fmt: skip
    assert made.status_code == 201, made.json()
    assert list(TaskDocument.objects.values_list("task_id", "name")) == [(made.json()["id"], "brief.pdf")]
