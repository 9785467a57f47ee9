"""Read any source file through pyogrio into columns of values and geometries as WKB, without geopandas.

One reader for every format GDAL knows (GeoPackage, zipped or bare shapefiles, KML/KMZ, GeoJSON,
FlatGeobuf, CSV, XLSX): `pyogrio.raw.read` gives the geometry column as WKB and each attribute as a
numpy array, which keeps the per-row Python work small. Tables without a geometry column (CSV, XLSX)
get their geometry from a WKT column or a longitude/latitude pair, found by name or named by the
profile; a cell that cannot become a geometry is kept as a reason for that row, never dropped.

GDAL opens a file only through `formats.opened` (decision 0035): the file is checked against its
declared format, GDAL gets a path we built, and reads it with only that format's drivers registered
and no network.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyogrio
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext as _
from pyogrio.raw import read as raw_read

from core.errors import Problem, ValidationFailed
from interop.imports import formats

# Formats whose layers are plain tables: geometry comes from columns.
TABLE_DRIVERS = {"CSV", "XLSX", "ODS"}
WKT_NAMES = ("wkt", "geometry", "geom", "wkt_geom", "the_geom", "shape")
LON_NAMES = ("lon", "longitude", "long", "lng", "x")
LAT_NAMES = ("lat", "latitude", "y")


@dataclass
class Source:
    """One layer of a file, read: attribute columns, geometry per row (WKB or None), and per-row geometry reasons."""

    driver: str
    layer: str
    stated_crs: str | None  # what the file says (WKT or "EPSG:n"); None for CSV/XLSX or a shapefile without .prj
    columns: list[str]  # attribute columns, in file order (geometry source columns included)
    geometry_columns: list[str]  # the columns a table's geometry was built from
    wkb: list[bytes | None]
    values: dict[str, list[Any]]
    geometry_reasons: dict[int, str] = field(default_factory=dict)  # row index → why it has no geometry

    def __len__(self) -> int:
        return len(self.wkb)

    def row(self, i: int) -> dict[str, Any]:
        """The attributes of row index i (0-based) as plain Python values."""
        return {c: self.values[c][i] for c in self.columns}


def _plain(values: Any) -> list[Any]:
    """A numpy column as Python values; NaN and NaT become None."""
    out = values.tolist() if hasattr(values, "tolist") else list(values)
    if out and any(isinstance(v, float) for v in out[:50]):
        out = [None if isinstance(v, float) and math.isnan(v) else v for v in out]
    return out


def _said(exc: Exception, path: Path) -> str:
    """GDAL's message, on one line, naming the file without the server's folder."""
    text = str(exc)
    for folder in sorted({str(path.parent), str(path.resolve().parent)}, key=len, reverse=True):
        text = text.replace(f"/vsizip/{folder}/", "").replace(folder + "/", "")
    return text.replace("\n", " ")[:500]


def _layers(opened: formats.Opened, path: Path) -> list[str]:
    try:
        return [str(name) for name, _ in pyogrio.list_layers(opened.gdal_path)]
    except Exception as exc:  # noqa: BLE001 - pyogrio raises DataSourceError and friends; all mean "unreadable"
        raise ValidationFailed(
            [
                Problem(
                    "file", _("not a readable geodata file (%(reason)s)") % {"reason": _said(exc, path)}, "not_readable"
                )
            ]
        ) from None


def layers(path: Path) -> list[str]:
    """Layer names of a file; a ValidationFailed naming the file when it is refused or GDAL cannot open it."""
    with formats.opened(path) as opened:
        return _layers(opened, path)


def choose_layer(path: Path, layer: str | None, *, opened: formats.Opened | None = None) -> str:
    """The layer to read: the one named, or the only one; a problem naming the layers otherwise."""
    names = _layers(opened, path) if opened is not None else layers(path)
    if not names:
        raise ValidationFailed([Problem("file", _("holds no layer that can be read as geodata"), "no_layer")])
    if layer:
        if layer not in names:
            raise ValidationFailed(
                [
                    Problem(
                        "layer",
                        _("'%(layer)s' is not a layer of the file (%(layers)s)")
                        % {"layer": layer, "layers": ", ".join(names)},
                        "unknown_layer",
                    )
                ]
            )
        return layer
    if len(names) != 1:
        listed = ", ".join(names) or "none"
        raise ValidationFailed(
            [
                Problem(
                    "layer",
                    _("the file has %(n)s layers (%(layers)s); name one with --layer")
                    % {"n": len(names), "layers": listed},
                    "several_layers",
                )
            ]
        )
    return names[0]


def _find(columns: list[str], wanted: str | None, names: tuple[str, ...]) -> str | None:
    if wanted:
        return wanted if wanted in columns else None
    folded = {c.casefold(): c for c in columns}
    return next((folded[n] for n in names if n in folded), None)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # a decimal comma, as European spreadsheets write it
    return float(text)


def _table_geometry(source: Source, geometry: dict[str, str], *, needed: bool = True) -> list[Problem]:
    """Build a table's geometry from its WKT column or lon/lat columns (found by name, or named in `geometry`)."""
    cols = source.columns
    problems: list[Problem] = []
    wkt = _find(cols, geometry.get("wkt"), WKT_NAMES if not geometry.get("lon") else ())
    lon = _find(cols, geometry.get("lon"), LON_NAMES) if not wkt else None
    lat = _find(cols, geometry.get("lat"), LAT_NAMES) if not wkt else None
    for key in ("wkt", "lon", "lat"):
        if geometry.get(key) and geometry[key] not in cols:
            problems.append(
                Problem(
                    f"mapping.geometry.{key}",
                    _("column '%(column)s' is not in the file") % {"column": geometry[key]},
                    "unknown_column",
                )
            )
    if problems:
        return problems
    n = len(next(iter(source.values.values()), []))
    source.wkb = [None] * n
    if wkt:
        source.geometry_columns = [wkt]
        for i, text in enumerate(source.values[wkt]):
            if text is None or not str(text).strip():
                continue
            try:
                source.wkb[i] = bytes(GEOSGeometry(str(text)).wkb)
            except (GEOSException, ValueError, TypeError):
                source.geometry_reasons[i] = f"column {wkt}: '{str(text)[:60]}' is not readable WKT"
    elif lon and lat:
        source.geometry_columns = [lon, lat]
        for i, (x, y) in enumerate(zip(source.values[lon], source.values[lat], strict=True)):
            if (x is None or x == "") and (y is None or y == ""):
                continue
            try:
                fx, fy = _number(x), _number(y)
            except ValueError:
                source.geometry_reasons[i] = f"columns {lon}/{lat}: '{x}', '{y}' are not numbers"
                continue
            if fx is None or fy is None:
                source.geometry_reasons[i] = f"columns {lon}/{lat}: one of the two coordinates is missing"
                continue
            source.wkb[i] = struct.pack("<BIdd", 1, 1, fx, fy)  # WKB Point, little-endian
    elif needed:
        message = _(
            "no geometry: the table has no WKT column and no longitude/latitude columns "
            "(name them in the profile's mapping.geometry)"
        )
        problems.append(Problem("file", message, "no_geometry"))
    return problems


