"""The exporter contract (pygeoapi-style plug-ins) and the data every exporter is given.

An exporter receives one `Layer` per collection, already filtered for the caller (interop/exports/
query.py), and writes them all into one file. It never reads the database and never decides who
may see what: it only turns columns into a format.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar

import numpy as np

from interop.collections import Collection
from interop.exports import scratch

# Column kinds, from the PostgreSQL type of the view's column (interop/exports/query.py).
INT, FLOAT, BOOL, DATE, DATETIME, TEXT = "int", "float", "bool", "date", "datetime", "text"

# GDAL's time-zone flag for UTC: every timestamp of the register is written as UTC.
GDAL_UTC = 100

Target = str | Path | IO[bytes]


@dataclass
class Layer:
    """One collection's rows as the caller may see them: columns in the view's order, geometry as WKB."""

    collection: Collection
    fields: list[str]
    kinds: list[str]
    values: list[list[Any]]  # one Python list per field, as the database returned them (None = null)
    wkb: list[bytes | None]
    wkt: list[str | None] | None = None  # only when the exporter asked for it (tables)
    _arrays: list[tuple[np.ndarray, np.ndarray | None]] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.collection.id

    def __len__(self) -> int:
        return len(self.wkb)

    def arrays(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """Each field as (numpy array, null mask or None), typed for pyogrio.raw.write."""
        if self._arrays is None:
            self._arrays = [_array(kind, values) for kind, values in zip(self.kinds, self.values, strict=True)]
        return self._arrays

    def geometry(self) -> np.ndarray:
        return np.array(self.wkb, dtype=object)

    def tz_offsets(self) -> dict[str, np.ndarray]:
        """pyogrio's gdal_tz_offsets: every timestamp field is UTC."""
        n = len(self)
        return {
            f: np.full(n, GDAL_UTC, dtype=np.int32)
            for f, k in zip(self.fields, self.kinds, strict=True)
            if k == DATETIME
        }


_NAT = np.iinfo(np.int64).min
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
_MS = dt.timedelta(milliseconds=1)


def _array(kind: str, values: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    if kind in (INT, BOOL):
        mask = np.array([v is None for v in values], dtype=bool)
        data = np.array([0 if v is None else v for v in values], dtype=np.int64 if kind == INT else np.bool_)
        return data, (mask if mask.any() else None)
    if kind == FLOAT:
        return np.array(values, dtype=np.float64), None  # None becomes NaN, written as null
    # Dates and timestamps through integers: numpy converts Python date objects one by one, slowly
    # (a second per 100,000 timestamps); NaT is written as null.
    if kind == DATE:
        days = [_NAT if v is None else v.toordinal() - _EPOCH_ORDINAL for v in values]
        return np.array(days, dtype=np.int64).view("datetime64[D]"), None
    if kind == DATETIME:
        ms = [_NAT if v is None else (v - _EPOCH) // _MS for v in values]
        return np.array(ms, dtype=np.int64).view("datetime64[ms]"), None
    if all(v is None or isinstance(v, str) for v in values):
        return np.array(values, dtype=object), None
    return np.array([None if v is None else str(v) for v in values], dtype=object), None


def as_text(kind: str, value: Any) -> str:
    """A value as tables (CSV, shapefile dates with time) show it: ISO 8601, UTC with Z; '' for null."""
    if value is None:
        return ""
    if kind == DATETIME:
        return str(value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"))
    if kind == DATE:
        return str(value.isoformat())
    return str(value)


class Exporter(ABC):
    """One export format: `write` puts every layer given into one file at `target` (a path or a binary buffer).

    Subclasses set `format` (the name in URLs and --format), `title`, `media_type`, `extension` and,
    for tables that need text geometry, `wants_wkt`. A format that holds one layer per file
    (GeoJSON, FlatGeobuf, shapefile, CSV) writes a zip with one file (or file set) per layer, so
    every format answers a request for several collections with exactly one download.
    """

    format: ClassVar[str]
    title: ClassVar[str]
    media_type: ClassVar[str]
    extension: ClassVar[str]
    wants_wkt: ClassVar[bool] = False

    @abstractmethod
    def write_to(self, layers: Sequence[Layer], path: Path) -> None:
        """Write the layers into a new file at `path` (which does not exist yet)."""

    def write(self, layers: Sequence[Layer], target: Target) -> None:
        """Write the layers to `target`: a file path (replaced if present) or a writable binary buffer."""
        scratch.sweep()  # what exports killed with -9 left behind (decision 0028)
        with tempfile.TemporaryDirectory(prefix="clearground-export-", dir=scratch.folder()) as tmp:
            path = Path(tmp) / f"export.{self.extension}"
            self.write_to(layers, path)
            if isinstance(target, str | Path):
                shutil.move(str(path), str(target))
            else:
                with path.open("rb") as f:
                    shutil.copyfileobj(f, target)


class ZippedExporter(Exporter):
    """A one-layer-per-file format: each layer is written apart, and the files are zipped together."""

    media_type = "application/zip"

    @abstractmethod
    def write_layer(self, layer: Layer, folder: Path) -> list[Path]:
        """Write one layer into `folder`; the files written, in the order they go into the zip."""

    def extra_files(self, layers: Sequence[Layer]) -> dict[str, str]:
        """Text files to add to the zip (name → content), e.g. the shapefile field-name map."""
        return {}

    def write_to(self, layers: Sequence[Layer], path: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="clearground-layer-", dir=scratch.folder()) as tmp:
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                for layer in layers:
                    folder = Path(tmp) / layer.name
                    folder.mkdir()
                    for file in self.write_layer(layer, folder):
                        z.write(file, arcname=file.name)
                for name, text in self.extra_files(layers).items():
                    z.writestr(name, text)


def ogr_write(
    layer: Layer,
    path: Path,
    driver: str,
    *,
    append: bool = False,
    fields: list[str] | None = None,
    data: list[tuple[np.ndarray, np.ndarray | None]] | None = None,
    geometry: bool = True,
    **options: Any,
) -> None:
    """Write one layer with pyogrio.raw.write: EPSG:4326, the collection's geometry type, UTC timestamps.

    `fields` and `data` replace the layer's own (a format that renames or retypes columns).
    """
    from pyogrio import raw

    data = data if data is not None else layer.arrays()
    names = fields if fields is not None else layer.fields
    tz = {f: o for f, o in layer.tz_offsets().items() if f in names}
    raw.write(
        str(path),
        geometry=layer.geometry() if geometry else None,
        field_data=[a for a, _ in data],
        fields=names,
        field_mask=[m for _, m in data] if any(m is not None for _, m in data) else None,
        layer=layer.name,
        driver=driver,
        geometry_type=layer.collection.geometry_type if geometry else None,
        crs="EPSG:4326" if geometry else None,
        append=append,
        gdal_tz_offsets=tz or None,
        **options,
    )
