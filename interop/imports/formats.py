"""What a file says it is, checked against what it holds, and the one way GDAL opens it (decision 0035).

GDAL opens whatever a file's bytes look like, whatever its name: a `.geojson` holding an
`<OGRVRTDataSource>` is opened by the VRT driver, which reads the file or URL the VRT names
(`CSV:/etc/passwd`, `/vsicurl/http://…`). So no file reaches GDAL on its own say-so:

1. **The declared format** comes from the file's suffix, from one literal registry (`FORMATS`): each
   format names the GDAL drivers allowed to open it. Any other suffix (`.vrt`, `.gml`, `.txt`, none) is
   refused.
2. **Its bytes must match** (`check`): a GeoPackage starts with the SQLite header and is a GeoPackage
   without views, generated columns, non-R*Tree virtual tables or SQL that reaches outside the file; a
   FlatGeobuf with its magic number; a shapefile with file code 9994; GeoJSON with `{`; KML with `<` and
   a `<kml` root; a CSV with neither; a zipped shapefile, KMZ or XLSX is a zip whose entries are what
   that format holds. Every text (and every text entry of a zip) is searched for what points elsewhere:
   a VRT, a GDALG pipeline, a `/vsi…/` path, a KML NetworkLink, an XInclude, a GeoJSON `$ref` or `crs`
   link, an XLSX external link or data connection. Anything found is refused, never followed.
3. **GDAL is handed a path only we build** (`opened`): the absolute path of the checked file, or
   `/vsizip/<file>/<the one dataset inside>` for a zip, never a name or prefix from the upload.
4. **While an upload is read, GDAL can open nothing else** (`sandbox`): every driver that is not one of
   the registry's (VRT, GDALG, WFS, OAPIF, HTTP, GPSBabel, GML, LIBKML, …) is deregistered from
   pyogrio's GDAL for the duration (and registered again after, so GDAL as a *client* in the tests
   keeps its drivers), and the reading thread gets GDAL settings that refuse remote files and resolve
   no links (`SANDBOX_CONFIG`). After the open, the driver GDAL used must be one the declared format
   allows.
"""

from __future__ import annotations

import codecs
import ctypes
import json
import logging
import os
import re
import sqlite3
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from core.errors import Problem, ValidationFailed

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
OVERLAP = 256  # a marker cut by a chunk boundary is found in the next read


@dataclass(frozen=True)
class Format:
    """A format a clerk may upload: its name, suffixes and the GDAL drivers allowed to open it."""

    name: str
    suffixes: tuple[str, ...]
    drivers: frozenset[str]


# The registry: every format an upload may be, and the only GDAL drivers that may open it.
FORMATS: dict[str, Format] = {
    "gpkg": Format("GeoPackage", (".gpkg",), frozenset({"GPKG"})),
    "shapefile": Format("shapefile", (".shp",), frozenset({"ESRI Shapefile"})),
    "zip": Format(
        "zipped shapefile", (".zip",), frozenset({"ESRI Shapefile", "GPKG", "GeoJSON", "KML", "FlatGeobuf", "CSV"})
    ),  # fmt: skip
    "geojson": Format("GeoJSON", (".geojson", ".json"), frozenset({"GeoJSON"})),
    "kml": Format("KML", (".kml",), frozenset({"KML"})),
    "kmz": Format("KMZ", (".kmz",), frozenset({"KML"})),
    "flatgeobuf": Format("FlatGeobuf", (".fgb",), frozenset({"FlatGeobuf"})),
    "csv": Format("CSV", (".csv",), frozenset({"CSV"})),
    "xlsx": Format("Excel workbook", (".xlsx",), frozenset({"XLSX"})),
}
BY_SUFFIX = {suffix: key for key, f in FORMATS.items() for suffix in f.suffixes}
ACCEPTED = "GeoPackage (.gpkg), zipped shapefile (.zip), KML/KMZ, GeoJSON, FlatGeobuf (.fgb), CSV or Excel (.xlsx)"
# The drivers left registered while an upload is read: the registry's. The exporters write with these too.
KEEP_DRIVERS = frozenset().union(*(f.drivers for f in FORMATS.values()))

# Suffixes whose files point at other data; named so the refusal says why.
POINTERS = {
    ".vrt": "a GDAL virtual dataset (VRT), which reads other files or URLs",
    ".ovf": "a GDAL virtual dataset (VRT), which reads other files or URLs",
    ".gdalg": "a GDAL pipeline (GDALG), which runs commands on other files",
    ".csvt": "a CSV side file",
}