def read_source(
    path: Path, *, layer: str | None = None, geometry: dict[str, str] | None = None, needs_geometry: bool = True
) -> Source:
    """Read one layer of a file; a ValidationFailed naming every problem if it cannot be read as geodata.

    needs_geometry=False reads a table of facts without places (every geometry None).
    """
    with formats.opened(path) as opened:
        return _read(opened, path, layer, geometry, needs_geometry)


def _read(
    opened: formats.Opened, path: Path, layer: str | None, geometry: dict[str, str] | None, needs_geometry: bool
) -> Source:
    name = choose_layer(path, layer, opened=opened)
    try:
        info = pyogrio.read_info(opened.gdal_path, layer=name)
        driver = str(info.get("driver") or "")
        opened.check_driver(driver)
        table = driver in TABLE_DRIVERS or info.get("geometry_type") in (None, "None")
        # A sheet whose cells are all text would have its header row taken for data; the first row names the columns.
        options = {"HEADERS": "FORCE"} if driver in ("XLSX", "ODS") else {}
        meta, _fids, wkb, data = raw_read(opened.gdal_path, layer=name, read_geometry=not table, **options)
    except ValidationFailed:
        raise
    except UnicodeDecodeError:
        # A shapefile's .dbf (or a layer GDAL does not recode) in an encoding other than the one it states.
        why = _("holds text that is not UTF-8 and states no other encoding (a shapefile: add a .cpg naming it)")
        raise ValidationFailed([Problem("file", why, "not_utf8")]) from None
    except Exception as exc:  # noqa: BLE001 - see layers()
        raise ValidationFailed(
            [Problem("file", _("could not be read (%(reason)s)") % {"reason": _said(exc, path)}, "not_readable")]
        ) from None
    columns = [str(c) for c in meta["fields"]]
    values = {c: _plain(col) for c, col in zip(columns, data, strict=True)}
    source = Source(driver, name, meta.get("crs") or None, columns, [], [], values)
    if table:
        problems = _table_geometry(source, geometry or {}, needed=needs_geometry)
        if problems:
            raise ValidationFailed(problems)
    else:
        source.wkb = [bytes(g) if g is not None else None for g in wkb]
    return source
