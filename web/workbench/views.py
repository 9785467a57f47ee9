"""Report forms and the approval workbench: parse → access check → action → render.

Every write goes through reports/actions.py, as the REST API's does (reports/api.py); the
actions are atomic and list every problem at once, which the form shows next to each field.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access, audit
from accounts.access import AnyUser
from accounts.models import Organisation
from accounts.personal import has_personal_data, without_personal_data
from casualties.disclosure import report_payload_for
from core.errors import CleargroundError, Conflict, NotAllowed, NotFoundOrNoAccess, Problem, Stale, ValidationFailed
from hazards import overlaps
from hazards.models import HazardousArea
from operations.models import Task
from operations.workflow import REPORTABLE
from reports import actions, attachments
from reports.kinds import KINDS
from reports.models import Reconcile, Report, ReportStatus
from reports.workflow import ALLOWED, EDITABLE
from vocab.choices import HazardStatus, OverlapResolution, Reliability
from web.workbench import binding, personal
from web.workbench import review as review_data
from web.workbench.spec import FORMS, KindForm
from web.workbench.upload import read_uploads

QUEUE = (ReportStatus.SUBMITTED, ReportStatus.VALIDATED)


def _get_report(user: AnyUser, pk: int, **kwargs: Any) -> Report:
    """access_report, with its refusals as the HTTP answers pages give (404 hides existence)."""
    try:
        return access.access_report(user, pk, **kwargs)
    except NotFoundOrNoAccess:
        raise Http404(_("No such report.")) from None
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None


def _posted_version(request: HttpRequest, name: str = "version") -> int | None:
    """The version a form was opened on (its hidden input); None when a hand-made POST leaves it out."""
    raw = request.POST.get(name, "").strip()
    return int(raw) if raw.isdigit() else None


def _stale_state(user: AnyUser, form: KindForm, exc: Stale) -> dict[str, Any]:
    """What someone else saved meanwhile, for the page that keeps the user's own values beside it."""
    current = exc.current
    assert isinstance(current, Report)  # an edit is only ever stale against its report
    return {
        "report": current,
        "rows": review_data.payload_rows(
            form, report_payload_for(user, current, without_personal_data(current.payload))
        ),
    }


def _writable_organisations(user: AnyUser) -> list[Organisation]:
    return access.writable_organisations_for(user)


def _hazard_choices(user: AnyUser) -> list[HazardousArea]:
    # The rule of may_report_on_hazard as a pick list: the user's organisations' hazards and, for an operator
    # tasked on another's hazard, that hazard while the task lives (decision 0050).
    qs = access.hazards_to_report_on(user).exclude(status=HazardStatus.CLOSED).order_by("code")
    return list(qs.only("pk", "code", "name")[:1000])


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports in the user's scope, filtered by status, and a way to start each kind they may write."""
    qs = access.reports_for(request.user).select_related("organisation", "hazard", "created_by")
    status = request.GET.get("status", "")
    if status in ReportStatus.values:
        qs = qs.filter(status=status)
    kinds = [(k, KINDS[k].title) for k in access.kinds_to_submit(request.user)]  # formList's set (0064)
    return render(
        request,
        "workbench/list.html",
        {
            "reports": qs[:200],
            "statuses": ReportStatus.choices,
            "status": status,
            "kinds": kinds,
            "may_approve": _queue(request.user).exists(),
        },
    )


def _parse_date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _polygon_inputs(form: KindForm, data: Any) -> list[str]:
    """Every polygon input posted, group rows included: where a file may have been uploaded."""
    names = list(form.polygon_paths())
    groups = form.groups()
    for group_path, field_path in form.polygon_groups():
        names += [f"{group_path}.{n}.{field_path}" for n in binding.row_numbers(groups[group_path], data)]
    return names


