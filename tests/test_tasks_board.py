"""The task board at work (decision 0057): filters by status, operator and province, a page at a time, and
the authority issuing a task from it, with documents; a refusal is shown on the form with its reason and
nothing is saved. The query counts of the board and of /api/v1/tasks/ are pinned whatever the page size."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.test import Client

from clearground.test import LON0, Cast, rect, square
from operations.actions import issue_task
from operations.models import Task, TaskDocument
from places.models import AdminArea
from quality.actions import add_team
from tests.tasks_helpers import ON, accredited_team, bravo_hazard, client_for
from web.tasking import views

PDF = b"%PDF-1.4\n" + b"survey report " * 100 + b"\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(name: str, data: bytes) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def many_tasks(cast: Cast, n: int) -> list[Task]:
    accredited_team(cast)
    hazard = bravo_hazard(cast)
    return [issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="ts", hazard=hazard, start_on=ON)
            for _ in range(n)]  # fmt: skip


def shown(html: str) -> list[int]:
    return [int(part.split("/")[0]) for part in html.split('<th scope="row"><a href="/tasks/')[1:]]


def test_the_board_filters_by_province_and_pages_through_the_rest(cast: Cast, monkeypatch: Any) -> None:
    tasks = many_tasks(cast, 5)
    monkeypatch.setattr(views, "BOARD_PAGE", 2)
    board = page_client(cast.imo)
    first = board.get("/tasks/", {"province": "UA63"}).content.decode()
    assert shown(first) == [tasks[4].pk, tasks[3].pk] and "Page 1 of 3 (5 tasks)" in first
    assert 'href="?province=UA63&amp;page=2"' in first
    third = board.get("/tasks/", {"province": "UA63", "page": 3}).content.decode()
    assert shown(third) == [tasks[0].pk]
    assert shown(board.get("/tasks/", {"province": "UA-NONE"}).content.decode()) == []
    # The API answers the same filter.
    api = client_for(cast.imo).get("/api/v1/tasks/", {"province": "UA63"}).json()
    assert sorted(r["id"] for r in api["results"]) == sorted(t.pk for t in tasks)
    assert client_for(cast.imo).get("/api/v1/tasks/", {"province": "UA-NONE"}).json()["results"] == []


def test_a_task_without_a_hazard_is_in_every_province_its_area_meets(cast: Cast) -> None:
    """Decision 0065: a drawn area (no hazard) is placed by intersection with the province's boundary; a hazard's
    task still by the hazard's admin area."""
    # A second province east of the test oblast (which ends one degree east of the origin, ~71.7 km).
    east = GEOSGeometry(f"SRID=4326;MULTIPOLYGON((({LON0 + 1} 48.5,{LON0 + 3} 48.5,{LON0 + 3} 51.5,{LON0 + 1} 51.5,"
                        f"{LON0 + 1} 48.5)))")  # fmt: skip
    AdminArea.objects.create(pcode="UA64", name="East Oblast", level=1, parent=cast.area.parent, country_iso3="UKR",
                             geom=east)  # fmt: skip
    hazard = bravo_hazard(cast)
    accredited_team(cast)

    def issue(**where: Any) -> int:
        return issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="ts", start_on=ON,
                          **where).pk  # fmt: skip

    on_hazard = issue(hazard=hazard)
    inside = issue(area=square(500, x=3000))
    across = issue(area=rect(70_000, 0, 74_000, 1000))  # over the border at LON0 + 1
    beyond = issue(area=rect(100_000, 0, 101_000, 1000))
    board, api = page_client(cast.imo), client_for(cast.imo)
    expected = {"UA63": [across, inside, on_hazard], "UA64": [beyond, across], "UA-NONE": []}
    for pcode, tasks in expected.items():
        assert shown(board.get("/tasks/", {"province": pcode}).content.decode()) == tasks, pcode
        answer = api.get("/api/v1/tasks/", {"province": pcode}).json()["results"]
        assert sorted(r["id"] for r in answer) == sorted(tasks), pcode
    assert shown(board.get("/tasks/").content.decode()) == [beyond, across, inside, on_hazard]
    # The province narrows what the reader may see, never widens it: Bravo is tasked with none of these.
    assert shown(page_client(cast.outsider).get("/tasks/", {"province": "UA63"}).content.decode()) == []
    assert client_for(cast.outsider).get("/api/v1/tasks/", {"province": "UA63"}).json()["results"] == []


