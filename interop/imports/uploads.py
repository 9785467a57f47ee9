"""The one set of checks every uploaded file passes before GDAL or anything else reads it (decision 0033).

Every door that takes a file from outside (the imports API, the imports page, a report form's polygon
field) calls `receive`; `clearground import` calls `check_file` on a local file. A file is refused with
a problem naming what is wrong, and nothing is stored, when it is:

- over CLEARGROUND_UPLOAD_MAX_BYTES (TooLarge, 413);
- a zip (shapefile, KMZ, XLSX) with more than MAX_ENTRIES entries, unpacking to more than ten times
  the limit, compressed more than MAX_RATIO:1, with an entry named outside the archive (`..`, an
  absolute path, a drive letter), a symlink, an encrypted entry, an archive inside it, or entries
  whose stated sizes or checksums do not hold when read (sizes are checked before anything is
  unpacked; the read is bounded by the stated sizes, so a lying header costs no more than the limit);
- XML (KML, GML, GPX, or any file starting with `<`) with a DTD: `<!DOCTYPE` or `<!ENTITY` is
  refused outright, so no entity is ever expanded or fetched (external entities, billion laughs),
  whatever the parser underneath would do;
- text (CSV, GeoJSON, KML, ...) that is not UTF-8: UTF-16/32, a byte that is not UTF-8 (a Latin-1 or
  Windows-1252 file), or NUL bytes (binary data under a text name). Refusing, not guessing, keeps
  mojibake out of the register: the message says how to save the file right.

Then `formats.check` (decision 0035): the file's suffix must be an accepted format, its bytes that
format, and nothing in it may point at another file or address (VRT, /vsi paths, links, views).
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings

from core.errors import Problem, TooLarge, ValidationFailed
from interop.imports import formats

MAX_ENTRIES = 1000  # a zipped shapefile has 3 to 8; an XLSX a few dozen
MAX_RATIO = 100  # shapefiles and XLSX compress 3:1 to 20:1; a bomb 1,000:1 and more
UNZIPPED_FACTOR = 10
RATIO_FLOOR = 1 << 20  # below 1 MiB unpacked, a high ratio (a file of blanks) costs nothing
FORM_SLACK = 1 << 20  # the other fields of an upload form, beside the file
CHUNK = 1 << 20

ZIP_SUFFIXES = {".zip", ".kmz", ".xlsx", ".ods"}
ARCHIVE_SUFFIXES = {".zip", ".kmz", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz"}
XML_SUFFIXES = {".kml", ".gml", ".gpx", ".xml", ".rels", ".svg"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".json", ".geojson", ".prj", ".cpg"} | XML_SUFFIXES
DTD = re.compile(r"<!\s*(doctype|entity)", re.IGNORECASE)
DRIVE = re.compile(r"^[A-Za-z]:")
BOMS = {codecs.BOM_UTF32_LE: "UTF-32", codecs.BOM_UTF32_BE: "UTF-32",
        codecs.BOM_UTF16_LE: "UTF-16", codecs.BOM_UTF16_BE: "UTF-16"}  # fmt: skip


def max_bytes() -> int:
    """The upload limit in bytes (CLEARGROUND_UPLOAD_MAX_BYTES)."""
    return int(settings.CLEARGROUND_UPLOAD_MAX_BYTES)


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB" if n >= 1 << 20 else f"{n:,} bytes"


def _refuse(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed([Problem(field, message, code)])


def _too_large(field: str, limit: int) -> TooLarge:
    return TooLarge([Problem(field, f"is larger than the upload limit of {_mb(limit)}", "too_large")],
                    f"The file is larger than the upload limit of {_mb(limit)}; nothing was stored.")  # fmt: skip


def refuse_oversized_request(meta: Any, *, field: str = "file", limit: int | None = None) -> None:
    """Refuse (413) a request whose stated length is over the limit, before Django reads its body."""
    limit = limit or max_bytes()
    length = str(meta.get("CONTENT_LENGTH") or "")
    if length.isdigit() and int(length) > limit + FORM_SLACK:
        raise _too_large(field, limit)


def safe_name(name: str) -> str:
    """The base name of an uploaded file, with no folder and nothing a file system reads specially."""
    base = PurePosixPath(str(name or "").replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ()]", "_", base).lstrip(".").strip()
    return base[:200] or "upload"


def receive(upload: Any, folder: Path, *, field: str = "file", limit: int | None = None) -> Path:
    """Write an uploaded file (Django's UploadedFile) into folder under its own name, checked by check_file."""
    limit = min(limit or max_bytes(), max_bytes())
    formats.check_name(upload.name, field)
    if (upload.size or 0) > limit:
        raise _too_large(field, limit)
    path = Path(folder) / safe_name(upload.name)
    written = 0
    with path.open("wb") as out:
        for chunk in upload.chunks():
            written += len(chunk)
            if written > limit:  # the stated size was wrong: stop writing at the limit
                raise _too_large(field, limit)
            out.write(chunk)
    check_file(path, field=field, limit=limit)
    return path


def check_file(path: Path, *, field: str = "file", limit: int | None = None) -> None:
    """Refuse a file that is a hostile or broken archive, XML with a DTD, text that is not UTF-8, or not
    the format its name declares, or that points at anything outside itself (formats.check)."""
    limit = limit or max_bytes()
    suffix = path.suffix.lower()
    if suffix in ZIP_SUFFIXES or zipfile.is_zipfile(path):
        _check_zip(path, field, limit)
    else:
        with path.open("rb") as fh:
            head = fh.read(64)
        xml = suffix in XML_SUFFIXES or head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"<")
        if suffix in TEXT_SUFFIXES or xml:
            with path.open("rb") as fh:
                _check_text(_chunks(fh), field, xml=xml)
    formats.check(path, field)