# A zipped shapefile: the .shp and the parts GDAL reads beside it, plus documents GDAL never opens.
SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qpj", ".sbn", ".sbx", ".qix", ".fbn", ".fbx",
                   ".ain", ".aih", ".atx", ".ixs", ".mxs"}  # fmt: skip
DOCUMENTS = {".txt", ".md", ".pdf", ".html", ".htm", ".rtf", ".xml", ".qml", ".qmd", ".sld", ".lyr", ".lyrx",
             ".png", ".jpg", ".jpeg", ".gif", ".doc", ".docx", ".odt"}  # fmt: skip
ZIPPED_DATASETS = {".gpkg", ".geojson", ".json", ".kml", ".fgb", ".csv"}
KMZ_PARTS = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".dae"}
TEXT_ENTRIES = {".txt", ".md", ".html", ".htm", ".xml", ".qml", ".qmd", ".sld", ".prj", ".cpg", ".kml",
                ".geojson", ".json", ".csv", ".rels"}  # fmt: skip

# Markers of content that points elsewhere, searched in every text as bytes (case-insensitive).
MARKERS: list[tuple[re.Pattern[bytes], str]] = [
    (re.compile(rb"<\s*(OGRVRTDataSource|VRTDataset|OGRVRTLayer)\b", re.I),
     "is a GDAL virtual dataset (VRT), which reads other files or URLs"),
    (re.compile(rb"gdal_streamed_alg", re.I), "is a GDAL pipeline (GDALG), which runs commands on other files"),
    (re.compile(rb"/vsi[a-z0-9_]+/", re.I), "names a GDAL virtual file path (/vsi…/) that would read another file"),
    (re.compile(rb"<\s*([\w.-]+:)?include\b[^>]*XInclude|<\s*xi:include\b", re.I),
     "includes another file (XInclude)"),
]  # fmt: skip
KML_MARKERS = [(re.compile(rb"<\s*([\w.-]+:)?NetworkLink\b", re.I),
                "holds a KML NetworkLink, which would fetch another file or URL")]  # fmt: skip
JSON_MARKERS = [
    (re.compile(rb'"\$ref"\s*:'), 'holds a "$ref" to another document'),
    # "\u0063rs" is "crs" to GDAL's parser and not to the searches here: a letter or $ written as an escape
    # is refused (JSON writers escape only non-ASCII and control characters).
    (
        re.compile(rb"\\u00(24|4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])", re.I),
        "spells a letter as a \\u escape, which would hide a name from these checks",
    ),
]
# A GeoJSON "crs" other than a plain name ("link", "url", "EPSG" objects) points at a definition elsewhere.
CRS_MEMBER = re.compile(rb'"crs"\s*:\s*\{')
CRS_ROOM = 65536  # a crs object longer than this is not a name: refused as unreadable
PLAIN_CRS = re.compile(rb"^(EPSG:{1,2}\d+|urn:ogc:def:crs:[A-Za-z]+:[\w.]*:[\w.]+|CRS:?84|OGC:CRS84)$", re.I)

# A GeoPackage is SQLite: what its schema may not hold. Views and generated columns run SQL when read;
# a virtual table other than the spec's R*Tree index runs a module; these functions reach outside the file.
SQLITE_HEADER = b"SQLite format 3\0"
GPKG_APPLICATION_IDS = {0x47504B47, 0x47503130, 0x47503131}  # "GPKG", "GP10", "GP11"
SCHEMA_DANGER = re.compile(r"\b(load_extension|attach|detach|gdal_\w+|ogr_\w+|readfile|writefile|edit|"
                           r"fts3_tokenizer|zipfile|sqlar_\w+|fileio_\w+|vsv|csv)\s*\(", re.I)  # fmt: skip
GENERATED = re.compile(r"\bGENERATED\s+ALWAYS\b|\bAS\s*\(", re.I)


def _refuse(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed([Problem(field, message, code)])


# A name GDAL would read as a driver prefix (CSV:…, GPKG:…, PG:…, WFS:…, http://…) or a virtual file path.
PREFIXED_NAME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9_]+:|/vsi[a-z0-9_]*/", re.I)


