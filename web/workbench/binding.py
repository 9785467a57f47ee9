"""Between a KindForm and a request: read posted inputs into a payload, and lay a payload out as inputs.

Input names are payload paths, so reading is "set this path", and an action's Problem at
`payload.<path>` is shown on the input of the longest matching path. A value that does not parse as
its type (a number typed as "twelve") is kept as typed: the kind then says what is wrong with it,
and the page shows it back unchanged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from core.coordinates import CoordinateError, parse_position
from core.errors import Problem
from web.workbench.spec import Field, Group, KindForm

_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def input_id(path: str) -> str:
    """The HTML id of the input for a payload path."""
    return "f-" + path.replace(".", "-")


# Reading -----------------------------------------------------------------------------------------


def _number(raw: str) -> Any:
    text = raw.strip()
    if not _NUMBER.match(text):
        return text  # kept as typed; the kind says "must be a number"
    text = text.replace(",", ".")
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def geometry_from_text(raw: str) -> Any:
    """GeoJSON (a geometry, a Feature or a FeatureCollection of polygons) as a geometry; other text as typed."""
    text = raw.strip()
    if not text.startswith("{"):
        return text  # WKT, corners one a line in any notation (core.geometry reads both), or unreadable
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        parts: list[Any] = []
        for f in value.get("features") or []:
            g = (f or {}).get("geometry") or {}
            if g.get("type") == "Polygon":
                parts.append(g["coordinates"])
            elif g.get("type") == "MultiPolygon":
                parts.extend(g["coordinates"])
        value = (
            {"type": "Polygon", "coordinates": parts[0]}
            if len(parts) == 1
            else {"type": "MultiPolygon", "coordinates": parts}
        )
    return value


def point_from_text(raw: str) -> Any:
    """Coordinates in any notation we read (core/coordinates.py: 'longitude, latitude', DMS, UTM, MGRS) or
    GeoJSON as a GeoJSON point; other text as typed, for the kind to say what is wrong with it."""
    try:
        p = parse_position(raw)
    except CoordinateError:
        return geometry_from_text(raw)
    return {"type": "Point", "coordinates": [p.longitude, p.latitude]}


def _read(f: Field, name: str, data: QueryDict) -> Any:
    """The payload value of one input, or None when left empty."""
    if f.type == "multi":
        values = [v for v in data.getlist(name) if v]
        return values or None
    if f.type == "boolean":
        return True if data.get(name) else None
    raw = data.get(name, "")
    if not raw.strip():
        return None
    if f.type in ("number", "integer"):
        return _number(raw)
    if f.type == "polygon":
        return geometry_from_text(raw)
    if f.type == "point":
        return point_from_text(raw)
    if f.type == "points":
        return [point_from_text(line) for line in raw.splitlines() if line.strip()]
    return raw.strip() if f.type != "textarea" else raw


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def row_numbers(group: Group, data: QueryDict) -> list[int]:
    """The row numbers posted for a group, in order (rows may have been added or renumbered)."""
    prefix = group.path + "."
    seen = set()
    for key in data:
        if key.startswith(prefix):
            head = key[len(prefix) :].split(".", 1)[0]
            if head.isdigit():
                seen.add(int(head))
    return sorted(seen)


def read_payload(form: KindForm, data: QueryDict, uploads: dict[str, Any] | None = None) -> dict[str, Any]:
    """The payload the posted form describes; blank group rows are left out (so rows renumber from 0)."""
    payload: dict[str, Any] = {}
    uploads = uploads or {}
    for section in form.sections:
        for item in section.items:
            if isinstance(item, Field):
                value = uploads.get(item.path, _read(item, item.path, data))
                if value is not None:
                    _set(payload, item.path, value)
                continue
            rows = []
            for n in row_numbers(item, data):
                row: dict[str, Any] = {}
                for f in item.fields:
                    name = f"{item.path}.{n}.{f.path}"
                    value = uploads.get(name, _read(f, name, data))
                    if value is not None:
                        _set(row, f.path, value)
                if row:
                    rows.append(row)
            if rows:
                _set(payload, item.path, rows)
    return payload


# Laying out --------------------------------------------------------------------------------------


def _get(payload: Any, path: str) -> Any:
    node = payload
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit():
            node = node[int(part)] if int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
        if node is None:
            return None
    return node


def _shown(f: Field, value: Any) -> str:
    if value is None:
        return ""
    if f.type == "point" and isinstance(value, dict) and value.get("type") == "Point":
        coords = value.get("coordinates") or []
        return ", ".join(str(c) for c in coords)
    if f.type == "points" and isinstance(value, list):
        return "\n".join(_shown(Field("", "", "point"), v) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


@dataclass
class Widget:
    """One input as the template draws it."""

    spec: Field
    name: str
    value: str = ""
    values: list[str] = field(default_factory=list)
    checked: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return input_id(self.name)

    @property
    def options(self) -> list[tuple[str, str]]:
        return self.spec.options()

    @property
    def unknown_value(self) -> str:
        """A saved choice outside the vocabulary (e.g. a draft from the API): shown, so it is not lost."""
        if self.spec.type != "choice" or not self.value:
            return ""
        return "" if self.value in {v for v, _label in self.options} else self.value


@dataclass
class GroupBlock:
    spec: Group
    rows: list[list[Widget]]
    next_row: int
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return input_id(self.spec.path)


@dataclass
class SectionBlock:
    legend: Any
    items: list[Widget | GroupBlock]
    number: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"section-{self.number}"


def _widget(f: Field, name: str, payload: Any) -> Widget:
    value = _get(payload, name)
    w = Widget(f, name)
    if f.type == "multi":
        w.values = [str(v) for v in value] if isinstance(value, list) else []
    elif f.type == "boolean":
        w.checked = value is True
    else:
        w.value = _shown(f, value)
    return w


def layout(form: KindForm, payload: dict[str, Any], *, extra_rows: set[str] | None = None) -> list[SectionBlock]:
    """The form's sections filled from `payload`; each group has at least one (blank) row."""
    extra_rows = extra_rows or set()
    sections: list[SectionBlock] = []
    for section in form.sections:
        items: list[Widget | GroupBlock] = []
        for item in section.items:
            if isinstance(item, Field):
                items.append(_widget(item, item.path, payload))
                continue
            existing = _get(payload, item.path)
            count = len(existing) if isinstance(existing, list) else 0
            count = max(count + (1 if item.path in extra_rows else 0), 1)
            rows = [[_widget(f, f"{item.path}.{n}.{f.path}", payload) for f in item.fields] for n in range(count)]
            items.append(GroupBlock(item, rows, count))
        sections.append(SectionBlock(section.legend, items, len(sections) + 1))
    return sections


