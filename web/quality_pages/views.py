"""Accreditation and non-conformity pages: thin doors over quality/actions.py (decisions 0012, 0050).

Reads go through accounts.access (the authority sees every operator's, an operator its own); every change
through quality.actions, which checks again who may make it. A record outside the user's scope is a 404.
Non-conformities are raised by a QA visit or QC inspection report (the report form), never here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import access
from accounts.models import Organisation
from core.errors import NotFoundOrNoAccess, Problem, ValidationFailed
from quality import actions
from quality.choices import AccreditationStatus, NonConformityStatus
from quality.models import Accreditation, Asset, NonConformity, NonConformityStep, Team
from vocab.choices import ActivityKind, OrganisationKind
from web.shell.changes import page_change

ROWS = 500

# Step name in the URL → the action and the statuses it applies to.
ACCREDITATION_STEPS: dict[str, tuple[Callable[..., Accreditation], tuple[str, ...]]] = {
    "suspend": (actions.suspend_accreditation, (AccreditationStatus.ACTIVE,)),
    "reinstate": (actions.reinstate_accreditation, (AccreditationStatus.SUSPENDED,)),
    "withdraw": (actions.withdraw_accreditation, (AccreditationStatus.ACTIVE, AccreditationStatus.SUSPENDED)),
}


def _date(value: str, name: str, problems: list[Problem], *, required: bool = True) -> dt.date | None:
    if not value:
        if required:
            problems.append(Problem(name, _("is required (a date, YYYY-MM-DD)")))
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(name, _("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": value[:40]}))
        return None


@login_required
@require_GET
def accreditations(request: HttpRequest) -> HttpResponse:
    """Accreditations of organisations, teams and assets in the user's scope; the grant form for the QA roles."""
    rows = access.scoped(request.user, Accreditation.objects.all(), "organisation_id")
    rows = rows.select_related("organisation", "team", "asset").order_by("organisation__code", "-valid_from", "-id")
    organisation = request.GET.get("organisation", "")
    if organisation:
        rows = rows.filter(organisation__code=organisation)
    manage = access.may_manage_quality(request.user)
    operators = Organisation.objects.exclude(kind=OrganisationKind.NATIONAL_AUTHORITY).order_by("name")
    context = {
        "rows": list(rows[:ROWS]), "manage": manage, "organisation": organisation,
        "operators": list(access.organisations_for(request.user).exclude(kind=OrganisationKind.NATIONAL_AUTHORITY)
                          .order_by("name")),
        "grant_operators": list(operators) if manage else [],
        "teams": list(Team.objects.select_related("organisation").order_by("organisation__code", "code"))
        if manage else [],
        "assets": list(Asset.objects.select_related("organisation").order_by("organisation__code", "code"))
        if manage else [],
        "activity_kinds": ActivityKind.choices, "steps": ACCREDITATION_STEPS,
    }  # fmt: skip
    return render(request, "quality_pages/accreditations.html", context)


@login_required
@require_POST
def grant(request: HttpRequest) -> HttpResponse:
    """Grant an accreditation to an operator, or to one of its teams or assets (quality.actions.grant_accreditation)."""
    if not access.may_manage_quality(request.user):
        raise PermissionDenied(_("Only the national authority's admin, IM or QA officers manage accreditations."))
    form = request.POST
    problems: list[Problem] = []
    organisation = Organisation.objects.filter(code=form.get("organisation", "")).first()
    if organisation is None:
        problems.append(Problem("organisation", _("choose an operator")))
    team = asset = None
    if form.get("team") and organisation is not None:
        team = Team.objects.filter(organisation=organisation, pk=form["team"] if form["team"].isdigit() else 0).first()
        if team is None:
            problems.append(Problem("team", _("choose one of the operator's teams")))
    if form.get("asset") and organisation is not None:
        asset = Asset.objects.filter(organisation=organisation,
                                     pk=form["asset"] if form["asset"].isdigit() else 0).first()  # fmt: skip
        if asset is None:
            problems.append(Problem("asset", _("choose one of the operator's assets")))
    valid_from = _date(form.get("valid_from", ""), "valid_from", problems)
    valid_to = _date(form.get("valid_to", ""), "valid_to", problems, required=False)
    with page_change(request, _("Accreditation granted.")):
        if problems or organisation is None or valid_from is None:
            raise ValidationFailed(problems)
        kinds = form.getlist("activity_kinds")
        actions.grant_accreditation(organisation, acting_user=request.user, activity_kinds=kinds,
                                    valid_from=valid_from, valid_to=valid_to, team=team, asset=asset,
                                    reference=form.get("reference", ""))  # fmt: skip
    return redirect("quality_pages:accreditations")


