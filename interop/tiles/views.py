"""Vector tiles and their TileJSON: parse → access (interop.publish_access) → version → one tile statement.

Caching: the ETag is the register's data version (hazards.models.DataVersion, bumped on commit of
every approval) and the caller's scope, so an approval changes every ETag and a revalidation with
the current one is a 304 after reading only the version; otherwise the version comes with the tile,
in its one statement. `Cache-Control: no-cache` lets browsers and
shared caches keep tiles but ask each time, which costs one tiny query. With CLEARGROUND_TILE_CACHE_DIR set,
tiles up to zoom 12 are also kept on the server for the current data version (interop.tiles.cache, 0062).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from rest_framework.exceptions import AuthenticationFailed

from core.errors import CleargroundError, NotFoundOrNoAccess
from hazards.models import data_version
from interop.collections import Collection
from interop.ogc.queries import extents
from interop.publish_access import publish_anonymous, published_collection, request_user, scope_key
from interop.tiles import cache, queries

MVT = "application/vnd.mapbox-vector-tile"
WORLD = [-180.0, -85.0511287798066, 180.0, 85.0511287798066]  # WebMercatorQuad's square


def _errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET/HEAD only; a Clearground or authentication error becomes {"detail": …} with its status."""

    @require_safe
    def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, **kwargs)
        except CleargroundError as e:
            return JsonResponse({"detail": e.message}, status=e.status)
        except AuthenticationFailed as e:
            return JsonResponse({"detail": str(e.detail)}, status=401)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _cache_headers(
    collection: Collection, org_ids: Sequence[int] | None, version: int, *, anonymous: bool
) -> dict[str, str]:
    # A published collection's tile for an anonymous caller is the same for every anonymous caller:
    # shared caches may keep it. A signed-in caller's tile holds more (every field, their rows), so
    # only their own browser may keep it, and a shared cache must not hand it to anyone else.
    shared = anonymous and not collection.restricted and publish_anonymous()
    headers = {
        "ETag": f'W/"v{version}-{scope_key(org_ids, collection)}"',
        "Cache-Control": "public, no-cache" if shared else "private, no-cache",
        "Vary": "Cookie, Authorization",
    }
    return headers


def _anonymous(request: HttpRequest) -> bool:
    return not getattr(request_user(request), "is_authenticated", False)


def _not_modified(request: HttpRequest, etag: str) -> bool:
    wanted = request.META.get("HTTP_IF_NONE_MATCH", "")
    # Weak comparison (RFC 9110 §13.1.2): W/"x" and "x" name the same tile.
    tags = {t.strip().removeprefix("W/") for t in wanted.split(",") if t.strip()}
    return "*" in tags or etag.removeprefix("W/") in tags


def _prepared(request: HttpRequest, cid: str) -> tuple[Collection, Sequence[int] | None, dict[str, str] | None]:
    """Access check, then — only for a conditional request — the version read.

    Returns the collection, its scope, and the 304's headers when the caller's copy is current.
    """
    collection, org_ids = published_collection(request_user(request), cid)
    if "HTTP_IF_NONE_MATCH" in request.META:
        headers = _cache_headers(collection, org_ids, data_version(), anonymous=_anonymous(request))
        if _not_modified(request, headers["ETag"]):
            return collection, org_ids, headers
    return collection, org_ids, None


