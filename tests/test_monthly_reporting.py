"""Monthly operator reporting (decision 0053): unreported tasks at work, overdue tasks, suspended work, by month."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from clearground.test import Cast, rect
from hazards.models import HazardousArea
from operations.actions import accept_task, assign_team, issue_task, start_task, suspend_task
from operations.models import Task
from quality.models import Team
from reports.actions import create_report
from tests.helpers import activity
from tests.tasks_helpers import ON, accredited_team, bravo_hazard, client_for

URL = "/api/v1/tasks/monthly-reporting/"


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")


@pytest.fixture(autouse=True)
def tasking_on(settings: Any) -> None:
    settings.CLEARGROUND_TASKING_REQUIRED = True


def started(cast: Cast, hazard: HazardousArea, team: Team, *, due: dt.date | None = None) -> Task:
    task = issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance", hazard=hazard,
                      start_on=ON, due_on=due, at=at("2024-01-20"))  # fmt: skip
    task = accept_task(task, acting_user=cast.approver, at=at("2024-01-21"))
    task = assign_team(task, acting_user=cast.approver, team=team, at=at("2024-01-22"))
    return start_task(task, acting_user=cast.clerk, at=at("2024-02-01"))


@pytest.fixture
def february(cast: Cast) -> dict[str, Task]:
    """Alpha's three tasks in February 2024: one reported on (and overdue), one not, one suspended."""
    hazard, team = bravo_hazard(cast), accredited_team(cast)
    reported = started(cast, hazard, team, due=dt.date(2024, 2, 20))
    cleared = {"activity": activity(), "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}]}
    create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="clearance_progress", hazard=hazard,
                  task=reported, date_of_information=dt.date(2024, 2, 10), submit=True, payload=cleared)  # fmt: skip
    silent = started(cast, hazard, team)
    # A draft is not a report made.
    create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="clearance_progress", hazard=hazard,
                  task=silent, date_of_information=dt.date(2024, 2, 12), submit=False,
                  payload={"activity": activity()})  # fmt: skip
    halted = suspend_task(started(cast, hazard, team), acting_user=cast.clerk, reason="Flooding",
                          at=at("2024-02-15"))  # fmt: skip
    return {"reported": reported, "silent": silent, "halted": halted}


def test_the_authority_sees_who_has_not_reported_what_is_overdue_and_what_is_suspended(
    cast: Cast, february: dict[str, Task]
) -> None:
    answer = client_for(cast.imo).get(URL, {"month": "2024-02"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["month"], body["from"], body["to"]) == ("2024-02", "2024-02-01", "2024-02-29")
    assert [(o["organisation"], [t["id"] for t in o["tasks"]]) for o in body["not_reported"]] == [
        ("alpha", [february["silent"].pk])]  # fmt: skip
    assert [(t["id"], t["days_overdue"]) for t in body["overdue"]] == [(february["reported"].pk, 9)]
    assert [(t["id"], t["since"], t["reason"]) for t in body["suspended"]] == [
        (february["halted"].pk, "2024-02-15", "Flooding")]  # fmt: skip


def test_a_past_month_reads_as_the_tasks_stood_then(cast: Cast, february: dict[str, Task]) -> None:
    body = client_for(cast.imo).get(URL, {"month": "2024-01"}).json()
    # In January the tasks were accepted but not due to start (1 February): no report was owed.
    assert body["not_reported"] == [] and body["overdue"] == [] and body["suspended"] == []
    march = client_for(cast.imo).get(URL, {"month": "2024-03"}).json()
    assert sorted(t["id"] for o in march["not_reported"] for t in o["tasks"]) == sorted(
        [february["reported"].pk, february["silent"].pk])  # fmt: skip


def test_an_operator_sees_its_own_tasks_and_an_outsider_none(cast: Cast, february: dict[str, Task]) -> None:
    mine = client_for(cast.clerk).get(URL, {"month": "2024-02"}).json()
    assert [o["organisation"] for o in mine["not_reported"]] == ["alpha"] and len(mine["suspended"]) == 1
    theirs = client_for(cast.outsider).get(URL, {"month": "2024-02"}).json()
    assert (theirs["not_reported"], theirs["overdue"], theirs["suspended"]) == ([], [], [])


def test_a_bad_month_is_refused_naming_the_parameter(cast: Cast) -> None:
    for bad in ("2024-13", "24-01", "February", "2024-1", "1900-01"):
        answer = client_for(cast.imo).get(URL, {"month": bad})
        assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "month", bad


def test_the_page_shows_the_month_in_the_readers_language(cast: Cast, february: dict[str, Task]) -> None:
    page = Client()
    page.force_login(cast.imo)
    shown = page.get("/tasks/monthly/?month=2024-02", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Flooding" in shown and f'href="/tasks/{february["silent"].pk}/"' in shown
    assert "Trabajo suspendido" in shown and "<td>Iniciada</td>" in shown  # the silent task, started
    page.force_login(cast.outsider)
    assert "Flooding" not in page.get("/tasks/monthly/?month=2024-02").content.decode()
    bad = page.get("/tasks/monthly/?month=2024-13", follow=True)
    assert bad.status_code == 200 and "month" in bad.content.decode()
