"""Approval delegations: the national authority lets an accredited operator approve its own reports of one kind.

By default an operator's IM officer validates and the authority approves into the national register
(IMAS 05.10; decision 0036). These two actions are the only writes of ApprovalDelegation: atomic, the
authority's admin only, each with an audit row saying who, what and why.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.access import AnyUser, may_delegate_approval, signed_in
from accounts.models import Organisation
from core.errors import Conflict, NotAllowed, Problem, ValidationFailed
from reports.models import ApprovalDelegation, ReportKind


def _require(user: AnyUser) -> User:
    if not may_delegate_approval(user):
        raise NotAllowed("Only the national authority's admin delegates approval.")
    return signed_in(user)


def grant_approval_delegation(
    *, acting_user: AnyUser, organisation: Organisation, kind: str, reason: str, at: dt.datetime | None = None
) -> ApprovalDelegation:
    """Let `organisation`'s IM officers approve its own reports of `kind` into the register."""
    admin = _require(acting_user)
    problems = []
    if organisation.is_authority:
        problems.append(Problem("organisation", "the national authority approves without a delegation"))
    if kind not in ReportKind.values:
        problems.append(Problem("kind", f"'{kind}' is not a report kind"))
    if not reason.strip():
        problems.append(Problem("reason", "say why the authority delegates this approval"))
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        if (
            ApprovalDelegation.objects.select_for_update()
            .filter(organisation=organisation, kind=kind, revoked_at__isnull=True)
            .exists()
        ):
            raise Conflict(f"{organisation} already approves its {ReportKind(kind).label.lower()}s.")
        delegation = ApprovalDelegation.objects.create(
            organisation=organisation, kind=kind, granted_by=admin, granted_at=at or timezone.now(),
            reason=reason.strip(),
        )  # fmt: skip
        audit.record(acting_user, "approval_delegation.grant", delegation,
                     new={"organisation": organisation.code, "kind": kind}, reason=reason.strip())  # fmt: skip
    return delegation


def revoke_approval_delegation(
    delegation: ApprovalDelegation, *, acting_user: AnyUser, reason: str, at: dt.datetime | None = None
) -> ApprovalDelegation:
    """End a delegation: from now the authority approves that kind again (past approvals stand)."""
    admin = _require(acting_user)
    if not reason.strip():
        raise ValidationFailed([Problem("reason", "say why the delegation ends")])
    with transaction.atomic():
        delegation = ApprovalDelegation.objects.select_for_update().get(pk=delegation.pk)
        if delegation.revoked_at is not None:
            raise Conflict("This delegation was already revoked.")
        delegation.revoked_at, delegation.revoked_by = at or timezone.now(), admin
        delegation.revoke_reason = reason.strip()
        delegation.save()
        audit.record(acting_user, "approval_delegation.revoke", delegation,
                     old={"revoked_at": None}, new={"revoked_at": delegation.revoked_at.isoformat()},
                     reason=reason.strip())  # fmt: skip
    return delegation