def issue_form(cast: Cast, hazard: Any, **extra: Any) -> dict[str, Any]:
    return {"hazard": hazard.code, "organisation": "alpha", "activity_kind": "clearance", "start_on": "2024-02-01",
            "due_on": "2024-04-30", "priority": "high", "instructions": "Clear to 20 cm", **extra}  # fmt: skip


def test_the_authority_issues_a_task_from_the_board_with_a_team_and_documents(cast: Cast) -> None:
    team = accredited_team(cast)
    hazard = bravo_hazard(cast)
    answer = page_client(cast.imo).post("/tasks/issue/", issue_form(cast, hazard, team=team.code,
                                                                    file=[upload("brief.pdf", PDF)]))  # fmt: skip
    task = Task.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/tasks/{task.pk}/"
    assert (task.hazard, task.organisation, task.team, task.priority, task.status) == (
        hazard,
        cast.alpha,
        team,
        "high",
        "issued",
    )
    assert list(TaskDocument.objects.values_list("task_id", "name")) == [(task.pk, "brief.pdf")]


def test_a_refused_team_is_shown_on_the_form_with_the_reason_and_nothing_is_saved(cast: Cast) -> None:
    accredited_team(cast)
    add_team(cast.alpha, acting_user=cast.approver, code="mdt-2", name="New team", team_type="manual")
    hazard = bravo_hazard(cast)
    answer = page_client(cast.imo).post("/tasks/issue/", issue_form(cast, hazard, team="mdt-2",
                                                                    file=[upload("brief.pdf", PDF)]))  # fmt: skip
    html = answer.content.decode()
    assert answer.status_code == 400
    assert 'id="issue-errors"' in html and "team mdt-2 of alpha is not accredited for clearance" in html
    assert f'value="{hazard.code}"' in html and "Clear to 20 cm" in html  # the form comes back filled in
    assert not Task.objects.exists() and not TaskDocument.objects.exists()


def test_a_refused_document_leaves_no_task_behind(cast: Cast) -> None:
    accredited_team(cast)
    hazard = bravo_hazard(cast)
    answer = page_client(cast.imo).post("/tasks/issue/", issue_form(cast, hazard, file=[upload("x.pdf", b"GIF89a")]))
    assert answer.status_code == 400 and "attachments.x.pdf" in answer.content.decode()
    assert not Task.objects.exists()


def test_an_unknown_hazard_or_missing_start_is_named(cast: Cast) -> None:
    accredited_team(cast)
    answer = page_client(cast.imo).post("/tasks/issue/", {"hazard": "NO-SUCH", "organisation": "alpha",
                                                          "activity_kind": "clearance"})  # fmt: skip
    html = answer.content.decode()
    assert answer.status_code == 400 and "hazard: no such hazard" in html and "start_on: give the planned start" in html
    assert not Task.objects.exists()


def test_only_the_authoritys_issuers_see_and_use_the_form(cast: Cast) -> None:
    accredited_team(cast)
    hazard = bravo_hazard(cast)
    assert 'id="issue-task"' in page_client(cast.imo).get("/tasks/").content.decode()
    assert 'id="issue-task"' not in page_client(cast.approver).get("/tasks/").content.decode()
    for user in (cast.approver, cast.outsider, cast.viewer):
        assert page_client(user).post("/tasks/issue/", issue_form(cast, hazard)).status_code == 403
    assert Client().post("/tasks/issue/", issue_form(cast, hazard)).status_code == 302  # to sign-in
    assert not Task.objects.exists()


@pytest.mark.parametrize("n", [3, 12])
def test_the_board_and_the_tasks_api_take_the_same_queries_whatever_the_page_holds(
    cast: Cast, n: int, django_assert_num_queries: Any
) -> None:
    many_tasks(cast, n)
    board, api = page_client(cast.imo), client_for(cast.imo)
    board.get("/tasks/")  # the session and the user loaded once, as on any page after the first
    # Session, user, scope, the province's areas, count, the page (tasks with operator, team, hazard code), the
    # operators with tasks, the provinces, the issue form's operators, the bell's unread count.
    with django_assert_num_queries(10):
        assert board.get("/tasks/", {"status": "issued", "province": "UA63"}).status_code == 200
    # Scope, the province's areas, the page (with operator, team, issuer), its transitions with their author and
    # team in one query (they were three prefetches, one per level: decision 0057).
    with django_assert_num_queries(3):
        assert api.get("/api/v1/tasks/", {"status": "issued", "province": "UA63"}).status_code == 200
