"""The steps the tasking tests share (decision 0050), always through the public actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework.test import APIClient

from clearground.test import DAY0, Cast, square
from hazards.models import HazardousArea
from operations.actions import accept_task, assign_team, issue_task, start_task
from operations.models import Task
from quality.actions import add_team, grant_accreditation
from quality.models import Team
from reports.actions import approve_report, create_report

#: The day tasks start in these tests; accreditations run from the start of 2024.
ON = dt.date(2024, 2, 1)
ACCREDITED_FROM = dt.date(2024, 1, 1)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def bravo_hazard(cast: Cast, size_m: float = 100.0) -> HazardousArea:
    """A hazard registered by operator Bravo (NTS by its clerk, approved by the authority): not Alpha's."""
    report = create_report(acting_user=cast.outsider, organisation=cast.bravo, kind="nts", date_of_information=DAY0,
                           payload=cast.nts_payload(square(size_m)), submit=True)  # fmt: skip
    # Drawn at the origin like every test hazard: one that overlaps is linked (decision 0048).
    report = approve_report(report, acting_user=cast.imo, overlap="link")
    assert report.hazard is not None
    return HazardousArea.objects.get(pk=report.hazard.pk)


def accredited_team(cast: Cast, code: str = "mdt-1", kinds: tuple[str, ...] = ("clearance", "ts")) -> Team:
    """A manual demining team of Alpha, registered by Alpha's IM officer and accredited by the authority's QA."""
    team = add_team(cast.alpha, acting_user=cast.approver, code=code, name=f"Manual team {code}",
                    team_type="manual", size=8)  # fmt: skip
    grant_accreditation(cast.alpha, acting_user=cast.qa, activity_kinds=kinds, team=team, valid_from=ACCREDITED_FROM)
    return team


def running_task(cast: Cast, hazard: HazardousArea, team: Team, activity_kind: str = "clearance") -> Task:
    """A task issued to Alpha on `hazard`, accepted, with `team` assigned, started."""
    task = issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind=activity_kind, hazard=hazard,
                      start_on=ON, instructions="Clear the field north of the school")  # fmt: skip
    task = accept_task(task, acting_user=cast.approver)
    task = assign_team(task, acting_user=cast.approver, team=team)
    return start_task(task, acting_user=cast.clerk)
