"""Issue 16's done-when walk in the browser: the authority's IM officer issues, from the priorities, a task on a
hazard registered by another operator; Alpha accepts, is refused an unaccredited team with the reason, assigns
the accredited one and starts; its clerk files progress and completion reports on the task; the IM officer
approves them; Alpha completes the task; the board, the hazard's page and the dashboard show it.

Once the work starts, the team leader (Alpha's clerk, who takes the team to the field) downloads the task
dossier from the task page and gets a PDF. The cleared polygon is the hazard's own outline, put in the form's
geometry field as the drawing map would (drawing is tests/browser/test_journey.py's subject)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from clearground.test import square
from hazards.models import HazardousArea
from operations.models import Task
from quality.actions import add_team
from reports.models import Report
from tests.browser.conftest import serious_axe_violations, shot, sign_in
from tests.tasks_helpers import accredited_team, bravo_hazard

pytestmark = pytest.mark.django_db(transaction=True)

REPORT_DAY = "2024-03-01"


def file_report(page: Any, live_server: Any, kind: str, hazard: HazardousArea, task: Task) -> Report:
    """Alpha's clerk files a report of `kind` under the task, through the report form, and submits it."""
    page.goto(live_server.url + f"/reports/new/{kind}/")
    page.locator("#f-date_of_information").fill(REPORT_DAY)
    page.locator("#f-hazard").select_option(str(hazard.pk))
    page.locator("#f-task").select_option(str(task.pk))
    page.locator("#f-activity-start_date").fill("2024-02-05")
    page.locator("#f-activity-method").select_option("manual")
    if kind == "clearance_progress":
        page.locator("#f-activity-person_days").fill("12")
        page.evaluate("([id, value]) => { document.getElementById(id).value = value; }",
                      ["f-cleared-0-geometry", json.dumps(square(100))])  # fmt: skip
        page.locator("#f-cleared-0-depth_cm").fill("20")
    else:
        page.locator("#f-activity_kind").select_option("clearance")
    before = set(Report.objects.filter(kind=kind).values_list("pk", flat=True))
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_load_state()
    # On a refusal the form comes back with its problems: show them rather than a timeout.
    assert re.search(r"/reports/\d+/$", page.url), page.locator(
        ".field-error, .messages, [role=alert]"
    ).all_inner_texts()
    report = Report.objects.exclude(pk__in=before).get(kind=kind)
    assert (report.status, report.task_id) == ("submitted", task.pk)
    return report


def approve(page: Any, live_server: Any, report: Report) -> None:
    page.goto(live_server.url + "/reports/queue/")
    page.get_by_role("link", name=f"Review report #{report.pk}").click()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(live_server.url + "/reports/queue/")
    report.refresh_from_db()
    assert report.status == "approved"


def test_the_authority_tasks_bravos_hazard_to_alpha_from_the_priorities_and_alpha_works_it_to_completion(
    live_cast: Any, live_server: Any, page: Any, settings: Any
) -> None:
    settings.CLEARGROUND_TASKING_REQUIRED = True
    cast = live_cast
    team = accredited_team(cast)
    add_team(cast.alpha, acting_user=cast.approver, code="mdt-2", name="New team", team_type="manual")
    hazard = bravo_hazard(cast)

    # The authority's IM officer issues the task from the priorities.
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/priorities/?on=2024-02-01")
    row = page.locator(f"tr[data-hazard='{hazard.pk}']")
    assert row.get_by_text("Accidents nearby").is_visible()
    assert serious_axe_violations(page) == []
    row.locator("summary").click()
    row.locator("select[name=organisation]").select_option("alpha")
    row.locator("select[name=activity_kind]").select_option("clearance")
    row.locator("input[name=start_on]").fill("2024-02-01")
    row.locator("textarea[name=instructions]").fill("Clear the whole field to 20 cm")
    shot(page, "walk-1-priorities")
    row.get_by_role("button", name="Issue task").click()
    page.wait_for_url(live_server.url + "/tasks/*/")
    task = Task.objects.get()
    assert (task.hazard_id, task.organisation, task.status) == (hazard.pk, cast.alpha, "issued")

    # Alpha's IM officer accepts, is refused the unaccredited team with the reason, assigns the accredited one.
    sign_in(page, live_server, "approver")
    page.goto(live_server.url + f"/tasks/{task.pk}/")
    page.get_by_role("button", name="Accept the task").click()
    page.locator("#id_team").select_option(label="New team (Manual demining)")
    page.get_by_role("button", name="Assign the team").click()
    assert page.get_by_text("team mdt-2 of alpha is not accredited for clearance").is_visible()
    page.locator("#id_team").select_option(label=f"{team.name} (Manual demining)")
    page.get_by_role("button", name="Assign the team").click()
    page.get_by_role("button", name="Start the work").click()
    task.refresh_from_db()
    assert (task.status, task.team) == ("started", team)

    # The team leader downloads the task dossier from the task page: a PDF of some substance arrives.
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + f"/tasks/{task.pk}/")
    # The task page's map draws the tasked polygon over the offline basemap (decision 0057).
    page.wait_for_function("() => window.cgMapReady === true")
    assert page.evaluate("() => window.cgMap.querySourceFeatures('task').length") >= 1
    assert serious_axe_violations(page) == []
    link = page.get_by_role("link", name="Download dossier")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"task-{task.pk}-dossier-en.pdf"
    pdf = open(download.path(), "rb").read()  # noqa: SIM115 -- Playwright's own temporary file
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    # The same link, asked again by the signed-in browser: the server names what it sends.
    response = page.request.get(live_server.url + (link.get_attribute("href") or ""))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"

    # The clerk files the progress report; the authority approves it; then the completion report, approved too.
    sign_in(page, live_server, "clerk")
    progress = file_report(page, live_server, "clearance_progress", hazard, task)
    sign_in(page, live_server, "imo")
    approve(page, live_server, progress)
    sign_in(page, live_server, "clerk")
    completion = file_report(page, live_server, "completion", hazard, task)
    shot(page, "walk-2-completion-submitted")
    sign_in(page, live_server, "imo")
    approve(page, live_server, completion)
    assert HazardousArea.objects.get(pk=hazard.pk).status == "closed"

    # Alpha completes the task; its page lists both reports.
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + f"/tasks/{task.pk}/")
    page.get_by_role("button", name="Complete the task").click()
    assert Task.objects.get(pk=task.pk).status == "completed"

    # The board, the hazard's page and the dashboard show it, to the authority.
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/tasks/?status=completed")
    assert page.get_by_role("link", name=f"#{task.pk}").is_visible()
    shot(page, "walk-3-board")
    page.goto(live_server.url + f"/map/hazards/{hazard.pk}/")
    assert "Completed" in page.locator("#hazard-tasks").inner_text()
    shot(page, "walk-4-hazard")
    page.goto(live_server.url + "/")
    released = float(page.locator("#figure-released").get_attribute("data-value") or 0)
    assert released == pytest.approx(HazardousArea.objects.get(pk=hazard.pk).original_area_m2, rel=0.01)
    shot(page, "walk-5-dashboard")
