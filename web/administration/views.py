"""Administration pages: organisations, users and roles. Parse → may_administer → accounts.actions → render.

Everyone but the national authority's admin gets 404 on every page here: the pages reveal nothing,
not even that they exist for someone else. Decision 0025.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import actions
from accounts.models import Membership, Organisation
from core.errors import ValidationFailed
from vocab.choices import ActivityKind, OrganisationKind, Role
from web.transfers.problems import by_field

View = Callable[..., HttpResponse]
ORG_FIELDS = ("code", "name", "kind", "country_iso3", "accreditation_scopes")
USER_FIELDS = ("username", "password", "email", "first_name", "last_name")
GRANT_FIELDS = ("user", "organisation", "role")


def admin_only(view: View) -> View:
    """Signed-in national authority admins only; anyone else signed in gets 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not actions.may_administer(request.user):
            raise Http404(_("No such page."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _choices() -> dict[str, Any]:
    return {"org_kinds": OrganisationKind.choices, "activity_kinds": ActivityKind.choices, "roles": Role.choices}


def _index(request: HttpRequest, **forms: Any) -> HttpResponse:
    # A form with problems is re-rendered with 200, as Django does (see web/transfers/views.py).
    memberships = Membership.objects.select_related("organisation").order_by("organisation__name", "role")
    users = User.objects.order_by("username").prefetch_related(Prefetch("memberships", queryset=memberships))
    organisations = list(Organisation.objects.order_by("name"))
    kinds = dict(OrganisationKind.choices)
    scopes = dict(ActivityKind.choices)
    org_rows = [
        {
            "org": o,
            "kind": kinds.get(o.kind, o.kind),
            "scopes": ", ".join(str(scopes.get(s, s)) for s in o.accreditation_scopes),
        }
        for o in organisations
    ]
    context = {"org_rows": org_rows, "organisations": organisations, "users": users, **_choices()}
    for name in ("org", "user", "grant"):
        context[f"{name}_values"] = forms.get(f"{name}_values", {})
        context[f"{name}_errors"] = forms.get(f"{name}_errors", {})
    return render(request, "administration/index.html", context)


@admin_only
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Organisations, users and their roles, with the forms that create and grant them."""
    return _index(request)


def _org_values(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {f: request.POST.get(f, "").strip() for f in ORG_FIELDS if f != "accreditation_scopes"}
    values["accreditation_scopes"] = request.POST.getlist("accreditation_scopes")
    return values


@admin_only
@require_POST
def organisation_create(request: HttpRequest) -> HttpResponse:
    """Register an organisation (accounts.actions.create_organisation)."""
    values = _org_values(request)
    try:
        org = actions.create_organisation(acting_user=request.user, **values)
    except ValidationFailed as exc:
        return _index(request, org_values=values, org_errors=by_field(exc.problems, ORG_FIELDS)[0])
    messages.success(request, _("Organisation %(name)s registered.") % {"name": org.name})
    return redirect("administration:index")


@admin_only
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an organisation's name, kind, country and accreditation scopes."""
    org = get_object_or_404(Organisation, pk=pk)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _org_values(request)
        values.pop("code", None)
        try:
            actions.update_organisation(org, acting_user=request.user, **values)
        except ValidationFailed as exc:
            errors = by_field(exc.problems, ORG_FIELDS)[0]
        else:
            messages.success(request, _("Organisation %(name)s saved.") % {"name": values["name"]})
            return redirect("administration:index")
    else:
        values = {f: getattr(org, f) for f in ORG_FIELDS}
    context = {"org": org, "values": values, "errors": errors, **_choices()}
    return render(request, "administration/organisation.html", context)


@admin_only
@require_POST
def user_create(request: HttpRequest) -> HttpResponse:
    """Create a user with a password (accounts.actions.create_user)."""
    values = {f: request.POST.get(f, "") for f in USER_FIELDS}
    try:
        user = actions.create_user(acting_user=request.user, **values)
    except ValidationFailed as exc:
        shown = {k: v for k, v in values.items() if k != "password"}  # a password is never sent back
        return _index(request, user_values=shown, user_errors=by_field(exc.problems, USER_FIELDS)[0])
    messages.success(request, _("User %(name)s created. Grant them a role below.") % {"name": user.username})
    return redirect("administration:index")


@admin_only
@require_POST
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate or reactivate a user (POST active=0 or 1)."""
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        actions.set_user_active(user, acting_user=request.user, active=active)
    except ValidationFailed as exc:
        messages.error(request, "; ".join(p.message for p in exc.problems))
    else:
        text = _("User %(name)s reactivated.") if active else _("User %(name)s deactivated.")
        messages.success(request, text % {"name": user.username})
    return redirect("administration:index")


@admin_only
@require_POST
def membership_create(request: HttpRequest) -> HttpResponse:
    """Grant a role at an organisation (accounts.actions.grant_role)."""
    values = {f: request.POST.get(f, "") for f in GRANT_FIELDS}
    user = User.objects.filter(pk=values["user"]).first() if values["user"].isdigit() else None
    org = Organisation.objects.filter(pk=values["organisation"]).first() if values["organisation"].isdigit() else None
    try:
        membership = actions.grant_role(acting_user=request.user, user=user, organisation=org, role=values["role"])
    except ValidationFailed as exc:
        return _index(request, grant_values=values, grant_errors=by_field(exc.problems, GRANT_FIELDS)[0])
    messages.success(request, _("Role granted: %(what)s.") % {"what": _describe(membership)})
    return redirect("administration:index")


def _describe(m: Membership) -> str:
    return f"{m.user.username} · {m.get_role_display()} · {m.organisation.name}"


@admin_only
@require_POST
def membership_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a role (accounts.actions.revoke_role)."""
    membership = get_object_or_404(Membership.objects.select_related("user", "organisation"), pk=pk)
    what = _describe(membership)
    try:
        actions.revoke_role(membership, acting_user=request.user)
    except ValidationFailed as exc:
        messages.error(request, "; ".join(p.message for p in exc.problems))
    else:
        messages.success(request, _("Role revoked: %(what)s.") % {"what": what})
    return redirect("administration:index")
