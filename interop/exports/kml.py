"""KML for Google Earth and phones: one Folder per collection, every column in ExtendedData.

Two names change: a placemark's <name> is the record's `name` where the collection has one
(hazards), and the `id` column is written as `record_id`, because KML readers (GDAL's among them)
take `id` for the placemark's own XML id and would hide ours.

GDAL's KML driver cannot add a layer to a file it has closed (reopening goes through LIBKML, which
takes columns such as `model` for its own KML elements), so each collection is written to a file
of its own and the Schemas and Folders are then gathered into one document.
"""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from interop.exports import scratch
from interop.exports.base import Exporter, Layer, ogr_write

RENAMED = {"id": "record_id"}
KML_NS = "http://www.opengis.net/kml/2.2"


class KmlExporter(Exporter):
    """One .kml file with a Folder per collection."""

    format = "kml"
    title = "KML"
    media_type = "application/vnd.google-earth.kml+xml"
    extension = "kml"

    def write_to(self, layers: Sequence[Layer], path: Path) -> None:
        ET.register_namespace("", KML_NS)
        merged: ET.ElementTree[ET.Element] | None = None
        with tempfile.TemporaryDirectory(prefix="clearground-kml-", dir=scratch.folder()) as tmp:
            for layer in layers:
                part = Path(tmp) / f"{layer.name}.kml"
                ogr_write(layer, part, "KML", fields=[RENAMED.get(f, f) for f in layer.fields],
                          dataset_options={"NameField": "name"})  # fmt: skip
                tree = ET.parse(part)
                if merged is None:
                    merged = tree
                    continue
                document = _document(merged)
                for child in list(_document(tree)):
                    if child.tag == f"{{{KML_NS}}}Schema":
                        # Schemas come first in a KML Document, before the Folders.
                        document.insert(_schema_count(document), child)
                    else:
                        document.append(child)
        assert merged is not None, "an export has at least one collection"
        merged.write(path, encoding="UTF-8", xml_declaration=True)


def _document(tree: ET.ElementTree[ET.Element]) -> ET.Element:
    document = tree.getroot().find(f"{{{KML_NS}}}Document")
    assert document is not None, "GDAL's KML always has a Document"
    return document


def _schema_count(document: ET.Element) -> int:
    return sum(1 for c in document if c.tag == f"{{{KML_NS}}}Schema")