def check_name(name: str, field: str = "file") -> None:
    """Refuse an uploaded file name that is a GDAL driver prefix or a /vsi…/ path. We never hand GDAL a
    name from outside (uploads.safe_name keeps the base name only); a name like this is an attack, said so."""
    if PREFIXED_NAME.search(str(name or "").replace("\\", "/")):
        raise _refuse(field, "has a name that GDAL would read as a path to other data (a driver prefix such "
                             "as 'CSV:' or a '/vsi…/' path); rename the file and upload it again",
                      "path_in_name")  # fmt: skip


def declared(path: Path, field: str = "file") -> Format:
    """The format a file's suffix declares; refused when it is not one we accept."""
    suffix = path.suffix.lower()
    if path.name.lower().endswith(".gdalg.json"):
        suffix = ".gdalg"
    if suffix in POINTERS:
        raise _refuse(
            field, f"is {POINTERS[suffix]}; it is not accepted. Upload the data itself as {ACCEPTED}", "pointer_file"
        )
    if suffix not in BY_SUFFIX:
        shown = f"a {suffix} file" if suffix else "a file without a type (no suffix such as .gpkg)"
        raise _refuse(field, f"is {shown}, which is not accepted; upload {ACCEPTED}", "unsupported_type")
    return FORMATS[BY_SUFFIX[suffix]]


# ---------------------------------------------------------------- sniffing


def _head(path: Path, n: int = 65536) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def _first_char(head: bytes) -> bytes:
    text = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    text = text.lstrip(b" \t\r\n")
    return text[:1]


def _chunks(fh: IO[bytes]) -> Iterator[bytes]:
    """The stream in chunks that overlap by OVERLAP bytes, so a marker on a boundary is whole in one."""
    tail = b""
    for chunk in iter(lambda: fh.read(CHUNK), b""):
        yield tail + chunk
        tail = chunk[-OVERLAP:]


def _scan(fh: IO[bytes], field: str, markers: list[tuple[re.Pattern[bytes], str]], where: str = "") -> None:
    for chunk in _chunks(fh):
        for pattern, why in markers:
            if pattern.search(chunk):
                raise _refuse(field, f"{why}{where}; it is not accepted", "unsafe_content")


def _json_object_at(data: bytes, start: int) -> bytes | None:
    """The JSON object starting at data[start] ('{'), braces inside strings skipped; None if it runs past the
    data or past CRS_ROOM bytes."""
    depth, i, in_string = 0, start, False
    end = min(len(data), start + CRS_ROOM)
    while i < end:
        c = data[i]
        if in_string:
            if c == 0x5C:  # backslash: skip the escaped character
                i += 1
            elif c == 0x22:
                in_string = False
        elif c == 0x22:
            in_string = True
        elif c == 0x7B:
            depth += 1
        elif c == 0x7D:
            depth -= 1
            if depth == 0:
                return data[start : i + 1]
        i += 1
    return None


def _plain_crs(obj: bytes) -> bool:
    """A GeoJSON crs object that only names a CRS: {"type": "name", "properties": {"name": "EPSG:4326"}}."""
    try:
        crs = json.loads(obj)
    except ValueError:
        return False
    props = crs.get("properties") if isinstance(crs, dict) else None
    return (
        set(crs) == {"type", "properties"}
        and str(crs["type"]).lower() == "name"
        and isinstance(props, dict)
        and set(props) == {"name"}
        and isinstance(props["name"], str)
        and bool(PLAIN_CRS.match(props["name"].encode()))
    )


def _check_geojson_crs(fh: IO[bytes], field: str, where: str = "") -> None:
    """Every "crs" object only names a CRS: GDAL fetches a "link" or "url" crs's href, and reads a name as a file."""
    for chunk, final in _chunks_with_room(fh):
        position = 0
        while member := CRS_MEMBER.search(chunk, position):
            obj = _json_object_at(chunk, member.end() - 1)
            if obj is None and not final and member.start() >= len(chunk) - CRS_ROOM:
                break  # cut at the chunk's end: whole in the next chunk, which starts CRS_ROOM back
            if obj is None or not _plain_crs(obj):
                raise _refuse(field, f"states its coordinate reference system as a link or a definition elsewhere"
                                     f"{where} (a GeoJSON \"crs\" may only name one, such as EPSG:4326); "
                                     "it is not accepted", "external_reference")  # fmt: skip
            position = member.end() - 1 + len(obj)  # past the checked object: each byte is scanned once


