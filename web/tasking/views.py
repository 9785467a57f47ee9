"""The task board, a task's page with its steps, and the team registry: thin doors over operations/ and quality/.

Every read goes through accounts.access (tasks_for, access_task, teams_for); every step through
operations.actions, which checks again who may take it. A task outside the user's scope is a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import access
from accounts.models import Organisation
from core.errors import CleargroundError, NotAllowed, NotFoundOrNoAccess, Problem, ValidationFailed
from obligations.exports import language_of
from operations import actions, documents, dossier, monthly, notifications, queries
from operations.models import Task
from operations.priorities import ranking_for
from operations.workflow import STEPS, TEAM_ASSIGNABLE, Priority, TaskStatus
from places.models import AdminArea
from quality.models import Team
from vocab.choices import ActivityKind, OrganisationKind
from web.shell.changes import page_change

BOARD_ROWS = 500  # the priorities page shows the best-ranked hazards first
BOARD_PAGE = 100  # the board shows the newest tasks first, a page at a time; filters narrow it
BOARD_COLUMNS = ("id", "activity_kind", "status", "priority", "start_on", "due_on", "call_out", "organisation__code",
                 "organisation__name", "team__name", "hazard__code")  # fmt: skip
NOTIFICATION_ROWS = 200  # the newest; older ones stay in the API's pages

# Step name in the URL → (the action, whether it asks for a reason, who takes it: the operator or the authority).
STEP_ACTIONS: dict[str, tuple[Callable[..., Task], bool, str]] = {
    "accept": (actions.accept_task, False, "operator"),
    "decline": (actions.decline_task, True, "operator"),
    "start": (actions.start_task, False, "operator"),
    "suspend": (actions.suspend_task, True, "operator"),
    "complete": (actions.complete_task, False, "operator"),
    "cancel": (actions.cancel_task, True, "authority"),
}
STEP_TARGET = {
    "accept": TaskStatus.ACCEPTED,
    "decline": TaskStatus.DECLINED,
    "start": TaskStatus.STARTED,
    "suspend": TaskStatus.SUSPENDED,
    "complete": TaskStatus.COMPLETED,
    "cancel": TaskStatus.CANCELLED,
}


def _task_or_404(request: HttpRequest, pk: int) -> Task:
    try:
        return access.access_task(request.user, pk)
    except NotFoundOrNoAccess:
        raise Http404(_("No such task.")) from None


def _board_context(request: HttpRequest, params: Any) -> dict[str, Any]:
    chosen = {name: params.get(name, "") for name in ("status", "organisation", "province")}
    qs = queries.filter_tasks(access.tasks_for(request.user), **chosen).order_by("-id")
    # Only the columns the rows show: a hazard's geometry is not read for its code (the board at national
    # scale, docs/benchmarks.md 2026-12-07).
    rows = qs.select_related("organisation", "team", "hazard").only(*BOARD_COLUMNS)
    page = Paginator(rows, BOARD_PAGE).get_page(params.get("page"))
    scope = access.tasks_for(request.user)
    operators = list(Organisation.objects.filter(pk__in=scope.values("organisation_id"))
                     .order_by("name").values_list("code", "name"))  # fmt: skip
    provinces = list(AdminArea.objects.filter(level=1).order_by("name").values_list("pcode", "name"))
    query = urlencode({k: v for k, v in chosen.items() if v})
    context = {"tasks": list(page.object_list), "page": page, "query": query, "statuses": TaskStatus.choices,
               **chosen, "operators": operators, "provinces": provinces,
               "may_issue": access.may_issue_task(request.user)}  # fmt: skip
    if context["may_issue"]:
        context.update({"activity_kinds": ActivityKind.choices, "priorities": Priority.choices, "issue": {},
                        "all_operators": list(Organisation.objects.exclude(kind=OrganisationKind.NATIONAL_AUTHORITY)
                                              .order_by("name").values_list("code", "name"))})  # fmt: skip
    return context


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The tasks in the user's scope, newest first, a page at a time, by status, operator and province."""
    return render(request, "tasking/board.html", _board_context(request, request.GET))


