"""`clearground publish --out DIR`: the authority's published layers as one PMTiles archive and a static page.

What goes out is what anonymous callers may read (interop.publish_access.published, decision 0037), narrowed
to the two layers made for the public: `released_land` (land cancelled, reduced and cleared and what remains,
by admin area and date) and `hazard_warnings` only when CLEARGROUND_PUBLISHED lists it. Finds, devices,
accidents and casualties never, whatever the setting says: they are not in STATIC_LAYERS.

The folder then holds everything the page needs (index.html, its script and style, MapLibre GL and pmtiles.js
copied from node_modules, the archive, published.json), so nginx, any static server, a CDN or a bucket serves
it with no Clearground process behind it; the archive is read with HTTP range requests. Each file is written
beside its final name and renamed over it, so a visitor never reads half a file; the archive comes first.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from psycopg import sql

from core.errors import CleargroundError
from hazards.models import data_version
from interop.basemaps.build import run_tippecanoe
from interop.collections import COLLECTIONS
from interop.publish_access import published

# The layers the static map may hold, in drawing order; anything else stays off the public web.
STATIC_LAYERS = ("released_land", "hazard_warnings")
ARCHIVE = "published.pmtiles"
MAX_ZOOM = 14  # a hazard warning of 200 m is a few dozen pixels wide: enough to see which field it is
# Layers tiled to a lower zoom than MAX_ZOOM; the page overzooms them (decision 0062). Released land is one
# polygon per admin area: at zoom 12 a tile unit is about 2 m, far finer than the boundaries it is drawn on,
# while zooms 13 and 14 would cut each province into some 150,000 identical squares (four fifths of the build).
LAYER_MAX_ZOOM = {"released_land": 12}
PAGE = Path(__file__).parent / "page"
VENDOR = {
    "maplibre-gl.js": ("maplibre-gl", "dist", "maplibre-gl-csp.js"),
    "maplibre-gl-csp-worker.js": ("maplibre-gl", "dist", "maplibre-gl-csp-worker.js"),
    "maplibre-gl.css": ("maplibre-gl", "dist", "maplibre-gl.css"),
    "pmtiles.js": ("pmtiles", "dist", "pmtiles.js"),
    # The country outlines under the published layers, as the app's own map draws them (web/shell/map.js).
    "topojson-client.min.js": ("topojson-client", "dist", "topojson-client.min.js"),
    "countries-110m.json": ("world-atlas", "countries-110m.json"),
}


@dataclass
class PublishResult:
    """What was published: the folder, the data version it shows, its layers and feature counts, the seconds taken."""

    folder: Path
    data_version: int
    layers: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def static_layers() -> dict[str, tuple[str, ...]]:
    """The layers this publication holds: layer → the fields shown (what anonymous callers may read of it)."""
    shown = published()
    return {cid: shown[cid] for cid in STATIC_LAYERS if cid in shown}


def _features(cid: str, fields: tuple[str, ...]) -> Iterator[str]:
    """The layer's rows as GeoJSON lines, only the published fields; PostGIS writes them (STYLE habit 14)."""
    properties = sql.SQL(", ").join(
        sql.SQL("{}, t.{}").format(sql.Literal(name), sql.Identifier(name)) for name in fields
    ) if fields else sql.SQL("")  # fmt: skip
    statement = sql.SQL(
        "SELECT json_build_object('type', 'Feature', 'id', t.id, 'geometry', ST_AsGeoJSON(t.geom, 6)::json,"
        " 'properties', json_build_object({properties}){zooms})::text FROM {view} AS t WHERE t.geom IS NOT NULL"
        " ORDER BY t.id"
    ).format(
        properties=properties,
        # tippecanoe's per-feature zoom range: the layer stops at its own max zoom.
        zooms=sql.SQL(", 'tippecanoe', json_build_object('maxzoom', {})").format(sql.Literal(LAYER_MAX_ZOOM[cid]))
        if cid in LAYER_MAX_ZOOM
        else sql.SQL(""),
        view=sql.Identifier("publish", COLLECTIONS[cid].view_name),
    )
    # A server-side cursor: the rows stream into the file in chunks, never all in memory at once.
    with connection.chunked_cursor() as cursor:
        cursor.execute(statement)
        while rows := cursor.fetchmany(5000):
            for (line,) in rows:
                yield line