def _chunks_with_room(fh: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """(chunk, is it the last) overlapping by CRS_ROOM bytes: a crs object cut at one chunk's end is whole in
    the next."""
    tail, chunk = b"", fh.read(CHUNK)
    while chunk:
        following = fh.read(CHUNK)
        yield tail + chunk, not following
        tail, chunk = chunk[-CRS_ROOM:], following


def _text_checks(key: str, opener: Callable[[], IO[bytes]], field: str, where: str = "") -> None:
    """The reference checks of one text (a file or a zip entry) of the given format key."""
    markers = MARKERS + (KML_MARKERS if key == "kml" else []) + (JSON_MARKERS if key == "geojson" else [])
    with opener() as fh:
        _scan(fh, field, markers, where)
    if key == "geojson":
        with opener() as fh:
            _check_geojson_crs(fh, field, where)


def _check_text_format(key: str, head: bytes, field: str, where: str = "") -> None:
    """The first bytes of a GeoJSON, KML or CSV are what that format starts with."""
    first = _first_char(head)
    name = FORMATS[key].name
    if key == "geojson" and first != b"{":
        raise _refuse(field, f"is not {name}{where}: a GeoJSON file starts with '{{'", "wrong_type")
    if key == "kml" and (first != b"<" or not re.search(rb"<\s*([\w.-]+:)?kml\b", head)):
        raise _refuse(field, f"is not {name}{where}: a KML file is XML with a <kml> root", "wrong_type")
    if key == "csv" and first in (b"<", b"{", b"["):
        what = "XML" if first == b"<" else "JSON"
        raise _refuse(field, f"is {what}, not {name}{where}; it is not accepted under a .csv name", "wrong_type")


def _check_sqlite(path: Path, field: str, where: str = "") -> None:
    """A GeoPackage: SQLite with the GeoPackage application id and a schema that only stores data."""
    if not _head(path, 16).startswith(SQLITE_HEADER):
        raise _refuse(field, f"is not a GeoPackage{where}: it does not start with the SQLite header", "wrong_type")
    try:
        # immutable: SQLite takes no lock and writes nothing (no journal beside an upload).
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        raise _refuse(field, f"is not a readable GeoPackage{where}", "not_readable") from None
    try:
        db.execute("PRAGMA trusted_schema = OFF")
        (app_id,) = db.execute("PRAGMA application_id").fetchone()
        rows = db.execute("SELECT type, name, coalesce(sql, '') FROM sqlite_master").fetchall()
    except sqlite3.Error:
        raise _refuse(
            field, f"is not a readable GeoPackage{where} (a damaged SQLite database)", "not_readable"
        ) from None
    finally:
        db.close()
    if app_id not in GPKG_APPLICATION_IDS:
        raise _refuse(field, f"is an SQLite database but not a GeoPackage{where}", "wrong_type")
    for kind, name, sql in rows:
        label = f"'{str(name)[:60]}'"
        if kind == "view":
            raise _refuse(field, f"holds a view ({label}){where}: a view runs SQL when it is read, and may read "
                                 "other tables or files; export the data as a table", "unsafe_content")  # fmt: skip
        if (
            kind == "table"
            and re.match(r"\s*CREATE\s+VIRTUAL\s+TABLE", sql, re.I)
            and not re.search(r"\bUSING\s+rtree\s*\(", sql, re.I)
        ):
            raise _refuse(field, f"holds a virtual table ({label}){where} other than a spatial index; "
                                 "it is not accepted", "unsafe_content")  # fmt: skip
        if kind == "table" and GENERATED.search(sql):
            raise _refuse(field, f"holds a computed column (in {label}){where}; it is not accepted", "unsafe_content")
        if SCHEMA_DANGER.search(sql):
            raise _refuse(
                field,
                f"holds SQL that reaches outside the file (in {label}){where}; it is not accepted",
                "unsafe_content",
            )


def _check_binary_magic(key: str, head: bytes, field: str, where: str = "") -> None:
    if key == "flatgeobuf" and not (head[:3] == b"fgb" and head[4:7] == b"fgb"):
        raise _refuse(
            field, f"is not FlatGeobuf{where}: it does not start with FlatGeobuf's magic number", "wrong_type"
        )
    if key == "shapefile" and head[:4] != b"\x00\x00\x27\x0a":
        raise _refuse(field, f"is not a shapefile{where}: a .shp starts with the file code 9994", "wrong_type")


# ---------------------------------------------------------------- zips


def _member_suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def _ignored(name: str) -> bool:
    """Entries macOS adds to a zip (resource forks); GDAL is never pointed at them."""
    parts = PurePosixPath(name).parts
    return bool(parts) and (parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] == ".DS_Store")


