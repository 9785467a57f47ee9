"""Does a field report of work belong to a task it may name? The one rule submission asks (decision 0050).

Reads only. The rule applies while the programme has tasking on (settings.CLEARGROUND_TASKING_REQUIRED);
with it off, a report may still name a task, and the task is then checked the same way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

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
            message = _("a report of work names the task it was done under; this one names none")
            return [Problem("task", message, "task_required")]
        return []
    if not rule:
        message = _("a %(kind)s report is not work on a task; leave the task empty") % {"kind": report.kind}
        return [Problem("task", message, "task_not_allowed")]
    problems = []
    if task.organisation_id != report.organisation_id:
        message = _("task %(task)s was issued to another organisation") % {"task": task.pk}
        problems.append(Problem("task", message, "task_of_another_organisation"))
    if task.status not in REPORTABLE:
        message = _("task %(task)s is %(status)s; reports are made on an accepted task until it is completed")
        problems.append(Problem("task", message % {"task": task.pk, "status": task.status}, "task_not_open"))
    if task.hazard_id is not None and report.hazard_id != task.hazard_id:
        message = _("task %(task)s is on hazard %(hazard)s; report on that hazard")
        problems.append(
            Problem("hazard", message % {"task": task.pk, "hazard": task.hazard_id}, "task_on_another_hazard")
        )
    if activity_kind and activity_kind != task.activity_kind:
        message = _("task %(task)s is %(task_activity)s, not %(activity)s")
        words = {"task": task.pk, "task_activity": task.activity_kind, "activity": activity_kind}
        problems.append(Problem("task", message % words, "task_of_another_activity"))
    if not problems and activity_kind:
        refusal = accreditation_refusal(task.organisation, task.activity_kind, report.date_of_information, task.team)
        if refusal:
            problems.append(Problem("task", refusal, "not_accredited"))
    return problems
