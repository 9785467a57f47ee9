"""Optimistic concurrency on the wire (decision 0027): ETags out, If-Match or a body `version` back in.

A record's ETag is its version, quoted: `"7"`. A write names the version it was based on, either in
the `If-Match` header (a stale one answers 412 Precondition Failed) or as `version` in the JSON body
(a stale one answers 409 Conflict); a PATCH that names none answers 428 Precondition Required. The
comparison itself happens in reports/actions.py, with the row locked, so two writers cannot both pass.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import CleargroundError, Problem, Stale, ValidationFailed

_ENTITY_TAG = re.compile(r'^"(\d{1,18})"$')


class PreconditionRequired(CleargroundError):
    """A write that must name the version it was based on named none."""

    status = 428


def etag(version: int) -> str:
    """The strong entity tag of a record at `version`."""
    return f'"{version}"'


def with_etag(response: Response, record: Any) -> Response:
    """Name the record's version in the response's ETag header."""
    response["ETag"] = etag(record.version)
    return response


def _if_match(request: Request) -> int | None:
    raw = request.headers.get("If-Match", "").strip()
    if not raw:
        return None
    match = _ENTITY_TAG.match(raw)
    if match is None:
        # "*" and weak tags (W/"7") do not name one version of the record, and a list names several.
        raise ValidationFailed([Problem("If-Match", 'must be the one ETag you read, e.g. "7"')])
    return int(match.group(1))


def expected_version(request: Request, body_version: int | None, *, required: bool) -> int | None:
    """The version the caller based this write on, from If-Match or the body (they must agree)."""
    header = _if_match(request)
    if header is not None and body_version is not None and header != body_version:
        raise ValidationFailed([Problem("version", f"the body says {body_version} but If-Match says {header}")])
    found = header if header is not None else body_version
    if found is None and required:
        raise PreconditionRequired(
            'Say which version you edited: send If-Match with the ETag you read (e.g. If-Match: "7"), '
            "or the report's version as `version` in the body.",
            [Problem("If-Match", "is required (or `version` in the body)")],
        )
    return found


def stale_response(exc: Stale, request: Request, current: dict[str, Any]) -> Response:
    """412 when If-Match failed, 409 when a body version did; the body carries the record as it is now."""
    status = 412 if exc.field == "version" and request.headers.get("If-Match") else 409
    body = {
        "detail": exc.message,
        "errors": [p.as_dict() for p in exc.problems],
        "field": exc.field,
        "sent_version": exc.sent,
        "current_version": exc.current_version,
        "current": current,
    }
    return Response(body, status=status, headers={"ETag": etag(exc.current_version)} if exc.field == "version" else {})


# The shape of a 409/412 answer to a stale write, for the schema only (a Serializer cannot name a field
# `errors`, so it is declared inline).
STALE_BODY = inline_serializer(
    "Stale",
    {
        "detail": serializers.CharField(),
        "errors": serializers.ListField(child=serializers.DictField(child=serializers.CharField())),
        "field": serializers.ChoiceField(choices=["version", "hazard_version"]),
        "sent_version": serializers.IntegerField(),
        "current_version": serializers.IntegerField(),
        "current": serializers.DictField(help_text="The report (or, for hazard_version, the hazard) as it is now"),
    },
)


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The ETag of the version you read, e.g. "7" (or send `version` in the body).',
)
STALE = OpenApiResponse(STALE_BODY, description="Stale version: someone changed the record since you read it")
CONFLICT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="The step does not fit the report's status, or a stale body `version` / `hazard_version`: "
    "then also field, sent_version, current_version and current (the record as it is now)",
)


def write_responses(ok: Any) -> dict[int, Any]:
    """The answers of a versioned write that carry more than an error; clearground/api/schema.py adds the rest."""
    return {200: ok, 409: CONFLICT, 412: STALE}
