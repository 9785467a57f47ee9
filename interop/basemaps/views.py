"""The basemap door: a configured PMTiles archive by its name, in the byte ranges the pmtiles client asks for.

A PMTiles client reads an archive with HTTP range requests (a 16 kB header first, then directories and
tiles). The name in the URL only selects an entry of settings.CLEARGROUND_BASEMAPS; no path from the
request reaches the file system, so there is no directory traversal to defend against. Basemaps are public
reference data (boundaries, places, roads), so anyone may read them, as the static files.
"""

from __future__ import annotations

import re

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.http import require_safe

from interop.basemaps.config import for_pages, served

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
MAX_RANGE = 16 * 1024 * 1024  # a client asks for a directory or a tile; more than this is not one


def _not_found(name: str) -> JsonResponse:
    return JsonResponse({"detail": f"No basemap {name!r}."}, status=404)


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response


@require_safe
def archive(request: HttpRequest, name: str) -> HttpResponseBase:
    """The archive `name` (whole, or one byte range as 206); 404 for any name not configured as a PMTiles file."""
    basemap = served(name)
    if basemap is None or basemap.file is None or not basemap.file.is_file():
        return _not_found(name)
    path = basemap.file
    size = path.stat().st_size
    stat = path.stat()
    etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
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
def catalogue(request: HttpRequest) -> JsonResponse:
    """The configured basemaps as the map page uses them (interop.basemaps.config.for_pages)."""
    return JsonResponse({"basemaps": for_pages()}, json_dumps_params={"ensure_ascii": False})
