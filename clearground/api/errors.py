"""Maps Clearground's errors to HTTP responses in one place: {"detail": ..., "errors": [{field, code, message}]}.

`code` is stable for programs (decision 0055); `message` is in the request's language.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clearground.api import preconditions
from clearground.middleware import PROGRAM_PREFIXES
from core.errors import CleargroundError, Problem, Stale, ValidationFailed


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render a CleargroundError with its status and every problem; defer the rest to DRF."""
    current_state = getattr(context.get("view"), "current_state", None)
    if isinstance(exc, Stale) and current_state is not None:
        # A stale write answers with the record as it is now, serialized as the view shows it to this caller.
        return preconditions.stale_response(exc, context["request"], current_state(exc.current))
    if isinstance(exc, CleargroundError):
        return Response({"detail": exc.message, "errors": [p.as_dict() for p in exc.problems]}, status=exc.status)
    return in_our_shape(drf_exception_handler(exc, context))


def in_our_shape(response: Response | None) -> Response | None:
    """DRF's own errors ({"detail"} or {field: [messages]}) in the one error body the schema documents."""
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"detail": str(data["detail"]), "errors": []}
    else:  # a serializer's ValidationError: every message with the (dotted) field it concerns
        problems = [Problem(field, str(message), _code(message)) for field, message in _flattened(data, "")]
        response.data = {"detail": ValidationFailed(problems).message, "errors": [p.as_dict() for p in problems]}
    return response


def _code(message: Any) -> str:
    """DRF's own code of a message (ErrorDetail.code: "required", "invalid", "null", ...), else "invalid"."""
    code = getattr(message, "code", None)
    return code if isinstance(code, str) and code else "invalid"


def _flattened(data: Any, field: str) -> list[tuple[str, Any]]:
    def inner(key: object) -> str:
        return f"{field}.{key}" if field else str(key)

    if isinstance(data, dict):
        return [pair for key, value in data.items() for pair in _flattened(value, inner(key))]
    if isinstance(data, list) and any(isinstance(item, dict | list) for item in data):
        return [pair for i, item in enumerate(data) for pair in _flattened(item, inner(i))]
    messages = data if isinstance(data, list) else [data]
    return [(field or "non_field_errors", message) for message in messages]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 for an address no route matches (e.g. an id with a slash): JSON for programs, a page for people."""
    if request.path.startswith(PROGRAM_PREFIXES):
        return JsonResponse({"detail": "There is nothing at this address.", "errors": []}, status=404)
    return page_not_found(request, exception)
