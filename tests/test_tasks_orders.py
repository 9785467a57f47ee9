"""Task orders through the API and the actions (decision 0050, IMAS 07.10/07.11): issue, accept, assign, run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User

from accounts.models import AuditEntry
from clearground.test import Cast, square
from core.errors import NotAllowed, ValidationFailed
from operations.actions import assign_team, issue_task
from operations.models import Task, TaskTransition
from quality.actions import add_asset, add_team, grant_accreditation, suspend_accreditation
from tests.tasks_helpers import ACCREDITED_FROM, ON, accredited_team, bravo_hazard, client_for


def issue_through_api(cast: Cast, hazard_id: int, **extra: Any) -> Any:
    body = {"organisation": "alpha", "activity_kind": "clearance", "hazard": hazard_id, "start_on": ON.isoformat(),
            "due_on": "2024-03-31", "priority": "high", "instructions": "Clear to 20 cm", **extra}  # fmt: skip
    return client_for(cast.imo).post("/api/v1/tasks/", body, format="json")


def test_the_authority_tasks_another_operators_hazard_and_alpha_runs_it_to_completion(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    team = accredited_team(cast)
    clerk = client_for(cast.clerk)
    assert clerk.get(f"/api/v1/hazards/{hazard.pk}/").status_code == 404  # Bravo's, and no task yet

    issued = issue_through_api(cast, hazard.pk)
    assert issued.status_code == 201, issued.json()
    task = issued.json()
    assert (task["status"], task["organisation"], task["hazard"], task["team"]) == ("issued", "alpha", hazard.pk, None)
    assert issued["ETag"] == '"1"'
    assert clerk.get(f"/api/v1/hazards/{hazard.pk}/").status_code == 200  # tasked: Alpha sees it now

    url = f"/api/v1/tasks/{task['id']}/"
    approver = client_for(cast.approver)
    assert approver.post(f"{url}accept/", {}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    assigned = approver.post(f"{url}assign-team/", {"team": team.code, "version": 2}, format="json")
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["team"] == "mdt-1" and assigned["ETag"] == '"3"'
    assert clerk.post(f"{url}start/", {}, format="json").status_code == 200
    assert clerk.post(f"{url}suspend/", {"reason": "Heavy rain"}, format="json").json()["status"] == "suspended"
    assert clerk.post(f"{url}start/", {}, format="json").json()["status"] == "started"
    done = clerk.post(f"{url}complete/", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed"

    steps = [(t["from_status"], t["to_status"], t["by"]) for t in done.json()["transitions"]]
    assert steps == [
        ("", "issued", "imo"),
        ("issued", "accepted", "approver"),
        ("accepted", "accepted", "approver"),  # the team assigned
        ("accepted", "started", "clerk"),
        ("started", "suspended", "clerk"),
        ("suspended", "started", "clerk"),
        ("started", "completed", "clerk"),
    ]
    actions = list(
        AuditEntry.objects.filter(object_type="operations.task").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["task.issue", "task.accept", "task.assign_team", "task.start", "task.suspend", "task.start",
                       "task.complete"]  # fmt: skip
    # The task's life is over: the hazard is Bravo's again, out of Alpha's sight.
    assert clerk.get(f"/api/v1/hazards/{hazard.pk}/").status_code == 404


def test_a_team_without_the_accreditation_is_refused_with_the_reason(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    accredited_team(cast)  # Alpha is accredited for clearance through its team mdt-1, not mdt-2
    unaccredited = add_team(cast.alpha, acting_user=cast.approver, code="mdt-2", name="New team", team_type="manual")
    task = issue_through_api(cast, hazard.pk).json()
    url = f"/api/v1/tasks/{task['id']}/"
    client_for(cast.approver).post(f"{url}accept/", {}, format="json")

    refused = client_for(cast.approver).post(f"{url}assign-team/", {"team": "mdt-2"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"field": "team", "code": "invalid",
                                         "message": f"team mdt-2 of alpha is not accredited for clearance on "
                                                    f"{dt.date.today()}"}]  # fmt: skip
    stored = Task.objects.get(pk=task["id"])
    assert (stored.team, stored.version) == (None, 2)  # nothing changed

    # Accredited for technical survey only: still not for clearance.
    grant_accreditation(cast.alpha, acting_user=cast.qa, activity_kinds=["ts"], team=unaccredited,
                        valid_from=ACCREDITED_FROM)  # fmt: skip
    assert client_for(cast.approver).post(f"{url}assign-team/", {"team": "mdt-2"}, format="json").status_code == 400


def test_a_team_of_the_wrong_type_or_with_an_unaccredited_machine_is_refused(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    eod = add_team(cast.alpha, acting_user=cast.approver, code="eod-1", name="EOD team", team_type="eod")
    grant_accreditation(cast.alpha, acting_user=cast.qa, activity_kinds=["clearance", "eod_spot"], team=eod,
                        valid_from=ACCREDITED_FROM)  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance", hazard=hazard,
                   start_on=ON, team=eod)  # fmt: skip
    assert refused.value.problems[0].message == "team eod-1 is a eod team; it does not do clearance"

    mech = add_team(cast.alpha, acting_user=cast.approver, code="mech-1", name="Flail team", team_type="mechanical")
    grant_accreditation(cast.alpha, acting_user=cast.qa, activity_kinds=["clearance"], team=mech,
                        valid_from=ACCREDITED_FROM)  # fmt: skip
    flail = add_asset(cast.alpha, acting_user=cast.approver, kind="machine", code="flail-7", name="MV-4", team=mech)
    with pytest.raises(ValidationFailed) as refused:
        issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance", hazard=hazard,
                   start_on=ON, team=mech)  # fmt: skip
    assert (
        refused.value.problems[0].message == f"machine flail-7 of team mech-1 is not accredited for clearance on {ON}"
    )
    grant_accreditation(cast.alpha, acting_user=cast.qa, activity_kinds=["clearance"], asset=flail,
                        valid_from=ACCREDITED_FROM)  # fmt: skip
    task = issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance", hazard=hazard,
                      start_on=ON, team=mech)  # fmt: skip
    assert task.team == mech
    assert not Task.objects.exclude(pk=task.pk).exists()  # the refused issues left nothing behind


def test_issuing_lists_every_problem_and_an_unaccredited_operator_is_refused(cast: Cast) -> None:
    refused = client_for(cast.imo).post(
        "/api/v1/tasks/",
        {"organisation": "alpha", "activity_kind": "juggling", "start_on": "2024-03-01", "due_on": "2024-02-01"},
        format="json",
    )
    assert refused.status_code == 400
    assert {e["field"] for e in refused.json()["errors"]} == {"activity_kind", "hazard", "due_on"}
    hazard = bravo_hazard(cast)
    unaccredited = issue_through_api(cast, hazard.pk)  # Alpha holds no accreditation at all
    assert unaccredited.status_code == 400
    assert unaccredited.json()["errors"] == [{"field": "organisation", "code": "invalid",
                                              "message": f"alpha is not accredited for clearance on {ON}"}]  # fmt: skip
    assert not Task.objects.exists()


def test_an_area_without_a_hazard_can_be_tasked(cast: Cast) -> None:
    grant_accreditation(cast.alpha, acting_user=cast.qa, activity_kinds=["nts"], valid_from=ACCREDITED_FROM)
    issued = client_for(cast.imo).post(
        "/api/v1/tasks/",
        {"organisation": "alpha", "activity_kind": "nts", "area": square(500), "start_on": ON.isoformat()},
        format="json",
    )
    assert issued.status_code == 201, issued.json()
    assert issued.json()["area"]["type"] == "MultiPolygon" and issued.json()["hazard"] is None


def test_only_the_authority_issues_and_cancels_and_only_the_tasked_operator_runs_the_task(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    accredited_team(cast)
    for user in (cast.clerk, cast.approver, cast.outsider, cast.qa, cast.viewer):
        assert issue_through_api(cast, hazard.pk).status_code == 201  # the imo can, each time
        body = {"organisation": "alpha", "activity_kind": "clearance", "hazard": hazard.pk, "start_on": "2024-02-01"}
        assert client_for(user).post("/api/v1/tasks/", body, format="json").status_code == 403, user
    task = Task.objects.first()
    assert task is not None
    url = f"/api/v1/tasks/{task.pk}/"
    # The authority issues; the operator does the work.
    assert client_for(cast.imo).post(f"{url}accept/", {}, format="json").status_code == 403
    assert client_for(cast.viewer).get(url).status_code == 200
    assert client_for(cast.viewer).post(f"{url}accept/", {}, format="json").status_code == 403
    assert client_for(cast.clerk).post(f"{url}cancel/", {"reason": "x"}, format="json").status_code == 403
    assert client_for(cast.imo).post(f"{url}cancel/", {"reason": ""}, format="json").status_code == 400
    assert client_for(cast.imo).post(f"{url}cancel/", {"reason": "Land sold"}, format="json").status_code == 200
    with pytest.raises(NotAllowed):
        assign_team(task, acting_user=cast.outsider, team=task.team or accredited_team(cast, code="mdt-9"))


def test_an_outsider_sees_no_task_of_another_operator(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    accredited_team(cast)
    task = issue_through_api(cast, hazard.pk).json()
    url = f"/api/v1/tasks/{task['id']}/"
    outsider = client_for(cast.outsider)
    assert outsider.get("/api/v1/tasks/").json()["results"] == []
    assert outsider.get(f"/api/v1/tasks/?hazard={hazard.pk}").json()["results"] == []
    for answer in (outsider.get(url), outsider.post(f"{url}accept/", {}, format="json"),
                   outsider.post(f"{url}assign-team/", {"team": "mdt-1"}, format="json"),
                   outsider.get("/api/v1/tasks/999999/")):  # fmt: skip
        assert answer.status_code == 404
        assert answer.json()["detail"] in ("No such task.", "There is nothing at this address.")
    anonymous = client_for(User.objects.get(username="viewer"))
    anonymous.force_authenticate(None)
    assert anonymous.get(url).status_code in (401, 403)
    assert Task.objects.get(pk=task["id"]).status == "issued"


def test_a_step_on_a_stale_version_is_refused_and_changes_nothing(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    accredited_team(cast)
    url = f"/api/v1/tasks/{issue_through_api(cast, hazard.pk).json()['id']}/"
    approver = client_for(cast.approver)
    assert approver.post(f"{url}accept/", {}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    stale = approver.post(f"{url}assign-team/", {"team": "mdt-1"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current"]["version"] == 2 and stale["ETag"] == '"2"'
    assert approver.post(f"{url}start/", {"version": 1}, format="json").status_code == 409
    assert TaskTransition.objects.filter(task__pk=url.split("/")[-2]).count() == 2


def test_a_step_out_of_order_is_a_conflict(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    accredited_team(cast)
    url = f"/api/v1/tasks/{issue_through_api(cast, hazard.pk).json()['id']}/"
    clerk = client_for(cast.clerk)
    assert clerk.post(f"{url}complete/", {}, format="json").status_code == 409
    assert clerk.post(f"{url}accept/", {}, format="json").status_code == 200
    started = clerk.post(f"{url}start/", {}, format="json")  # no team yet
    assert started.status_code == 400 and started.json()["errors"][0]["field"] == "team"


def test_a_suspended_accreditation_stops_a_team_from_being_assigned(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    team = accredited_team(cast)
    suspend_accreditation(team.accreditations.get(), acting_user=cast.qa, on=ACCREDITED_FROM, reason="QA finding")
    with pytest.raises(ValidationFailed) as refused:
        issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance", hazard=hazard,
                   start_on=ON, team=team)  # fmt: skip
    assert refused.value.problems[0].field == "team"


def test_teams_and_assets_are_registered_by_the_operator_and_seen_by_the_authority(cast: Cast) -> None:
    approver = client_for(cast.approver)
    made = approver.post("/api/v1/teams/", {"code": "mdd-1", "name": "Dog team", "team_type": "mdd", "size": 4},
                         format="json")  # fmt: skip
    assert made.status_code == 201, made.json()
    assert made.json() == {"id": made.json()["id"], "organisation": "alpha", "code": "mdd-1", "name": "Dog team",
                           "team_type": "mdd", "size": 4}  # fmt: skip
    dog = approver.post(
        "/api/v1/assets/", {"kind": "dog", "code": "rex", "name": "Rex", "team": "mdd-1"}, format="json"
    )
    assert dog.status_code == 201 and dog.json()["team"] == "mdd-1"
    bad = approver.post("/api/v1/teams/", {"code": "mdd-1", "name": "", "team_type": "cavalry", "size": 0},
                        format="json")  # fmt: skip
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"code", "name", "team_type", "size"}
    assert client_for(cast.clerk).post("/api/v1/teams/", {"code": "x", "name": "X"}, format="json").status_code == 403
    assert client_for(cast.outsider).post("/api/v1/teams/", {"organisation": "alpha", "code": "x", "name": "X"},
                                          format="json").status_code == 403  # fmt: skip

    assert [t["code"] for t in client_for(cast.imo).get("/api/v1/teams/").json()["results"]] == ["mdd-1"]
    assert [a["code"] for a in client_for(cast.viewer).get("/api/v1/assets/").json()["results"]] == ["rex"]
    outsider = client_for(cast.outsider)
    assert outsider.get("/api/v1/teams/").json()["results"] == []
    assert outsider.get("/api/v1/assets/").json()["results"] == []
    assert outsider.get(f"/api/v1/teams/{made.json()['id']}/").status_code == 404
    assert outsider.get(f"/api/v1/assets/{dog.json()['id']}/").status_code == 404
    assert AuditEntry.objects.filter(action__in=["team.add", "asset.add"]).count() == 2

    granted = client_for(cast.qa).post("/api/v1/accreditations/", {"organisation": "alpha", "asset": "rex",
                                       "activity_kinds": ["clearance"], "valid_from": "2024-01-01"},
                                       format="json")  # fmt: skip
    assert granted.status_code == 201 and granted.json()["asset"] == "rex"


def test_the_schema_lists_tasks_teams_and_assets(cast: Cast) -> None:
    paths = client_for(cast.viewer).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"/api/v1/tasks/", "/api/v1/tasks/{id}/assign-team/", "/api/v1/teams/", "/api/v1/assets/"} <= set(paths)


def test_issuing_a_task_takes_a_pinned_number_of_queries(cast: Cast, django_assert_num_queries: Any) -> None:
    hazard = bravo_hazard(cast)
    accredited_team(cast)
    client = client_for(User.objects.get(username="imo"))  # freshly loaded: its scope is looked up, as in a request
    body = {"organisation": "alpha", "activity_kind": "clearance", "hazard": hazard.pk, "start_on": ON.isoformat(),
            "team": "mdt-1"}  # fmt: skip
    with django_assert_num_queries(ISSUE_QUERIES):
        assert client.post("/api/v1/tasks/", body, format="json").status_code == 201


def test_accepting_a_task_takes_a_pinned_number_of_queries(cast: Cast, django_assert_num_queries: Any) -> None:
    hazard = bravo_hazard(cast)
    accredited_team(cast)
    task = issue_through_api(cast, hazard.pk).json()
    client = client_for(User.objects.get(username="approver"))
    with django_assert_num_queries(ACCEPT_QUERIES):
        assert client.post(f"/api/v1/tasks/{task['id']}/accept/", {}, format="json").status_code == 200


# Each includes the step's notifications (decision 0053): who hears of it, their rows, the e-mail job. The task
# in the answer reads its steps with their author and team in one query since decision 0057 (they were one
# query per level: 18 and 14 before).
ISSUE_QUERIES = 16
ACCEPT_QUERIES = 13
