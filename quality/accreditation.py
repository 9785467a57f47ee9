"""Is an organisation (a team, an asset) accredited for an activity on a day (IMAS 07.30)? Reads only.

`accreditation_refusal` is the one rule every door asks (decision 0050): issuing a task to a team,
assigning a team, submitting a report on a task. It replaces `Organisation.accreditation_scopes`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from accounts.models import Organisation
from quality.choices import AssetKind, TeamType
from quality.models import Accreditation, Asset, Team
from vocab.choices import ActivityKind

# The activity kinds a type of team can do at all, whatever its accreditation says (IMAS 07.10: a task
# goes to a team able to do it). A team without a type (registered before types) is not checked here.
TEAM_TYPE_ACTIVITIES: dict[str, frozenset[str]] = {
    TeamType.MANUAL: frozenset({ActivityKind.CLEARANCE, ActivityKind.TS, ActivityKind.MARKING, ActivityKind.PCI}),
    TeamType.MECHANICAL: frozenset({ActivityKind.CLEARANCE, ActivityKind.TS}),
    TeamType.MDD: frozenset({ActivityKind.CLEARANCE, ActivityKind.TS}),
    TeamType.EOD: frozenset({ActivityKind.EOD_SPOT, ActivityKind.BAC}),
    TeamType.NTS: frozenset({ActivityKind.NTS, ActivityKind.MARKING, ActivityKind.HANDOVER}),
    TeamType.EORE: frozenset(),
    TeamType.BAC: frozenset({ActivityKind.BAC, ActivityKind.EOD_SPOT, ActivityKind.CLEARANCE}),
}
# Assets that work the ground themselves and so need their own accreditation for the activity.
ACCREDITED_ASSETS = frozenset({AssetKind.MACHINE, AssetKind.DOG})


def is_accredited(
    organisation: Organisation,
    activity_kind: str,
    on: dt.date,
    team: Team | None = None,
    method: str = "",
    asset: Asset | None = None,
) -> bool:
    """True when an accreditation of the organisation (of `team`, of `asset`) covers the activity kind, method, day.

    Without a team, an accreditation of any of the organisation's teams counts: activities do not say
    which team did them. An asset's accreditation speaks for that asset only.
    """
    rows = Accreditation.objects.filter(organisation=organisation, valid_from__lte=on)
    if asset is not None:
        rows = rows.filter(asset=asset)
    else:
        rows = rows.filter(asset__isnull=True)
        if team is not None:
            rows = rows.filter(Q(team__isnull=True) | Q(team=team))
    return any(a.covers(activity_kind, on, method) for a in rows)


def accreditation_refusal(organisation: Organisation, activity_kind: str, on: dt.date, team: Team | None = None) -> str:
    """Why the organisation (with `team`) may not do `activity_kind` on `on`, or '' when it may.

    The team must be of a type that does the activity, accredited for it (or its organisation be), and
    each of its machines and dogs accredited for it as well.
    """
    label = activity_kind  # codes, not labels: the API's problems stay English (as accreditation_finding)
    if team is not None:
        if team.organisation_id != organisation.pk:
            return f"team {team.code} is not a team of {organisation.code}"
        if team.team_type and activity_kind not in TEAM_TYPE_ACTIVITIES.get(team.team_type, frozenset()):
            return f"team {team.code} is a {team.team_type} team; it does not do {label}"
    if not is_accredited(organisation, activity_kind, on, team=team):
        who = f"team {team.code} of {organisation.code}" if team is not None else str(organisation.code)
        return f"{who} is not accredited for {label} on {on}"
    if team is not None:
        for asset in team.assets.filter(kind__in=ACCREDITED_ASSETS).order_by("code"):
            if not is_accredited(organisation, activity_kind, on, asset=asset):
                return f"{asset.kind} {asset.code} of team {team.code} is not accredited for {label} on {on}"
    return ""


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
