"""The demo's tasking (decision 0050): accreditations and teams of its operators, and the task each report of work
is filed under — issued by the authority's IM officer, accepted, given a team and started by the operator.

Accreditations are granted organisation-wide for each operator's activity kinds (`OrgSpec.scopes`) plus
handover, by the authority's admin (a QA role; the demo's `qa` login keeps no records, so it can be
removed); each operator has one team of each type its kinds call for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User

from accounts.models import Organisation
from hazards.models import HazardousArea
from operations.actions import accept_task, assign_team, complete_task, issue_task, start_task, suspend_task
from operations.models import Task
from operations.tasking import needs_task
from operations.workflow import TaskStatus
from quality.actions import add_team, grant_accreditation
from quality.choices import TeamType
from quality.models import Accreditation, Team
from reports.kinds import KINDS
from vocab.choices import ActivityKind as A

ACCREDITED_FROM = dt.date(2020, 1, 1)
# The team type that does each activity kind in the demo (quality.accreditation.TEAM_TYPE_ACTIVITIES allows it).
TEAM_FOR: dict[str, str] = {
    A.NTS: TeamType.NTS,
    A.TS: TeamType.MANUAL,
    A.CLEARANCE: TeamType.MANUAL,
    A.EOD_SPOT: TeamType.EOD,
    A.BAC: TeamType.BAC,
    A.MARKING: TeamType.NTS,
    A.HANDOVER: TeamType.NTS,
}
TEAM_SIZE: dict[str, int] = {TeamType.NTS: 3, TeamType.MANUAL: 10, TeamType.EOD: 4, TeamType.BAC: 8}


def ensure_tasking(operators: dict[str, tuple[Organisation, tuple[str, ...]]], *, admin: User) -> None:
    """Accreditations and teams of each operator, created if missing (safe to repeat)."""
    for code, (org, scopes) in operators.items():
        kinds = [*scopes, A.HANDOVER]
        if not Accreditation.objects.filter(organisation=org, team__isnull=True, asset__isnull=True).exists():
            grant_accreditation(org, acting_user=admin, activity_kinds=kinds, valid_from=ACCREDITED_FROM,
                                reference=f"NMAA-ACC-{code.upper()}")  # fmt: skip
        for team_type in dict.fromkeys(TEAM_FOR[k] for k in kinds if k in TEAM_FOR):
            team_code = f"{team_type}-1"
            if not Team.objects.filter(organisation=org, code=team_code).exists():
                add_team(org, acting_user=admin, code=team_code, name=f"{org.code.upper()} {team_type} team 1",
                         team_type=team_type, size=TEAM_SIZE.get(team_type, 6))  # fmt: skip


def _moment(on: dt.date) -> dt.datetime:
    return dt.datetime.combine(on, dt.time(8, 0), tzinfo=dt.UTC)


@dataclass
class Tasking:
    """The live task of each operator and activity kind on the story's hazard, issued when first needed."""

    imo: User
    clerks: dict[str, User]
    tasks: dict[tuple[str, str], Task] = field(default_factory=dict)

    def task_for(self, kind: str, org: Organisation, hazard: HazardousArea | None, payload: dict[str, Any],
                 on: dt.date) -> Task | None:  # fmt: skip
        """The task a report of `kind` is filed under (issued, accepted, staffed and started if need be), or None."""
        spec = KINDS[kind]
        if hazard is None or not needs_task(spec.task, has_hazard=True):
            return None  # a new hazard, or an EOD spot outside any hazard: a call-out makes its own task
        activity_kind = spec.activity_kind or payload.get("activity_kind") or A.CLEARANCE
        if kind == "handover":
            activity_kind = A.HANDOVER
        key = (org.code, activity_kind)
        task = self.tasks.get(key)
        clerk = self.clerks[org.code]
        if task is None or task.hazard_id != hazard.pk:
            start = min(on, dt.date.fromisoformat(payload.get("activity", {}).get("start_date", on.isoformat())))
            at = _moment(start - dt.timedelta(days=3))
            team = Team.objects.get(organisation=org, code=f"{TEAM_FOR[activity_kind]}-1")
            task = issue_task(acting_user=self.imo, organisation=org, activity_kind=activity_kind, hazard=hazard,
                              start_on=start, due_on=start + dt.timedelta(days=90), at=at,
                              instructions="Work to IMAS and the national standards; report weekly.")  # fmt: skip
            task = accept_task(task, acting_user=clerk, at=at + dt.timedelta(hours=4))
            task = assign_team(task, acting_user=clerk, team=team, at=at + dt.timedelta(hours=5))
            task = start_task(task, acting_user=clerk, at=_moment(start))
            self.tasks[key] = task
        elif task.status == TaskStatus.SUSPENDED:
            task = self.tasks[key] = start_task(task, acting_user=clerk, at=_moment(on))
        return task

    def after(self, kind: str, task: Task | None, payload: dict[str, Any], on: dt.date) -> None:
        """A report filed: its task suspends with its activity, and completes with a completion or handover."""
        if task is None:
            return
        clerk = self.clerks[task.organisation.code]
        status = payload.get("activity", {}).get("status")
        if status == "suspended":
            reason = payload.get("suspend_reason") or "Work suspended"
            self.tasks[(task.organisation.code, task.activity_kind)] = suspend_task(
                task, acting_user=clerk, reason=reason, at=_moment(on)
            )
        elif kind in ("completion", "handover"):
            complete_task(task, acting_user=clerk, at=_moment(on) + dt.timedelta(hours=9))
            self.tasks.pop((task.organisation.code, task.activity_kind), None)