def _task_area_geojson(task: Task) -> dict[str, Any]:
    """What the task page's map draws: the tasked hazard's polygon (classification and status for its symbology)
    or the task's own area or call-out point, with the box to fit. The caller checked the reader sees the hazard."""
    import json

    geom: Any
    if task.hazard is not None:
        geom = task.hazard.geom
        props = {"role": "hazard", "classification": task.hazard.classification, "status": task.hazard.status}
    else:
        geom = task.area
        props = {"role": "area", "classification": "SHA", "status": "open"}
    if geom is None:
        return {}
    x0, y0, x1, y1 = geom.extent
    return {"type": "FeatureCollection", "bbox": [x0, y0, x1, y1],
            "features": [{"type": "Feature", "geometry": json.loads(geom.geojson), "properties": props}]}  # fmt: skip


@login_required
@require_GET
def task_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One task: what, where, who, when; its steps; the reports filed under it; the steps this user may take."""
    task = _task_or_404(request, pk)
    may_run, may_issue = access.may_run_task(request.user, task), access.may_issue_task(request.user)
    offered = [s for s, (_a, _r, who) in STEP_ACTIONS.items()
               if STEP_TARGET[s] in STEPS.get(task.status, frozenset())
               and (may_run if who == "operator" else may_issue)]  # fmt: skip
    teams = list(Team.objects.filter(organisation=task.organisation).order_by("code")) if may_run else []
    hazard_visible = task.hazard_id is not None and access.hazards_for(request.user).filter(pk=task.hazard_id).exists()
    context = {
        "task": task, "transitions": task.transitions.select_related("by", "team"),
        "reports": access.reports_for(request.user).filter(task=task).order_by("-id"),
        "hazard_visible": hazard_visible,
        "offered": offered, "reasoned": {s for s, (_a, r, _w) in STEP_ACTIONS.items() if r},
        "teams": teams if task.status in TEAM_ASSIGNABLE else [],
        "documents": task.documents.all(), "may_attach": may_issue,
        "area_geojson": _task_area_geojson(task) if hazard_visible or task.hazard_id is None else "",
    }  # fmt: skip
    return render(request, "tasking/task.html", context)


@login_required
@require_GET
def task_dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """The task's dossier (PDF) in the page's language: whoever may see the task; audited (decision 0053)."""
    task = _task_or_404(request, pk)
    language = language_of(None, get_language())
    data = dossier.render_dossier(task, reader=request.user, language=language)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="task-{task.pk}-dossier-{language}.pdf"'
    return response


@login_required
@require_POST
def task_documents_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The authority attaches documents to a task (operations.documents); problems come back as messages."""
    task = _task_or_404(request, pk)
    with page_change(request) as change:
        added = documents.attach_documents(task, acting_user=request.user, uploads=request.FILES.getlist("file"))
        change.success = _("Documents attached: %(n)d.") % {"n": len(added)}
    return redirect("tasking:task", pk=pk)


@login_required
@require_GET
def task_document_file(request: HttpRequest, pk: int, name: str) -> FileResponse:
    """One document of a task, downloaded, for whoever may read the task (audited)."""
    try:
        row = documents.document_for(request.user, pk, name)
    except NotFoundOrNoAccess:
        raise Http404(_("No such document.")) from None
    return FileResponse(row.path.open("rb"), as_attachment=True, filename=row.name, content_type=row.content_type)


@login_required
@require_POST
def task_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Take one step of the task (or assign a team), on the version the page showed; problems come back as messages."""
    task = _task_or_404(request, pk)
    version = request.POST.get("version", "")
    expected = int(version) if version.isdigit() else None
    if step != "assign-team" and step not in STEP_ACTIONS:
        raise Http404(_("No such step."))
    with page_change(request, _("Done.")):
        if step == "assign-team":
            team = Team.objects.filter(organisation=task.organisation, pk=request.POST.get("team") or 0).first()
            if team is None:
                raise ValidationFailed([Problem("team", _("Choose one of the operator's teams."), "not_a_choice")])
            actions.assign_team(task, acting_user=request.user, team=team, expected_version=expected)
        else:
            action, reasoned, _who = STEP_ACTIONS[step]
            extra: dict[str, Any] = {"reason": request.POST.get("reason", "")} if reasoned else {}
            action(task, acting_user=request.user, expected_version=expected, **extra)
    return redirect("tasking:task", pk=pk)


@login_required
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    """The team and asset registry: the authority sees every operator's, an operator its own."""
    rows = (
        access.teams_for(request.user)
        .prefetch_related("assets", "accreditations")
        .order_by("organisation__code", "code")
    )
    return render(
        request,
        "tasking/teams.html",
        {"teams": rows, "assets": access.assets_for(request.user).filter(team__isnull=True)},
    )


