"""GeoPackage: one layer per collection in one file (OGC GeoPackage 1.x, opens in QGIS, ArcGIS and GDAL).

The hazardous_areas layer carries everything an NTS report needs to register a hazard (name,
classification, suspected devices, land use, beneficiaries, geometry) and the hazard's national
`code`, its ID. REIMPORT_MAPPING is the import mapping (interop/imports/mapping.py) that reads the
layer back with `clearground import FILE --kind nts --layer hazardous_areas --profile clearground-export`:
`code` is the import key, so a re-import recognises every hazard it holds (tests/test_export_roundtrip.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from interop.exports.base import Exporter, Layer, ogr_write

REIMPORT_LAYER = "hazardous_areas"
# The shipped import profile `clearground-export` (interop/imports/profiles/) is the one statement of
# how this layer reads back: `clearground import FILE --kind nts --layer hazardous_areas --profile clearground-export`.
REIMPORT_PROFILE = "clearground-export"
REIMPORT_MAPPING: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "imports" / "profiles" / f"{REIMPORT_PROFILE}.json").read_text()
)["mapping"]


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
