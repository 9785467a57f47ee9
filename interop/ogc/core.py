"""What each OGC API – Features endpoint answers, whatever web framework calls it (pygeoapi's split).

Every function takes the API's absolute base URL (…/ogc), the user asking (Django's lazy user or a
token's user: interop/publish_access.py) and the query parameters; it returns a JSON-ready dict, or for items
and features the GeoJSON text PostGIS built. Access (decisions 0018, 0037): interop/publish_access.py
decides which collections, rows and fields the caller sees; anonymous callers only what the authority
publishes (settings.CLEARGROUND_PUBLISHED), restricted ones only members, scoped by organisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from core.errors import NotFoundOrNoAccess, Problem, ValidationFailed
from interop.collections import Collection
from interop.ogc import cql2, params, queries
from interop.ogc import crs as crs_mod
from interop.ogc.cql2_json import LANGUAGES
from interop.publish_access import Reader, published_collection, visible_collections

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
MVT = "application/vnd.mapbox-vector-tile"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

_OAF1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_OAF2 = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/"
_OAF3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
# What this server implements, declared here and nowhere else.
CONFORMANCE = [
    _OAF1 + "core",
    _OAF1 + "oas30",
    _OAF1 + "html",
    _OAF1 + "geojson",
    _OAF2 + "crs",
    _OAF3 + "queryables",
    _OAF3 + "queryables-query-parameters",
    _OAF3 + "filter",
    _OAF3 + "features-filter",
    _CQL2 + "cql2-text",
    _CQL2 + "cql2-json",  # read into the text form and translated by the same code (interop/ogc/cql2_json.py)
    _CQL2 + "basic-cql2",
    _CQL2 + "advanced-comparison-operators",
    _CQL2 + "basic-spatial-functions",
    _CQL2 + "basic-spatial-functions-plus",
    _CQL2 + "spatial-functions",
    # Not temporal-functions: it needs all of Allen's relations, and T_MEETS, T_STARTS… are not read.
    _CQL2 + "case-insensitive-comparison",
]


def collection_for(cid: str, user: Reader) -> tuple[Collection, Sequence[int] | None]:
    """The collection and the caller's organisation scope in it (interop/publish_access.py, the one rule)."""
    return published_collection(user, cid)


def _link(href: str, rel: str, type_: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"href": href, "rel": rel, "type": type_, "title": title, **extra}


def _with(href: str, **query: Any) -> str:
    return f"{href}?{urlencode(query)}" if query else href


