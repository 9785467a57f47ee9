"""The "fill a form in the browser" pages: the forms a signed-in writer may fill, and one form in ODK Web Forms.

Thin views over what /openrosa/ serves Collect (decision 0058): the same XForms, the same hazards file
(`/openrosa/forms/<kind>/media/hazards.csv`, read with the session), and the same submission door,
which takes this page's POST with the session and Django's CSRF token.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from accounts import access
from field import browser
from field.forms import form_id
from reports.kinds import KINDS


def _kinds(request: HttpRequest) -> list[str]:
    """The kinds the user may submit, the list formList gives their device (decision 0064). Only a user with
    a writer role somewhere fills forms, as only they pass /openrosa/ (403 otherwise)."""
    kinds = access.kinds_to_submit(request.user)
    if not kinds:
        raise PermissionDenied
    return kinds


@require_GET
@login_required
def fill_list(request: HttpRequest) -> HttpResponse:
    """The forms the user may fill: the ones formList gives their device."""
    forms = [{"kind": kind, "title": str(KINDS[kind].title)} for kind in _kinds(request)]
    return render(request, "field/fill_list.html", {"forms": forms})


@require_GET
@login_required
def fill_form(request: HttpRequest, kind: str) -> HttpResponse:
    """One form in ODK Web Forms, in the user's language, sent to /openrosa/submission as Collect sends it."""
    if kind not in _kinds(request):  # unknown, or a kind the user may not submit: as /openrosa/forms/ answers
        raise Http404
    import_map = browser.import_map()
    config = {
        "formXml": browser.form_xml(kind, get_language() or "en"),
        "formId": form_id(kind),
        "submissionUrl": reverse("openrosa-submission"),
        "mediaUrl": reverse("openrosa-media", args=[kind, "FILE"]),
        "csrfToken": get_token(request),
    }
    context = {"kind": kind, "title": str(KINDS[kind].title), "import_map": import_map, "config": config}
    response = render(request, "field/fill.html", context)
    response["Content-Security-Policy"] = browser.content_security_policy(import_map)
    response["Permissions-Policy"] = browser.PAGE_PERMISSIONS_POLICY
    return response
