"""Is an organisation accredited for an activity on a day (IMAS 07.30)? Reads only; actions.py writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from accounts.models import Organisation
from quality.models import Accreditation, Team


def is_accredited(
    organisation: Organisation, activity_kind: str, on: dt.date, team: Team | None = None, method: str = ""
) -> bool:
    """True when an accreditation of the organisation (or of `team`) covers the activity kind, method and day.

    Without a team, an accreditation of any of the organisation's teams counts: activities do not say
    which team did them.
    """
    rows = Accreditation.objects.filter(organisation=organisation, valid_from__lte=on)
    if team is not None:
        rows = rows.filter(Q(team__isnull=True) | Q(team=team))
    return any(a.covers(activity_kind, on, method) for a in rows)


def accreditation_finding(activity: Any) -> tuple[bool, str]:
    """Was the activity's organisation accredited for it on its start date? If not, the finding in words.

    A finding, not a refusal: reports by an unaccredited organisation are still recorded, and the QA
    officer decides whether to raise it as a non-conformity (decision 0012).
    """
    org, kind, on = activity.organisation, activity.kind, activity.start_date
    if is_accredited(org, kind, on, method=activity.method):
        return True, ""
    how = f" by {activity.method}" if activity.method else ""
    return False, f"{org} was not accredited for {kind}{how} on {on} (activity #{activity.pk})"
