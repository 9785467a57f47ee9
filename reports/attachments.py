"""A report's attached files: checked as every upload is, stored by their SHA-256 (decision 0051).

Only what a reviewer opens in a browser or a PDF reader is taken: JPEG, PNG and PDF photos, sketch
maps and certificates. The type is read from the bytes and must agree with the name's suffix (as
interop/imports/formats.py holds an upload to what it claims, decision 0035); the name is only a
label, checked to hold no path, since the bytes are stored under MEDIA_ROOT by their hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import re
import tempfile
from struct import error as struct_error
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts import audit
from core.errors import Conflict, Problem, TooLarge, ValidationFailed
from reports.models import Report, ReportAttachment, attachment_path
from reports.workflow import EDITABLE

#: Each accepted type: the suffixes its name may have and the bytes it starts with.
TYPES: dict[str, tuple[tuple[str, ...], bytes]] = {
    "image/jpeg": ((".jpg", ".jpeg"), b"\xff\xd8\xff"),
    "image/png": ((".png",), b"\x89PNG\r\n\x1a\n"),
    "application/pdf": ((".pdf",), b"%PDF-"),
}
# A name is a label: letters, digits, spaces, dot, dash, underscore; no path, no leading dot.
NAME = re.compile(r"^[\w][\w .\-]{0,199}$")


def max_bytes() -> int:
    """The largest attachment (CLEARGROUND_ATTACHMENT_MAX_BYTES)."""
    return int(settings.CLEARGROUND_ATTACHMENT_MAX_BYTES)


def check_name(name: str) -> str:
    """The file name if it is a plain name; ValidationFailed naming the reason otherwise."""
    if not NAME.match(name) or ".." in name:
        raise ValidationFailed(
            [Problem(f"attachments.{name[:60]!r}", _("is not a plain file name (no path, no '..')"), "bad_name")]
        )
    return name


def content_type(name: str, data: bytes) -> str:
    """The file's type, read from its bytes and agreeing with its suffix; ValidationFailed otherwise."""
    suffix = os.path.splitext(name)[1].lower()
    for mime, (suffixes, magic) in TYPES.items():
        if suffix in suffixes:
            if not data.startswith(magic):
                raise ValidationFailed(
                    [
                        Problem(
                            f"attachments.{name}",
                            _("is named %(suffix)s but is not a %(type)s file") % {"suffix": suffix, "type": mime},
                            "wrong_type",
                        )
                    ]  # fmt: skip
                )
            return mime
    raise ValidationFailed(
        [Problem(f"attachments.{name}", _("is not a JPEG, PNG or PDF file (.jpg, .png, .pdf)"), "unsupported_type")]
    )


GPS_IFD = 0x8825  # the EXIF pointer to the GPS tags (EXIF 2.3, tag 34853)


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    """Degrees from EXIF's (degrees, minutes, seconds) rationals and a hemisphere letter; None if malformed."""
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if not math.isfinite(degrees):
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    return -degrees if str(ref).strip().upper() == negative else degrees


