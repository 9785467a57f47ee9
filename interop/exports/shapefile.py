"""ESRI Shapefile: a zip of .shp/.shx/.dbf/.prj/.cpg per collection, and FIELDS.txt mapping the short names.

dBASE field names hold at most 10 characters. `short_names` shortens them the same way every time:
a name of 10 characters or fewer is kept; a longer one is cut to its first 10; if that clashes
(without regard to case) with a name already taken in the layer, the cut is shortened and `_1`,
`_2`, ... appended, in column order. Timestamps become ISO 8601 text (UTC, `Z`): dBASE has no
date-time type. Text longer than 254 characters is cut by the format itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from interop.exports.base import DATETIME, Layer, ZippedExporter, as_text, ogr_write

DBF_NAME_LENGTH = 10
SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def short_names(fields: Sequence[str]) -> list[str]:
    """The dBASE names for a layer's fields, in order (stable: depends only on the names and their order)."""
    taken: set[str] = set()
    out: list[str] = []
    for name in fields:
        short = name[:DBF_NAME_LENGTH]
        n = 0
        while short.lower() in taken:
            n += 1
            suffix = f"_{n}"
            short = name[: DBF_NAME_LENGTH - len(suffix)] + suffix
        taken.add(short.lower())
        out.append(short)
    return out


class ShapefileExporter(ZippedExporter):
    """`<collection>.shp` (and its sidecar files) per collection, UTF-8 attributes."""

    format = "shp"
    title = "ESRI Shapefile (zip)"
    extension = "shp.zip"

    def write_layer(self, layer: Layer, folder: Path) -> list[Path]:
        path = folder / f"{layer.name}.shp"
        data = [
            (np.array([as_text(kind, v) or None for v in values], dtype=object), None) if kind == DATETIME else arr
            for kind, values, arr in zip(layer.kinds, layer.values, layer.arrays(), strict=True)
        ]
        ogr_write(layer, path, "ESRI Shapefile", fields=short_names(layer.fields), data=data,
                  layer_options={"ENCODING": "UTF-8"})  # fmt: skip
        return [path.with_suffix(s) for s in SIDECARS if path.with_suffix(s).exists()]

    def extra_files(self, layers: Sequence[Layer]) -> dict[str, str]:
        lines = [
            "Shapefile field names are cut to 10 characters (dBASE). This file maps each short name to the",
            "column's full name, as in the GeoPackage, GeoJSON and CSV exports. Rule: names of 10 characters",
            "or fewer are kept; longer ones are cut to 10; a clash within a layer is cut shorter and numbered",
            "_1, _2, ... in column order. Timestamps are ISO 8601 text in UTC.",
            "",
            "layer\tshapefile_field\tfull_name",
        ]
        for layer in layers:
            for short, full in zip(short_names(layer.fields), layer.fields, strict=True):
                lines.append(f"{layer.name}\t{short}\t{full}")
        return {"FIELDS.txt": "\n".join(lines) + "\n"}
