"""Profiles: how a partner's columns become a payload. A mapping is JSON, kept on ImportProfile.

    {
      "id_column": "Kenmerk",                 # the source's own ID: the import key (else a fingerprint)
      "crs": "EPSG:28992",                    # the CRS when the file states none (CSV); --crs overrides all
      "geometry": {"wkt": "WKT"} | {"lon": "x", "lat": "y"},   # tables only; found by name if omitted
      "fields": {                             # payload path → where its value comes from
        "hazard.name": {"template": "{Kenmerk} {Subsoort}"},
        "hazard.devices_suspected": {"column": "Hoofdgroep", "type": "list", "split": ",",
                                     "map": {"Afwerpmunitie": "uxo"}, "default": ["unknown"]},
        "evidence.0.date": {"column": "Datum1", "type": "date", "formats": ["%Y/%m/%d"]},
        "hazard.classification": {"value": "SHA"}
      },
      "notes_field": "evidence.0.description", # where every column no field uses is written, "Name: value"
      "merge_parts": true                     # rows sharing an ID with different polygons are parts of one area
    }

Types: text (default), number, integer, year, date (ISO, else the listed formats: a reformatted date
is a repair, noted), list (split, then mapped). A `map` turns source values (compared without case)
into vocabulary values; a value not in the map rejects the row, unless the map has "*" (the fallback).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core.errors import Problem

TYPES = ("text", "number", "integer", "year", "date", "list")
DEFAULT_DATE_FORMATS = ("%Y/%m/%d",)  # unambiguous; a profile lists day-first or month-first formats itself
_TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


@dataclass
class Mapped:
    """One source row as a payload, with the problems that reject it and the repairs that were made."""

    payload: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    repairs: list[Problem] = field(default_factory=list)


def check(mapping: Any, columns: list[str] | None = None) -> list[Problem]:
    """Every problem of a mapping (shape, types, columns missing from the file when `columns` is given)."""
    if not isinstance(mapping, dict):
        return [Problem("mapping", _("must be a JSON object"), "not_an_object")]
    problems: list[Problem] = []
    known = {"id_column", "crs", "geometry", "fields", "notes_field", "merge_parts"}
    for key in mapping:
        if key not in known:
            problems.append(
                Problem(
                    f"mapping.{key}",
                    _("is not a mapping option (%(options)s)") % {"options": ", ".join(sorted(known))},
                    "unknown_option",
                )
            )
    fields = mapping.get("fields", {})
    if not isinstance(fields, dict):
        return [*problems, Problem("mapping.fields", _("must be an object: payload path → source"), "not_an_object")]
    have = set(columns) if columns is not None else None
    if have is not None and mapping.get("id_column") and mapping["id_column"] not in have:
        problems.append(
            Problem(
                "mapping.id_column",
                _("column '%(column)s' is not in the file") % {"column": mapping["id_column"]},
                "unknown_column",
            )
        )
    for path, spec in fields.items():
        where = f"mapping.fields.{path}"
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, dict) or not ({"column", "value", "template"} & set(spec)):
            problems.append(Problem(where, _("needs one of column, value or template"), "no_source"))
            continue
        if spec.get("type", "text") not in TYPES:
            problems.append(
                Problem(
                    where,
                    _("type '%(type)s' is not one of %(types)s") % {"type": spec["type"], "types": ", ".join(TYPES)},
                    "not_a_choice",
                )
            )
        if have is not None:
            for col in columns_of(spec):
                if col not in have:
                    problems.append(
                        Problem(where, _("column '%(column)s' is not in the file") % {"column": col}, "unknown_column")
                    )
    return problems


def columns_of(spec: Any) -> list[str]:
    """The source columns one field spec reads."""
    if isinstance(spec, str):
        return [spec]
    if "column" in spec:
        return [spec["column"]]
    if "template" in spec:
        return _TEMPLATE_FIELD.findall(spec["template"])
    return []


def used_columns(mapping: dict[str, Any]) -> set[str]:
    """Every column the mapping reads (fields, the ID column)."""
    used = {c for spec in mapping.get("fields", {}).values() for c in columns_of(spec)}
    if mapping.get("id_column"):
        used.add(mapping["id_column"])
    return used


def set_path(payload: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted payload path, creating objects and list entries on the way ("evidence.0.description")."""
    node: Any = payload
    parts = path.split(".")
    for part, nxt in zip(parts, parts[1:], strict=False):
        if isinstance(node, list):
            idx = int(part)
            while len(node) <= idx:
                node.append({} if not nxt.isdigit() else [])
            node = node[idx]
        else:
            node = node.setdefault(part, [] if nxt.isdigit() else {})
    last = parts[-1]
    if isinstance(node, list):
        idx = int(last)
        while len(node) <= idx:
            node.append(None)
        node[idx] = value
    else:
        node[last] = value


