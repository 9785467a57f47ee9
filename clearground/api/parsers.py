"""The API's body parsers: DRF's own, refusing text with a NUL character (decision 0030).

PostgreSQL text and jsonb cannot hold U+0000, so a NUL anywhere in a body's text (a JSON string or
key, a form field) used to reach the database and answer 500. It is refused here, once, as a 400
naming every field that has one. Uploaded files are not text and are left to their readers.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from rest_framework import parsers, serializers

from core.errors import Problem, ValidationFailed

NUL = "\0"
MESSAGE = "must not contain a NUL character (U+0000)"


def _fields_with_nul(data: Any, field: str = "") -> list[str]:
    def inner(key: object) -> str:
        return f"{field}.{key}" if field else str(key)

    if isinstance(data, QueryDict):
        return [inner(key) for key, values in data.lists() if NUL in key or any(NUL in v for v in values)]
    if isinstance(data, dict):
        bad_keys = [inner(key) for key in data if NUL in str(key)]
        return bad_keys + [f for key, value in data.items() for f in _fields_with_nul(value, inner(key))]
    if isinstance(data, list):
        return [f for i, item in enumerate(data) for f in _fields_with_nul(item, inner(i))]
    if isinstance(data, str) and NUL in data:
        return [field or "body"]
    return []


def refuse_nul(data: Any, field: str = "") -> Any:
    """`data` as parsed, or ValidationFailed naming each field whose text has a NUL character."""
    fields = _fields_with_nul(data.data if isinstance(data, parsers.DataAndFiles) else data, field)
    if fields:
        raise ValidationFailed([Problem(f.replace(NUL, "\\0"), MESSAGE) for f in fields])
    return data


class JSONField(serializers.JSONField):
    """DRF's JSONField, refusing a NUL character in any key or string of the value.

    A JSON value sent as a form field (multipart or urlencoded) is text when the body parsers look at it, and
    its `\\u0000` escapes become NUL characters only when this field decodes it: the API fuzz found a QA visit's
    payload reaching jsonb that way (a 500). Every JSON field of the API is this one.
    """

    def to_internal_value(self, data: Any) -> Any:
        return refuse_nul(super().to_internal_value(data), self.field_name or "")


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return refuse_nul(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return refuse_nul(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return refuse_nul(super().parse(stream, media_type, parser_context))