def _chunks(fh: IO[bytes]) -> Iterator[bytes]:
    return iter(lambda: fh.read(CHUNK), b"")


def _check_text(chunks: Iterable[bytes], field: str, *, xml: bool, inner: str = "") -> None:
    """UTF-8 throughout (a BOM allowed), no NUL byte, and for XML no DTD."""
    where = f" ({inner})" if inner else ""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    offset, tail, first = 0, "", True
    for chunk in chunks:
        if first:
            first = False
            encoding = next((name for bom, name in BOMS.items() if chunk.startswith(bom)), None)
            if encoding:
                raise _refuse(field, f"is {encoding} text{where}; save it as UTF-8 and upload it again", "not_utf8")
        if b"\0" in chunk:
            at = offset + chunk.index(b"\0")
            raise _refuse(field, f"holds a NUL byte at byte {at}{where}: binary data, not text in UTF-8", "not_utf8")
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise _refuse(field, f"is not UTF-8 text{where}: byte 0x{chunk[exc.start]:02X} at byte "
                                 f"{offset + exc.start} cannot be read as UTF-8 (a Latin-1 or Windows-1252 "
                                 "file?); save it as UTF-8 and upload it again", "not_utf8") from None  # fmt: skip
        offset += len(chunk)
        if xml and DTD.search(tail + text):
            raise _refuse(field, f"is XML with a document type declaration (DTD){where}, which is not accepted: "
                                 "entities could read other files or expand without end", "dtd_forbidden")  # fmt: skip
        tail = text[-16:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _refuse(field, f"is not UTF-8 text{where}: it ends in the middle of a character", "not_utf8") from None


def _unsafe_entry(info: zipfile.ZipInfo) -> str | None:
    """Why an entry may not be unpacked, or None."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or DRIVE.match(name):
        return "has an absolute path"
    if ".." in parts:
        return "points outside the archive (..)"
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        return "is a symbolic link"
    if info.flag_bits & 0x1:
        return "is encrypted"
    if Path(name).suffix.lower() in ARCHIVE_SUFFIXES:
        return "is an archive inside the archive (unpack it and upload what it holds)"
    return None


def _check_zip(path: Path, field: str, limit: int) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(field, "is not a readable zip file", "not_readable") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise _refuse(
                field, f"is a zip of {len(entries):,} entries; at most {MAX_ENTRIES:,} are read", "too_many_entries"
            )
        for info in entries:
            why = _unsafe_entry(info)
            if why:
                raise _refuse(field, f"holds an entry that {why}: '{info.filename[:100]}'", "bad_name")
        unpacked = sum(i.file_size for i in entries)
        packed = sum(i.compress_size for i in entries)
        if unpacked > UNZIPPED_FACTOR * limit:
            why = f"unpacks to {_mb(unpacked)}, over {_mb(UNZIPPED_FACTOR * limit)} (ten times the upload limit)"
            raise TooLarge([Problem(field, why, "too_large")], "The archive unpacks to too much; nothing was stored.")
        for info in entries:
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _refuse(field, f"holds '{info.filename[:100]}' compressed more than {MAX_RATIO}:1, "
                                     "as a zip bomb is; it is not unpacked", "zip_bomb")  # fmt: skip
        if unpacked > RATIO_FLOOR and unpacked > MAX_RATIO * max(packed, 1):
            raise _refuse(
                field, f"is compressed more than {MAX_RATIO}:1, as a zip bomb is; it is not unpacked", "zip_bomb"
            )
        for info in entries:
            _read_entry(archive, info, field)


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, field: str) -> None:
    """Read one entry through, bounded by its stated size: its checksum must hold; text entries checked."""
    if info.is_dir():
        return
    suffix = Path(info.filename).suffix.lower()
    try:
        with archive.open(info) as fh:
            if suffix in TEXT_SUFFIXES:
                _check_text(_chunks(fh), field, xml=suffix in XML_SUFFIXES, inner=info.filename[:100])
            else:
                for _chunk in _chunks(fh):
                    pass
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise _refuse(
            field, f"is a damaged zip: '{info.filename[:100]}' cannot be read ({exc})", "not_readable"
        ) from None
