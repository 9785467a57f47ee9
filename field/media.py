"""The media files a form carries offline: the hazards the user may report on, as a CSV entity list.

`select_one_from_file hazards.csv` (field/forms.py) reads its `name` (what the submission holds: the
hazard's id) and `label` (its code and name); `code` and `status` are there for a form's own
expressions. The label is HTML-escaped: ODK Web Forms and Collect render a label as Markdown with HTML
in it, so a hazard named `<img onerror=…>` would be markup in a clerk's form; escaped, every client
shows the name as written (decision 0058). The file differs per user and changes when the list does;
its MD5 in the manifest tells the client to fetch it again (decision 0051).
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
from typing import Any

from accounts import access
from field.forms import HAZARDS_CSV

FILES = (HAZARDS_CSV,)


def hazards_csv(user: Any) -> bytes:
    """The hazards the user may report on, by code."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "label", "code", "status"])
    rows = access.hazards_to_report_on(user).order_by("code").values_list("pk", "code", "name", "status")
    for pk, code, name, status in rows:
        writer.writerow([pk, html.escape(f"{code} {name}", quote=False), code, status])
    return out.getvalue().encode("utf-8")


def md5(data: bytes) -> str:
    """A file's hash as OpenRosa writes it."""
    return "md5:" + hashlib.md5(data, usedforsecurity=False).hexdigest()