def _files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [i for i in archive.infolist() if not i.is_dir() and not _ignored(i.filename)]


def _zip_text_checks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, field: str) -> None:
    where = f" (in '{info.filename[:100]}')"
    head = archive.open(info).read(65536)
    if key in ("geojson", "kml", "csv"):
        _check_text_format(key, head, field, where)
    _text_checks(key, lambda: archive.open(info), field, where)


# A shapefile's .prj is ESRI WKT; GDAL reads anything else as "user input" (a URL is fetched).
WKT_START = re.compile(rb"^\s*(PROJCS|GEOGCS|GEOCCS|COMPD_CS|LOCAL_CS|VERT_CS|PROJCRS|GEOGCRS|GEODCRS|COMPOUNDCRS|"
                       rb"BOUNDCRS|VERTCRS|ENGCRS)\s*\[")  # fmt: skip


def _check_prj(head: bytes, field: str, name: str) -> None:
    text = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if text.strip() and not WKT_START.match(text):
        raise _refuse(field, f"holds '{name[:100]}', which is not a projection in WKT (PROJCS[…] or GEOGCS[…]); "
                             "it is not accepted", "not_a_projection")  # fmt: skip


def _dataset_in_zip(path: Path, field: str) -> str:
    """The one dataset a zipped upload holds (a .shp, or one GeoPackage/GeoJSON/KML/FlatGeobuf/CSV), checked."""
    with zipfile.ZipFile(path) as archive:
        files = _files(archive)
        datasets: list[zipfile.ZipInfo] = []
        for info in files:
            suffix = _member_suffix(info.filename)
            pointer = POINTERS.get(suffix) or (POINTERS[".gdalg"] if info.filename.lower().endswith(".gdalg.json")
                                               else None)  # fmt: skip
            if pointer:
                raise _refuse(field, f"holds '{info.filename[:100]}', {pointer}; it is not accepted", "pointer_file")
            if suffix == ".shp" or suffix in ZIPPED_DATASETS:
                datasets.append(info)
            elif suffix not in SHAPEFILE_PARTS and suffix not in DOCUMENTS:
                raise _refuse(field, f"holds '{info.filename[:100]}', which is not part of a shapefile; "
                                     "zip one shapefile (.shp, .shx, .dbf, .prj, .cpg) per file",
                              "unexpected_entry")  # fmt: skip
        if not datasets:
            raise _refuse(field, "holds no shapefile (.shp), GeoPackage, GeoJSON, KML, FlatGeobuf or CSV", "no_dataset")
        if len(datasets) > 1:
            listed = ", ".join(f"'{i.filename[:60]}'" for i in datasets[:5])
            raise _refuse(field, f"holds {len(datasets)} datasets ({listed}); zip one per file", "several_datasets")
        (dataset,) = datasets
        for info in files:
            suffix = _member_suffix(info.filename)
            if suffix in TEXT_ENTRIES and info is not dataset:
                _zip_text_checks(archive, info, "csv" if suffix == ".csv" else "other", field)
            if suffix == ".prj":
                with archive.open(info) as fh:
                    _check_prj(fh.read(4096), field, info.filename)
        suffix = _member_suffix(dataset.filename)
        key = BY_SUFFIX[suffix]
        where = f" (in '{dataset.filename[:100]}')"
        if key in ("geojson", "kml", "csv"):
            _zip_text_checks(archive, dataset, key, field)
        elif key in ("shapefile", "flatgeobuf"):
            _check_binary_magic(key, archive.open(dataset).read(16), field, where)
        elif key == "gpkg":
            with tempfile.TemporaryDirectory(prefix="clearground-gpkg-") as tmp:
                inner = Path(tmp) / "inner.gpkg"
                with archive.open(dataset) as src, inner.open("wb") as out:
                    for chunk in iter(lambda: src.read(CHUNK), b""):
                        out.write(chunk)
                _check_sqlite(inner, field, where)
        return dataset.filename


