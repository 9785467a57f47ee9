"""GeoPackage: one layer per collection in one file (OGC GeoPackage 1.x, opens in QGIS, ArcGIS and GDAL)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from interop.exports.base import Exporter, Layer, ogr_write


class GeoPackageExporter(Exporter):
    """Every collection as a layer named by its id; the hazardous_areas layer re-imports as `--kind nts`."""

    format = "gpkg"
    title = "GeoPackage"
    media_type = "application/geopackage+sqlite3"
    extension = "gpkg"

    def write_to(self, layers: Sequence[Layer], path: Path) -> None:
        for i, layer in enumerate(layers):
            ogr_write(layer, path, "GPKG", append=i > 0,
                      layer_options={"IDENTIFIER": layer.collection.title,
                                     "DESCRIPTION": layer.collection.description})  # fmt: skip