def exif_position(data: bytes) -> tuple[float, float] | None:
    """(longitude, latitude) from a JPEG's EXIF GPS tags, or None when it has none or they make no sense.

    Pillow reads only the headers here (no pixels are decoded), so a hostile image costs no memory; any
    error in the tags means "no position", never a refused file: the photo itself is what the report needs.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct_error, Image.DecompressionBombError):
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat = _degrees(gps[2], gps.get(1, "N"), "S")
    lon = _degrees(gps[4], gps.get(3, "E"), "W")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat, lon) == (0, 0):
        return None  # (0, 0) is what a device without a fix writes
    return round(lon, 7), round(lat, 7)


def sha256_of(data: bytes) -> str:
    """The hash a file is stored and compared by."""
    return hashlib.sha256(data).hexdigest()


def store(data: bytes) -> str:
    """Keep the bytes in the attachment store (MEDIA_ROOT/attachments, by hash); their SHA-256.

    The one store of checked files: report attachments and task documents (decision 0057) alike, so a
    backup carries both and the same bytes are kept once.
    """
    sha256 = sha256_of(data)
    _store(sha256, data)
    return sha256


def _store(sha256: str, data: bytes) -> None:
    """Write the bytes under their hash, atomically (a crash leaves no half file under the final name)."""
    path = attachment_path(sha256)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def attach_file(
    report: Report, *, acting_user: Any, name: str, data: bytes, at: dt.datetime | None = None
) -> tuple[ReportAttachment, bool]:
    """Attach a file to a report: (the attachment, whether it is new). The same name again is the same file.

    A second upload under a name the report already holds adds nothing (a split upload retried); with
    other bytes it is refused (400 naming the file); the first file stays.
    """
    mime, sha256 = _checked(name, data)
    existing = ReportAttachment.objects.filter(report=report, name=name).first()
    if existing is not None:
        if existing.sha256 != sha256:
            raise ValidationFailed(
                [Problem(f"attachments.{name}", _("was sent before with other content"), "changed_content")]
            )
        return existing, False
    row = _stored_row(report, acting_user=acting_user, name=name, data=data, mime=mime, sha256=sha256, at=at)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            audit.record(acting_user, "report.attach", report, new=_audited(row))
    except IntegrityError:  # the same part arrived twice at once: the other request stored it
        return ReportAttachment.objects.get(report=report, name=name), False
    return row, True


def attach_to_new_report(report: Report, *, acting_user: Any, files: dict[str, bytes]) -> list[ReportAttachment]:
    """Attach the files a report arrived with, inside the transaction that created it; attach_file's checks.

    The report is new and not yet committed, so it holds no file and no other request can attach to it:
    no lookup and no savepoint per file, and the rows and their `report.attach` audit rows are written
    in one INSERT each (a field submission's photos, decision 0059).
    """
    checked = {name: _checked(name, data) for name, data in files.items()}  # every file checked before any is stored
    rows = [_stored_row(report, acting_user=acting_user, name=name, data=files[name], mime=mime, sha256=sha256)
            for name, (mime, sha256) in checked.items()]  # fmt: skip
    if rows:
        ReportAttachment.objects.bulk_create(rows)
        audit.record_each(acting_user, "report.attach", [(report, _audited(row)) for row in rows])
    return rows


def _checked(name: str, data: bytes) -> tuple[str, str]:
    """(type, SHA-256) of a file that passes every check; ValidationFailed or TooLarge naming it otherwise."""
    check_name(name)
    if len(data) > max_bytes():
        raise TooLarge(
            [Problem(f"attachments.{name}", _("is larger than %(n)s bytes") % {"n": max_bytes()}, "too_large")]
        )
    return content_type(name, data), hashlib.sha256(data).hexdigest()


def _stored_row(
    report: Report, *, acting_user: Any, name: str, data: bytes, mime: str, sha256: str, at: dt.datetime | None = None
) -> ReportAttachment:
    """The bytes written under their hash, and the (unsaved) row that will name them."""
    position = exif_position(data) if mime == "image/jpeg" else None
    # The file first: a row never names bytes that are not there (an orphan file costs only disk).
    _store(sha256, data)
    return ReportAttachment(
        report=report,
        name=name,
        sha256=sha256,
        size=len(data),
        content_type=mime,
        added_by=acting_user,
        added_at=at or timezone.now(),
        longitude=position[0] if position else None,
        latitude=position[1] if position else None,
    )


def _audited(row: ReportAttachment) -> dict[str, Any]:
    return {"name": row.name, "sha256": row.sha256, "size": row.size, "content_type": row.content_type}


def upload_attachment(report: Report, *, acting_user: Any, name: str, data: bytes) -> tuple[ReportAttachment, bool]:
    """A writer attaches a file to a draft or returned report (web form and API): attach_file's checks, and
    the report's state, since a submitted report is what its reviewer reads and must not change under them.

    The caller got the report through access_report(write=True); OpenRosa intake calls attach_file itself,
    as its files arrive with (or split after) the submission that created the report.
    """
    with transaction.atomic():  # the status read under the row lock: a submit waits for the file, or refuses it
        status = Report.objects.select_for_update().values_list("status", flat=True).get(pk=report.pk)
        if status not in EDITABLE:
            raise Conflict(_("Files may be attached only while the report is a draft or returned for correction."))
        return attach_file(report, acting_user=acting_user, name=name, data=data)


def read_uploads(uploads: list[Any]) -> list[tuple[str, bytes, str]]:
    """Every uploaded file (Django UploadedFile) checked: (name, bytes, type) each, or ValidationFailed naming
    every refused file (TooLarge at once for one too large). The size is compared before a byte is read.

    The checks of every upload door: report attachments here, task documents (operations/documents.py).
    """
    if not uploads:
        raise ValidationFailed([Problem("file", _("send one or more files in the multipart field 'file'"), "required")])
    read: list[tuple[str, bytes, str]] = []
    problems: list[Problem] = []
    for upload in uploads:
        name = str(upload.name or "")
        try:
            check_name(name)
            if upload.size > max_bytes():
                raise TooLarge([Problem(f"attachments.{name}", _("is larger than %(n)s bytes") % {"n": max_bytes()},
                                        "too_large")])  # fmt: skip
            data = upload.read()
            mime = content_type(name, data)
        except ValidationFailed as exc:
            if isinstance(exc, TooLarge):
                raise
            problems += exc.problems
            continue
        read.append((name, data, mime))
    if problems:
        raise ValidationFailed(problems)
    return read


def upload_attachments(report: Report, *, acting_user: Any, uploads: list[Any]) -> list[ReportAttachment]:
    """Every uploaded file (Django UploadedFile) checked first (read_uploads), then all attached at once, or none."""
    read = read_uploads(uploads)
    with transaction.atomic():
        return [upload_attachment(report, acting_user=acting_user, name=name, data=data)[0] for name, data, _t in read]