def published_version(folder: Path) -> int | None:
    """The data version the folder shows (its published.json), or None when it holds no publication."""
    try:
        return int(json.loads((folder / "published.json").read_text(encoding="utf-8"))["data_version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _replace(source: Path, target: Path) -> None:
    """Move `source` over `target` in one rename (same file system: written beside it first)."""
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(source, partial)
    partial.replace(target)


def _bounds(layers: dict[str, tuple[str, ...]]) -> list[float] | None:
    if not layers:
        return None
    union = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT geom FROM {}").format(sql.Identifier("publish", COLLECTIONS[cid].view_name)) for cid in layers
    )
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                               "(SELECT ST_Extent(geom) AS e FROM ({}) AS u) AS x").format(union))  # fmt: skip
        row = cursor.fetchone()
    return [round(float(v), 6) for v in row] if row and row[0] is not None else None


def _page_context(layers: dict[str, tuple[str, ...]], version: int, bounds: list[float] | None) -> dict[str, Any]:
    return {
        "layers": list(layers),
        "data_version": version,
        "published_at": timezone.now(),
        "bounds": bounds,
        # The parcel statement is asked of the server, whose address the folder cannot know unless told (0061).
        "statement_url": f"{settings.CLEARGROUND_PUBLIC_URL}/public/parcel-statement/"
        if getattr(settings, "CLEARGROUND_PUBLIC_URL", "")
        else "",
        "max_zooms": {cid: LAYER_MAX_ZOOM.get(cid, MAX_ZOOM) for cid in layers},
    }


def publish(folder: Path, *, language: str | None = None) -> PublishResult:
    """Write the public map into `folder` (made if missing); returns what was written.

    The data version is read first: a change committed while the archive is built makes the next check
    publish again, never a folder that claims a newer version than it shows.
    """
    started = time.monotonic()
    version = data_version()
    layers = static_layers()
    result = PublishResult(folder, version)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clearground-publish-") as tmp:
        staging = Path(tmp)
        files: dict[str, Path] = {}
        for cid, fields in layers.items():
            files[cid] = staging / f"{cid}.geojsonl"
            with files[cid].open("w", encoding="utf-8") as fh:
                count = 0
                for line in _features(cid, fields):
                    fh.write(line + "\n")
                    count += 1
            result.layers[cid] = count
        written = {cid: path for cid, path in files.items() if result.layers[cid]}
        if not written:
            # An archive needs a feature; an empty register publishes a page saying there is nothing yet.
            empty = staging / "empty.geojsonl"
            empty.write_text('{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]},"properties":{}}\n')
            written = {"empty": empty}
        archive = staging / ARCHIVE
        run_tippecanoe(archive, written, max_zoom=MAX_ZOOM,
                       extra=["--no-tile-size-limit", "--coalesce-densest-as-needed"])  # fmt: skip
        _replace(archive, folder / ARCHIVE)
        (folder / "vendor").mkdir(exist_ok=True)
        for name, parts in VENDOR.items():
            source = Path(settings.BASE_DIR, "node_modules", *parts)
            if not source.is_file():
                raise CleargroundError(f"{source} is missing: run scripts/bootstrap.sh (npm ci) first.")
            _replace(source, folder / "vendor" / name)
        for name in ("public_map.js", "public_map.css"):
            _replace(PAGE / name, folder / name)
        bounds = _bounds(layers)
        with translation.override(language or settings.LANGUAGE_CODE):
            page = render_to_string("public_map/index.html", _page_context(layers, version, bounds))
        (staging / "index.html").write_text(page, encoding="utf-8")
        _replace(staging / "index.html", folder / "index.html")
        meta = {
            "data_version": version,
            "published_at": timezone.now().isoformat(timespec="seconds"),
            "archive": ARCHIVE,
            "bounds": bounds,
            "layers": {cid: {"fields": list(fields), "features": result.layers[cid]} for cid, fields in layers.items()},
        }
        (staging / "published.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        _replace(staging / "published.json", folder / "published.json")  # last: it says the folder is current
    result.seconds = time.monotonic() - started
    return result
