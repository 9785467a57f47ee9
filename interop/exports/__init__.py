"""Exports of the published collections, one plug-in per format, filtered by the caller's role.

`EXPORTERS` is the registry (format name → Exporter class, pygeoapi style); `export` is the core
the REST door (interop/exports/api.py) and the command (`clearground export`) both call. To add a
format: subclass interop.exports.base.Exporter (or ZippedExporter for one file per layer), set
its `format`, `media_type` and `extension`, implement `write_to`, and add it here. Decision 0020.
"""

from __future__ import annotations

from core.errors import Problem, ValidationFailed
from interop.exports.base import Exporter, Layer, Target
from interop.exports.flatgeobuf import FlatGeobufExporter
from interop.exports.geojson import GeoJsonExporter
from interop.exports.gpkg import GeoPackageExporter
from interop.exports.hxl_csv import HxlCsvExporter
from interop.exports.kml import KmlExporter
from interop.exports.query import ExportRequest, layers_for, parse_request
from interop.exports.shapefile import ShapefileExporter
from interop.exports.xlsx import XlsxExporter
from interop.publish_access import Reader

EXPORTERS: dict[str, type[Exporter]] = {
    e.format: e
    for e in (
        GeoPackageExporter,
        GeoJsonExporter,
        FlatGeobufExporter,
        KmlExporter,
        ShapefileExporter,
        XlsxExporter,
        HxlCsvExporter,
    )
}


def exporter_for(name: str) -> Exporter:
    """The exporter of a format name, or a 400 naming the format and the ones there are."""
    try:
        return EXPORTERS[name]()
    except KeyError:
        raise ValidationFailed(
            [Problem("format", f"{name!r} is not an export format ({', '.join(EXPORTERS)})")]
        ) from None


def export(user: Reader, exporter: Exporter, request: ExportRequest, target: Target) -> list[Layer]:
    """Write the collections of `request` that `user` may see to `target`; the layers written (for counts)."""
    layers = layers_for(user, request, wkt=exporter.wants_wkt)
    exporter.write(layers, target)
    return layers


__all__ = ["EXPORTERS", "ExportRequest", "Exporter", "Layer", "export", "exporter_for", "parse_request"]