@login_required
@require_POST
def accreditation_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Suspend, reinstate or withdraw an accreditation from a day, with the reason."""
    if step not in ACCREDITATION_STEPS:
        raise Http404(_("No such step."))
    try:
        row = access.access_accreditation(request.user, pk)
    except NotFoundOrNoAccess:
        raise Http404(_("No such accreditation.")) from None
    if not access.may_manage_quality(request.user):
        raise PermissionDenied(_("Only the national authority's admin, IM or QA officers manage accreditations."))
    problems: list[Problem] = []
    on = _date(request.POST.get("on", ""), "on", problems)
    with page_change(request, _("Done.")):
        if problems or on is None:
            raise ValidationFailed(problems)
        action, _statuses = ACCREDITATION_STEPS[step]
        action(row, acting_user=request.user, on=on, reason=request.POST.get("reason", ""))
    return redirect("quality_pages:accreditations")


@login_required
@require_GET
def non_conformities(request: HttpRequest) -> HttpResponse:
    """Non-conformities in the user's scope with their steps and corrective actions; the step each user may take."""
    rows = access.scoped(request.user, NonConformity.objects.all(), "organisation_id")
    status = request.GET.get("status", "")
    if status in NonConformityStatus.values:
        rows = rows.filter(status=status)
    rows = rows.select_related("organisation", "activity__hazard").prefetch_related(
        Prefetch("steps", queryset=NonConformityStep.objects.select_related("by")), "corrective_actions"
    )
    shown: list[dict[str, Any]] = [
        {"nc": nc, "act": nc.status == NonConformityStatus.OPEN
         and access.may_act_on_non_conformity(request.user, nc.organisation_id)}
        for nc in rows.order_by("-raised_on", "-id")[:ROWS]
    ]  # fmt: skip
    context = {"rows": shown, "statuses": NonConformityStatus.choices, "status": status,
               "verify": access.may_manage_quality(request.user)}  # fmt: skip
    return render(request, "quality_pages/non_conformities.html", context)


def _nc_or_404(request: HttpRequest, pk: int) -> NonConformity:
    try:
        return access.access_non_conformity(request.user, pk)
    except NotFoundOrNoAccess:
        raise Http404(_("No such non-conformity.")) from None


@login_required
@require_POST
def corrective_action(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessed operator records what it did (quality.actions.record_corrective_action)."""
    nc = _nc_or_404(request, pk)
    problems: list[Problem] = []
    due_on = _date(request.POST.get("due_on", ""), "due_on", problems)
    done_on = _date(request.POST.get("done_on", ""), "done_on", problems)
    with page_change(request, _("Corrective action recorded.")):
        if problems:
            raise ValidationFailed(problems)
        actions.record_corrective_action(nc, acting_user=request.user, description=request.POST.get("description", ""),
                                         due_on=due_on, done_on=done_on, note=request.POST.get("note", ""))  # fmt: skip
    return redirect("quality_pages:non_conformities")


@login_required
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    """The authority accepts the corrective action (closed) or not (open again, with the reason)."""
    nc = _nc_or_404(request, pk)
    with page_change(request, _("Done.")):
        actions.verify_non_conformity(nc, acting_user=request.user, accepted=request.POST.get("accepted") == "1",
                                      note=request.POST.get("note", ""))  # fmt: skip
    return redirect("quality_pages:non_conformities")
