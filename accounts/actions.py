"""Administration actions: organisations, users and their roles. Every such write goes through here.

Each action is atomic, takes a keyword-only `acting_user`, refuses anyone who may not administer
(NotAllowed), names every problem of its input at once (ValidationFailed) and writes one audit row
with the old and new values (never a password). Decision 0025.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import audit
from accounts.access import AnyUser, scope_of, signed_in
from accounts.models import Membership, Organisation, RevokeReason
from accounts.tokens import revoke_user_tokens
from core.errors import NotAllowed, Problem, ValidationFailed
from vocab.choices import ActivityKind, OrganisationKind, Role

ORGANISATION_FIELDS = ("code", "name", "kind", "country_iso3", "accreditation_scopes")


def may_administer(user: AnyUser) -> bool:
    """Organisations, users and roles are administered by the national authority's admin, and nobody else."""
    return Role.AUTHORITY_ADMIN in scope_of(user).authority_roles


def _require_admin(user: AnyUser) -> User:
    if not may_administer(user):
        raise NotAllowed(_("Only the national authority's admin manages organisations, users and roles."))
    return signed_in(user)


def _organisation_values(org: Organisation) -> dict[str, Any]:
    return {f: list(getattr(org, f)) if f == "accreditation_scopes" else getattr(org, f) for f in ORGANISATION_FIELDS}


def _check_organisation(
    problems: list[Problem], *, name: str, kind: str, country_iso3: str, accreditation_scopes: Iterable[str]
) -> None:
    if not name.strip():
        problems.append(Problem("name", _("Give the organisation's name.")))
    elif len(name.strip()) > 200:
        problems.append(Problem("name", _("The name is longer than 200 characters.")))
    if kind not in OrganisationKind.values:
        problems.append(Problem("kind", _("Choose the kind of organisation.")))
    if country_iso3 and (len(country_iso3) != 3 or not country_iso3.isalpha()):
        problems.append(Problem("country_iso3", _("The country is three letters (ISO 3166-1 alpha-3), e.g. UKR.")))
    unknown = [s for s in accreditation_scopes if s not in ActivityKind.values]
    if unknown:
        problems.append(
            Problem("accreditation_scopes", _("Unknown activity kind: %(kinds)s") % {"kinds": ", ".join(unknown)})
        )


@transaction.atomic
def create_organisation(
    *,
    acting_user: AnyUser,
    code: str,
    name: str,
    kind: str,
    country_iso3: str = "",
    accreditation_scopes: Iterable[str] = (),
) -> Organisation:
    """Register an organisation (an operator, the authority, a UN body) with its accreditation scopes."""
    _require_admin(acting_user)
    scopes = list(dict.fromkeys(accreditation_scopes))
    code, country_iso3 = code.strip().lower(), country_iso3.strip().upper()
    problems: list[Problem] = []
    if not code:
        problems.append(Problem("code", _("Give a short code (letters, digits and hyphens), e.g. alpha.")))
    elif len(code) > 40 or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in code):
        problems.append(Problem("code", _("The code is letters, digits, hyphens and underscores, at most 40.")))
    elif Organisation.objects.filter(code=code).exists():
        problems.append(Problem("code", _("An organisation with this code already exists.")))
    _check_organisation(problems, name=name, kind=kind, country_iso3=country_iso3, accreditation_scopes=scopes)
    if problems:
        raise ValidationFailed(problems)
    org = Organisation.objects.create(code=code, name=name.strip(), kind=kind, country_iso3=country_iso3,
                                      accreditation_scopes=scopes)  # fmt: skip
    audit.record(acting_user, "organisation.create", org, new=_organisation_values(org))
    return org


@transaction.atomic
def update_organisation(
    organisation: Organisation,
    *,
    acting_user: AnyUser,
    name: str,
    kind: str,
    country_iso3: str = "",
    accreditation_scopes: Iterable[str] = (),
) -> Organisation:
    """Change an organisation's name, kind, country and accreditation scopes (its code, a stable key, stays)."""
    admin = _require_admin(acting_user)
    scopes = list(dict.fromkeys(accreditation_scopes))
    country_iso3 = country_iso3.strip().upper()
    problems: list[Problem] = []
    _check_organisation(problems, name=name, kind=kind, country_iso3=country_iso3, accreditation_scopes=scopes)
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if (
        org.kind == OrganisationKind.NATIONAL_AUTHORITY
        and kind != OrganisationKind.NATIONAL_AUTHORITY
        and org.memberships.filter(user=admin, role=Role.AUTHORITY_ADMIN).exists()
    ):
        # The admin's reach comes from this organisation's kind: changing it would lock them out.
        problems.append(
            Problem("kind", _("You administer through this organisation; its kind stays national authority."))
        )
    if problems:
        raise ValidationFailed(problems)
    old = _organisation_values(org)
    org.name, org.kind, org.country_iso3, org.accreditation_scopes = name.strip(), kind, country_iso3, scopes
    org.save(update_fields=["name", "kind", "country_iso3", "accreditation_scopes"])
    audit.record(acting_user, "organisation.update", org, old=old, new=_organisation_values(org))
    return org