def _form_page(
    request: HttpRequest,
    form: KindForm,
    *,
    report: Report | None,
    payload: dict[str, Any],
    header: dict[str, str],
    problems: list[Problem] | None = None,
    extra_rows: set[str] | None = None,
    version: int | None = None,
    stale: dict[str, Any] | None = None,
) -> HttpResponse:
    organisations = _writable_organisations(request.user)
    sections = binding.layout(form, payload, extra_rows=extra_rows)
    header_errors: dict[str, tuple[list[str], str]] = {
        "organisation": ([], _("Organisation")),
        "date_of_information": ([], _("Date of information")),
        "hazard": ([], _("Hazard")),
        "task": ([], _("Task")),
    }
    summary = binding.attach(sections, header_errors, problems or [])
    return render(
        request,
        "workbench/form.html",
        {
            "form": form,
            "kind_label": KINDS[form.kind].title,
            "report": report,
            "sections": sections,
            "header": header,
            "header_errors": {k: v[0] for k, v in header_errors.items()},
            "summary": summary,
            "organisations": organisations,
            "hazards": _hazard_choices(request.user) if form.hazard else [],
            "task_rule": KINDS[form.kind].task,
            "tasks": _task_choices(request.user, form.kind),
            "bounds": _bounds(request.user),
            "scope_hazards": _scope_hazards(request.user),
            # The version the user's edit is based on, sent back as a hidden input (decision 0027).
            "version": version if version is not None else getattr(report, "version", None),
            "stale": stale,
        },
    )  # 200 even with problems, as Django forms answer: the page is the answer, and a 4xx is a console error


