"""The map and the hazard page: parse → access check → read → render."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.access import access_hazard, tasks_for
from core.errors import CleargroundError, NotFoundOrNoAccess, ValidationFailed
from vocab.choices import Classification, HazardStatus
from web.atlas import dossier, mapping, printing


@require_safe
def map_page(request: HttpRequest) -> HttpResponse:
    """The register on a map, for members: hazards, products, finds (and accidents for those who may read them).

    Anonymous visitors are sent to sign in: the tiles of the register's layers are not published to
    them (decision 0037); what is published they read on the home page and through /ogc/.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    config = mapping.map_config(request)
    context = {
        "config": config,
        "classifications": Classification.choices,
        "statuses": HazardStatus.choices,
        "organisations": mapping.organisations(),
        "show_accidents": "accidents" in config["tiles"],
        "show_indications": "hazard_indications" in config["tiles"],
        "print_scales": printing.PRINT_SCALES,
    }
    return render(request, "atlas/map.html", context)


def _parse_on(raw: str | None) -> tuple[dt.date | None, str]:
    """The "as known on" date from the query string, or the reason it cannot be read."""
    if not raw:
        return None, ""
    try:
        return dt.date.fromisoformat(raw), ""
    except ValueError:
        return None, _("Enter a date as YYYY-MM-DD.")


@require_safe
def hazard_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One hazard: its state (now or as known on a date), history, products, activities and finds."""
    try:
        hazard = access_hazard(request.user, pk)
    except NotFoundOrNoAccess:
        raise Http404(_("No such hazard.")) from None
    on, on_error = _parse_on(request.GET.get("on"))
    try:
        facts = dossier.dossier(hazard, on)
    except ValidationFailed:
        on_error = _("Nothing was known of %(code)s on %(date)s.") % {"code": hazard.code, "date": on}
        facts = dossier.dossier(hazard)
    # The task orders on this hazard the user may see (decision 0050): the authority all, an operator its own.
    tasks = tasks_for(request.user).filter(hazard=hazard).select_related("organisation", "team").order_by("-id")
    context = {"d": facts, "hazard": hazard, "on_raw": request.GET.get("on", ""), "on_error": on_error,
               "tasks": list(tasks)}  # fmt: skip
    return render(request, "atlas/hazard.html", context, status=400 if on_error else 200)


def problems_response(error: CleargroundError) -> JsonResponse:
    """The API's error body (decision 0055): the message and each problem with its field and code."""
    body = {"detail": error.message, "errors": [p.as_dict() for p in error.problems]}
    return JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """A PDF to download, never cached: it carries its date and the reader's name."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def print_map(request: HttpRequest) -> HttpResponse:
    """The map page's view printed at a chosen scale and paper (members only, their layers only)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        order = printing.parse_print_order(request.GET)
    except ValidationFailed as error:
        return problems_response(error)
    data = printing.print_pdf(order, reader=request.user, language=translation.get_language() or "en")
    return pdf_response(data, f"clearground-map-1-{order.scale}.pdf")