def landing(base: str) -> dict[str, Any]:
    """The landing page: what this API is and where its parts are."""
    return {
        "title": "Clearground OGC API – Features",
        "description": "The mine action register as published: to the public what the national authority "
        "publishes (released land by default); to members hazardous areas, land release, activities, finds, "
        "risk education and accidents.",
        "links": [
            _link(_with(f"{base}/", f="json"), "self", JSON, "This document"),
            _link(_with(f"{base}/", f="html"), "alternate", HTML, "This document as HTML"),
            _link(f"{base}/api", "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
            _link(_with(f"{base}/api", f="html"), "service-doc", HTML, "The API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "Conformance classes implemented"),
            _link(f"{base}/collections", "data", JSON, "The collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance classes implemented."""
    return {"conformsTo": CONFORMANCE}


def _utc(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _collection_doc(base: str, collection: Collection, extent: queries.Extent | None) -> dict[str, Any]:
    href = f"{base}/collections/{collection.id}"
    root = base.removesuffix("/ogc")
    offered = list(crs_mod.BASE)
    doc: dict[str, Any] = {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
    }
    if extent is not None and (extent.bbox is not None or extent.start is not None):
        doc["extent"] = {}
        if extent.bbox is not None:
            doc["extent"]["spatial"] = {"bbox": [list(extent.bbox)], "crs": crs_mod.CRS84}
            offered += crs_mod.utm_zones(*extent.bbox)
        if extent.start is not None:
            doc["extent"]["temporal"] = {"interval": [[_utc(extent.start), _utc(extent.end)]], "trs": GREGORIAN}
    doc["crs"] = [c.uri for c in offered]
    doc["storageCrs"] = crs_mod.CRS84
    doc["links"] = [
        _link(_with(href, f="json"), "self", JSON, "This collection"),
        _link(_with(href, f="html"), "alternate", HTML, "This collection as HTML"),
        _link(_with(f"{href}/items", f="json"), "items", GEOJSON, f"{collection.title}"),
        _link(_with(f"{href}/items", f="html"), "items", HTML, f"{collection.title} as HTML"),
        _link(f"{href}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_JSON,
              "The properties one may filter on"),
        _link(f"{root}/tiles/{collection.id}/tilejson.json", "describedby", JSON, "Vector tiles (TileJSON)"),
        _link(f"{root}/tiles/{collection.id}/{{z}}/{{x}}/{{y}}", "item", MVT, "Vector tiles", templated=True),
    ]  # fmt: skip
    return doc


def collections(base: str, user: Reader) -> dict[str, Any]:
    """Every collection the caller may read, as they see it, with its extent within the caller's scope."""
    visible = visible_collections(user)
    found = queries.extents(visible)
    return {
        "links": [
            _link(_with(f"{base}/collections", f="json"), "self", JSON, "The collections"),
            _link(_with(f"{base}/collections", f="html"), "alternate", HTML, "The collections as HTML"),
        ],
        "collections": [_collection_doc(base, seen, found.get(cid)) for cid, (seen, _) in visible.items()],
    }


def collection(base: str, cid: str, user: Reader) -> dict[str, Any]:
    """One collection's metadata."""
    found, org_ids = collection_for(cid, user)
    return _collection_doc(base, found, queries.extents({cid: (found, org_ids)}).get(cid))


QUERYABLE_SCHEMA = {
    "text": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "timestamp": {"type": "string", "format": "date-time"},
    "boolean": {"type": "boolean"},
}


def queryable_types(collection: Collection) -> dict[str, str]:
    """Property name → type, for filters: every column the caller may see (`geom` is the geometry).

    The same list as the features' properties (queries.columns), so a filter can name only what the
    caller may read: an unpublished field is an unknown property, not an oracle.
    """
    return dict(queries.columns(collection))


def queryables(base: str, cid: str, user: Reader) -> dict[str, Any]:
    """The JSON Schema of the properties a filter may name."""
    found, _ = collection_for(cid, user)
    props: dict[str, Any] = {}
    for name, kind in queryable_types(found).items():
        if kind == "geometry":
            props[name] = {"title": "Geometry", "format": f"geometry-{found.geometry_type.lower()}",
                           "x-ogc-role": "primary-geometry"}  # fmt: skip
        else:
            props[name] = {"title": name.replace("_", " ").capitalize(), **QUERYABLE_SCHEMA[kind]}
            if name == "id":
                props[name]["x-ogc-role"] = "id"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{cid}/queryables",
        "type": "object",
        "title": found.title,
        "properties": props,
        "additionalProperties": False,
    }


def _cql(collection: Collection, query: params.ItemsQuery) -> Any:
    if query.filter is None:
        return None
    try:
        fragment = LANGUAGES[query.filter_lang](
            query.filter, queryable_types(collection), filter_srid=query.filter_crs.srid,
            lat_first=query.filter_crs.lat_first,
        )  # fmt: skip
    except cql2.Cql2Error as e:
        raise ValidationFailed([Problem("filter", str(e))], f"Invalid parameter: filter {e}") from None
    return queries.render_cql(fragment)


def items(base: str, cid: str, user: Reader, query: Mapping[str, str]) -> tuple[str, crs_mod.Crs]:
    """One page of features as GeoJSON text (PostGIS-built), and the CRS of its coordinates."""
    found, org_ids = collection_for(cid, user)
    parsed = params.parse_items(query, queryable_types(found))
    where = queries.where_for(
        found,
        org_ids=org_ids,
        bbox=parsed.bbox,
        interval=parsed.datetime,
        properties=parsed.properties,
        cql=_cql(found, parsed),
    )
    href = f"{base}/collections/{cid}/items"
    rest = {k: v for k, v in query.items() if k not in ("offset", "f")}

    def page(offset: int, rel: str, type_: str = GEOJSON, f: str = "json") -> dict[str, Any]:
        extra = {"offset": offset} if offset else {}
        return _link(_with(href, **rest, **extra, f=f), rel, type_, f"{rel} page")

    links = [
        page(parsed.offset, "self"),
        page(parsed.offset, "alternate", HTML, "html"),
        _link(_with(f"{base}/collections/{cid}", f="json"), "collection", JSON, found.title),
    ]
    prev_link = page(max(0, parsed.offset - parsed.limit), "prev") if parsed.offset > 0 else None
    text = queries.items_document(
        found,
        where,
        limit=parsed.limit,
        offset=parsed.offset,
        out=parsed.crs,
        links=links,
        prev_link=prev_link,
        next_link=page(parsed.offset + parsed.limit, "next"),
    )
    return text, parsed.crs


def feature(base: str, cid: str, fid: str, user: Reader, query: Mapping[str, str]) -> tuple[str, crs_mod.Crs]:
    """One feature as GeoJSON text; 404 if it does not exist or is not visible to the caller."""
    found, org_ids = collection_for(cid, user)
    out = params.parse_feature(query)
    pk = int(fid) if fid.isascii() and fid.isdigit() and len(fid) < 19 else 0  # ids are positive bigints
    if pk <= 0:
        raise NotFoundOrNoAccess(f"No feature {fid!r} in {cid!r}.")
    href = f"{base}/collections/{cid}/items/{pk}"
    links = [
        _link(_with(href, f="json"), "self", GEOJSON, "This feature"),
        _link(_with(href, f="html"), "alternate", HTML, "This feature as HTML"),
        _link(_with(f"{base}/collections/{cid}", f="json"), "collection", JSON, found.title),
    ]
    text = queries.feature_document(found, queries.where_for(found, org_ids=org_ids), pk, out=out, links=links)
    if text is None:
        raise NotFoundOrNoAccess(f"No feature {fid!r} in {cid!r}.")
    return text, out
