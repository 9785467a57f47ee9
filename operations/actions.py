"""One action per step of a task order (IMAS 07.11); every write of a task goes through these.

Each is atomic, takes a keyword-only `acting_user`, refuses a role that may not act (accounts.access),
lists every input problem at once, locks the task and refuses a stale `expected_version` (decision
0027), writes a TaskTransition row and an audit row. Who may act is checked here as well as at the door.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils import timezone

from accounts import access, audit
from accounts.models import Organisation
from core.errors import Conflict, NotAllowed, Problem, Stale, ValidationFailed
from core.geometry import parse_area
from hazards.models import HazardousArea
from operations import notifications
from operations.models import NotificationEvent, PriorityWeights, Task, TaskTransition
from operations.priorities import Weights
from operations.workflow import TEAM_ASSIGNABLE, Priority, TaskStatus, check_step
from quality.accreditation import accreditation_refusal
from quality.models import Team
from vocab.choices import ActivityKind, HazardStatus


def _state(task: Task) -> dict[str, Any]:
    return {"status": task.status, "team": task.team.code if task.team else None, "version": task.version}


def issue_task(
    *,
    acting_user: Any,
    organisation: Organisation,
    activity_kind: str,
    start_on: dt.date,
    hazard: HazardousArea | None = None,
    area: Any = None,
    team: Team | None = None,
    due_on: dt.date | None = None,
    priority: str = Priority.MEDIUM,
    instructions: str = "",
    at: dt.datetime | None = None,
) -> Task:
    """The authority tasks a hazard (or an area) to an operator, maybe to one of its teams, accredited for it."""
    if not access.may_issue_task(acting_user):
        raise NotAllowed("Only the national authority's IM officers and admin issue tasks.")
    problems: list[Problem] = []
    if organisation.is_authority:
        problems.append(Problem("organisation", "tasks are issued to operators, not to the authority"))
    if activity_kind not in ActivityKind.values:
        problems.append(Problem("activity_kind", f"'{activity_kind}' is not one of {', '.join(ActivityKind.values)}"))
    geom = None
    if hazard is None and area in (None, "", {}):
        problems.append(Problem("hazard", "name the hazard to work on, or give the area"))
    elif area not in (None, "", {}):
        parsed, area_problems = parse_area(area, "area")
        problems += area_problems
        geom = parsed.geom if parsed else None
    # A closed hazard is released land: what is left to task is handing it over to its users.
    if hazard is not None and hazard.status == HazardStatus.CLOSED and activity_kind != ActivityKind.HANDOVER:
        problems.append(Problem("hazard", f"hazard {hazard.pk} is closed (released); only its handover can be tasked"))
    if due_on is not None and due_on < start_on:
        problems.append(Problem("due_on", f"{due_on} is before start_on {start_on}"))
    if priority not in Priority.values:
        problems.append(Problem("priority", f"'{priority}' is not one of {', '.join(Priority.values)}"))
    if not problems:
        refusal = accreditation_refusal(organisation, activity_kind, start_on, team)
        if refusal:
            problems.append(Problem("team" if team is not None else "organisation", refusal))
    if problems:
        raise ValidationFailed(problems)
    at = at or timezone.now()
    with transaction.atomic():
        task = Task.objects.create(
            hazard=hazard,
            area=geom,
            activity_kind=activity_kind,
            organisation=organisation,
            team=team,
            start_on=start_on,
            due_on=due_on,
            priority=priority,
            instructions=instructions.strip(),
            issued_by=acting_user,
            issued_at=at,
        )
        TaskTransition.objects.create(task=task, from_status="", to_status=TaskStatus.ISSUED, team=team,
                                      by=acting_user, at=at)  # fmt: skip
        audit.record(
            acting_user,
            "task.issue",
            task,
            new={
                "organisation": organisation.code,
                "activity_kind": activity_kind,
                "hazard": hazard.pk if hazard else None,
                "team": team.code if team else None,
                "start_on": str(start_on),
                "due_on": str(due_on) if due_on else None,
                "priority": priority,
            },
        )
        notifications.notify(NotificationEvent.ISSUED, task, notifications.operator_staff(task), at=at)
    return task


def _locked(task: Task, expected_version: int | None) -> Task:
    task = Task.objects.select_for_update(of=("self",)).select_related("organisation", "team").get(pk=task.pk)
    if expected_version is not None and task.version != expected_version:
        raise Stale(task, field="version", sent=expected_version)
    return task


def _step(
    task: Task,
    to: str,
    *,
    acting_user: Any,
    action: str,
    reason: str = "",
    reason_required: bool = False,
    expected_version: int | None,
    at: dt.datetime | None,
    authority: bool = False,
) -> Task:
    allowed = access.may_issue_task(acting_user) if authority else access.may_run_task(acting_user, task)
    if not allowed:
        raise NotAllowed(
            "Only the national authority's IM officers and admin cancel tasks."
            if authority
            else "Only the tasked operator's clerks and IM officers act on a task."
        )
    if reason_required and not reason.strip():
        raise ValidationFailed([Problem("reason", "say why")])
    with transaction.atomic():
        task = _locked(task, expected_version)
        check_step(task.status, to)
        if to == TaskStatus.STARTED and task.team_id is None:
            raise ValidationFailed([Problem("team", "assign a team before starting the task")])
        old = _state(task)
        TaskTransition.objects.create(task=task, from_status=task.status, to_status=to, by=acting_user,
                                      at=at or timezone.now(), reason=reason.strip())  # fmt: skip
        task.status = to
        task.version += 1
        task.save(update_fields=["status", "version"])
        audit.record(acting_user, action, task, old=old, new=_state(task), reason=reason.strip())
        if to == TaskStatus.ACCEPTED:
            notifications.notify(NotificationEvent.ACCEPTED, task, notifications.authority_officers())
    return task


def accept_task(
    task: Task, *, acting_user: Any, expected_version: int | None = None, at: dt.datetime | None = None
) -> Task:
    """The operator accepts the task: issued → accepted."""
    return _step(task, TaskStatus.ACCEPTED, acting_user=acting_user, action="task.accept",
                 expected_version=expected_version, at=at)  # fmt: skip


def decline_task(
    task: Task, *, acting_user: Any, reason: str, expected_version: int | None = None, at: dt.datetime | None = None
) -> Task:
    """The operator declines the task, saying why: issued → declined (final; the authority may issue it again)."""
    return _step(task, TaskStatus.DECLINED, acting_user=acting_user, action="task.decline", reason=reason,
                 reason_required=True, expected_version=expected_version, at=at)  # fmt: skip


def start_task(
    task: Task, *, acting_user: Any, expected_version: int | None = None, at: dt.datetime | None = None
) -> Task:
    """Work begins on the ground (a team must be assigned): accepted → started, or suspended → started (resumed)."""
    return _step(task, TaskStatus.STARTED, acting_user=acting_user, action="task.start",
                 expected_version=expected_version, at=at)  # fmt: skip


def suspend_task(
    task: Task, *, acting_user: Any, reason: str, expected_version: int | None = None, at: dt.datetime | None = None
) -> Task:
    """Work stops for a while (weather, security, a QA finding), with the reason: started → suspended."""
    return _step(task, TaskStatus.SUSPENDED, acting_user=acting_user, action="task.suspend", reason=reason,
                 reason_required=True, expected_version=expected_version, at=at)  # fmt: skip


def complete_task(
    task: Task, *, acting_user: Any, expected_version: int | None = None, at: dt.datetime | None = None
) -> Task:
    """The operator reports the task done: started → completed. The hazard's state still comes from reports."""
    return _step(task, TaskStatus.COMPLETED, acting_user=acting_user, action="task.complete",
                 expected_version=expected_version, at=at)  # fmt: skip


