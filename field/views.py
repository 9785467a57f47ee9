"""The OpenRosa server (/openrosa/): form list, forms, manifests and media, submissions (decision 0051).

Thin views: HTTPS and credentials → parse → field.intake → an OpenRosa answer. Every answer carries
the OpenRosa headers; a refusal is an OpenRosaResponse whose message Collect shows its user.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts import access
from core.errors import CleargroundError, Problem, TooLarge, ValidationFailed
from field import auth, intake, media, openrosa
from field.forms import form_id, sheets, xform
from field.submission import parse
from reports.kinds import KINDS
from reports.xlsform import workbook

View = Callable[..., HttpResponse]
XML_MAX_BYTES = 5 * 1024 * 1024  # a submission's XML: a few kB in practice; anything near this is not a form's


def _refusal(exc: CleargroundError) -> HttpResponse:
    words = "; ".join(f"{p.field}: {p.message}" for p in exc.problems) or exc.message
    return openrosa.message(words, exc.status, nature="submit_error")


def openrosa_door(view: View) -> View:
    """HTTPS, then a writer's credentials (401 with the Basic challenge otherwise); errors as OpenRosa messages."""

    @wraps(view)
    def door(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not auth.secure_enough(request):
            return openrosa.message(_("Clearground takes field data over HTTPS only: use an https:// address."), 403)
        try:
            user = auth.user_of(request)
        except auth.CsrfRefused:
            return openrosa.message(_("CSRF check failed: reload the page and send the form again."), 403)
        if user is None:
            response = openrosa.message(_("Sign in with your Clearground user name and password."), 401)
            response["WWW-Authenticate"] = auth.REALM
            return response
        if not access.may_write_somewhere(user):
            return openrosa.message(_("Your role may not create reports."), 403)
        try:
            return view(request, user, *args, **kwargs)
        except CleargroundError as exc:
            return _refusal(exc)

    return csrf_exempt(door)


def _offered(user: Any, kind: str) -> bool:
    """Is this a form the user's formList lists? A kind they may not submit is, at every door, no such form."""
    return kind in access.kinds_to_submit(user)


@require_http_methods(["GET", "HEAD"])
@openrosa_door
def form_list(request: HttpRequest, user: Any) -> HttpResponse:
    """Every form the user may fill: one per kind they may submit (`?formID=` narrows it to one)."""
    wanted = request.GET.get("formID")
    forms = []
    for kind in access.kinds_to_submit(user):
        if wanted and wanted != form_id(kind):
            continue
        form = xform(kind)
        forms.append({
            "formID": form_id(kind),
            "name": str(KINDS[kind].title),
            "version": form.version,
            "hash": form.md5,
            "downloadUrl": request.build_absolute_uri(reverse("openrosa-form", args=[kind])),
            "manifestUrl": request.build_absolute_uri(reverse("openrosa-manifest", args=[kind])),
        })  # fmt: skip
    return openrosa.xml(openrosa.form_list(forms))


@require_http_methods(["GET", "HEAD"])
@openrosa_door
def form(request: HttpRequest, user: Any, kind: str) -> HttpResponse:
    """The kind's XForm."""
    if not _offered(user, kind):
        return openrosa.message(_("No such form."), 404)
    return openrosa.headers(HttpResponse(xform(kind).xml, content_type="text/xml; charset=utf-8"))


@require_http_methods(["GET", "HEAD"])
@openrosa_door
def xlsform(request: HttpRequest, user: Any, kind: str) -> HttpResponse:
    """The kind's XLSForm (the XForm's source), for a programme that edits its forms in Kobo."""
    if not _offered(user, kind):
        return openrosa.message(_("No such form."), 404)
    response = HttpResponse(
        workbook(sheets(KINDS[kind])),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{form_id(kind)}.xlsx"'
    return openrosa.headers(response)


@require_http_methods(["GET", "HEAD"])
@openrosa_door
def manifest(request: HttpRequest, user: Any, kind: str) -> HttpResponse:
    """The form's media files, each with the hash that changes when its content does."""
    if not _offered(user, kind):
        return openrosa.message(_("No such form."), 404)
    files = [{
        "filename": name,
        "hash": media.md5(media.FILES[name][0](user)),
        "downloadUrl": request.build_absolute_uri(reverse("openrosa-media", args=[kind, name])),
    } for name in media.files_for(kind)]  # fmt: skip
    return openrosa.xml(openrosa.manifest(files))


@require_http_methods(["GET", "HEAD"])
@openrosa_door
def media_file(request: HttpRequest, user: Any, kind: str, name: str) -> HttpResponse:
    """One media file of a form."""
    if not _offered(user, kind) or name not in media.files_for(kind):
        return openrosa.message(_("No such file."), 404)
    write, content_type = media.FILES[name]
    return openrosa.headers(HttpResponse(write(user), content_type=content_type))


def _parts(request: HttpRequest) -> tuple[bytes, dict[str, bytes]]:
    """The submission XML and the attachments of a multipart POST."""
    upload = request.FILES.get("xml_submission_file")
    if upload is not None:
        if upload.size is not None and upload.size > XML_MAX_BYTES:
            raise TooLarge([Problem("xml_submission_file", _("is larger than a form's instance can be"), "too_large")])
        xml = upload.read()
    elif "xml_submission_file" in request.POST:
        xml = request.POST["xml_submission_file"].encode("utf-8")
    else:
        raise ValidationFailed(
            [Problem("xml_submission_file", _("is required (a multipart part of that name)"), "required")]
        )
    files: dict[str, bytes] = {}
    for key, uploads in request.FILES.lists():
        if key == "xml_submission_file":
            continue
        for part in uploads:  # Django keeps only the last segment of a part's file name: no path survives
            files[part.name or key] = part.read()
    return xml, files


@require_http_methods(["HEAD", "POST"])
@openrosa_door
def submission(request: HttpRequest, user: Any) -> HttpResponse:
    """HEAD: 204 with the OpenRosa headers (Collect asks first). POST: one submission, see field.intake."""
    if request.method == "HEAD":
        return openrosa.headers(HttpResponse(status=204), submission=True)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > openrosa.max_bytes() + 64 * 1024:  # the multipart boundaries and headers beside the parts
        raise TooLarge([Problem("body", _("is larger than X-OpenRosa-Accept-Content-Length"), "too_large")])
    xml, files = _parts(request)
    # Collect sends a submission larger than X-OpenRosa-Accept-Content-Length in several POSTs of the same
    # instance, each but the last marked `*isIncomplete*=yes` (a form field, not a file).
    incomplete = request.POST.get("*isIncomplete*", "").lower() == "yes"
    outcome = intake.receive(user, parse(xml), files, incomplete=incomplete)
    nature = "submit_success" if outcome.status < 300 else "submit_error"
    return openrosa.message(outcome.message, outcome.status, nature=nature)
