"""A team's open tasks travel with the forms of work as media, and a submission's task lands on its report
(decision 0060): `tasks.csv` and `task_areas.geojson`, only the user's own organisation's tasks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from xml.etree.ElementTree import fromstring

import pytest
from django.test import Client

from clearground.test import Cast, rect
from field.forms import xform
from operations.actions import accept_task, issue_task
from operations.models import Task
from quality.actions import grant_accreditation
from reports.kinds import KINDS
from reports.models import Report, ReportStatus, ReviewFlag
from tests.helpers import activity
from tests.openrosa_helpers import device, https, instance, post
from tests.tasks_helpers import ACCREDITED_FROM, ON, accredited_team, bravo_hazard, running_task

MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
XF = "{http://www.w3.org/2002/xforms}"
REPORT_DAY = dt.date(2024, 2, 10)
TASK_KINDS = [kind for kind, spec in KINDS.items() if spec.task]


@pytest.fixture(autouse=True)
def tasking_on(settings: Any, tmp_path: Any) -> None:
    settings.CLEARGROUND_TASKING_REQUIRED = True
    settings.CLEARGROUND_EOD_CALL_OUTS = True
    settings.MEDIA_ROOT = tmp_path


def _manifest(client: Client, kind: str = "clearance_progress") -> dict[str, tuple[str, str]]:
    root = fromstring(client.get(f"/openrosa/forms/{kind}/manifest").content)
    return {
        e.find(f"{MANIFEST}filename").text: (e.find(f"{MANIFEST}hash").text, e.find(f"{MANIFEST}downloadUrl").text)
        for e in root.findall(f"{MANIFEST}mediaFile")
    }


def _bravo_task(cast: Cast) -> Task:
    """A task of Bravo (the outsider's operator) on a hazard of its own, accepted by Bravo."""
    grant_accreditation(cast.bravo, acting_user=cast.qa, activity_kinds=["clearance"], valid_from=ACCREDITED_FROM)
    task = issue_task(acting_user=cast.imo, organisation=cast.bravo, activity_kind="clearance",
                      hazard=bravo_hazard(cast, 60), start_on=ON)  # fmt: skip
    return accept_task(task, acting_user=cast.outsider)


def _work(**extra: Any) -> dict[str, Any]:
    return {"activity": activity(), "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}], **extra}


def _bind(kind: str, name: str) -> dict[str, str]:
    root = fromstring(xform(kind).xml)
    return next(b.attrib for b in root.iter(f"{XF}bind") if b.get("nodeset") == f"/data/report/{name}")


# Media ---------------------------------------------------------------------------------------------


def test_a_form_of_work_carries_the_tasks_and_their_areas_and_a_new_open_task_changes_their_hash(cast: Cast) -> None:
    clerk = device("clerk")
    before = _manifest(clerk)
    assert set(before) == {"hazards.csv", "tasks.csv", "task_areas.geojson"}
    assert set(_manifest(clerk, "cancellation")) == {"hazards.csv"}  # not work on a task

    hazard = bravo_hazard(cast)
    task = issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance", hazard=hazard,
                      start_on=ON, due_on=dt.date(2024, 3, 31), team=accredited_team(cast))  # fmt: skip
    assert _manifest(clerk)["tasks.csv"] == before["tasks.csv"]  # issued, not yet accepted: not reportable
    accept_task(task, acting_user=cast.approver)
    after = _manifest(clerk)

    assert after["tasks.csv"][0] != before["tasks.csv"][0]
    assert after["task_areas.geojson"][0] != before["task_areas.geojson"][0]
    csv = clerk.get(after["tasks.csv"][1].removeprefix("https://testserver"))
    assert after["tasks.csv"][0] == "md5:" + hashlib.md5(csv.content).hexdigest()
    assert csv.content.decode().splitlines() == [
        "name,label,hazard,activity,due_on",
        f"{task.pk},#{task.pk} {hazard.code} clearance,{hazard.pk},clearance,2024-03-31",
    ]
    areas = clerk.get(after["task_areas.geojson"][1].removeprefix("https://testserver"))
    assert areas["Content-Type"] == "application/geo+json"
    (feature,) = json.loads(areas.content)["features"]
    assert feature["properties"]["id"] == str(task.pk)
    assert feature["properties"]["title"] == f"#{task.pk} {hazard.code} clearance"
    assert feature["geometry"]["type"] == "Polygon"  # ODK draws no multi-part geometry


def test_another_operators_tasks_never_appear_in_any_media_file(cast: Cast) -> None:
    ours = running_task(cast, bravo_hazard(cast), accredited_team(cast))
    theirs = _bravo_task(cast)

    def task_ids(username: str) -> set[str]:
        client, seen = device(username), set()
        for kind in TASK_KINDS:
            csv = client.get(f"/openrosa/forms/{kind}/media/tasks.csv").content.decode().splitlines()[1:]
            seen |= {line.split(",")[0] for line in csv}
            areas = json.loads(client.get(f"/openrosa/forms/{kind}/media/task_areas.geojson").content)
            seen |= {f["properties"]["id"] for f in areas["features"]}
        return seen

    assert task_ids("clerk") == {str(ours.pk)}
    assert task_ids("outsider") == {str(theirs.pk)}
    assert task_ids("imo") == set()  # the authority issues tasks; it is tasked with none
    assert https().get("/openrosa/forms/clearance_progress/media/tasks.csv").status_code == 401


def test_a_form_of_a_kind_without_tasks_serves_no_task_file(cast: Cast) -> None:
    response = device("clerk").get("/openrosa/forms/cancellation/media/tasks.csv")
    assert response.status_code == 404


# The form ------------------------------------------------------------------------------------------


def test_the_task_is_required_when_tasking_is_and_a_task_brings_its_hazard(cast: Cast, settings: Any) -> None:
    assert _bind("clearance_progress", "task")["required"] == "true()"
    assert "task" in _bind("clearance_progress", "hazard")["relevant"]  # asked only when no task was picked
    assert "required" not in _bind("eod_spot", "task")  # an EOD spot outside any task makes a call-out
    assert "required" not in _bind("nts", "task")  # only a re-survey of a hazard needs one: submission decides
    root = fromstring(xform("clearance_progress").xml)
    sources = {i.get("src") for i in root.iter(f"{XF}instance") if i.get("src")}
    assert sources == {"jr://file-csv/hazards.csv", "jr://file-csv/tasks.csv", "jr://file/task_areas.geojson"}

    settings.CLEARGROUND_TASKING_REQUIRED = False
    assert "required" not in _bind("clearance_progress", "task")


# Submissions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("picked_on", ["task", "task_map"])
def test_a_submission_on_a_task_lands_on_the_report_as_the_web_forms_task(cast: Cast, picked_on: str) -> None:
    hazard = bravo_hazard(cast)
    task = running_task(cast, hazard, accredited_team(cast))

    xml = instance("clearance_progress", _work(), on=REPORT_DAY, **{picked_on: task})
    response = post(device("clerk"), xml)

    assert response.status_code == 201, response.content
    report = Report.objects.get(kind="clearance_progress")
    assert (report.status, report.task, report.hazard, report.organisation) == (
        ReportStatus.SUBMITTED, task, hazard, cast.alpha)  # fmt: skip


def test_a_submission_without_its_task_is_kept_as_a_draft_with_the_reason(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    running_task(cast, hazard, accredited_team(cast))

    response = post(device("clerk"), instance("clearance_progress", _work(), on=REPORT_DAY, hazard=hazard))

    assert response.status_code == 201
    report = Report.objects.get(kind="clearance_progress")
    assert (report.status, report.review_flag) == (ReportStatus.DRAFT, ReviewFlag.PROBLEMS)
    assert "task [" in report.review_note and "names none" in report.review_note


def test_a_submission_naming_another_operators_task_is_refused_and_kept_as_a_draft(cast: Cast) -> None:
    alphas = running_task(cast, bravo_hazard(cast), accredited_team(cast))
    _bravo_task(cast)

    response = post(device("outsider"), instance("clearance_progress", _work(), on=REPORT_DAY, task=alphas))

    assert response.status_code == 201  # received: the device must not resend it for ever
    report = Report.objects.get(kind="clearance_progress")
    assert (report.status, report.review_flag, report.organisation) == (
        ReportStatus.DRAFT, ReviewFlag.PROBLEMS, cast.bravo)  # fmt: skip
    assert report.task is None and report.hazard is None  # nothing of Alpha's is attached to Bravo's draft
    assert f"task [unknown_task]: task {alphas.pk} is not a task of your organisation" in report.review_note
    assert not alphas.reports.exists()


def test_a_task_picked_on_the_map_and_another_from_the_list_is_refused(cast: Cast) -> None:
    task = running_task(cast, bravo_hazard(cast), accredited_team(cast))
    xml = instance("clearance_progress", _work(), on=REPORT_DAY, task=task, task_map=task.pk + 1000, check=False)

    assert post(device("clerk"), xml).status_code == 201
    report = Report.objects.get(kind="clearance_progress")
    assert report.status == ReportStatus.DRAFT and "[tasks_differ]" in report.review_note


def test_the_authority_naming_an_operators_task_files_it_for_that_operator_as_the_web_form_does(cast: Cast) -> None:
    # The authority writes for every organisation (decision 0050): its device lists no task, but a report it
    # sends on an operator's task is that operator's, as the web form would file it.
    task = running_task(cast, bravo_hazard(cast), accredited_team(cast))

    response = post(device("imo"), instance("clearance_progress", _work(), on=REPORT_DAY, task=task))

    assert response.status_code == 201
    report = Report.objects.get(kind="clearance_progress")
    assert (report.status, report.organisation, report.task, report.created_by) == (
        ReportStatus.SUBMITTED, cast.alpha, task, cast.imo)  # fmt: skip