def attach(
    sections: list[SectionBlock], header: dict[str, tuple[list[str], str]], problems: list[Problem]
) -> list[dict[str, str]]:
    """Put each problem on the input (or group, or header field) of its longest matching path.

    Returns the summary, one entry per problem: message, label and the id to link to ("" when the
    problem's field has no input on the page).
    """
    targets: dict[str, tuple[list[str], str, str]] = {}
    for key, (errors, label) in header.items():
        targets[key] = (errors, input_id(key), label)
    for s in sections:
        for item in s.items:
            if isinstance(item, Widget):
                targets[item.name] = (item.errors, item.id, str(item.spec.label))
            else:
                targets[item.spec.path] = (item.errors, item.id, str(item.spec.label))
                for n, row in enumerate(item.rows, start=1):
                    for w in row:
                        targets[w.name] = (w.errors, w.id, f"{item.spec.label} {n}: {w.spec.label}")
    for s in sections:
        # An object whose fields are inputs ("activity" for activity.start_date, ...) but has no input
        # of its own: its problems ("activity is required") go to the fieldset that holds its fields.
        for item in s.items:
            if isinstance(item, Widget) and "." in item.name:
                targets.setdefault(item.name.split(".", 1)[0], (s.errors, s.id, str(s.legend)))
    summary = []
    for p in problems:
        path = p.field.removeprefix("payload.")
        parts = path.split(".")
        hit = None
        while parts:
            hit = targets.get(".".join(parts))
            if hit:
                break
            parts.pop()
        if hit:
            hit[0].append(p.message)
            summary.append({"message": p.message, "label": hit[2], "href": "#" + hit[1]})
        else:
            summary.append({"message": p.message, "label": p.field, "href": ""})
    return summary
