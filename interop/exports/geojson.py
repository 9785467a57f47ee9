"""GeoJSON (RFC 7946): one FeatureCollection file per collection, zipped together."""

from __future__ import annotations

from pathlib import Path

from interop.exports.base import Layer, ZippedExporter, ogr_write


class GeoJsonExporter(ZippedExporter):
    """`<collection>.geojson` per collection, coordinates in WGS 84 longitude/latitude as RFC 7946 requires."""

    format = "geojson"
    title = "GeoJSON (zip of one file per collection)"
    extension = "geojson.zip"

    def write_layer(self, layer: Layer, folder: Path) -> list[Path]:
        path = folder / f"{layer.name}.geojson"
        ogr_write(layer, path, "GeoJSON", layer_options={"RFC7946": "YES"})
        return [path]
