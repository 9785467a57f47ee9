"""The media files a form carries offline: what the user may report on, as entity lists.

- `hazards.csv` (every form): the hazards the user may report on. `select_one_from_file hazards.csv`
  (field/forms.py) reads its `name` (what the submission holds: the hazard's id) and `label` (its code
  and name); `code` and `status` are there for a form's own expressions. The label is HTML-escaped: ODK
  Web Forms and Collect render a label as Markdown with HTML in it, so a hazard named `<img onerror=…>`
  would be markup in a clerk's form; escaped, every client shows the name as written (decision 0058).
- `tasks.csv` and `task_areas.geojson` (the forms of kinds that are work on a task, decision 0060): the
  tasks the user's own organisations may report on now (`accounts.access.tasks_to_report_on`), by
  task id, labelled with the task's reference, its hazard's code and its activity; the GeoJSON carries
  each task's hazard (or tasked area) for a pick on the map, `id` and `title` as ODK reads them.

Each file differs per user and changes when its list does; its MD5 in the manifest tells the client to
fetch it again (decision 0051).
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
from collections.abc import Callable
from typing import Any

from django.contrib.gis.geos import GEOSGeometry

from accounts import access
from field.forms import HAZARDS_CSV, TASK_AREAS_GEOJSON, TASKS_CSV
from operations.models import Task
from reports.kinds import KINDS


def files_for(kind: str) -> tuple[str, ...]:
    """The media files the kind's form reads: the hazards, and the tasks for work on a task."""
    return (HAZARDS_CSV, TASKS_CSV, TASK_AREAS_GEOJSON) if KINDS[kind].task else (HAZARDS_CSV,)


def hazards_csv(user: Any) -> bytes:
    """The hazards the user may report on, by code."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "label", "code", "status"])
    rows = access.hazards_to_report_on(user).order_by("code").values_list("pk", "code", "name", "status")
    for pk, code, name, status in rows:
        writer.writerow([pk, html.escape(f"{code} {name}", quote=False), code, status])
    return out.getvalue().encode("utf-8")


def _tasks(user: Any) -> list[Task]:
    return list(access.tasks_to_report_on(user).select_related("hazard").order_by("pk"))


def _label(task: Task) -> str:
    hazard = task.hazard.code if task.hazard is not None else ""
    # Escaped as the hazards' labels are (decision 0058): clients render labels as Markdown with HTML.
    return html.escape(" ".join(x for x in (f"#{task.pk}", hazard, task.activity_kind) if x), quote=False)


def tasks_csv(user: Any) -> bytes:
    """The tasks the user's organisations may report on: what the form's task question lists."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "label", "hazard", "activity", "due_on"])
    for task in _tasks(user):
        due = task.due_on.isoformat() if task.due_on else ""
        writer.writerow([task.pk, _label(task), task.hazard_id or "", task.activity_kind, due])
    return out.getvalue().encode("utf-8")


def _feature_geometry(geom: GEOSGeometry) -> dict[str, Any]:
    """A geometry ODK draws: a Point, LineString or Polygon (no multi-part types: Collect refuses them).

    A hazard of several parts is shown by its largest part; the submission names the task, not the part.
    """
    if geom.geom_type.startswith("Multi") or geom.geom_type == "GeometryCollection":
        parts: list[GEOSGeometry] = list(geom)  # type: ignore[call-overload]
        geom = max(parts, key=lambda part: float(part.area))
    shape: dict[str, Any] = json.loads(geom.json)
    return shape


def task_areas_geojson(user: Any) -> bytes:
    """The same tasks as a FeatureCollection of their hazards (or tasked areas), for the map pick."""
    features = []
    for task in _tasks(user):
        geom = task.hazard.geom if task.hazard is not None else task.area
        if geom is None:
            continue
        features.append({
            "type": "Feature",
            "geometry": _feature_geometry(geom),
            "properties": {"id": str(task.pk), "title": _label(task), "hazard": str(task.hazard_id or ""),
                           "activity": task.activity_kind, "due_on": task.due_on.isoformat() if task.due_on else ""},
        })  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode("utf-8")


#: Each media file: how it is made for a user, and its content type.
FILES: dict[str, tuple[Callable[[Any], bytes], str]] = {
    HAZARDS_CSV: (hazards_csv, "text/csv; charset=utf-8"),
    TASKS_CSV: (tasks_csv, "text/csv; charset=utf-8"),
    TASK_AREAS_GEOJSON: (task_areas_geojson, "application/geo+json"),
}


def md5(data: bytes) -> str:
    """A file's hash as OpenRosa writes it."""
    return "md5:" + hashlib.md5(data, usedforsecurity=False).hexdigest()
