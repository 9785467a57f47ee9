"""The OpenAPI 3.0 definition of /ogc/ (the landing page's service-desc).

GDAL's OAPIF driver reads the `limit` parameter's maximum from here to size its pages.
"""

from __future__ import annotations

from typing import Any

from interop.collections import COLLECTIONS
from interop.ogc import core, params
from interop.ogc.cql2_json import LANGUAGES


def _param(name: str, description: str, schema: dict[str, Any], where: str = "query") -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "description": description, "schema": schema,
            "style": "form", "explode": False}  # fmt: skip


def _response(description: str, *types: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {t: {"schema": {"type": "object"}} for t in types},
    }


ERRORS = {
    "400": _response("Bad parameters, each named", core.JSON),
    "401": _response("Sign-in required (anonymous publishing is off)", core.JSON),
    "404": _response("No such collection or feature, or not visible to the caller", core.JSON),
}

F = _param("f", "Format of the answer", {"type": "string", "enum": sorted(["json", "geojson", "html"])})
CRS = _param("crs", "CRS of the coordinates in the answer (see the collection's `crs` list)",
             {"type": "string", "format": "uri"})  # fmt: skip
COLLECTION_ID = _param("collectionId", "A collection", {"type": "string", "enum": list(COLLECTIONS)}, "path")


def document(base: str) -> dict[str, Any]:
    """The definition, with the server URL `base` (…/ogc)."""
    items_params = [
        COLLECTION_ID,
        _param("limit", "Features per page", {"type": "integer", "minimum": 1, "maximum": params.MAX_LIMIT,
                                              "default": params.DEFAULT_LIMIT}),
        _param("offset", "Features to skip", {"type": "integer", "minimum": 0, "default": 0}),
        _param("bbox", "minx,miny,maxx,maxy (in bbox-crs; CRS84 by default)",
               {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
        _param("bbox-crs", "CRS of bbox", {"type": "string", "format": "uri"}),
        _param("datetime", "An instant or an interval (a/b, '..' for open)", {"type": "string"}),
        CRS,
        _param("filter", "A CQL2 filter over the queryables, in filter-lang", {"type": "string"}),
        _param("filter-lang", "Language of filter", {"type": "string", "enum": list(LANGUAGES),
                                                     "default": next(iter(LANGUAGES))}),
        _param("filter-crs", "CRS of the geometries in filter", {"type": "string", "format": "uri"}),
        F,
    ]  # fmt: skip

    def get(summary: str, op: str, responses: dict[str, Any], parameters: list[Any] | None = None) -> dict[str, Any]:
        return {"get": {"summary": summary, "operationId": op, "parameters": parameters or [F],
                        "responses": {**responses, **ERRORS}}}  # fmt: skip

    return {
        "openapi": "3.0.3",
        "info": {"title": "Clearground OGC API – Features", "version": "1.0",
                 "description": "The published mine action register (docs/decisions/0018-ogc-api.md)."},
        "servers": [{"url": base}],
        "components": {
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization",
                          "description": "'Token <key>' from /api/v1/auth/token/ (restricted collections)"},
                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            }
        },
        "security": [{}, {"token": []}, {"session": []}],
        "paths": {
            "/": get("Landing page", "getLandingPage", {"200": _response("Links", core.JSON, core.HTML)}),
            "/conformance": get("Conformance classes", "getConformance",
                                {"200": _response("conformsTo", core.JSON, core.HTML)}),
            "/api": get("This definition", "getApi", {"200": _response("OpenAPI", core.OPENAPI, core.HTML)}),
            "/collections": get("Collections", "getCollections",
                                {"200": _response("Collections", core.JSON, core.HTML)}),
            "/collections/{collectionId}": get("A collection", "describeCollection",
                                               {"200": _response("Collection", core.JSON, core.HTML)},
                                               [COLLECTION_ID, F]),
            "/collections/{collectionId}/queryables": get(
                "Queryables (JSON Schema)", "getQueryables",
                {"200": _response("Queryables", core.SCHEMA_JSON, core.HTML)}, [COLLECTION_ID, F]),
            "/collections/{collectionId}/items": get(
                "Features", "getFeatures",
                {"200": _response("A FeatureCollection", core.GEOJSON, core.HTML)}, items_params),
            "/collections/{collectionId}/items/{featureId}": get(
                "A feature", "getFeature", {"200": _response("A Feature", core.GEOJSON, core.HTML)},
                [COLLECTION_ID, _param("featureId", "A feature id", {"type": "integer"}, "path"), CRS, F]),
        },
    }  # fmt: skip
