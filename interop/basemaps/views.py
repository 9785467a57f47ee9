"""The basemap doors: a configured PMTiles archive by its name, in the byte ranges the pmtiles client asks for,
and one tile of it by z/x/y (decision 0066: the members' map pages read tiles this way, one request each).

A PMTiles client reads an archive with HTTP range requests (a 16 kB header first, then directories and
tiles). The name in the URL only selects an entry of settings.CLEARGROUND_BASEMAPS; no path from the
request reaches the file system, so there is no directory traversal to defend against. Basemaps are public
reference data (boundaries, places, roads), so anyone may read them, as the static files.
"""

from __future__ import annotations

import os
import re

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.http import require_safe

from interop.basemaps import archive as reading
from interop.basemaps.config import for_pages, served

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
MAX_RANGE = 16 * 1024 * 1024  # a client asks for a directory or a tile; more than this is not one
MAX_ZOOM = 24


def _not_found(name: str) -> JsonResponse:
    return JsonResponse({"detail": f"No basemap {name!r}."}, status=404)


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response


def _etag(stat: os.stat_result) -> str:
    return f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'


@require_safe
def archive(request: HttpRequest, name: str) -> HttpResponseBase:
    """The archive `name` (whole, or one byte range as 206); 404 for any name not configured as a PMTiles file."""
    basemap = served(name)
    if basemap is None or basemap.file is None or not basemap.file.is_file():
        return _not_found(name)
    path = basemap.file
    stat = path.stat()
    size = stat.st_size
    etag = _etag(stat)
    asked = request.META.get("HTTP_RANGE", "").strip()
    if_range = request.META.get("HTTP_IF_RANGE")
    if not asked or (if_range is not None and if_range != etag):
        response: HttpResponseBase = FileResponse(path.open("rb"), content_type="application/vnd.pmtiles")
        response["Content-Length"] = str(size)
    else:
        match = RANGE.match(asked)
        if match is None or (not match.group(1) and not match.group(2)):
            return _unsatisfiable(size)  # several ranges, or none: the pmtiles client asks for one
        first_text, last_text = match.groups()
        if first_text:
            first = int(first_text)
            last = min(int(last_text), size - 1) if last_text else size - 1
        else:  # "bytes=-N": the last N bytes
            first, last = max(0, size - int(last_text)), size - 1
        if first >= size or last < first or last - first + 1 > MAX_RANGE:
            return _unsatisfiable(size)
        with path.open("rb") as fh:
            fh.seek(first)
            data = fh.read(last - first + 1)
        response = HttpResponse(data, status=206, content_type="application/vnd.pmtiles")
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    # An archive is rebuilt whole (renamed over the old one): the ETag changes, and pmtiles.js notices it.
    response["Cache-Control"] = "public, no-cache"
    return response


@require_safe
def tile(request: HttpRequest, name: str, z: int, x: int, y: int) -> HttpResponseBase:
    """One vector tile of the archive `name`, as stored (gzip-compressed tiles say so in Content-Encoding).

    204 where the archive has no tile (open sea, or beyond its zooms or bounds): MapLibre draws nothing there.
    Only vector archives are read this way; a raster one is read by the pmtiles client through `archive`.
    """
    from pmtiles.tile import Compression, TileType

    basemap = served(name)
    if basemap is None or basemap.file is None or not basemap.file.is_file():
        return _not_found(name)
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return JsonResponse({"detail": f"No tile {z}/{x}/{y}."}, status=404)
    with basemap.file.open("rb") as fh:
        etag = _etag(os.fstat(fh.fileno()))
        if request.META.get("HTTP_IF_NONE_MATCH") == etag:
            response: HttpResponseBase = HttpResponse(status=304)
        else:
            head = reading.header(fh)
            if head["tile_type"] != TileType.MVT:
                return JsonResponse({"detail": f"Basemap {name!r} is not a vector archive."}, status=404)
            data = reading.tile(fh, head, z, x, y) if head["min_zoom"] <= z <= head["max_zoom"] else None
            response = HttpResponse(data or b"", status=200 if data else 204,
                                    content_type="application/vnd.mapbox-vector-tile")  # fmt: skip
            if data and head["tile_compression"] == Compression.GZIP:
                response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    # As the archive door: rebuilt whole, so the ETag changes and a browser's revalidation notices.
    response["Cache-Control"] = "public, no-cache"
    return response


@require_safe
def catalogue(request: HttpRequest) -> JsonResponse:
    """The configured basemaps as the map page uses them (interop.basemaps.config.for_pages)."""
    return JsonResponse({"basemaps": for_pages()}, json_dumps_params={"ensure_ascii": False})
