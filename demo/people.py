"""The demo's organisations and people: a national authority, four fictional operators, one login per role.

The logins share one published password (`DEMO_PASSWORD`): they exist to explore a demo, never a
real register.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User

from accounts.models import Membership, Organisation
from demo.tasking import ensure_tasking
from reports.delegations import grant_approval_delegation
from reports.models import ApprovalDelegation
from vocab.choices import ActivityKind as A
from vocab.choices import OrganisationKind, Role

DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    kind: str
    scopes: tuple[str, ...]


AUTHORITY = OrgSpec("nmaa", "National Mine Action Authority", OrganisationKind.NATIONAL_AUTHORITY, ())
# Fictional operators. Accreditation scopes (IMAS 07.30) differ, so not every operator may clear.
OPERATORS = (
    OrgSpec("alpha", "Demining NGO Alpha", OrganisationKind.NGO, (A.NTS, A.TS, A.CLEARANCE, A.EOD_SPOT, A.MARKING)),
    OrgSpec("bravo", "Bravo Clearance Ltd", OrganisationKind.COMMERCIAL, (A.NTS, A.TS, A.CLEARANCE, A.BAC)),
    OrgSpec("ses", "State Emergency Service", OrganisationKind.MILITARY_POLICE, (A.NTS, A.TS, A.CLEARANCE, A.EOD_SPOT)),
    OrgSpec("unmap", "UN Mine Action Project", OrganisationKind.UN, (A.NTS, A.TS)),
)


@dataclass(frozen=True)
class Login:
    username: str
    org: str
    role: str


# One login per role, as in the test cast (clearground/test.py).
DEMO_LOGINS = (
    Login("admin", "nmaa", Role.AUTHORITY_ADMIN),
    Login("imo", "nmaa", Role.IM_OFFICER),
    Login("qa", "nmaa", Role.QA_OFFICER),
    Login("viewer", "nmaa", Role.VIEWER),
    Login("clerk", "alpha", Role.DATA_CLERK),
    Login("approver", "alpha", Role.IM_OFFICER),
    Login("outsider", "bravo", Role.DATA_CLERK),
)
# What each demo login does (printed by `clearground demo_logins`; decision 0036 for who approves).
LOGIN_DUTIES = {
    "admin": "administers organisations, users and approval delegations",
    "imo": "approves operators' reports into the national register",
    "qa": "accredits operators, records QA visits and QC inspections",
    "viewer": "reads the whole register",
    "clerk": "files Alpha's reports",
    "approver": "validates Alpha's reports; approves Alpha's EOD spot reports (delegated)",
    "outsider": "files Bravo's reports; never sees Alpha's work",
}
# The authority delegates approval of Alpha's EOD spot task reports to Alpha (decision 0036): the demo
# shows both ways a report reaches the register, the authority's approval and a delegated one.
DELEGATIONS = (("alpha", "eod_spot", "Alpha is accredited for EOD spot tasks and reports them daily"),)
# Clerks of the other operators file their reports; they have no password (not demo logins).
FIELD_CLERKS = {"alpha": "clerk", "bravo": "outsider", "ses": "ses-clerk", "unmap": "unmap-clerk"}


@dataclass
class People:
    """Who files and who approves the demo's reports."""

    authority: Organisation
    operators: dict[str, Organisation]
    clerks: dict[str, User]
    imo: User
    approver: User
    delegated: frozenset[tuple[str, str]] = frozenset()  # (operator code, report kind) its approver approves


def ensure_organisations(country_iso3: str) -> dict[str, Organisation]:
    """The authority and the operators, created if missing (existing ones are left as they are)."""
    orgs = {}
    for spec in (AUTHORITY, *OPERATORS):
        orgs[spec.code], _ = Organisation.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "country_iso3": country_iso3,
                "accreditation_scopes": list(spec.scopes),
            },
        )
    return orgs


def _ensure_user(username: str, org: Organisation, role: str, password_hash: Callable[[], str] | None) -> User:
    user, created = User.objects.get_or_create(username=username)
    if created:
        if password_hash:
            user.password = password_hash()
        else:
            user.set_unusable_password()
        # Only the authority admin may use the Django admin.
        user.is_staff = user.is_superuser = role == Role.AUTHORITY_ADMIN
        user.save()
    Membership.objects.get_or_create(user=user, organisation=org, role=role)
    return user


def ensure_people(country_iso3: str = "UKR") -> People:
    """Organisations, the demo logins and the field clerks; safe to repeat (passwords are never reset)."""
    orgs = ensure_organisations(country_iso3)
    # Hashed once, and only if a login is missing: every demo login has the same published password.
    password_hash = functools.cache(lambda: make_password(DEMO_PASSWORD))
    for login in DEMO_LOGINS:
        _ensure_user(login.username, orgs[login.org], login.role, password_hash)
    for org, username in FIELD_CLERKS.items():
        if username not in {login.username for login in DEMO_LOGINS}:
            _ensure_user(username, orgs[org], Role.DATA_CLERK, None)
    admin = User.objects.get(username="admin")
    # Accreditations and teams (decision 0050): the demo's reports of work are filed under tasks to these teams.
    ensure_tasking({spec.code: (orgs[spec.code], spec.scopes) for spec in OPERATORS}, admin=admin)
    for code, kind, reason in DELEGATIONS:
        if not ApprovalDelegation.objects.filter(organisation=orgs[code], kind=kind, revoked_at__isnull=True).exists():
            grant_approval_delegation(acting_user=admin, organisation=orgs[code], kind=kind, reason=reason)
    return load_people()


def load_people() -> People:
    """The demo's organisations and people as they are in the database (after ensure_people)."""
    orgs = Organisation.objects.in_bulk([AUTHORITY.code, *(spec.code for spec in OPERATORS)], field_name="code")
    users = User.objects.in_bulk(["imo", "approver", *FIELD_CLERKS.values()], field_name="username")
    return People(
        authority=orgs[AUTHORITY.code],
        operators={spec.code: orgs[spec.code] for spec in OPERATORS},
        clerks={org: users[username] for org, username in FIELD_CLERKS.items()},
        imo=users["imo"],
        approver=users["approver"],
        delegated=frozenset(
            ApprovalDelegation.objects.filter(revoked_at__isnull=True).values_list("organisation__code", "kind")
        ),
    )


def existing_logins() -> list[tuple[str, str, str, str]]:
    """(username, role, organisation, what they do) of each demo login present in the database, in the listed order."""
    wanted = {login.username for login in DEMO_LOGINS}
    found: dict[str, tuple[str, str, str, str]] = {}
    memberships = Membership.objects.filter(user__username__in=wanted).select_related("user", "organisation")
    for m in memberships.order_by("id"):
        name = m.user.username
        found.setdefault(name, (name, m.get_role_display(), m.organisation.name, LOGIN_DUTIES.get(name, "")))
    return [found[login.username] for login in DEMO_LOGINS if login.username in found]
