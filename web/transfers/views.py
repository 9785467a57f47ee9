"""Import and export pages: parse → access check → the import service / export core → render.

The pages call what the REST API calls: interop.imports.service for upload, preview, queueing a run
(its lock and "already queued" check) and approval, and the export endpoints for the downloads.
Decisions 0025, 0043.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.access import AnyUser
from accounts.models import Organisation
from core.errors import CleargroundError, Conflict, NotAllowed, NotFoundOrNoAccess, Problem, ValidationFailed
from interop.exports import EXPORTERS
from interop.exports.query import exportable
from interop.imports import mapping as mapping_mod
from interop.imports import service
from interop.imports.targets import TARGETS
from interop.models import Import, ImportProfile
from web.transfers import names
from web.transfers.problems import by_field

UPLOAD_FIELDS = ("file", "kind", "profile", "organisation", "crs", "mapping")
PREVIEW_ROWS = 20


def _import_or_404(user: AnyUser, pk: int, **kw: bool) -> Import:
    try:
        return access.access_import(user, pk, **kw)
    except NotFoundOrNoAccess:
        raise Http404(_("No such import.")) from None
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None


def _user(request: HttpRequest) -> User:
    # login_required has let only signed-in users this far.
    assert isinstance(request.user, User)
    return request.user


def writable_organisations(user: AnyUser) -> list[Organisation]:
    """The organisations the user may import for (the same rule as the imports API)."""
    return access.writable_organisations_for(user)


def _choices(user: AnyUser) -> dict[str, Any]:
    return {
        "kinds": [(k, names.name(names.IMPORT_KINDS, k, t.label)) for k, t in TARGETS.items()],
        "profiles": list(ImportProfile.objects.order_by("name")) if access.scope_of(user).is_member() else [],
        "organisations": writable_organisations(user),
    }


def _list_context(request: HttpRequest) -> dict[str, Any]:
    imports = list(
        access.imports_for(request.user).select_related("organisation", "created_by").order_by("-created_at")[:100]
    )
    jobs = service.latest_jobs([i.pk for i in imports])
    rows = [{"import": i, "status": names.name(names.IMPORT_STATUSES, i.status), "job": jobs.get(i.pk),
             "kind": names.name(names.IMPORT_KINDS, i.kind)} for i in imports]  # fmt: skip
    return {"rows": rows, **_choices(request.user), "may_upload": bool(writable_organisations(request.user))}


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    """The imports in the user's scope, newest first, and the upload form (POST stores and reads the file)."""
    if request.method == "GET":
        return render(request, "transfers/imports.html", {**_list_context(request), "values": {}, "errors": {}})
    if not writable_organisations(request.user):
        raise PermissionDenied(_("Your role may not import files."))
    values = {k: request.POST.get(k, "").strip() for k in UPLOAD_FIELDS if k != "file"}
    try:
        import_ = _upload(request, values)
    except ValidationFailed as exc:
        errors, other = by_field(exc.problems, UPLOAD_FIELDS)
        context = {**_list_context(request), "values": values, "errors": errors, "other_errors": other}
        # 200, as Django re-renders an invalid form: the page is an answer, not a failed load (a browser logs
        # a 4xx document as a console error, which the browser tests rightly treat as a fault).
        return render(request, "transfers/imports.html", context)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    return redirect("transfers:import", pk=import_.pk)


def _upload(request: HttpRequest, values: dict[str, str]) -> Import:
    """Check the form (every problem at once), then store the file through the import service."""
    problems: list[Problem] = []
    upload = request.FILES.get("file")
    if upload is None:
        problems.append(Problem("file", _("Choose the file to import.")))
    kind = values["kind"]
    if kind not in TARGETS:
        problems.append(Problem("kind", _("Choose what the file holds.")))
    orgs = {str(o.pk): o for o in writable_organisations(request.user)}
    organisation = orgs.get(values["organisation"]) if values["organisation"] else None
    if organisation is None and not values["organisation"] and len(orgs) == 1:
        organisation = next(iter(orgs.values()))
    if organisation is None:
        problems.append(Problem("organisation", _("Choose the organisation this import is for.")))
    profile = None
    if values["profile"]:
        profile = ImportProfile.objects.filter(pk=values["profile"]).first() if values["profile"].isdigit() else None
        if profile is None:
            problems.append(Problem("profile", _("There is no such import profile.")))
        elif kind and profile.kind != kind:
            problems.append(Problem("profile", _("This profile is for another kind of import.")))
    mapping = None
    if values["mapping"]:
        try:
            mapping = json.loads(values["mapping"])
        except json.JSONDecodeError:
            problems.append(Problem("mapping", _("The column mapping is not valid JSON.")))
        else:
            if not isinstance(mapping, dict):
                problems.append(Problem("mapping", _("The column mapping must be a JSON object.")))
                mapping = None
            else:
                problems += [Problem("mapping", f"{p.field}: {p.message}") for p in mapping_mod.check(mapping)]
    if problems:
        raise ValidationFailed(problems)
    assert upload is not None and organisation is not None
    return service.create_import_from_upload(
        upload=upload, acting_user=_user(request), organisation=organisation, kind=kind, profile=profile,
        mapping=mapping, crs=values["crs"] or None,
    )  # fmt: skip


