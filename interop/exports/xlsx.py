"""XLSX: one sheet per collection, geometry as a WKT column (spreadsheets have no geometry type)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from interop.exports.base import INT, Exporter, Layer, ogr_write
from interop.exports.columns import WKT


class XlsxExporter(Exporter):
    """One workbook; each sheet is named by its collection id and ends with a `geometry_wkt` column."""

    format = "xlsx"
    title = "Excel workbook (XLSX)"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"
    wants_wkt = True

    def write_to(self, layers: Sequence[Layer], path: Path) -> None:
        for i, layer in enumerate(layers):
            data = [
                # An empty cell is how a spreadsheet says "not known"; GDAL's XLSX writer would put 0 for
                # a masked integer, so a nullable integer column goes in as a float with NaN (empty).
                (np.where(mask, np.nan, arr).astype(np.float64), None) if kind == INT and mask is not None
                else (arr, mask)
                for kind, (arr, mask) in zip(layer.kinds, layer.arrays(), strict=True)
            ]  # fmt: skip
            wkt = np.array(layer.wkt or [None] * len(layer), dtype=object)
            ogr_write(layer, path, "XLSX", append=i > 0, geometry=False, fields=[*layer.fields, WKT],
                      data=[*data, (wkt, None)])  # fmt: skip