# Prioritisation for tasking (decision 0054): the ranking with each score's terms, and issuing a task from it.

CRITERIA = {
    "land_use": gettext_lazy("Land use"),
    "beneficiaries": gettext_lazy("Beneficiaries"),
    "blockages": gettext_lazy("Blockages"),
    "accidents": gettext_lazy("Accidents nearby"),
    "settlement": gettext_lazy("Settlements"),
    "devices": gettext_lazy("Devices"),
}


def _plain(value: Any) -> str:
    """A term's input or weight as a line of text: `agriculture: 10`, `count: 1, within_m: 1000`."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items() if v not in (None, {}, []))
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@login_required
@require_GET
def priorities_page(request: HttpRequest) -> HttpResponse:
    """Open hazards ranked for tasking on a date (today by default), each score with its inputs and weights."""
    raw = request.GET.get("on", "")
    try:
        on = dt.date.fromisoformat(raw) if raw else dt.date.today()
    except ValueError:
        messages.error(request, _("on: '%(value)s' is not a date (YYYY-MM-DD)") % {"value": raw[:40]})
        on = dt.date.today()
    try:
        force, rows = ranking_for(request.user, on)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    visible = set(access.hazards_for(request.user).filter(pk__in=[r.hazard for r in rows]).values_list("pk", flat=True))
    may_issue = access.may_issue_task(request.user)
    shown = [{"p": p, "terms": [(CRITERIA[t.criterion], t.points, _plain(t.input), _plain(t.weight)) for t in p.terms]}
             for p in rows[:BOARD_ROWS]]  # fmt: skip
    context = {
        "on": on, "force": force, "rows": shown, "weights": _plain(force.weights.as_json()), "count": len(rows),
        "visible": visible, "may_issue": may_issue,
        "operators": list(Organisation.objects.exclude(kind=OrganisationKind.NATIONAL_AUTHORITY).order_by("name"))
        if may_issue else [],
        "activity_kinds": ActivityKind.choices, "priorities": Priority.choices, "today": dt.date.today(),
    }  # fmt: skip
    return render(request, "tasking/priorities.html", context)


@login_required
@require_GET
def notifications_page(request: HttpRequest) -> HttpResponse:
    """The user's own notifications about tasks, newest first, each with its message in the page's language."""
    rows = list(notifications.notifications_for(request.user)[:NOTIFICATION_ROWS])
    shown = [(n, *notifications.message(n), notifications.link(n)) for n in rows]
    return render(request, "tasking/notifications.html", {"shown": shown})


def _issue_form(request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    """Read an issue form (the priorities' row or the board's): the hazard (its id, or its code), the operator,
    activity, optional team (a code of the operator's), dates, priority, instructions. Problems name the field."""
    form = request.POST
    problems: list[str] = []
    hazard = None
    raw_hazard = form.get("hazard", "").strip()
    if raw_hazard:
        by_id = Q(pk=int(raw_hazard)) if raw_hazard.isdigit() else Q(pk__in=[])
        found = access.hazards_for(request.user).filter(Q(code=raw_hazard) | by_id).first()
        if found is None:
            problems.append(_("hazard: no such hazard"))
        hazard = found
    else:
        problems.append(_("hazard: give the hazard's code"))
    organisation = Organisation.objects.filter(code=form.get("organisation", "")).first()
    if organisation is None:
        problems.append(_("organisation: choose an operator"))
    team = None
    if (team_code := form.get("team", "").strip()) and organisation is not None:
        team = Team.objects.filter(organisation=organisation, code=team_code).first()
        if team is None:
            problem = _("team: %(org)s has no team '%(team)s'")
            problems.append(problem % {"org": organisation.code, "team": team_code[:40]})
    dates: dict[str, dt.date | None] = {}
    for name in ("start_on", "due_on"):
        value = form.get(name, "")
        try:
            dates[name] = dt.date.fromisoformat(value) if value else None
        except ValueError:
            problems.append(f"{name}: " + _("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": value[:40]})
    if not form.get("start_on"):
        problems.append(_("start_on: give the planned start"))
    fields = {"organisation": organisation, "activity_kind": form.get("activity_kind", ""), "hazard": hazard,
              "team": team, "start_on": dates.get("start_on"), "due_on": dates.get("due_on"),
              "priority": form.get("priority", Priority.MEDIUM), 
              "instructions": form.get("instructions", "")}  # fmt: skip
    return fields, problems


def _issue(request: HttpRequest, fields: dict[str, Any]) -> tuple[Task | None, list[str]]:
    """Issue the task and attach the form's documents in one transaction: both, or nothing saved."""
    try:
        with transaction.atomic():
            task = actions.issue_task(acting_user=request.user, **fields)
            if uploads := request.FILES.getlist("file"):
                documents.attach_documents(task, acting_user=request.user, uploads=uploads)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except CleargroundError as exc:
        return None, [f"{p.field}: {p.message}" for p in exc.problems] or [exc.message]
    return task, []


def _may_issue_or_403(request: HttpRequest) -> None:
    if not access.may_issue_task(request.user):
        raise PermissionDenied(_("Only the national authority's IM officers and admin issue tasks."))


@login_required
@require_POST
def issue_from_priorities(request: HttpRequest) -> HttpResponse:
    """Issue a task on a ranked hazard (operations.actions.issue_task); problems come back as messages."""
    _may_issue_or_403(request)
    fields, problems = _issue_form(request)
    task = None
    if not problems:
        task, problems = _issue(request, fields)
    if task is None:
        for line in problems:
            messages.error(request, line)
        return redirect("tasking:priorities")
    messages.success(request, _("Task issued."))
    return redirect("tasking:task", pk=task.pk)


@login_required
@require_POST
def issue_from_board(request: HttpRequest) -> HttpResponse:
    """Issue a task from the board's form, with its documents; a refusal shows the form again, filled in, with
    the reasons (decision 0057), and nothing is saved."""
    _may_issue_or_403(request)
    fields, problems = _issue_form(request)
    task = None
    if not problems:
        task, problems = _issue(request, fields)
    if task is None:
        context = _board_context(request, {})
        context.update({"issue_errors": problems, "issue": request.POST, "issue_open": True})
        return render(request, "tasking/board.html", context, status=400)
    messages.success(request, _("Task issued."))
    return redirect("tasking:task", pk=task.pk)


def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (`id`) or all of the user's own read; another person's id changes nothing."""
    raw = request.POST.get("id", "")
    notifications.mark_read(request.user, [int(raw)] if raw.isdigit() else None)
    return redirect("tasking:notifications")


@login_required
@require_GET
def monthly_reporting(request: HttpRequest) -> HttpResponse:
    """The month's operator reporting: who has not reported on which task, overdue tasks, suspended work."""
    try:
        first, last = monthly.parse_month(request.GET.get("month"))
    except CleargroundError as exc:
        messages.error(request, "; ".join(f"{p.field}: {p.message}" for p in exc.problems))
        first, last = monthly.parse_month(None)
    report = monthly.monthly_reporting(request.user, first, last)
    # The API keeps the codes; the page shows their labels in the reader's language.
    rows = [t for o in report["not_reported"] for t in o["tasks"]] + report["overdue"] + report["suspended"]
    for row in rows:
        row["status_label"] = TaskStatus(row["status"]).label if row["status"] else ""
        row["activity_label"] = ActivityKind(row["activity_kind"]).label
    return render(request, "tasking/monthly.html", {"report": report})
