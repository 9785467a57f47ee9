"""A polygon file uploaded into a form field: GeoJSON, KML, GeoPackage or a zipped shapefile → GeoJSON.

The file is read with the importers' reader (interop/imports/readers.py, pyogrio), reprojected to
EPSG:4326 when it says it is in another CRS, and every polygon in its layer becomes one
(Multi)Polygon. The result goes into the same field the map draws into, so the kind checks it the
same way whichever way it arrived.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.utils.translation import gettext as _

from core.errors import Problem, ValidationFailed
from interop.imports.readers import read_source
from interop.imports.uploads import receive

MAX_BYTES = 20 * 1024 * 1024  # a hazard polygon file; anything bigger belongs in an import
SUFFIXES = (".geojson", ".json", ".kml", ".kmz", ".gpkg", ".zip")


def _readable(folder: Path, upload: Any) -> Path:
    name = Path(upload.name or "upload").name.lower()
    if not name.endswith(SUFFIXES):
        raise ValueError(_("is not a GeoJSON, KML, GeoPackage or zipped shapefile file"))
    # The checks every upload passes (size, zip bombs and paths, DTDs, encodings, declared format and
    # references): interop/imports/uploads.py and formats.py. The reader opens a zip's one dataset itself.
    try:
        return receive(upload, folder, limit=MAX_BYTES)
    except ValidationFailed as exc:
        raise ValueError("; ".join(p.message for p in exc.problems)) from None


def polygon_geojson(upload: Any) -> dict[str, Any]:
    """The uploaded file's polygons as one GeoJSON geometry in EPSG:4326; ValueError saying why not."""
    with tempfile.TemporaryDirectory(prefix="clearground-upload-") as tmp:
        path = _readable(Path(tmp), upload)
        try:
            source = read_source(path)
        except ValidationFailed as exc:
            raise ValueError("; ".join(p.message for p in exc.problems)) from None
        transform = None
        if source.stated_crs:
            srs = SpatialReference(source.stated_crs)
            if srs.srid != 4326:
                transform = CoordTransform(srs, SpatialReference(4326))
        polygons = []
        for wkb in source.wkb:
            if wkb is None:
                continue
            try:
                geom = GEOSGeometry(memoryview(wkb))
            except (GEOSException, ValueError):
                continue
            if transform is not None:
                geom.transform(transform)
            if geom.geom_type == "Polygon":
                polygons.append(geom)
            elif geom.geom_type == "MultiPolygon":
                polygons.extend(geom[i] for i in range(geom.num_geom))
        if not polygons:
            raise ValueError(_("holds no polygon"))
        shape = polygons[0] if len(polygons) == 1 else MultiPolygon(*polygons)
        geometry: dict[str, Any] = json.loads(shape.json)
        return geometry


def read_uploads(files: Any, paths: list[str]) -> tuple[dict[str, Any], list[Problem]]:
    """Every polygon file posted as `<path>__file`, converted; a problem at the field for a bad one."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for path in paths:
        upload = files.get(f"{path}__file")
        if not upload:
            continue
        try:
            values[path] = polygon_geojson(upload)
        except ValueError as exc:
            problems.append(
                Problem(f"payload.{path}", _("The file %(name)s %(why)s.") % {"name": upload.name, "why": exc})
            )
    return values, problems
