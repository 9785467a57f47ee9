"""The XForms /openrosa/ serves: each report kind's XLSForm (reports/xlsform.py) with a report header, through pyxform.

The payload's fields come from the kind's declaration (decision 0042); this adds what the report
itself needs beside its payload, in one group `report` that no kind's payload uses:
`report/date_of_information`, `report/hazard` (picked offline from `hazards.csv`, the form's media
file, when the kind names a hazard), `report/sketch_map` (drawn on the device) and
`report/photos/photo` (a repeat of photos). `field.submission` reads a submission back through the
same declaration (decision 0051).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.translation import gettext_lazy as _
from pyxform.xls2xform import convert

from reports.kinds import KINDS
from reports.kinds.base import ReportKindSpec
from reports.xlsform import Sheets, translated, workbook, xlsform

HEADER = "report"
HAZARDS_CSV = "hazards.csv"


def form_id(kind: str) -> str:
    """The XForm's id: what formList lists and a submission's root element carries."""
    return f"clearground_{kind}"


def kind_of(form: str) -> str | None:
    """The report kind a form id names, or None."""
    kind = form.removeprefix("clearground_")
    return kind if form.startswith("clearground_") and kind in KINDS else None


def _header(spec: ReportKindSpec) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"type": "begin_group", "name": HEADER, **translated("label", _("Report"))},
        {"type": "date", "name": "date_of_information", "required": "yes", "constraint": ". <= today()",
         **translated("label", _("Date of information"))},
    ]  # fmt: skip
    if spec.form_hazard is not None:
        rows.append(
            {
                "type": f"select_one_from_file {HAZARDS_CSV}",
                "name": "hazard",
                "required": "yes" if spec.form_hazard == "required" else "",
                **translated("label", _("Hazard")),
                **translated("hint", _("The hazards your organisation reports on, as of the last form update.")),
            }
        )
    rows += [
        {"type": "image", "name": "sketch_map", "appearance": "draw", **translated("label", _("Sketch map"))},
        {"type": "begin_repeat", "name": "photos", **translated("label", _("Photos"))},
        {"type": "image", "name": "photo", **translated("label", _("Photo"))},
        {"type": "end_repeat", "name": "photos"},
        {"type": "end_group", "name": HEADER},
    ]
    return rows


def sheets(spec: ReportKindSpec) -> Sheets:
    """The kind's XLSForm with the report header first: what /openrosa/ converts and offers for download."""
    base = xlsform(spec)
    assert HEADER not in {f.name for f in spec.declaration.fields()}, f"{spec.kind} declares a field '{HEADER}'"
    return {**base, "survey": _header(spec) + base["survey"]}


@dataclass(frozen=True)
class XForm:
    """One kind's published form: its XML and the hash formList and clients compare."""

    kind: str
    xml: bytes
    version: str

    @property
    def md5(self) -> str:
        return "md5:" + hashlib.md5(self.xml, usedforsecurity=False).hexdigest()


@cache
def xform(kind: str) -> XForm:
    """The kind's XForm (converted once per process: the declaration and the catalogues do not change at run time)."""
    spec = KINDS[kind]
    warnings: list[str] = []
    result = convert(workbook(sheets(spec)), warnings=warnings, file_type=".xlsx", pretty_print=False)
    return XForm(kind=kind, xml=result.xform.encode("utf-8"), version=str(spec.schema_version))
