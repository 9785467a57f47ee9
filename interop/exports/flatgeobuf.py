"""FlatGeobuf: one file per collection, with its spatial index, zipped together."""

from __future__ import annotations

from pathlib import Path

from interop.exports.base import Layer, ZippedExporter, ogr_write


class FlatGeobufExporter(ZippedExporter):
    """`<collection>.fgb` per collection."""

    format = "fgb"
    title = "FlatGeobuf (zip of one file per collection)"
    extension = "fgb.zip"

    def write_layer(self, layer: Layer, folder: Path) -> list[Path]:
        path = folder / f"{layer.name}.fgb"
        # GDAL cannot index a feature without geometry (an EOD task with no location and no hazard);
        # such a layer is written without the index rather than losing the feature.
        index = "NO" if any(g is None for g in layer.wkb) else "YES"
        ogr_write(layer, path, "FlatGeobuf", layer_options={"SPATIAL_INDEX": index})
        return [path]
