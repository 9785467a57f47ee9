"""One action per quality-management event: teams, assets, accreditations, corrective actions, verification.

Each is atomic, takes a keyword-only `acting_user`, refuses a role that may not act (accounts.access),
lists every input problem at once, and writes an audit row and, for a change of status, a step row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts import access, audit
from accounts.access import AnyUser, signed_in
from accounts.models import Organisation
from core.errors import Conflict, NotAllowed, Problem, ValidationFailed
from quality.choices import AccreditationStatus, AssetKind, NonConformityStatus, TeamType
from quality.models import (
    Accreditation,
    AccreditationChange,
    Asset,
    CorrectiveAction,
    NonConformity,
    NonConformityStep,
    Team,
)
from vocab.choices import ActivityKind, Method


def _require_quality_role(user: AnyUser) -> None:
    if not access.may_manage_quality(user):
        raise NotAllowed("Only the national authority's admin, IM or QA officers manage accreditations.")


def _check_code_and_name(
    problems: list[Problem], model: type[Team] | type[Asset], organisation: Organisation, code: str, name: str
) -> None:
    what = model._meta.verbose_name
    if not code.strip():
        problems.append(Problem("code", "is required"))
    elif model.objects.filter(organisation=organisation, code=code.strip()).exists():
        problems.append(Problem("code", f"{organisation.code} already has a {what} '{code.strip()}'"))
    if not name.strip():
        problems.append(Problem("name", "is required"))
    if organisation.is_authority:
        problems.append(Problem("organisation", f"the national authority tasks operators' {what}s; it has none"))


def add_team(
    organisation: Organisation,
    *,
    acting_user: AnyUser,
    code: str,
    name: str,
    team_type: str = "",
    size: int | None = None,
) -> Team:
    """Register a team of an organisation (its type and size), so that it can be accredited and tasked."""
    if not access.may_register_teams(acting_user, organisation.pk):
        raise NotAllowed("An operator's IM officer, or the authority's QA roles, register its teams and assets.")
    problems: list[Problem] = []
    _check_code_and_name(problems, Team, organisation, code, name)
    if team_type and team_type not in TeamType.values:
        problems.append(Problem("team_type", f"'{team_type}' is not one of {', '.join(TeamType.values)}"))
    if size is not None and not 1 <= size <= 500:
        problems.append(Problem("size", f"{size} is not a number of people between 1 and 500"))
    if problems:
        raise ValidationFailed(problems)
    team = Team.objects.create(
        organisation=organisation, code=code.strip(), name=name.strip(), team_type=team_type, size=size
    )
    audit.record(acting_user, "team.add", team, new={"organisation": organisation.code, "code": team.code,
                                                     "team_type": team_type, "size": size})  # fmt: skip
    return team


def add_asset(
    organisation: Organisation, *, acting_user: AnyUser, kind: str, code: str, name: str, team: Team | None = None
) -> Asset:
    """Register an asset (a machine, a dog) of an organisation, maybe with a team, to be accredited on its own."""
    if not access.may_register_teams(acting_user, organisation.pk):
        raise NotAllowed("An operator's IM officer, or the authority's QA roles, register its teams and assets.")
    problems: list[Problem] = []
    _check_code_and_name(problems, Asset, organisation, code, name)
    if kind not in AssetKind.values:
        problems.append(Problem("kind", f"'{kind}' is not one of {', '.join(AssetKind.values)}"))
    if team is not None and team.organisation_id != organisation.pk:
        problems.append(Problem("team", f"team {team} is not a team of {organisation.code}"))
    if problems:
        raise ValidationFailed(problems)
    asset = Asset.objects.create(organisation=organisation, team=team, kind=kind, code=code.strip(), name=name.strip())
    audit.record(acting_user, "asset.add", asset, new={"organisation": organisation.code, "code": asset.code,
                                                       "kind": kind, "team": team.code if team else None})  # fmt: skip
    return asset


def grant_accreditation(
    organisation: Organisation,
    *,
    acting_user: AnyUser,
    activity_kinds: Iterable[str],
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    methods: Iterable[str] = (),
    team: Team | None = None,
    asset: Asset | None = None,
    reference: str = "",
    at: dt.datetime | None = None,
) -> Accreditation:
    """Accredit an organisation (or a team or asset of it) for activity kinds and methods from a day, maybe to one."""
    _require_quality_role(acting_user)
    kinds, how = list(dict.fromkeys(activity_kinds)), list(dict.fromkeys(methods))
    problems = []
    if organisation.is_authority:
        problems.append(Problem("organisation", "the national authority accredits operators, not itself"))
    if not kinds:
        problems.append(Problem("activity_kinds", f"name at least one of {', '.join(ActivityKind.values)}"))
    problems += [
        Problem("activity_kinds", f"'{k}' is not one of {', '.join(ActivityKind.values)}")
        for k in kinds
        if k not in ActivityKind.values
    ]
    problems += [
        Problem("methods", f"'{m}' is not one of {', '.join(Method.values)}") for m in how if m not in Method.values
    ]
    if valid_to is not None and valid_to < valid_from:
        problems.append(Problem("valid_to", f"{valid_to} is before valid_from {valid_from}"))
    if team is not None and team.organisation_id != organisation.pk:
        problems.append(Problem("team", f"team {team} is not a team of {organisation.code}"))
    if asset is not None and asset.organisation_id != organisation.pk:
        problems.append(Problem("asset", f"asset {asset} is not an asset of {organisation.code}"))
    if asset is not None and team is not None:
        problems.append(Problem("asset", "an accreditation is of a team or of an asset, not both"))
    if problems:
        raise ValidationFailed(problems)
    at = at or timezone.now()
    with transaction.atomic():
        accreditation = Accreditation.objects.create(
            organisation=organisation,
            team=team,
            asset=asset,
            activity_kinds=kinds,
            methods=how,
            valid_from=valid_from,
            valid_to=valid_to,
            reference=reference.strip(),
            issued_by=signed_in(acting_user),
            issued_at=at,
        )
        AccreditationChange.objects.create(
            accreditation=accreditation,
            from_status="",
            to_status=AccreditationStatus.ACTIVE,
            on=valid_from,
            by=signed_in(acting_user),
            at=at,
        )
        audit.record(
            acting_user,
            "accreditation.grant",
            accreditation,
            new={
                "organisation": organisation.code,
                "team": team.code if team else None,
                "asset": asset.code if asset else None,
                "activity_kinds": kinds,
                "methods": how,
                "valid_from": str(valid_from),
                "valid_to": str(valid_to) if valid_to else None,
            },
        )
    return accreditation


def _change_accreditation(
    accreditation: Accreditation,
    *,
    acting_user: AnyUser,
    to: str,
    allowed_from: tuple[str, ...],
    on: dt.date,
    reason: str,
    at: dt.datetime | None,
) -> Accreditation:
    _require_quality_role(acting_user)
    if not reason.strip():
        raise ValidationFailed([Problem("reason", "say why")])
    at = at or timezone.now()
    with transaction.atomic():
        accreditation = Accreditation.objects.select_for_update().get(pk=accreditation.pk)
        if accreditation.status not in allowed_from:
            raise Conflict(f"The accreditation is {accreditation.status}; it cannot become {to}.")
        if on < accreditation.valid_from:
            raise ValidationFailed(
                [Problem("on", f"{on} is before the accreditation starts ({accreditation.valid_from})")]
            )
        old = {"status": accreditation.status, "status_on": str(accreditation.status_on or "")}
        AccreditationChange.objects.create(
            accreditation=accreditation,
            from_status=accreditation.status,
            to_status=to,
            on=on,
            by=signed_in(acting_user),
            at=at,
            reason=reason.strip(),
        )
        accreditation.status = to
        accreditation.status_on = None if to == AccreditationStatus.ACTIVE else on
        accreditation.save()
        audit.record(
            acting_user,
            f"accreditation.{to}",
            accreditation,
            old=old,
            new={"status": to, "status_on": str(on)},
            reason=reason,
        )
    return accreditation


def suspend_accreditation(
    accreditation: Accreditation, *, acting_user: AnyUser, on: dt.date, reason: str, at: dt.datetime | None = None
) -> Accreditation:
    """Suspend from `on`: activities from that day are no longer covered; earlier ones stay covered."""
    return _change_accreditation(
        accreditation,
        acting_user=acting_user,
        to=AccreditationStatus.SUSPENDED,
        allowed_from=(AccreditationStatus.ACTIVE,),
        on=on,
        reason=reason,
        at=at,
    )


def reinstate_accreditation(
    accreditation: Accreditation, *, acting_user: AnyUser, on: dt.date, reason: str, at: dt.datetime | None = None
) -> Accreditation:
    """Lift a suspension (the suspended days stay uncovered only while suspended: a simplification, decision 0012)."""
    return _change_accreditation(
        accreditation,
        acting_user=acting_user,
        to=AccreditationStatus.ACTIVE,
        allowed_from=(AccreditationStatus.SUSPENDED,),
        on=on,
        reason=reason,
        at=at,
    )


def withdraw_accreditation(
    accreditation: Accreditation, *, acting_user: AnyUser, on: dt.date, reason: str, at: dt.datetime | None = None
) -> Accreditation:
    """Withdraw for good from `on`."""
    return _change_accreditation(
        accreditation,
        acting_user=acting_user,
        to=AccreditationStatus.WITHDRAWN,
        allowed_from=(AccreditationStatus.ACTIVE, AccreditationStatus.SUSPENDED),
        on=on,
        reason=reason,
        at=at,
    )


def _step(nc: NonConformity, to: str, *, by: AnyUser, at: dt.datetime, note: str) -> None:
    NonConformityStep.objects.create(
        non_conformity=nc, from_status=nc.status, to_status=to, by=signed_in(by), at=at, note=note
    )
    nc.status = to
    nc.save(update_fields=["status"])


def record_corrective_action(
    nc: NonConformity,
    *,
    acting_user: AnyUser,
    description: str,
    due_on: dt.date | None,
    done_on: dt.date | None,
    note: str = "",
    at: dt.datetime | None = None,
) -> CorrectiveAction:
    """The operator says what it did about an open non-conformity: open → action taken."""
    if not access.may_act_on_non_conformity(acting_user, nc.organisation_id):
        raise NotAllowed("Only the assessed organisation's clerks and IM officers record corrective actions.")
    problems = []
    if not description.strip():
        problems.append(Problem("description", "say what was done"))
    if due_on is None:
        problems.append(Problem("due_on", "is required (a date, YYYY-MM-DD)"))
    if done_on is None:
        problems.append(Problem("done_on", "is required (a date, YYYY-MM-DD): record the action once it is taken"))
    elif done_on > dt.date.today():
        problems.append(Problem("done_on", f"{done_on} is in the future"))
    elif done_on < nc.raised_on:
        problems.append(Problem("done_on", f"{done_on} is before the non-conformity was raised ({nc.raised_on})"))
    if problems or due_on is None or done_on is None:
        raise ValidationFailed(problems)
    at = at or timezone.now()
    with transaction.atomic():
        nc = NonConformity.objects.select_for_update().get(pk=nc.pk)
        if nc.status != NonConformityStatus.OPEN:
            raise Conflict(f"The non-conformity is {nc.status}; corrective actions are recorded while it is open.")
        action = CorrectiveAction.objects.create(
            non_conformity=nc,
            description=description.strip(),
            due_on=due_on,
            done_on=done_on,
            recorded_by=signed_in(acting_user),
            recorded_at=at,
        )
        _step(nc, NonConformityStatus.ACTION_TAKEN, by=signed_in(acting_user), at=at, note=note)
        audit.record(
            acting_user,
            "non_conformity.corrective_action",
            nc,
            old={"status": NonConformityStatus.OPEN},
            new={
                "status": nc.status,
                "corrective_action": action.pk,
                "description": action.description,
                "due_on": str(due_on),
                "done_on": str(done_on),
            },
            reason=note,
        )
    return action


def verify_non_conformity(
    nc: NonConformity, *, acting_user: AnyUser, accepted: bool = True, note: str = "", at: dt.datetime | None = None
) -> NonConformity:
    """The authority checks the corrective action: accepted → verified and closed; not accepted → open again."""
    _require_quality_role(acting_user)
    if not accepted and not note.strip():
        raise ValidationFailed([Problem("note", "say why the corrective action is not enough")])
    at = at or timezone.now()
    with transaction.atomic():
        nc = NonConformity.objects.select_for_update().get(pk=nc.pk)
        if nc.status != NonConformityStatus.ACTION_TAKEN:
            raise Conflict(f"The non-conformity is {nc.status}; only a corrective action taken can be verified.")
        action = nc.corrective_actions.order_by("-recorded_at", "-id").first()
        if action is not None and action.recorded_by_id == getattr(acting_user, "pk", None):
            raise NotAllowed("A corrective action is verified by someone other than who recorded it.")
        to = NonConformityStatus.CLOSED if accepted else NonConformityStatus.OPEN
        _step(nc, to, by=signed_in(acting_user), at=at, note=note.strip())
        if accepted and action is not None:
            action.verified_by, action.verified_at = signed_in(acting_user), at
            action.save(update_fields=["verified_by", "verified_at"])
        audit.record(
            acting_user,
            "non_conformity.verify",
            nc,
            old={"status": NonConformityStatus.ACTION_TAKEN},
            new={"status": to},
            reason=note,
        )
    return nc
