"""Tasking in the browser (decision 0050): the authority tasked Bravo's hazard to Alpha; Alpha's IM officer accepts,
is refused an unaccredited team with the reason, assigns the accredited one and starts; the board shows it."""

from __future__ import annotations

from typing import Any

import pytest

from operations.actions import issue_task
from operations.models import Task
from quality.actions import add_team
from tests.browser.conftest import serious_axe_violations, shot, sign_in, use_language
from tests.tasks_helpers import ON, accredited_team, bravo_hazard

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_operator_accepts_staffs_and_starts_a_task_on_another_operators_hazard(
    live_cast: Any, live_server: Any, page: Any
) -> None:
    cast = live_cast
    team = accredited_team(cast)
    add_team(cast.alpha, acting_user=cast.approver, code="mdt-2", name="New team", team_type="manual")
    task = issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance",
                      hazard=bravo_hazard(cast), start_on=ON, instructions="Clear to 20 cm")  # fmt: skip

    sign_in(page, live_server, "approver")
    page.goto(live_server.url + "/tasks/")
    assert serious_axe_violations(page) == []
    page.get_by_role("link", name=f"#{task.pk}").click()
    page.get_by_text("Clear to 20 cm").wait_for()  # waits until visible: a click only starts its navigation
    page.get_by_role("button", name="Accept the task").click()
    page.locator("#id_team").select_option(label="New team (Manual demining)")
    page.get_by_role("button", name="Assign the team").click()
    page.get_by_text("team mdt-2 of alpha is not accredited for clearance").wait_for()
    page.locator("#id_team").select_option(label=f"{team.name} (Manual demining)")
    page.get_by_role("button", name="Assign the team").click()
    page.get_by_role("button", name="Start the work").click()
    assert serious_axe_violations(page) == []
    shot(page, "task-started-en")
    task.refresh_from_db()
    assert (task.status, task.team) == ("started", team)

    use_language(page, live_server, "ar")
    page.goto(live_server.url + "/tasks/")
    assert page.get_by_role("heading", name="لوحة المهام").is_visible()
    assert serious_axe_violations(page) == []
    shot(page, "task-board-ar")
    assert Task.objects.count() == 1