def cancel_task(
    task: Task, *, acting_user: Any, reason: str, expected_version: int | None = None, at: dt.datetime | None = None
) -> Task:
    """The authority withdraws a task that is not over, with the reason."""
    return _step(task, TaskStatus.CANCELLED, acting_user=acting_user, action="task.cancel", reason=reason,
                 reason_required=True, expected_version=expected_version, at=at, authority=True)  # fmt: skip


def assign_team(
    task: Task, *, acting_user: Any, team: Team, expected_version: int | None = None, at: dt.datetime | None = None
) -> Task:
    """The operator puts one of its teams on the task; refused, with the reason, unless accredited for the activity."""
    if not access.may_run_task(acting_user, task):
        raise NotAllowed("Only the tasked operator's clerks and IM officers act on a task.")
    with transaction.atomic():
        task = _locked(task, expected_version)
        if task.status not in TEAM_ASSIGNABLE:
            raise Conflict(f"The task is {task.status}; its team can no longer change.")
        # Accredited on the day the work is planned to start, or today if that day has passed.
        on = max(task.start_on, dt.date.today())
        refusal = accreditation_refusal(task.organisation, task.activity_kind, on, team)
        if refusal:
            raise ValidationFailed([Problem("team", refusal)])
        old = _state(task)
        TaskTransition.objects.create(task=task, from_status=task.status, to_status=task.status, team=team,
                                      by=acting_user, at=at or timezone.now(), reason="team assigned")  # fmt: skip
        task.team = team
        task.version += 1
        task.save(update_fields=["team", "version"])
        audit.record(acting_user, "task.assign_team", task, old=old, new=_state(task))
    return task


