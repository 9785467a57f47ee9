"""Does a field report of work belong to a task it may name? The one rule submission asks (decision 0050).

Reads only. The rule applies while the programme has tasking on (settings.CLEARGROUND_TASKING_REQUIRED);
with it off, a report may still name a task, and the task is then checked the same way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from core.errors import Problem
from operations.models import Task
from operations.workflow import REPORTABLE
from quality.accreditation import accreditation_refusal
from reports.kinds.base import TASK_OR_CALL_OUT, TASK_REQUIRED, TASK_WITH_HAZARD


def tasking_required() -> bool:
    """Has the authority turned tasking on for the programme (every report of work names its task)?"""
    return bool(getattr(settings, "CLEARGROUND_TASKING_REQUIRED", True))


def call_outs_allowed() -> bool:
    """May an EOD spot report outside any task make its own (a call-out)?"""
    return bool(getattr(settings, "CLEARGROUND_EOD_CALL_OUTS", True))


def needs_task(rule: str, *, has_hazard: bool) -> bool:
    """Must a report of a kind with this rule (naming a hazard or not) name a task, with tasking on?"""
    if rule == TASK_REQUIRED or rule == TASK_OR_CALL_OUT:
        return True
    return rule == TASK_WITH_HAZARD and has_hazard


def task_problems(report: Any, rule: str, activity_kind: str | None) -> list[Problem]:
    """Why the report may not be submitted on its task (or without one); [] when it may."""
    task: Task | None = report.task
    if task is None:
        if rule and tasking_required() and needs_task(rule, has_hazard=report.hazard_id is not None):
            return [Problem("task", "a report of work names the task it was done under; this one names none")]
        return []
    if not rule:
        return [Problem("task", f"a {report.kind} report is not work on a task; leave the task empty")]
    problems = []
    if task.organisation_id != report.organisation_id:
        problems.append(Problem("task", f"task {task.pk} was issued to another organisation"))
    if task.status not in REPORTABLE:
        problems.append(Problem("task", f"task {task.pk} is {task.status}; reports are made on an accepted task "
                                        "until it is completed"))  # fmt: skip
    if task.hazard_id is not None and report.hazard_id != task.hazard_id:
        problems.append(Problem("hazard", f"task {task.pk} is on hazard {task.hazard_id}; report on that hazard"))
    if activity_kind and activity_kind != task.activity_kind:
        problems.append(Problem("task", f"task {task.pk} is {task.activity_kind}, not {activity_kind}"))
    if not problems and activity_kind:
        refusal = accreditation_refusal(task.organisation, task.activity_kind, report.date_of_information, task.team)
        if refusal:
            problems.append(Problem("task", refusal))
    return problems
