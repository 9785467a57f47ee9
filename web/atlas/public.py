"""Anyone's door to the parcel status statement (decision 0061): no session acts here.

CSRF-exempt because programs and the static public map POST a parcel with no page of ours before them; a
signed-in caller is treated as anyone (the statement reads only what anonymous callers read), and the only
write is the statement's own audit row, rate-limited per client address.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.db.models import Extent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.throttle import client_ip
from core.errors import CleargroundError, Problem, TooLarge, ValidationFailed
from places.models import AdminArea
from web.atlas import statement
from web.atlas.mapping import DEFAULT_BOUNDS, may_see, tile_template
from web.atlas.views import pdf_response, problems_response


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
        return problems_response(too_large)
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
            return render(request, "atlas/parcel_statement.html", _statement_page(request, language))
        data_pdf, number = statement.issue_statement(parcel, ip=client_ip(request), language=language)
    except CleargroundError as error:
        if from_form and error.status == 400:
            context = _statement_page(request, language) | {"error": error, "values": request.POST or request.GET}
            return render(request, "atlas/parcel_statement.html", context, status=400)
        response: HttpResponse = problems_response(error)
        if isinstance(error, statement.TooManyStatements):
            response["Retry-After"] = str(error.wait)
        return response
    return pdf_response(data_pdf, f"parcel-statement-{number}.pdf")


def _statement_page(request: HttpRequest, language: str) -> dict[str, object]:
    """The form's context; its map shows the country outlines and, when published, the hazard warnings only."""
    # The start view is the country (public boundaries), never the extent of the register's hazards.
    extent = AdminArea.objects.filter(level=0).aggregate(e=Extent("geom"))["e"]
    config = {
        "bounds": list(extent) if extent else DEFAULT_BOUNDS,
        "warnings": tile_template(request, "hazard_warnings") if may_see(AnonymousUser(), "hazard_warnings") else "",
    }
    return {"max_radius": statement.MAX_RADIUS_M, "max_area_km2": statement.MAX_AREA_M2 / 1e6,
            "max_vertices": statement.MAX_VERTICES, "languages": settings.LANGUAGES, "language": language,
            "config": config}  # fmt: skip
