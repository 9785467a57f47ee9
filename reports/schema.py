"""A report kind's payload as an OpenAPI 3.0 schema object, derived from its declared fields (decision 0042).

clearground/api/schema.py puts one component per kind into the API's OpenAPI document (`ReportPayload…`)
and points the reports' `payload` at them. The schema says what the declaration says: types,
vocabularies, ranges, lengths, what is always required; the rules between fields (an end date
after its start, a new hazard's evidence) are the kind's code and are written in the descriptions.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from reports import fields as f
from reports.kinds.base import ReportKindSpec

_GEOJSON = {
    f.Area: ("Polygon", "MultiPolygon"),
    f.Point: ("Point",),
}


def _geometry(types: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"GeoJSON {' or '.join(types)} in EPSG:4326 (longitude, latitude)",
        "required": ["type", "coordinates"],
        "properties": {"type": {"type": "string", "enum": list(types)}, "coordinates": {"type": "array"}},
    }


def _object(fields: tuple[f.Field, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {child.name: field_schema(child) for child in fields},
    }
    required = [child.name for child in fields if child.required]
    if required:
        schema["required"] = required
    return schema


def field_schema(field: f.Field) -> dict[str, Any]:
    """One declared field as a schema object."""
    schema: dict[str, Any]
    if isinstance(field, f.Group):
        schema = _object(field.fields)
    elif isinstance(field, f.Rows):
        schema = {"type": "array", "items": _object(field.fields)}
    elif isinstance(field, f.Points):
        schema = {"type": "array", "items": _geometry(("Point",))}
    elif isinstance(field, f.Area | f.Point):
        schema = _geometry(_GEOJSON[type(field)])
    elif isinstance(field, f.Choice):
        schema = {"type": "string", "enum": f.vocab_values(field.vocab)}
        if field.default:
            schema["default"] = field.default
    elif isinstance(field, f.ChoiceList):
        schema = {"type": "array", "items": {"type": "string", "enum": f.vocab_values(field.vocab)}}
    elif isinstance(field, f.Number):
        schema = {"type": "integer" if field.integer else "number", "minimum": field.minimum}
        if field.maximum is not None:
            schema["maximum"] = field.maximum
    elif isinstance(field, f.Boolean):
        schema = {"type": "boolean", "default": False}
    elif isinstance(field, f.Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, f.DateTime):
        schema = {"type": "string", "format": "date-time", "maxLength": field.max_len}
    elif isinstance(field, f.Text):
        schema = {"type": "string", "maxLength": field.max_len}
    else:  # a new field type says here what it is
        raise TypeError(f"no schema for {type(field).__name__}")
    if isinstance(field, f.Group) and field.sealed:
        sealed = {"type": "object", "required": ["fernet"], "properties": {"fernet": {"type": "string"}}}
        schema = {"anyOf": [schema, {**sealed, "additionalProperties": False, "description": "sealed"}]}
    schema["description"] = describe(field)
    return schema


def describe(field: f.Field) -> str:
    """The field's label, help and condition, in English (the API's language)."""
    with translation.override("en"):
        words = [f"{field.label}."]
        if field.help:
            words.append(str(field.help))
    if field.required_when is not None:
        when = field.required_when
        words.append(
            "Required when registering a new hazard."
            if when.new_hazard
            else f"Required when {when.path} is {' or '.join(_json(v) for v in when.values)}."
        )
    return " ".join(words)


def _json(value: Any) -> str:
    return "true" if value is True else "false" if value is False else str(value)


def payload_schema(spec: ReportKindSpec) -> dict[str, Any]:
    """The payload of a report kind as an OpenAPI schema object."""
    schema = _object(tuple(spec.declaration.fields()))
    with translation.override("en"):
        schema["title"] = f"{spec.kind} payload"
        schema["description"] = f"The payload of a {spec.english_label} (kind `{spec.kind}`)."
    return schema


def component_name(kind: str) -> str:
    """The OpenAPI component of a kind's payload: ReportPayloadNts, ReportPayloadTsProgress …"""
    return "ReportPayload" + "".join(part.capitalize() for part in kind.split("_"))