def get_path(payload: dict[str, Any], path: str) -> Any:
    """The value at a dotted payload path, or None."""
    node: Any = payload
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _copy(value: Any) -> Any:
    """A copy of JSON-like data (dicts, lists, scalars): copy.deepcopy is ten times slower per row."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(value: Any, formats: list[str], where: str, out: Mapped) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    for fmt in formats:
        try:
            iso = dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
        out.repairs.append(Problem(where, _("date '%(text)s' reformatted to %(iso)s") % {"text": text, "iso": iso},
                                       "date_reformatted"))  # fmt: skip
        return iso
    out.problems.append(Problem(where, _("'%(text)s' is not a date (YYYY-MM-DD or %(formats)s)")
                               % {"text": text, "formats": ", ".join(formats)}, "not_a_date"))  # fmt: skip
    return None


def _mapped(value: Any, table: dict[str, Any], where: str, out: Mapped) -> Any:
    folded = {str(k).casefold().strip(): v for k, v in table.items()}
    key = str(value).casefold().strip()
    if key in folded:
        return folded[key]
    if "*" in table:
        return table["*"]
    known = ", ".join(k for k in table if k != "*")
    out.problems.append(Problem(where, _("unknown value '%(value)s' (the profile maps %(known)s)")
                               % {"value": value, "known": known}, "unknown_value"))  # fmt: skip
    return None


def _value(spec: dict[str, Any], row: dict[str, Any], where: str, out: Mapped) -> Any:
    """One field's value from a row, or None (with a problem when it is wrong)."""
    if "value" in spec:
        return _copy(spec["value"])
    if "template" in spec:
        parts = {c: ("" if _empty(row.get(c)) else str(row.get(c)).strip()) for c in columns_of(spec)}
        text = _TEMPLATE_FIELD.sub(lambda m: parts[m.group(1)], spec["template"]).strip(" ,;:-")
        return text or _copy(spec.get("default"))
    raw = row.get(spec["column"])
    kind = spec.get("type", "text")
    if _empty(raw):
        if spec.get("required"):
            out.problems.append(
                Problem(where, _("column %(column)s is empty") % {"column": spec["column"]}, "required")
            )
        return _copy(spec.get("default"))
    where = f"{spec['column']}"
    table = spec.get("map")
    if kind == "list":
        items = [p.strip() for p in str(raw).split(spec.get("split", ","))] if isinstance(raw, str) else [raw]
        values = [_mapped(p, table, where, out) if table else p for p in items if p]
        return list(dict.fromkeys(v for v in values if v is not None))
    if table:
        raw = _mapped(raw, table, where, out)
        if raw is None:
            return None
    if kind == "date":
        return _date(raw, list(spec.get("formats") or DEFAULT_DATE_FORMATS), where, out)
    if kind == "year" and not isinstance(raw, (int, float)):
        if isinstance(raw, str) and raw.strip().isdigit():
            return int(raw.strip())
        iso = _date(raw, list(spec.get("formats") or DEFAULT_DATE_FORMATS), where, Mapped({}))
        if iso is None:
            out.problems.append(
                Problem(where, _("'%(raw)s' is neither a year nor a date") % {"raw": raw}, "not_a_date")
            )
            return None
        return int(iso[:4])
    if kind in ("number", "integer", "year"):
        try:
            number = float(str(raw).replace(",", ".")) if isinstance(raw, str) else float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            out.problems.append(Problem(where, _("'%(raw)s' is not a number") % {"raw": raw}, "not_a_number"))
            return None
        if kind == "number":
            return number
        if not number.is_integer():
            out.problems.append(Problem(where, _("'%(raw)s' is not a whole number") % {"raw": raw}, "not_a_number"))
            return None
        return int(number)
    return raw if table else str(raw).strip()


def apply(
    mapping: dict[str, Any],
    row: dict[str, Any],
    base: dict[str, Any] | str,
    source_columns: list[str],
    unused: list[str] | None = None,
) -> Mapped:
    """A row as a payload: the target's base, the mapped fields, and every unused column in the notes field.

    `unused`: the source columns no field reads, when the caller has worked them out once for all rows;
    `base` may be given as JSON text (json.loads copies it faster than a Python walk).
    """
    out = Mapped(json.loads(base) if isinstance(base, str) else _copy(base))
    for path, spec in mapping.get("fields", {}).items():
        spec = {"column": spec} if isinstance(spec, str) else spec
        value = _value(spec, row, path, out)
        if value is not None and value != []:
            set_path(out.payload, path, value)
    notes_path = mapping.get("notes_field")
    if notes_path:
        if unused is None:
            used = used_columns(mapping)
            unused = [c for c in source_columns if c not in used]
        rest = [f"{c}: {v}" for c in unused if (v := row[c]) is not None and (not isinstance(v, str) or v.strip())]
        if rest:
            before = get_path(out.payload, notes_path)
            text = "; ".join(rest)
            set_path(out.payload, notes_path, f"{before}. Other columns: {text}" if before else text)
    return out
