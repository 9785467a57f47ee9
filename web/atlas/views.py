"""The map and the hazard page: parse → access check → read → render."""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import access_hazard, tasks_for
from accounts.throttle import client_ip
from core.errors import CleargroundError, NotFoundOrNoAccess, Problem, TooLarge, ValidationFailed
from vocab.choices import Classification, HazardStatus
from web.atlas import dossier, mapping, printing, statement


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


def _problems_answer(error: CleargroundError) -> JsonResponse:
    """The API's error body (decision 0055): the message and each problem with its field and code."""
    body = {"detail": error.message, "errors": [p.as_dict() for p in error.problems]}
    return JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})


def _pdf(data: bytes, filename: str) -> HttpResponse:
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
        return _problems_answer(error)
    data = printing.print_pdf(order, reader=request.user, language=translation.get_language() or "en")
    return _pdf(data, f"clearground-map-1-{order.scale}.pdf")


def _statement_language(request: HttpRequest) -> str:
    wanted = request.GET.get("language") or request.POST.get("language") or translation.get_language() or "en"
    codes = [code for code, _name in settings.LANGUAGES]
    return wanted if wanted in codes else settings.LANGUAGE_CODE


@csrf_exempt  # anyone may ask, with no session: nothing of a visitor's is changed, and the answer is public data
@require_http_methods(["GET", "HEAD", "POST"])
def parcel_statement(request: HttpRequest) -> HttpResponse:
    """The parcel status statement (decision 0061): GET lon/lat/radius or POST a GeoJSON parcel → PDF.

    Without a parcel, GET shows the form. Bad input answers 400 naming the problem (the form page again
    when it came from the form), too many statements 429 with Retry-After.
    """
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > statement.MAX_BODY_BYTES:
        # Refused before the body is read: a parcel this large is an attack or a district.
        limit = _("larger than %(kb)s KB") % {"kb": statement.MAX_BODY_BYTES // 1024}
        too_large = TooLarge([Problem("body", limit, "too_large")])
        return _problems_answer(too_large)
    from_fields = request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded")
    form = request.POST if from_fields else request.GET
    from_form = bool(form.get("form"))
    language = _statement_language(request)
    try:
        if request.method == "POST":
            raw = request.POST.get("geojson") if from_fields else request.body
            try:
                data = json.loads(raw or "")
            except (ValueError, TypeError):
                not_json = _("not JSON: send a GeoJSON geometry or feature")
                raise ValidationFailed([Problem("geojson", not_json)]) from None
            parcel = statement.parcel_from_geojson(data, request.GET.get("radius") or request.POST.get("radius"))
        elif "lon" in request.GET or "lat" in request.GET:
            parcel = statement.parcel_from_point(request.GET.get("lon"), request.GET.get("lat"),
                                                 request.GET.get("radius"))  # fmt: skip
        else:
            return render(request, "atlas/parcel_statement.html", _statement_page(language))
        data_pdf, number = statement.issue_statement(parcel, ip=client_ip(request), language=language)
    except CleargroundError as error:
        if from_form and error.status == 400:
            context = _statement_page(language) | {"error": error, "values": request.POST or request.GET}
            return render(request, "atlas/parcel_statement.html", context, status=400)
        response: HttpResponse = _problems_answer(error)
        if isinstance(error, statement.TooManyStatements):
            response["Retry-After"] = str(error.wait)
        return response
    return _pdf(data_pdf, f"parcel-statement-{number}.pdf")


def _statement_page(language: str) -> dict[str, object]:
    return {"max_radius": statement.MAX_RADIUS_M, "max_area_km2": statement.MAX_AREA_M2 / 1e6,
            "max_vertices": statement.MAX_VERTICES, "languages": settings.LANGUAGES, "language": language}  # fmt: skip
