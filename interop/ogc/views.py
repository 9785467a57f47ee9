"""Django adapters for OGC API – Features: parse the request, call `core`, render JSON, GeoJSON or HTML.

GeoJSON answers are the text PostGIS built, sent as they are. Callers sign in with Django's session
or a DRF token header (`Authorization: Token …`, which QGIS and GDAL send via GDAL_HTTP_HEADERS).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe
from rest_framework.exceptions import AuthenticationFailed

from core.errors import CleargroundError, Problem, ValidationFailed
from interop.ogc import core, openapi
from interop.ogc import crs as crs_mod
from interop.publish_access import request_user

FORMATS = {"json", "geojson", "html"}
CODES = {400: "InvalidParameterValue", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("ogc:landing")).rstrip("/")


def _query(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET[k] for k in request.GET}


def _wants_html(request: HttpRequest) -> bool:
    f = request.GET.get("f")
    if f is not None:
        return f == "html"
    return "text/html" in request.META.get("HTTP_ACCEPT", "")


def _error(request: HttpRequest, status: int, message: str, problems: list[Problem]) -> HttpResponse:
    body = {"code": CODES.get(status, "Error"), "description": message, "errors": [p.as_dict() for p in problems]}
    if _wants_html(request):
        response = render(request, "ogc/error.html", {"status": status, **body}, status=status)
    else:
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = 'Token realm="clearground"'
    return response


def endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET/HEAD only; checks `f`; turns Clearground and authentication errors into OGC exceptions."""

    @require_safe
    def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            f = request.GET.get("f")
            if f is not None and f not in FORMATS:
                raise ValidationFailed([Problem("f", f"must be one of {', '.join(sorted(FORMATS))}, not {f!r}")])
            return view(request, **kwargs)
        except CleargroundError as e:
            return _error(request, e.status, e.message, e.problems)
        except AuthenticationFailed as e:
            return _error(request, 401, str(e.detail), [])

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _json(request: HttpRequest, doc: dict[str, Any], template: str, content_type: str = core.JSON) -> HttpResponse:
    if _wants_html(request):
        return render(request, template, {"doc": doc, "json_href": _json_href(request)})
    return HttpResponse(json.dumps(doc, ensure_ascii=False), content_type=content_type)


def _json_href(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["f"] = "json"
    return f"{request.path}?{query.urlencode()}"


@endpoint
def landing(request: HttpRequest) -> HttpResponse:
    """The landing page."""
    return _json(request, core.landing(_base(request)), "ogc/landing.html")


@endpoint
def api(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3.0 definition (service-desc), or as HTML its documentation (service-doc)."""
    doc = openapi.document(_base(request))
    if _wants_html(request):
        return render(request, "ogc/api.html", {"doc": doc, "json_href": _json_href(request)})
    return HttpResponse(json.dumps(doc, ensure_ascii=False), content_type=core.OPENAPI)


@endpoint
def conformance(request: HttpRequest) -> HttpResponse:
    """The conformance classes implemented."""
    return _json(request, core.conformance(), "ogc/conformance.html")


@endpoint
def collections(request: HttpRequest) -> HttpResponse:
    """The collections the caller may read."""
    return _json(request, core.collections(_base(request), request_user(request)), "ogc/collections.html")


@endpoint
def collection(request: HttpRequest, cid: str) -> HttpResponse:
    """One collection."""
    return _json(request, core.collection(_base(request), cid, request_user(request)), "ogc/collection.html")


@endpoint
def queryables(request: HttpRequest, cid: str) -> HttpResponse:
    """The queryables of a collection (JSON Schema)."""
    doc = core.queryables(_base(request), cid, request_user(request))
    return _json(request, doc, "ogc/queryables.html", core.SCHEMA_JSON)


def _geojson(request: HttpRequest, text: str, out: crs_mod.Crs, template: str, cid: str) -> HttpResponse:
    if _wants_html(request):
        doc = json.loads(text)
        features = doc["features"] if doc["type"] == "FeatureCollection" else [doc]
        pages = [
            (k["rel"], k["href"].replace("f=json", "f=html")) for k in doc["links"] if k["rel"] in ("prev", "next")
        ]
        context = {"doc": doc, "features": features, "cid": cid, "pages": pages, "json_href": _json_href(request)}
        response = render(request, template, context)
    else:
        response = HttpResponse(text, content_type=core.GEOJSON)
    response["Content-Crs"] = crs_mod.content_crs_header(out)
    return response


@endpoint
def items(request: HttpRequest, cid: str) -> HttpResponse:
    """A page of features."""
    text, out = core.items(_base(request), cid, request_user(request), _query(request))
    return _geojson(request, text, out, "ogc/items.html", cid)


@endpoint
def feature(request: HttpRequest, cid: str, fid: str) -> HttpResponse:
    """One feature."""
    text, out = core.feature(_base(request), cid, fid, request_user(request), _query(request))
    return _geojson(request, text, out, "ogc/feature.html", cid)
