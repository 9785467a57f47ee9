"""The task board, a task's page and its steps, the team registry (decision 0050), in the four languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from clearground.test import Cast
from operations.actions import issue_task
from operations.models import Task
from quality.actions import add_team
from tests.tasks_helpers import ON, accredited_team, bravo_hazard, running_task


def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def task(cast: Cast) -> Task:
    accredited_team(cast)
    return issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance",
                      hazard=bravo_hazard(cast), start_on=ON, instructions="Clear to 20 cm")  # fmt: skip


def test_the_operator_accepts_staffs_and_starts_a_task_from_its_page(cast: Cast, task: Task) -> None:
    approver = page_client(cast.approver)
    page = approver.get(f"/tasks/{task.pk}/")
    assert page.status_code == 200
    assert page.context["offered"] == ["accept", "decline"] and b"Clear to 20 cm" in page.content
    assert approver.post(f"/tasks/{task.pk}/accept/", {"version": "1"}).status_code == 302
    team = task.organisation.teams.get(code="mdt-1")
    approver.post(f"/tasks/{task.pk}/assign-team/", {"version": "2", "team": str(team.pk)})
    approver.post(f"/tasks/{task.pk}/start/", {"version": "3"})
    task.refresh_from_db()
    assert (task.status, task.team, task.version) == ("started", team, 4)
    # A stale page changes nothing and says why.
    stale = approver.post(f"/tasks/{task.pk}/complete/", {"version": "3"}, follow=True)
    assert "version" in stale.content.decode() and Task.objects.get(pk=task.pk).status == "started"


def test_a_team_without_the_accreditation_is_refused_on_the_page_with_the_reason(cast: Cast, task: Task) -> None:
    untrained = add_team(cast.alpha, acting_user=cast.approver, code="mdt-2", name="New team", team_type="manual")
    approver = page_client(cast.approver)
    answer = approver.post(f"/tasks/{task.pk}/assign-team/", {"team": str(untrained.pk)}, follow=True)
    assert "team mdt-2 of alpha is not accredited for clearance" in answer.content.decode()
    assert Task.objects.get(pk=task.pk).team is None


def test_the_board_lists_the_tasks_in_scope_and_outsiders_get_404(cast: Cast, task: Task) -> None:
    board = page_client(cast.imo).get("/tasks/?status=live")
    assert [t.pk for t in board.context["tasks"]] == [task.pk]
    assert [t.pk for t in page_client(cast.clerk).get("/tasks/").context["tasks"]] == [task.pk]
    outsider = page_client(cast.outsider)
    assert outsider.get("/tasks/").context["tasks"] == []
    assert outsider.get(f"/tasks/{task.pk}/").status_code == 404
    assert outsider.post(f"/tasks/{task.pk}/accept/", {}).status_code == 404
    assert Task.objects.get(pk=task.pk).status == "issued"
    # The authority cancels; its page offers no operator step.
    imo_page = page_client(cast.imo).get(f"/tasks/{task.pk}/")
    assert imo_page.context["offered"] == ["cancel"] and imo_page.context["teams"] == []
    assert page_client(cast.imo).post(f"/tasks/{task.pk}/accept/", {}).status_code == 403
    assert page_client(cast.clerk).get("/tasks/1/nonsense/").status_code == 405


def test_the_team_registry_shows_each_operator_its_own(cast: Cast, task: Task) -> None:
    assert [t.code for t in page_client(cast.viewer).get("/teams/").context["teams"]] == ["mdt-1"]
    assert list(page_client(cast.outsider).get("/teams/").context["teams"]) == []


@pytest.mark.parametrize(("language", "words"), [("uk", "Дошка завдань"), ("es", "Tablero de tareas"),
                                                 ("ar", "لوحة المهام"), ("en", "Task board")])  # fmt: skip
def test_the_pages_read_in_the_four_languages(cast: Cast, task: Task, language: str, words: str) -> None:
    client = page_client(cast.approver)
    client.cookies["clearground_language"] = language
    assert words in client.get("/tasks/").content.decode()
    assert client.get(f"/tasks/{task.pk}/").status_code == 200 and client.get("/teams/").status_code == 200


def test_the_report_form_offers_the_operators_running_tasks_only(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    running = running_task(cast, hazard, accredited_team(cast, code="mdt-3"))
    issued = issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance", hazard=hazard,
                        start_on=ON)  # fmt: skip
    form = page_client(cast.clerk).get(f"/reports/new/clearance_progress/?hazard={hazard.pk}&task={running.pk}")
    assert [t.pk for t in form.context["tasks"]] == [running.pk]  # not the one still waiting for acceptance
    assert f'<option value="{running.pk}" selected>' in form.content.decode() and issued.pk != running.pk
    assert page_client(cast.outsider).get("/reports/new/clearance_progress/").context["tasks"] == []
    assert page_client(cast.clerk).get("/reports/new/accident/").context["tasks"] == []  # no work on a task