def _kml_in_kmz(path: Path, field: str) -> str:
    """The KML a KMZ holds (doc.kml, or its one .kml at the root), checked; its other entries are images."""
    with zipfile.ZipFile(path) as archive:
        files = _files(archive)
        kmls = [i for i in files if _member_suffix(i.filename) == ".kml"]
        root = [i for i in kmls if "/" not in i.filename]
        chosen = next((i for i in root if i.filename.lower() == "doc.kml"), root[0] if len(root) == 1 else None)
        if chosen is None or len(kmls) != 1:
            raise _refuse(field, "is not a KMZ with one KML file (doc.kml) in it", "wrong_type")
        for info in files:
            if info is not chosen and _member_suffix(info.filename) not in KMZ_PARTS:
                raise _refuse(field, f"holds '{info.filename[:100]}', which a KMZ of places does not; "
                                     "it is not accepted", "unexpected_entry")  # fmt: skip
        _zip_text_checks(archive, chosen, "kml", field)
        return chosen.filename


EXTERNAL_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>", re.I)


def _check_xlsx(path: Path, field: str) -> None:
    """An Excel workbook: a zip with [Content_Types].xml and xl/workbook.xml, and no link to another file."""
    with zipfile.ZipFile(path) as archive:
        names = {i.filename for i in archive.infolist()}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise _refuse(
                field, "is not an Excel workbook (.xlsx): it lacks [Content_Types].xml or xl/workbook.xml", "wrong_type"
            )
        for info in archive.infolist():
            name = info.filename
            lowered = name.lower()
            if lowered.startswith("xl/externallinks/"):
                raise _refuse(field, "links to another workbook (an external link); save it without links "
                                     "(copy, paste values) and upload it again", "external_reference")  # fmt: skip
            if lowered in ("xl/connections.xml",) or lowered.startswith("xl/querytables/"):
                raise _refuse(field, "holds a data connection to another source; save it without "
                                     "connections and upload it again", "external_reference")  # fmt: skip
            if _member_suffix(name) not in (".rels", ".xml"):
                continue
            with archive.open(info) as fh:  # streamed: a sheet may unpack to ten times the upload limit
                for data in _chunks(fh):
                    for rel in EXTERNAL_RELATIONSHIP.finditer(data):
                        text = rel.group(0)
                        external = re.search(rb'TargetMode\s*=\s*"External"', text, re.I)
                        if (external and not re.search(rb'Type\s*=\s*"[^"]*/hyperlink"', text, re.I)) or (
                            not external and re.search(rb'Target\s*=\s*"[a-z][a-z0-9+.-]*:', text, re.I)
                        ):  # an internal part named by a scheme (file:, http:) is an external one in disguise
                            raise _refuse(field, "links to another file or address (an external relationship); "
                                                 "it is not accepted", "external_reference")  # fmt: skip
                    if MARKERS[2][0].search(data):
                        raise _refuse(
                            field, f"{MARKERS[2][1]} (in '{name[:100]}'); it is not accepted", "unsafe_content"
                        )


# ---------------------------------------------------------------- the one check