def call_out_task(report: Any, *, acting_user: Any, at: dt.datetime | None = None) -> Task:
    """The task an EOD spot report makes for itself, where the authority allows call-outs (decision 0050).

    Started at once (the team answered the call) and left for the operator to complete; called by
    reports.actions.submit_report inside its transaction, so a refused report leaves no task behind.
    """
    location = (report.payload.get("location") if isinstance(report.payload, dict) else None) or None
    start = report.payload.get("activity", {}).get("start_date") if isinstance(report.payload, dict) else None
    try:
        start_on = dt.date.fromisoformat(start) if isinstance(start, str) else report.date_of_information
    except ValueError:
        start_on = report.date_of_information
    area = GEOSGeometry(json.dumps(location), srid=4326) if isinstance(location, dict) else None
    if report.hazard_id is None and area is None:
        raise ValidationFailed([Problem("location", "an EOD call-out needs the location of the items")])
    at = at or timezone.now()
    task = Task.objects.create(
        hazard_id=report.hazard_id,
        area=area,
        activity_kind=ActivityKind.EOD_SPOT,
        organisation=report.organisation,
        start_on=min(start_on, report.date_of_information),
        call_out=True,
        status=TaskStatus.STARTED,
        instructions="EOD call-out",
        issued_by=acting_user,
        issued_at=at,
    )
    TaskTransition.objects.create(task=task, from_status="", to_status=TaskStatus.STARTED, by=acting_user, at=at,
                                  reason=f"EOD call-out answered by report #{report.pk}")  # fmt: skip
    audit.record(acting_user, "task.call_out", task, new={"organisation": report.organisation.code,
                                                          "report": report.pk, "status": task.status})  # fmt: skip
    return task


def set_priority_weights(
    *, acting_user: Any, weights: Any, reason: str, in_force_from: dt.date | None = None, at: dt.datetime | None = None
) -> PriorityWeights:
    """The authority sets a new version of the prioritisation weights, saying why (decision 0054).

    In force from `in_force_from` (today by default), never earlier than today: a past ranking must stay
    what it was, so weights cannot be back-dated.
    """
    if not access.may_set_priority_weights(acting_user):
        raise NotAllowed("Only the national authority's IM officers and admin set the priority weights.")
    at = at or timezone.now()
    today = timezone.localdate(at)
    problems: list[Problem] = []
    if not reason.strip():
        problems.append(Problem("reason", "say why the weights change"))
    if in_force_from is not None and in_force_from < today:
        problems.append(Problem("in_force_from", f"{in_force_from} is in the past; weights are never back-dated"))
    try:
        checked = Weights.parse(weights)
    except ValidationFailed as e:
        problems += e.problems
        checked = None
    if problems or checked is None:
        raise ValidationFailed(problems)
    with transaction.atomic():
        # The lock makes two simultaneous changes number their versions one after the other.
        last = PriorityWeights.objects.select_for_update().order_by("-version").first()
        previous = last.weights if last else None
        row = PriorityWeights.objects.create(version=(last.version if last else 0) + 1,
                                             in_force_from=in_force_from or today, weights=checked.as_json(),
                                             set_by=acting_user, set_at=at, reason=reason.strip())  # fmt: skip
        audit.record(acting_user, "priority_weights.set", row, old=previous,
                     new={"version": row.version, "in_force_from": str(row.in_force_from), "weights": row.weights},
                     reason=reason.strip())  # fmt: skip
    return row