def _user_values(user: User) -> dict[str, Any]:
    return {"username": user.username, "email": user.email, "first_name": user.first_name,
            "last_name": user.last_name, "is_active": user.is_active}  # fmt: skip


@transaction.atomic
def create_user(
    *, acting_user: AnyUser, username: str, password: str, email: str = "", first_name: str = "", last_name: str = ""
) -> User:
    """Create a user who signs in with `password` (checked by the password validators); roles are granted apart."""
    _require_admin(acting_user)
    username, email = username.strip(), email.strip()
    problems: list[Problem] = []
    if not username:
        problems.append(Problem("username", _("Give a user name.")))
    elif len(username) > 150 or not all(ch.isalnum() or ch in "@.+-_" for ch in username):
        problems.append(Problem("username", _("A user name is letters, digits and @ . + - _ only, at most 150.")))
    elif User.objects.filter(username__iexact=username).exists():
        problems.append(Problem("username", _("This user name is taken.")))
    if email and ("@" not in email or len(email) > 254):
        problems.append(Problem("email", _("This is not an e-mail address.")))
    if not password:
        problems.append(Problem("password", _("Give a password.")))
    else:
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            problems += [Problem("password", str(m)) for m in exc.messages]
    if problems:
        raise ValidationFailed(problems)
    user = User.objects.create_user(username, email=email, password=password, first_name=first_name.strip(),
                                    last_name=last_name.strip())  # fmt: skip
    audit.record(acting_user, "user.create", user, new=_user_values(user))
    return user


@transaction.atomic
def set_user_active(user: User, *, acting_user: AnyUser, active: bool) -> User:
    """Deactivate a user (they can no longer sign in, their API tokens are revoked; their records stay theirs),
    or reactivate them."""
    admin = _require_admin(acting_user)
    if not active and user.pk == admin.pk:
        raise ValidationFailed([Problem("is_active", _("You cannot deactivate yourself."))])
    locked = User.objects.select_for_update().get(pk=user.pk)
    old = _user_values(locked)
    if locked.is_active != active:
        if not active:  # first, so that the audit row names who did it (the save's signal finds none left)
            revoke_user_tokens(locked, acting_user=acting_user, reason=RevokeReason.DEACTIVATED)
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        audit.record(acting_user, "user.reactivate" if active else "user.deactivate", locked, old=old,
                     new=_user_values(locked))  # fmt: skip
    return locked


def _membership_values(m: Membership) -> dict[str, Any]:
    return {"user": m.user.username, "organisation": m.organisation.code, "role": m.role}


@transaction.atomic
def grant_role(*, acting_user: AnyUser, user: User | None, organisation: Organisation | None, role: str) -> Membership:
    """Give a user a role at an organisation (a user may hold several)."""
    _require_admin(acting_user)
    problems: list[Problem] = []
    if user is None:
        problems.append(Problem("user", _("Choose the user.")))
    if organisation is None:
        problems.append(Problem("organisation", _("Choose the organisation.")))
    if role not in Role.values:
        problems.append(Problem("role", _("Choose the role.")))
    elif role in (Role.AUTHORITY_ADMIN, Role.QA_OFFICER) and organisation is not None and not organisation.is_authority:
        # These roles act for the authority over everyone (decision 0004): an operator's would mean nothing.
        problems.append(Problem("role", _("This role is held only at the national authority.")))
    if user is not None and organisation is not None and not problems:
        if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
            problems.append(Problem("role", _("The user already holds this role at this organisation.")))
    if problems:
        raise ValidationFailed(problems)
    assert user is not None and organisation is not None
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    audit.record(acting_user, "membership.grant", membership, new=_membership_values(membership))
    return membership


@transaction.atomic
def revoke_role(membership: Membership, *, acting_user: AnyUser) -> None:
    """Take a role away from a user; the authority keeps at least one admin (nobody could grant it back)."""
    _require_admin(acting_user)
    m = Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
    if m.role == Role.AUTHORITY_ADMIN and m.organisation.is_authority:
        others = Membership.objects.filter(
            role=Role.AUTHORITY_ADMIN, organisation__kind=OrganisationKind.NATIONAL_AUTHORITY, user__is_active=True
        ).exclude(pk=m.pk)
        if not others.exists():
            raise ValidationFailed(
                [Problem("role", _("This is the last national authority admin; grant the role to someone else first."))]
            )
    old = _membership_values(m)
    audit.record(acting_user, "membership.revoke", m, old=old)
    m.delete()