@_errors
def tile(request: HttpRequest, collection: str, z: int, x: int, y: int) -> HttpResponse:
    """One Mapbox vector tile of a collection; an empty tile is a 200 with an empty body (as tipg).

    One statement reads the tile and the version together; a conditional request reads the version
    first, and a current copy gets its 304 without the tile statement.
    """
    if not queries.tile_in_range(z, x, y):
        last = 2**z - 1 if 0 <= z <= queries.MAX_ZOOM else None
        hint = f"x and y run from 0 to {last} at zoom {z}" if last is not None else f"zoom runs 0–{queries.MAX_ZOOM}"
        raise NotFoundOrNoAccess(f"No tile {z}/{x}/{y}: {hint}.")
    coll, org_ids, not_modified = _prepared(request, collection)
    geometry, properties = _geometry(request), _properties(request, coll)
    if geometry == "cluster" and properties is None:
        raise CleargroundError("geometry=cluster needs properties=…: the attributes the hazards of a cluster share.")
    points, cluster = geometry == "point" and coll.geometry_type != "Point", geometry == "cluster"
    if not_modified is not None:
        return _with(HttpResponseNotModified(), not_modified)
    if cache.folder() is not None and z <= cache.CACHE_MAX_ZOOM:
        # The tile kept for the current data version, if any: one tiny query instead of the tile statement.
        key = (coll.id, scope_key(org_ids, coll), z, x, y, points, properties, cluster)
        version = data_version()
        data = cache.cached(version, z, key)
        if data is None:
            version, data = queries.tile(coll, z, x, y, org_ids, points=points, properties=properties, cluster=cluster)
            cache.keep(version, z, key, data)
    else:
        version, data = queries.tile(coll, z, x, y, org_ids, points=points, properties=properties, cluster=cluster)
    return _with(
        HttpResponse(data, content_type=MVT), _cache_headers(coll, org_ids, version, anonymous=_anonymous(request))
    )


def _geometry(request: HttpRequest) -> str:
    """`?geometry=point`: polygons as one point each (the map's hazard markers at small scales);
    `?geometry=cluster`: those points grouped per dot-sized cell, with a count (the map below z10, 0062)."""
    wanted = request.GET.get("geometry", "")
    if wanted not in ("", "point", "cluster"):
        raise CleargroundError(
            f"geometry={wanted!r} is not known: leave it out, or give geometry=point or geometry=cluster."
        )
    return wanted


def _properties(request: HttpRequest, collection: Collection) -> tuple[str, ...] | None:
    """`?properties=id,code,…`: only these attributes in the tile (the map's dots need five of 22)."""
    raw = request.GET.get("properties")
    if raw is None:
        return None
    wanted = tuple(sorted({name.strip() for name in raw.split(",") if name.strip()}))
    known = queries.attributes(collection)
    unknown = [name for name in wanted if name not in known]
    if unknown or not wanted:
        raise CleargroundError(f"properties: {', '.join(unknown) or 'none given'} not among {', '.join(known)}.")
    return wanted


@_errors
def tilejson(request: HttpRequest, collection: str) -> HttpResponse:
    """TileJSON 3.0.0 of a collection: the tile URL template, zooms, bounds within the caller's scope, fields."""
    coll, org_ids, not_modified = _prepared(request, collection)
    if not_modified is not None:
        return _with(HttpResponseNotModified(), not_modified)
    headers = _cache_headers(coll, org_ids, data_version(), anonymous=_anonymous(request))
    extent = extents({coll.id: (coll, org_ids)}).get(coll.id)
    bounds = list(extent.bbox) if extent is not None and extent.bbox is not None else WORLD
    template = request.build_absolute_uri(reverse("tiles:tile", args=[coll.id, 0, 0, 0]))
    template = template.removesuffix("0/0/0") + "{z}/{x}/{y}"
    fields = {name: queries.FIELD_TYPES[kind] for name, kind in queries.attributes(coll).items()}
    doc = {
        "tilejson": "3.0.0",
        "name": coll.title,
        "description": coll.description,
        "scheme": "xyz",
        "tiles": [template],
        "minzoom": 0,
        "maxzoom": queries.MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 8 if bounds != WORLD else 1],
        "vector_layers": [
            {
                "id": coll.id,
                "description": coll.description,
                "minzoom": 0,
                "maxzoom": queries.MAX_ZOOM,
                "fields": fields,
            }
        ],
    }
    return _with(JsonResponse(doc, json_dumps_params={"ensure_ascii": False}), headers)


def _with(response: HttpResponse, headers: dict[str, str]) -> HttpResponse:
    for name, value in headers.items():
        response[name] = value
    return response
