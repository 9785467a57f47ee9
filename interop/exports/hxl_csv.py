"""CSV with HXL hashtags: one UTF-8 CSV per collection, zipped; line 1 the column names, line 2 their hashtags.

The Humanitarian Exchange Language (https://hxlstandard.org) puts a row of hashtags under the
header so HDX and HXL tools know what each column means; every column's tag comes from
interop/exports/columns.py. Points are given as latitude and longitude (#geo+lat, #geo+lon), other
geometry as WKT (#geo+bounds). Dates are ISO 8601, timestamps UTC with `Z`. Written with the
standard csv module rather than GDAL, whose CSV writer has no place for a second header row.
"""

from __future__ import annotations

import csv
import struct
from pathlib import Path

from core.spreadsheet import csv_text
from interop.exports.base import TEXT, Layer, ZippedExporter, as_text
from interop.exports.columns import GEOMETRY_HXL, HXL, LAT, LON, WKT


def point_lat_lon(wkb: bytes | None) -> tuple[str, str]:
    """Latitude and longitude of a WKB point, as text ('' for no geometry)."""
    if wkb is None:
        return "", ""
    order = "<" if wkb[0] == 1 else ">"
    x, y = struct.unpack(f"{order}dd", wkb[5:21])
    return repr(y), repr(x)


class HxlCsvExporter(ZippedExporter):
    """`<collection>.csv` per collection with its HXL hashtag row."""

    format = "csv"
    title = "CSV with HXL hashtags (zip of one file per collection)"
    extension = "csv.zip"
    wants_wkt = True

    def write_layer(self, layer: Layer, folder: Path) -> list[Path]:
        points = layer.collection.geometry_type == "Point"
        geometry = [LAT, LON] if points else [WKT]
        tags = HXL[layer.collection.view_name]
        path = folder / f"{layer.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow([*layer.fields, *geometry])
            out.writerow([tags[n] for n in layer.fields] + [GEOMETRY_HXL[g] for g in geometry])
            # Text is neutralised for spreadsheets ('=...' shown as text); numbers and dates stay as written.
            texts = [[csv_text(as_text(kind, v)) if kind == TEXT else as_text(kind, v) for v in values]
                     for kind, values in zip(layer.kinds, layer.values, strict=True)]  # fmt: skip
            shapes: list[tuple[str, ...]]
            if points:
                shapes = [point_lat_lon(g) for g in layer.wkb]
            else:
                shapes = [(w or "",) for w in (layer.wkt or [None] * len(layer))]
            out.writerows(list(row) + list(shape) for row, shape in zip(zip(*texts), shapes, strict=True))  # noqa: B905
        return [path]