def _short(value: Any) -> Any:
    """A payload as a preview shows it: geometry text cut short (the full WKT says nothing to a reader)."""
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(v) for v in value]
    if isinstance(value, str) and len(value) > 80:
        return value[:77] + "…"
    return value


def _preview_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        payload: dict[str, Any] = r.get("payload") or {}
        hazard: dict[str, Any] = payload["hazard"] if isinstance(payload.get("hazard"), dict) else {}
        out.append({
            "row": r["row"], "status": r["status"], "status_label": names.name(names.ROW_STATUSES, r["status"]),
            "name": hazard.get("name") or payload.get("place") or "",
            "payload": json.dumps(_short(payload), ensure_ascii=False, indent=1),
            "problems": r.get("problems") or [],
        })  # fmt: skip
    return out


def _report_problems(import_: Import) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(import_.report_csv or ""))
    return [{**row, "status_label": names.name(names.ROW_STATUSES, row.get("status", ""))} for row in reader]


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its preview until it runs, the progress of its run, then its report."""
    import_ = _import_or_404(request.user, pk)
    job = service.latest_jobs([import_.pk]).get(import_.pk)
    # Four eyes (decision 0036): the uploader and the runner are not offered the approval (the service's rule).
    may_approve = service.approval_refusal(import_, acting_user=_user(request)) is None
    context: dict[str, Any] = {
        "import": import_, "job": job, "status": names.name(names.IMPORT_STATUSES, import_.status),
        "kind": names.name(names.IMPORT_KINDS, import_.kind),
        "may_run": access.may_run_import(request.user, import_), "may_approve": may_approve,
        "running": job is not None and not job.finished,
        "job_url": reverse("job-detail", args=[job.pk]) if job is not None else "",
        "run_api": reverse("import-run", args=[import_.pk]),
        "report_csv": reverse("import-report-csv", args=[import_.pk]),
    }  # fmt: skip
    if context["running"]:
        pass  # the page polls the job; nothing to compute
    elif import_.status in (Import.Status.UPLOADED, Import.Status.PREVIEWED) and context["may_run"]:
        try:
            preview = service.preview_import(import_, rows=PREVIEW_ROWS)
        except ValidationFailed as exc:
            context["preview_problems"] = exc.problems
        else:
            context["preview"] = preview
            context["preview_rows"] = _preview_rows(preview["rows"])
            context["counts"] = preview["counts"]
            context["preview_problems_rows"] = [
                {**p, "status_label": names.name(names.ROW_STATUSES, p["status"])} for p in preview["problems"]
            ]
    elif import_.status in (Import.Status.DONE, Import.Status.APPROVED):
        context["counts"] = import_.counts
        context["report_problems"] = _report_problems(import_)
    return render(request, "transfers/import_detail.html", context)


@login_required
@require_POST
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the run without JavaScript, as the REST run endpoint does (interop.imports.service.queue_run)."""
    import_ = _import_or_404(request.user, pk, write=True)
    try:
        service.queue_run(import_, acting_user=_user(request))
    except Conflict:
        messages.error(request, _("This import is already queued or running."))
    except CleargroundError:
        messages.error(request, _("The import could not be queued."))
    return redirect("transfers:import", pk=pk)


@login_required
@require_POST
def import_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The authority (or a delegated operator) approves every report the import entered, never its uploader or
    runner (interop.imports.service.approve_import)."""
    import_ = _import_or_404(request.user, pk, approve=True)
    try:
        service.approve_import(import_, acting_user=_user(request))
    except ValidationFailed:
        messages.error(request, _("Only a finished import can be approved."))
    except NotAllowed as exc:  # four eyes: this user uploaded or ran it (who may approve was checked above)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The import is approved: every report it entered is approved."))
    return redirect("transfers:import", pk=pk)


@login_required
@require_GET
def exports(request: HttpRequest) -> HttpResponse:
    """Choose a format and the collections this user may export (the export core's rule)."""
    collections = [
        {"id": c.id, "title": names.name(names.COLLECTIONS, c.id, c.title)} for c in exportable(request.user)
    ]
    formats = [{"id": k, "title": names.name(names.FORMATS, k), "extension": e.extension} for k, e in EXPORTERS.items()]
    return render(request, "transfers/exports.html", {"collections": collections, "formats": formats})


@login_required
@require_GET
def export_download(request: HttpRequest) -> HttpResponse:
    """The export form's answer: the export endpoint's URL for the chosen format and collections."""
    fmt = request.GET.get("format", "")
    if fmt not in EXPORTERS:
        raise Http404(_("No such export format."))
    allowed = {c.id for c in exportable(request.user)}
    chosen = [c for c in request.GET.getlist("collections") if c in allowed]
    url = reverse("export", kwargs={"export_format": fmt})
    return HttpResponseRedirect(url + ("?" + urlencode({"collections": ",".join(chosen)}) if chosen else ""))