def check(path: Path, field: str = "file") -> Format:
    """Refuse a file whose suffix is not an accepted format, whose bytes are not that format, or that points
    at anything outside itself; the declared format otherwise. Called by uploads.check_file and the reader."""
    fmt = declared(path, field)
    key = BY_SUFFIX[path.suffix.lower()]
    head = _head(path)
    if key in ("zip", "kmz", "xlsx") and not (head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")):
        raise _refuse(field, f"is not a {fmt.name}: it is not a zip file", "wrong_type")
    if key not in ("zip", "kmz", "xlsx") and head.startswith(b"PK\x03\x04"):
        raise _refuse(field, f"is a zip file, not {fmt.name}", "wrong_type")
    if key == "zip":
        _dataset_in_zip(path, field)
    elif key == "kmz":
        _kml_in_kmz(path, field)
    elif key == "xlsx":
        _check_xlsx(path, field)
    elif key == "gpkg":
        _check_sqlite(path, field)
    elif key in ("flatgeobuf", "shapefile"):
        _check_binary_magic(key, head, field)
    else:
        _check_text_format(key, head, field)
        _text_checks(key, lambda: path.open("rb"), field)
    if head.startswith(SQLITE_HEADER) and key != "gpkg":
        raise _refuse(field, f"is an SQLite database, not {fmt.name}", "wrong_type")
    return fmt


@dataclass(frozen=True)
class Opened:
    """A checked file as GDAL is to open it: the path we built, and the drivers its format allows."""

    gdal_path: str
    format: Format

    def check_driver(self, driver: str, field: str = "file") -> None:
        """Refuse when GDAL opened the file with a driver its declared format does not allow."""
        if driver not in self.format.drivers:
            raise _refuse(field, f"was read by GDAL as {driver or 'another format'}, not as {self.format.name}; "
                                 "it is not accepted", "wrong_type")  # fmt: skip


def _gdal_path(path: Path, field: str) -> str:
    """The path GDAL gets: absolute, ours; a zip's one dataset through /vsizip/."""
    absolute = Path(os.path.abspath(path))  # not resolve(): a shapefile's sidecars sit beside the name given
    text = str(absolute)
    if not absolute.is_file() or not text.startswith("/") or text.lower().startswith("/vsi"):
        raise _refuse(field, "is not a file", "not_a_file")
    key = BY_SUFFIX[path.suffix.lower()]
    if key == "zip":
        return f"/vsizip/{text}/{_dataset_in_zip(absolute, field)}"
    if key == "kmz":
        return f"/vsizip/{text}/{_kml_in_kmz(absolute, field)}"
    return text


@contextmanager
def opened(path: Path, field: str = "file") -> Iterator[Opened]:
    """Check a file and hold GDAL in the sandbox while it is read: `with opened(p) as o: read(o.gdal_path)`."""
    path = Path(path)
    fmt = check(path, field)
    gdal_path = _gdal_path(path, field)
    with sandbox():
        yield Opened(gdal_path, fmt)


# ---------------------------------------------------------------- the GDAL sandbox

# Set on the reading thread only (CPLSetThreadLocalConfigOption), restored after.
SANDBOX_CONFIG = {
    # No /vsicurl/ (or /vsis3/, …) file has this extension: every remote file is refused.
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".clearground-reads-no-remote-file",
    # Any HTTP request left (a CRS fetched by URL, a schema) goes to a proxy that is not there.
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_NETRC": "NO",
    # Links are not resolved, schemas not downloaded, styles not fetched, SQLite not opened up.
    "GML_SKIP_RESOLVE_ELEMS": "ALL",
    "GML_DOWNLOAD_WFS_SCHEMA": "NO",
    "GML_DOWNLOAD_SCHEMA": "NO",
    "LIBKML_RESOLVE_STYLE": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "GDAL_ALLOW_REMOTE_RESOURCE_TO_ACCESS_LOCAL_FILE": "NO",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "PROJ_NETWORK": "OFF",
}


class _HTTPResult(ctypes.Structure):
    """GDAL's CPLHTTPResult (cpl_http.h), as the refusing fetch callback returns it."""

    _fields_ = [("nStatus", ctypes.c_int), ("pszContentType", ctypes.c_void_p), ("pszErrBuf", ctypes.c_void_p),
                ("nDataLen", ctypes.c_int), ("nDataAlloc", ctypes.c_int), ("pabyData", ctypes.c_void_p),
                ("papszHeaders", ctypes.c_void_p), ("nMimePartCount", ctypes.c_int),
                ("pasMimePart", ctypes.c_void_p)]  # fmt: skip


_FETCH = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                          ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)  # fmt: skip
CURLE_COULDNT_CONNECT = 7
refused_urls: list[str] = []  # what GDAL tried to fetch inside the sandbox (each refused), for the log and tests


def _refuse_fetch(url: bytes | None, *_args: Any) -> int | None:
    """GDAL's HTTP fetch (CPLHTTPFetch: a CRS by URL, a schema, a WFS…) answered without the network: a
    failed result. Not None: GDAL would then fall back to curl."""
    lib = _gdal()
    refused_urls.append((url or b"").decode(errors="replace")[:200])
    logger.warning("GDAL tried to fetch %s while reading an upload; refused", refused_urls[-1])
    result = ctypes.cast(lib.VSICalloc(1, ctypes.sizeof(_HTTPResult)), ctypes.POINTER(_HTTPResult))
    result.contents.nStatus = CURLE_COULDNT_CONNECT
    result.contents.pszErrBuf = lib.CPLStrdup(b"network access is off while an upload is read")
    return ctypes.cast(result, ctypes.c_void_p).value


_refusing_fetch = _FETCH(_refuse_fetch)  # kept alive for as long as GDAL may call it

_lock = threading.Lock()
_depth = 0
_order: list[int] = []  # every driver handle, in GDAL's order, while any upload is read
_lib: ctypes.CDLL | None = None


