"""A report's attached files: checked as every upload is, stored by their SHA-256 (decision 0051).

Only what a reviewer opens in a browser or a PDF reader is taken: JPEG, PNG and PDF photos, sketch
maps and certificates. The type is read from the bytes and must agree with the name's suffix (as
interop/imports/formats.py holds an upload to what it claims, decision 0035); the name is only a
label, checked to hold no path, since the bytes are stored under MEDIA_ROOT by their hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from core.errors import Problem, TooLarge, ValidationFailed
from reports.models import Report, ReportAttachment, attachment_path

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
        raise ValidationFailed([Problem(f"attachments.{name[:60]!r}", "is not a plain file name (no path, no '..')")])
    return name


def content_type(name: str, data: bytes) -> str:
    """The file's type, read from its bytes and agreeing with its suffix; ValidationFailed otherwise."""
    suffix = os.path.splitext(name)[1].lower()
    for mime, (suffixes, magic) in TYPES.items():
        if suffix in suffixes:
            if not data.startswith(magic):
                raise ValidationFailed([Problem(f"attachments.{name}", f"is named {suffix} but is not a {mime} file")])
            return mime
    raise ValidationFailed([Problem(f"attachments.{name}", "is not a JPEG, PNG or PDF file (.jpg, .png, .pdf)")])


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
    check_name(name)
    if len(data) > max_bytes():
        raise TooLarge([Problem(f"attachments.{name}", f"is larger than {max_bytes()} bytes")])
    mime = content_type(name, data)
    sha256 = hashlib.sha256(data).hexdigest()
    existing = ReportAttachment.objects.filter(report=report, name=name).first()
    if existing is not None:
        if existing.sha256 != sha256:
            raise ValidationFailed([Problem(f"attachments.{name}", "was sent before with other content")])
        return existing, False
    # The file first: a row never names bytes that are not there (an orphan file costs only disk).
    _store(sha256, data)
    try:
        with transaction.atomic():
            row = ReportAttachment.objects.create(
                report=report,
                name=name,
                sha256=sha256,
                size=len(data),
                content_type=mime,
                added_by=acting_user,
                added_at=at or timezone.now(),
            )
            audit.record(acting_user, "report.attach", report,
                         new={"name": name, "sha256": sha256, "size": len(data), "content_type": mime})  # fmt: skip
    except IntegrityError:  # the same part arrived twice at once: the other request stored it
        return ReportAttachment.objects.get(report=report, name=name), False
    return row, True