def _scope_hazards(user: AnyUser) -> dict[str, Any]:
    """The hazards in the user's scope (the latest 300), drawn under the drawing map for orientation."""
    rows = (
        access.hazards_for(user)
        .exclude(status=HazardStatus.CLOSED)
        .order_by("-updated_at")
        .values("code", "name", gj=AsGeoJSON("geom", precision=6))[:300]
    )
    features = [
        {"type": "Feature", "geometry": json.loads(r["gj"]), "properties": {"code": r["code"], "name": r["name"]}}
        for r in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def _bounds(user: AnyUser) -> str:
    """Where the drawing maps open: around the hazards the user can see (the whole world if none)."""
    extent = access.hazards_for(user).aggregate(e=Extent("geom"))["e"]
    return json.dumps(extent) if extent else ""


def _read_form(request: HttpRequest, form: KindForm) -> tuple[dict[str, Any], dict[str, str], list[Problem]]:
    """The posted payload, the header as typed, and the problems found before any action (bad uploads)."""
    uploads, problems = read_uploads(request.FILES, _polygon_inputs(form, request.POST))
    payload = binding.read_payload(form, request.POST, uploads)
    header = {k: request.POST.get(k, "").strip() for k in ("organisation", "date_of_information", "hazard", "task")}
    return payload, header, problems


def _header_values(
    request: HttpRequest, form: KindForm, header: dict[str, str], *, new: bool
) -> tuple[Any, dt.date | None, HazardousArea | None, list[Problem]]:
    problems = []
    organisation = None
    if new:
        orgs = {str(o.pk): o for o in _writable_organisations(request.user)}
        organisation = orgs.get(header["organisation"])
        if organisation is None:
            problems.append(Problem("organisation", _("choose the organisation this report is for")))
    on = _parse_date(header["date_of_information"])
    hazard = None
    if form.hazard and header["hazard"]:
        try:
            hazard = access.access_hazard(request.user, header["hazard"], write=True)
        except CleargroundError:
            problems.append(Problem("hazard", _("choose a hazard you may report on")))
    elif form.hazard == "required":
        problems.append(Problem("hazard", _("choose the hazard this report is about")))
    return organisation, on, hazard, problems


def _header_task(request: HttpRequest, form: KindForm, header: dict[str, str]) -> tuple[Task | None, list[Problem]]:
    """The task order chosen for a report of work (decision 0050); whether one is needed is submission's rule."""
    if not KINDS[form.kind].task or not header.get("task"):
        return None, []
    try:
        return access.access_task(request.user, header["task"]), []
    except CleargroundError:
        return None, [Problem("task", _("choose a task of your organisation"))]


def _task_choices(user: Any, kind: str) -> list[Task]:
    """The tasks a report of this kind may be filed under: accepted and not over, of the user's organisations."""
    if not KINDS[kind].task:
        return []
    orgs = [o.pk for o in _writable_organisations(user)]
    qs = access.tasks_for(user).filter(status__in=REPORTABLE, organisation_id__in=orgs).select_related("hazard")
    return list(qs.order_by("-id")[:200])


def _dry_problems(form: KindForm, payload: dict[str, Any], on: dt.date | None, hazard: Any) -> list[Problem]:
    """The kind's own check of a payload, writing nothing: to list its problems beside the header's."""
    return KINDS[form.kind].read(payload, on=on, has_hazard=hazard is not None)[1]


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest, kind: str) -> HttpResponse:
    """A new report of one kind: save it as a draft, or create and submit it in one step."""
    form = FORMS.get(kind)
    if form is None:
        raise Http404(_("No such report kind."))
    organisations = _writable_organisations(request.user)
    if not organisations:
        raise PermissionDenied(_("Your role may not create reports."))
    if kind not in access.kinds_to_submit(request.user):  # an authority-only kind: as formList, no such form
        raise Http404(_("No such report kind."))
    if request.method == "GET":
        header = {
            "organisation": str(organisations[0].pk) if len(organisations) == 1 else "",
            "date_of_information": dt.date.today().isoformat(),
            "hazard": request.GET.get("hazard", ""),
            "task": request.GET.get("task", ""),
        }
        return _form_page(request, form, report=None, payload={}, header=header)
    payload, header, problems = _read_form(request, form)
    if request.POST.get("add_row") in form.groups():
        return _form_page(
            request,
            form,
            report=None,
            payload=payload,
            header=header,
            problems=problems,
            extra_rows={request.POST["add_row"]},
        )
    organisation, on, hazard, header_problems = _header_values(request, form, header, new=True)
    task, task_problems = _header_task(request, form, header)
    problems += header_problems + task_problems
    submit = "submit" in request.POST
    if problems:
        if submit:
            problems += _dry_problems(form, payload, on, hazard)
        return _form_page(request, form, report=None, payload=payload, header=header, problems=problems)
    try:
        report = actions.create_report(
            acting_user=request.user,
            organisation=organisation,
            kind=kind,
            date_of_information=on,  # type: ignore[arg-type]  # None → the action's own "is required"
            payload=payload,
            hazard=hazard,
            task=task,
            submit=submit,
        )
    except ValidationFailed as exc:
        return _form_page(request, form, report=None, payload=payload, header=header, problems=exc.problems)
    messages.success(request, _("Report submitted for approval.") if submit else _("Draft saved."))
    return redirect("workbench:detail", pk=report.pk)


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft or returned report; Submit saves the edit and submits it, or changes nothing."""
    report = _get_report(request.user, pk, write=True)
    form = FORMS[report.kind]
    based_on = _posted_version(request) if request.method == "POST" else None
    # A stale POST goes on to the action, which refuses it; the page then keeps what the user typed.
    if report.status not in EDITABLE and based_on in (None, report.version):
        messages.error(request, _("Only a draft or a returned report can be edited."))
        return redirect("workbench:detail", pk=report.pk)
    if request.method == "GET":
        header = {
            "organisation": str(report.organisation_id),
            "date_of_information": report.date_of_information.isoformat(),
            "hazard": str(report.hazard_id or ""),
            "task": str(report.task_id or ""),
        }
        if personal.may_see(request.user, report):
            shown = personal.unsealed(report.payload)
            if has_personal_data(report.payload):
                audit.record_personal_read(
                    request.user, [report], fields=["payload.personal"], why=f"edit form {request.path}"
                )
        else:
            shown = without_personal_data(report.payload)
        return _form_page(request, form, report=report, payload=shown, header=header)
    payload, header, problems = _read_form(request, form)
    if not personal.may_see(request.user, report):
        personal.keep(report.payload, payload)
    header["organisation"] = str(report.organisation_id)
    if request.POST.get("add_row") in form.groups():
        return _form_page(
            request,
            form,
            report=report,
            payload=payload,
            header=header,
            problems=problems,
            extra_rows={request.POST["add_row"]},
            version=based_on,
        )
    _org, on, hazard, header_problems = _header_values(request, form, header, new=False)
    task, task_problems = _header_task(request, form, header)
    problems += header_problems + task_problems
    if on is None:
        problems.append(Problem("date_of_information", _("is required (a date, YYYY-MM-DD)")))
    submit = "submit" in request.POST
    if problems:
        if submit:
            problems += _dry_problems(form, payload, on, hazard)
        return _form_page(
            request, form, report=report, payload=payload, header=header, problems=problems, version=based_on
        )
    try:
        with transaction.atomic():  # an edit that cannot be submitted is not half-saved either
            report = actions.update_draft(
                report,
                acting_user=request.user,
                payload=payload,
                date_of_information=on,
                hazard=hazard,
                task=task,
                expected_version=based_on,
            )
            if submit:
                report = actions.submit_report(report, acting_user=request.user)
    except Stale as exc:
        # Someone saved first. Keep every value this user typed, show what is there now, and base the
        # next save on the current version: saving again is then a choice made knowing both.
        return _form_page(
            request,
            form,
            report=report,
            payload=payload,
            header=header,
            version=exc.current_version,
            stale=_stale_state(request.user, form, exc),
        )
    except ValidationFailed as exc:
        return _form_page(
            request, form, report=report, payload=payload, header=header, problems=exc.problems, version=based_on
        )
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("workbench:detail", pk=report.pk)
    messages.success(request, _("Report submitted for approval.") if submit else _("Draft saved."))
    return redirect("workbench:detail", pk=report.pk)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report: its payload (informants withheld), its workflow history, and what may be done next."""
    report = _get_report(request.user, pk)
    return render(
        request,
        "workbench/detail.html",
        {
            "report": report,
            "rows": review_data.payload_rows(
                FORMS[report.kind], report_payload_for(request.user, report, without_personal_data(report.payload))
            ),
            "transitions": report.transitions.select_related("by"),
            "attachments": report.attachments.all(),
            "may_edit": report.status in EDITABLE and access.may_edit_report(request.user, report),
            "may_review": report.status in QUEUE and access.may_validate_report(request.user, report),
            "may_unapprove": report.status == ReportStatus.APPROVED
            and access.may_unapprove_report(request.user, report),
        },
    )


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach photos, sketch maps, certificates or minefield records to a draft or returned report."""
    report = _get_report(request.user, pk, write=True)
    try:
        added = attachments.upload_attachments(report, acting_user=request.user, uploads=request.FILES.getlist("file"))
    except CleargroundError as exc:
        for problem in exc.problems or [Problem("file", exc.message)]:
            messages.error(request, f"{problem.field}: {problem.message}")
    else:
        messages.success(request, _("Files attached: %(n)d.") % {"n": len(added)})
    # Back where the upload was made: the report's page or its edit form (which reloads from the saved draft).
    return redirect("workbench:edit" if request.POST.get("back") == "edit" else "workbench:detail", pk=report.pk)


@login_required
def attachment_file(request: HttpRequest, pk: int, name: str) -> FileResponse:
    """One attached file, downloaded (never shown inline), for whoever may read the report."""
    report = _get_report(request.user, pk)
    row = report.attachments.filter(name=name).first()
    if row is None:
        raise Http404(_("No such attachment."))
    return FileResponse(row.path.open("rb"), as_attachment=True, filename=row.name, content_type=row.content_type)


def _queue(user: AnyUser) -> QuerySet[Report]:
    return access.reports_to_decide_for(user)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Reports waiting for this user's decision, oldest first: an operator's IM officer validates its own
    organisation's, the national authority approves them into the register (decision 0036)."""
    reports = _queue(request.user).select_related("organisation", "hazard", "created_by").order_by("updated_at", "id")
    return render(request, "workbench/queue.html", {"reports": reports})


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The change a report makes, on a map and as a table, and the decision: approve, validate or return."""
    report = _get_report(request.user, pk, validate=True)
    problems: list[Problem] = []
    posted: dict[str, str] = {}
    stale = False
    if request.method == "POST":
        posted = {
            k: request.POST.get(k, "")
            for k in ("decision", "reconcile", "hazard", "override_reason", "reason", "reliability", "overlap")
        }
        try:
            return _decide(request, report, posted)
        except Stale:
            # The page below is drawn again from the report and hazard as they are now (and carries their
            # new versions); what the approver typed stays in `posted`.
            stale = True
            report = _get_report(request.user, pk, validate=True)
        except ValidationFailed as exc:
            problems = exc.problems
        except (Conflict, NotAllowed) as exc:
            problems = [Problem("decision", exc.message)]
    # The action's own choices and default (reports.actions), so the page offers exactly what approval takes.
    choices = [(value, str(Reconcile(value).label)) for value in actions.reconcile_choices(report)]
    default = actions.default_reconcile(report)
    may_approve = access.may_approve_report(request.user, report)
    four_eyes = report.four_eyes_refusal(request.user) if may_approve else None
    # An accident report decided on already is generalised for its organisation's approvers (decision 0037).
    seen = copy.copy(report)
    seen.payload = report_payload_for(request.user, report, report.payload)
    return render(
        request,
        "workbench/review.html",
        {
            "report": report,
            "map_data": review_data.map_layers(FORMS[report.kind], seen),
            "table": review_data.change_table(FORMS[report.kind], seen),
            "reconcile_choices": choices,
            "reconcile": posted.get("reconcile") or default,
            "reliability_choices": Reliability.choices if KINDS[report.kind].rated_by_approver else [],
            # The registered hazards a new one overlaps, and what the approver may do about it (decision 0048).
            "warnings": overlaps.warnings_for(report, request.user) if report.status in QUEUE else [],
            "overlap_choices": OverlapResolution.choices,
            "may_validate": ReportStatus.VALIDATED in ALLOWED[report.status],
            # Offered exactly when approve_report would take it: the role's rule, then four eyes (decision 0036).
            "may_approve": may_approve and four_eyes is None,
            "four_eyes": four_eyes,
            "decidable": report.status in QUEUE,
            "hazards": list(access.hazards_for(request.user).order_by("code").only("pk", "code", "name")[:1000])
            if choices
            else [],
            "posted": posted,
            "problems": problems,
            "problem_fields": {p.field for p in problems},
            "stale": stale,
        },
    )


def _decide(request: HttpRequest, report: Report, posted: dict[str, str]) -> HttpResponse:
    user = request.user
    decision = posted["decision"]
    based_on = _posted_version(request)
    if decision == "return":
        actions.return_report(report, acting_user=user, reason=posted["reason"], expected_version=based_on)
        messages.success(request, _("Report #%(pk)s returned for correction.") % {"pk": report.pk})
    elif decision == "validate":
        actions.validate_report(report, acting_user=user, expected_version=based_on)
        messages.success(request, _("Report #%(pk)s validated.") % {"pk": report.pk})
        return redirect("workbench:review", pk=report.pk)
    elif decision == "approve":
        access.require_may_approve_report(user, report)
        hazard = None
        if posted["hazard"]:
            try:
                hazard = access.access_hazard(user, posted["hazard"])
            except CleargroundError:
                raise ValidationFailed([Problem("hazard", _("choose a hazard you may see"))]) from None
        approved = actions.approve_report(
            report,
            acting_user=user,
            reconcile=posted["reconcile"] or None,
            hazard=hazard,
            override_reason=posted["override_reason"],
            reliability=posted["reliability"],
            expected_version=based_on,
            overlap=posted.get("overlap", ""),
            # The page showed the report's own hazard; another chosen hazard was not reviewed as "current".
            expected_hazard_version=None if hazard else _posted_version(request, "hazard_version"),
        )
        if approved.hazard_id:
            messages.success(
                request,
                _("Report #%(pk)s approved; hazard %(code)s is up to date.")
                % {"pk": report.pk, "code": approved.hazard.code if approved.hazard else ""},
            )
        else:
            messages.success(request, _("Report #%(pk)s approved.") % {"pk": report.pk})
    else:
        raise ValidationFailed([Problem("decision", _("choose Approve, Validate or Return"))])
    return redirect(reverse("workbench:queue"))


@login_required
@require_POST
def unapprove(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an approval back, with the reason; the hazard is rebuilt without the report."""
    report = _get_report(request.user, pk, unapprove=True)
    reason = request.POST.get("reason", "")
    try:
        actions.unapprove_report(
            report, acting_user=request.user, reason=reason, expected_version=_posted_version(request)
        )
    except ValidationFailed:
        messages.error(request, _("Say why the approval is taken back."))
    except Stale:
        # The page it came from is shown again as the report is now; the reason typed goes with the notice.
        messages.error(
            request,
            _("This report was changed by someone else since you opened it; nothing was done. Your reason: %(r)s")
            % {"r": reason},
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Approval taken back; report #%(pk)s is in the queue again.") % {"pk": report.pk})
    return redirect("workbench:detail", pk=report.pk)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit a saved draft as it is (from its page)."""
    report = _get_report(request.user, pk, write=True)
    try:
        actions.submit_report(report, acting_user=request.user, expected_version=_posted_version(request))
    except Stale:
        messages.error(
            request, _("This report was changed by someone else since you opened it; here it is now. Nothing was done.")
        )
        return redirect("workbench:detail", pk=report.pk)
    except ValidationFailed:
        messages.error(request, _("The report has problems; correct them and submit again."))
        return redirect("workbench:edit", pk=report.pk)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("workbench:detail", pk=report.pk)
    messages.success(request, _("Report submitted for approval."))
    return redirect("workbench:detail", pk=report.pk)