def _gdal() -> ctypes.CDLL:
    """pyogrio's GDAL (a wheel bundles its own, not the one Django loads), through its extension module:
    dlsym on a module's handle also finds the symbols of the libraries it links."""
    global _lib
    if _lib is None:
        from pyogrio import _ogr

        lib = ctypes.CDLL(_ogr.__file__)
        lib.GDALGetDriverCount.restype = ctypes.c_int
        lib.GDALGetDriver.argtypes = [ctypes.c_int]
        lib.GDALGetDriver.restype = ctypes.c_void_p
        lib.GDALGetDriverShortName.argtypes = [ctypes.c_void_p]
        lib.GDALGetDriverShortName.restype = ctypes.c_char_p
        lib.GDALDeregisterDriver.argtypes = [ctypes.c_void_p]
        lib.GDALRegisterDriver.argtypes = [ctypes.c_void_p]
        lib.GDALRegisterDriver.restype = ctypes.c_int
        lib.CPLSetThreadLocalConfigOption.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        lib.CPLGetThreadLocalConfigOption.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        lib.CPLGetThreadLocalConfigOption.restype = ctypes.c_char_p
        lib.CPLHTTPPushFetchCallback.argtypes = [_FETCH, ctypes.c_void_p]
        lib.CPLHTTPPushFetchCallback.restype = ctypes.c_int
        lib.CPLHTTPPopFetchCallback.restype = ctypes.c_int
        lib.VSICalloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
        lib.VSICalloc.restype = ctypes.c_void_p
        lib.CPLStrdup.argtypes = [ctypes.c_char_p]
        lib.CPLStrdup.restype = ctypes.c_void_p
        _lib = lib
    return _lib


def registered_drivers() -> list[str]:
    """The short names of the drivers pyogrio's GDAL has registered now."""
    lib = _gdal()
    return [(lib.GDALGetDriverShortName(lib.GDALGetDriver(i)) or b"").decode()
            for i in range(lib.GDALGetDriverCount())]  # fmt: skip


def _deregister(lib: ctypes.CDLL) -> None:
    _order.clear()
    _order.extend(lib.GDALGetDriver(i) for i in range(lib.GDALGetDriverCount()))
    for handle in _order:
        if (lib.GDALGetDriverShortName(handle) or b"").decode() not in KEEP_DRIVERS:
            lib.GDALDeregisterDriver(handle)  # deregistered, not destroyed: the same driver comes back after


def _reregister(lib: ctypes.CDLL) -> None:
    """Every driver back, in its old order: GDAL tries drivers in order (LIBKML before KML, for a client
    reading KML), and GDALRegisterDriver appends, so the kept drivers after the first removed one are taken
    out and put back in turn. For that instant a kept driver is missing (a concurrent export would fail
    and be retried; exports look drivers up by name under GDAL's own lock)."""
    registered = {lib.GDALGetDriver(i) for i in range(lib.GDALGetDriverCount())}
    first_gap = next((i for i, handle in enumerate(_order) if handle not in registered), len(_order))
    tail = _order[first_gap:]
    for handle in tail:
        if handle in registered:
            lib.GDALDeregisterDriver(handle)
    for handle in tail:
        lib.GDALRegisterDriver(handle)
    _order.clear()


@contextmanager
def sandbox() -> Iterator[None]:
    """While inside: pyogrio's GDAL has only the registry's drivers, and this thread GDAL's no-network,
    no-links settings. Nested and concurrent readers share one deregistration (counted)."""
    global _depth
    lib = _gdal()
    with _lock:
        if _depth == 0:
            _deregister(lib)
        _depth += 1
    saved = {k: lib.CPLGetThreadLocalConfigOption(k.encode(), None) for k in SANDBOX_CONFIG}
    pushed = False
    try:
        for key, value in SANDBOX_CONFIG.items():
            lib.CPLSetThreadLocalConfigOption(key.encode(), value.encode())
        pushed = bool(lib.CPLHTTPPushFetchCallback(_refusing_fetch, None))  # this thread's HTTP: refused
        if not pushed:
            raise RuntimeError("GDAL did not take the fetch callback that keeps an upload's reading offline")
        left = set(registered_drivers()) - KEEP_DRIVERS
        if left:  # fail closed: a GDAL that kept other drivers reads no upload
            raise RuntimeError(f"GDAL kept drivers an upload may not reach: {sorted(left)}")
        yield
    finally:
        if pushed:
            lib.CPLHTTPPopFetchCallback()
        for key, old in saved.items():
            lib.CPLSetThreadLocalConfigOption(key.encode(), old)
        with _lock:
            _depth -= 1
            if _depth == 0:
                _reregister(lib)
