"""Every report of work names its task (decision 0050): refused outside one, or an EOD call-out makes its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User

from clearground.test import Cast, point, rect
from core.errors import ValidationFailed
from hazards.models import HazardousArea
from operations.actions import complete_task, issue_task
from operations.models import Task
from quality.actions import grant_accreditation, suspend_accreditation
from reports.actions import approve_report, create_report
from reports.models import Report
from tests.helpers import activity
from tests.tasks_helpers import ACCREDITED_FROM, ON, accredited_team, bravo_hazard, client_for, running_task

REPORT_DAY = dt.date(2024, 2, 10)


@pytest.fixture(autouse=True)
def tasking_on(settings: Any) -> None:
    settings.CLEARGROUND_TASKING_REQUIRED = True
    settings.CLEARGROUND_EOD_CALL_OUTS = True


def clearance(hazard: HazardousArea, task: Task | None, *, kind: str = "clearance_progress", by: Any = None,
              cast: Cast) -> Report:  # fmt: skip
    payload: dict[str, Any] = {"activity": activity()}
    if kind == "clearance_progress":
        payload["cleared"] = [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}]
    return create_report(acting_user=by or cast.clerk, organisation=cast.alpha, kind=kind,
                         date_of_information=REPORT_DAY, payload=payload, hazard=hazard, task=task,
                         submit=True)  # fmt: skip


def problems_of(excinfo: Any) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in excinfo.value.problems]


def test_alpha_clears_part_of_bravos_hazard_under_its_task_and_the_register_shows_it(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    task = running_task(cast, hazard, accredited_team(cast))
    body = {"kind": "clearance_progress", "hazard": hazard.pk, "task": task.pk, "submit": True,
            "date_of_information": REPORT_DAY.isoformat(),
            "payload": {"activity": activity(), "cleared": [{"geometry": rect(0, 0, 50, 100),
                                                             "depth_cm": 20}]}}  # fmt: skip
    made = client_for(cast.clerk).post("/api/v1/reports/", body, format="json")
    assert made.status_code == 201, made.json()
    assert (made.json()["task"], made.json()["status"], made.json()["organisation"]) == (task.pk, "submitted", "alpha")
    approved = client_for(cast.imo).post(f"/api/v1/reports/{made.json()['id']}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    hazard.refresh_from_db()
    assert hazard.organisation == cast.bravo  # still Bravo's hazard
    assert hazard.remaining_area_m2 == pytest.approx(5000, rel=0.02)
    assert list(task.reports.values_list("pk", flat=True)) == [made.json()["id"]]


def test_a_report_of_work_outside_any_task_is_refused_with_the_reason(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    running_task(cast, hazard, accredited_team(cast))
    with pytest.raises(ValidationFailed) as refused:
        clearance(hazard, None, cast=cast)
    assert problems_of(refused) == [("task", "a report of work names the task it was done under; this one names none")]
    assert not Report.objects.filter(kind="clearance_progress").exists()


def test_without_tasking_the_register_takes_reports_without_tasks(cast: Cast, settings: Any) -> None:
    settings.CLEARGROUND_TASKING_REQUIRED = False
    hazard = bravo_hazard(cast)
    grant_accreditation(cast.bravo, acting_user=cast.qa, activity_kinds=["clearance"], valid_from=ACCREDITED_FROM)
    report = create_report(acting_user=cast.outsider, organisation=cast.bravo, kind="clearance_progress",
                           date_of_information=REPORT_DAY, hazard=hazard, submit=True,
                           payload={"activity": activity(),
                                    "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}]})  # fmt: skip
    assert report.status == "submitted" and report.task is None


def test_a_new_hazard_needs_no_task_but_a_re_survey_of_one_does(cast: Cast) -> None:
    report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=REPORT_DAY,
                           payload=cast.nts_payload(), submit=True)  # fmt: skip
    assert report.status == "submitted"
    hazard = HazardousArea.objects.get(pk=approve_report(report, acting_user=cast.imo, overlap="link").hazard_id)
    with pytest.raises(ValidationFailed) as refused:
        create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=REPORT_DAY,
                      payload={"activity": activity(), "cancelled": [{"geometry": rect(0, 0, 30, 100)}]},
                      hazard=hazard, submit=True)  # fmt: skip
    assert [f for f, _ in problems_of(refused)] == ["task"]


def test_a_report_on_a_task_that_does_not_fit_is_refused_with_every_reason(cast: Cast) -> None:
    hazard, other = bravo_hazard(cast), bravo_hazard(cast, 50)
    task = running_task(cast, hazard, accredited_team(cast))
    with pytest.raises(ValidationFailed) as refused:
        clearance(other, task, kind="ts_progress", cast=cast)
    assert problems_of(refused) == [
        ("hazard", f"task {task.pk} is on hazard {hazard.pk}; report on that hazard"),
        ("task", f"task {task.pk} is clearance, not ts"),
    ]
    # Bravo may not report on Alpha's task, nor see it.
    with pytest.raises(ValidationFailed) as refused:
        create_report(acting_user=cast.outsider, organisation=cast.bravo, kind="clearance_progress",
                      date_of_information=REPORT_DAY, hazard=hazard, task=task, submit=True,
                      payload={"activity": activity(),
                               "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}]})  # fmt: skip
    assert problems_of(refused) == [("task", f"task {task.pk} was issued to another organisation")]
    body = {"kind": "clearance_progress", "hazard": hazard.pk, "task": task.pk, "submit": False,
            "date_of_information": REPORT_DAY.isoformat(), "payload": {}}  # fmt: skip
    assert client_for(cast.outsider).post("/api/v1/reports/", body, format="json").status_code == 404


def test_a_report_on_an_unaccepted_or_finished_task_is_refused(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    team = accredited_team(cast)
    issued = issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance", hazard=hazard,
                        start_on=ON, team=team)  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        clearance(hazard, issued, cast=cast)
    assert problems_of(refused)[0][1].startswith(f"task {issued.pk} is issued;")
    done = complete_task(running_task(cast, hazard, team), acting_user=cast.clerk)
    with pytest.raises(ValidationFailed) as refused:
        clearance(hazard, done, cast=cast)
    assert problems_of(refused)[0][1].startswith(f"task {done.pk} is completed;")


def test_a_team_whose_accreditation_was_suspended_cannot_report(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    team = accredited_team(cast)
    task = running_task(cast, hazard, team)
    suspend_accreditation(team.accreditations.get(), acting_user=cast.qa, on=dt.date(2024, 2, 5), reason="QA finding")
    with pytest.raises(ValidationFailed) as refused:
        clearance(hazard, task, cast=cast)
    assert problems_of(refused) == [("task", f"team mdt-1 of alpha is not accredited for clearance on {REPORT_DAY}")]


def eod_payload() -> dict[str, Any]:
    return {"activity": activity(start="2024-02-03"), "location": point(5000, 5000),
            "finds": [{"category": "uxo", "model": "122 mm rocket", "quantity": 1,
                       "disposal": "destroyed_in_situ"}]}  # fmt: skip


def test_an_eod_call_out_outside_any_task_makes_its_own_task(cast: Cast) -> None:
    grant_accreditation(cast.alpha, acting_user=cast.qa, activity_kinds=["eod_spot"], valid_from=ACCREDITED_FROM)
    report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="eod_spot",
                           date_of_information=REPORT_DAY, payload=eod_payload(), submit=True)  # fmt: skip
    task = Task.objects.get()
    assert report.task == task
    assert (task.call_out, task.status, task.organisation, task.activity_kind) == (True, "started", cast.alpha,
                                                                                   "eod_spot")  # fmt: skip
    assert task.area is not None and task.area.geom_type == "Point" and task.start_on == dt.date(2024, 2, 3)
    assert list(task.transitions.values_list("to_status", "reason")) == [
        ("started", f"EOD call-out answered by report #{report.pk}")
    ]


def test_an_eod_call_out_is_refused_where_not_allowed_or_not_accredited(cast: Cast, settings: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:  # accredited for nothing
        create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="eod_spot",
                      date_of_information=REPORT_DAY, payload=eod_payload(), submit=True)  # fmt: skip
    assert problems_of(refused) == [("task", f"alpha is not accredited for eod_spot on {REPORT_DAY}")]
    grant_accreditation(cast.alpha, acting_user=cast.qa, activity_kinds=["eod_spot"], valid_from=ACCREDITED_FROM)
    settings.CLEARGROUND_EOD_CALL_OUTS = False
    with pytest.raises(ValidationFailed) as refused:
        create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="eod_spot",
                      date_of_information=REPORT_DAY, payload=eod_payload(), submit=True)  # fmt: skip
    assert [f for f, _ in problems_of(refused)] == ["task"]
    assert not Task.objects.exists() and not Report.objects.filter(kind="eod_spot").exists()


def test_reporting_on_a_task_takes_a_pinned_number_of_queries(cast: Cast, django_assert_num_queries: Any) -> None:
    hazard = bravo_hazard(cast)
    task = running_task(cast, hazard, accredited_team(cast))
    client = client_for(User.objects.get(username="clerk"))
    body = {"kind": "clearance_progress", "hazard": hazard.pk, "task": task.pk, "submit": True,
            "date_of_information": REPORT_DAY.isoformat(),
            "payload": {"activity": activity(), "cleared": [{"geometry": rect(0, 0, 50, 100),
                                                             "depth_cm": 20}]}}  # fmt: skip
    with django_assert_num_queries(REPORT_QUERIES):
        assert client.post("/api/v1/reports/", body, format="json").status_code == 201


# 25: submission checks the plan alone, with no savepoint to dry-run the write in (decision 0047), and the
# answer lists the report's attachments (decision 0055). 17 since decision 0059: create_report submits the
# row it has just inserted without re-reading it FOR UPDATE in a savepoint of its own (3 queries), so the
# hazard, task, team and organisations it was given stay loaded instead of being read again (5). 18: the
# submission's checks read the hazard as the register holds it, not the caller's copy (a loader holding one
# hazard object across reports had its later reports checked against the area before the earlier approvals).
REPORT_QUERIES = 18


def test_a_report_refused_for_want_of_a_task_is_put_under_its_task_and_submitted(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    task = running_task(cast, hazard, accredited_team(cast))
    clerk = client_for(cast.clerk)
    cleared = [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}]
    body = {"kind": "clearance_progress", "hazard": hazard.pk, "date_of_information": REPORT_DAY.isoformat(),
            "payload": {"activity": activity(), "cleared": cleared}}  # fmt: skip
    draft = clerk.post("/api/v1/reports/", body, format="json").json()
    url = f"/api/v1/reports/{draft['id']}/"
    refused = clerk.post(f"{url}submit/", {}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "task"
    edited = clerk.patch(url, {"task": task.pk}, format="json", HTTP_IF_MATCH=f'"{draft["version"]}"')
    assert edited.status_code == 200 and edited.json()["task"] == task.pk
    assert clerk.post(f"{url}submit/", {}, format="json").json()["status"] == "submitted"
