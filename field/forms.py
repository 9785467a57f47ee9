"""The XForms /openrosa/ serves: each report kind's XLSForm (reports/xlsform.py) with a report header, through pyxform.

The payload's fields come from the kind's declaration (decision 0042); this adds what the report
itself needs beside its payload, in one group `report` that no kind's payload uses:
`report/date_of_information`, for a kind that is work on a task `report/task_map` (the task picked on
a map of the tasks' hazards, `task_areas.geojson`) or `report/task` (picked from `tasks.csv`),
required when tasking is (decision 0060), `report/hazard` (picked offline from `hazards.csv`, the
form's media file, when the kind names a hazard and no task was picked: a task brings its hazard),
`report/sketch_map` (drawn on the device) and `report/photos/photo` (a repeat of photos).
`field.submission` reads a submission back through the same declaration (decision 0051).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.translation import gettext_lazy as _
from pyxform.xls2xform import convert

from operations.tasking import call_outs_allowed, tasking_required
from reports.kinds import KINDS
from reports.kinds.base import TASK_OR_CALL_OUT, TASK_REQUIRED, ReportKindSpec
from reports.xlsform import Sheets, translated, workbook, xlsform

HEADER = "report"
HAZARDS_CSV = "hazards.csv"
TASKS_CSV = "tasks.csv"
# Not tasks.geojson: pyxform names a file's secondary instance after its stem, and tasks.csv holds "tasks".
TASK_AREAS_GEOJSON = "task_areas.geojson"


def form_id(kind: str) -> str:
    """The XForm's id: what formList lists and a submission's root element carries."""
    return f"clearground_{kind}"


def kind_of(form: str) -> str | None:
    """The report kind a form id names, or None."""
    kind = form.removeprefix("clearground_")
    return kind if form.startswith("clearground_") and kind in KINDS else None


def task_required(spec: ReportKindSpec, *, tasking: bool, call_outs: bool) -> bool:
    """Must the form's task be given? With tasking on, for work that is always on a task.

    An NTS names a task only when it re-surveys a hazard, and an EOD spot report without one may make its
    own call-out: the form cannot tell, so it leaves the task optional and submission's rule decides.
    """
    return tasking and (spec.task == TASK_REQUIRED or (spec.task == TASK_OR_CALL_OUT and not call_outs))


def _task_rows(spec: ReportKindSpec, *, tasking: bool, call_outs: bool) -> list[dict[str, Any]]:
    required = task_required(spec, tasking=tasking, call_outs=call_outs)
    return [
        {"type": f"select_one_from_file {TASK_AREAS_GEOJSON}", "name": "task_map", "appearance": "map",
         **translated("label", _("Task, on the map")),
         **translated("hint", _("Pick the task on the map of its hazard, or leave this and pick it from the list."))},
        {"type": f"select_one_from_file {TASKS_CSV}", "name": "task", "relevant": "${task_map} = ''",
         "required": "yes" if required else "", **translated("label", _("Task")),
         **translated("hint", _("The tasks your organisation may report on, as of the last form update."))},
    ]  # fmt: skip


def _header(spec: ReportKindSpec, *, tasking: bool, call_outs: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"type": "begin_group", "name": HEADER, **translated("label", _("Report"))},
        {"type": "date", "name": "date_of_information", "required": "yes", "constraint": ". <= today()",
         **translated("label", _("Date of information"))},
    ]  # fmt: skip
    if spec.task:
        rows += _task_rows(spec, tasking=tasking, call_outs=call_outs)
    if spec.form_hazard is not None:
        rows.append(
            {
                "type": f"select_one_from_file {HAZARDS_CSV}",
                "name": "hazard",
                "required": "yes" if spec.form_hazard == "required" else "",
                # A task names its hazard: asking again could only disagree with it.
                "relevant": "${task} = '' and ${task_map} = ''" if spec.task else "",
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


def sheets(spec: ReportKindSpec, *, tasking: bool | None = None, call_outs: bool | None = None) -> Sheets:
    """The kind's XLSForm with the report header first: what /openrosa/ converts and offers for download.

    `tasking` and `call_outs` default to the programme's settings (operations.tasking).
    """
    tasking = tasking_required() if tasking is None else tasking
    call_outs = call_outs_allowed() if call_outs is None else call_outs
    base = xlsform(spec)
    names = {path.rsplit(".", 1)[-1] for path in spec.declaration.index}
    assert HEADER not in {f.name for f in spec.declaration.fields()}, f"{spec.kind} declares a field '{HEADER}'"
    assert not {"task", "task_map"} & names, f"{spec.kind} declares a field the header refers to by name"
    return {**base, "survey": _header(spec, tasking=tasking, call_outs=call_outs) + base["survey"]}


@dataclass(frozen=True)
class XForm:
    """One kind's published form: its XML and the hash formList and clients compare."""

    kind: str
    xml: bytes
    version: str

    @property
    def md5(self) -> str:
        return "md5:" + hashlib.md5(self.xml, usedforsecurity=False).hexdigest()


def xform(kind: str) -> XForm:
    """The kind's XForm under the programme's tasking settings."""
    return _xform(kind, tasking_required(), call_outs_allowed())


def forget_forms() -> None:
    """Convert the forms afresh on next use (after the translation catalogues were compiled, in tests)."""
    _xform.cache_clear()


@cache
def _xform(kind: str, tasking: bool, call_outs: bool) -> XForm:
    """Converted once per process and settings: the declaration and the catalogues do not change at run time."""
    spec = KINDS[kind]
    warnings: list[str] = []
    sheet = sheets(spec, tasking=tasking, call_outs=call_outs)
    result = convert(workbook(sheet), warnings=warnings, file_type=".xlsx", pretty_print=False)
    return XForm(kind=kind, xml=result.xform.encode("utf-8"), version=str(spec.schema_version))
