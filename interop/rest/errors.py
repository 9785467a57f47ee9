"""Maps Clearground's errors to HTTP responses in one place: {"detail": ..., "errors": [{field, message}]}."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import CleargroundError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render a CleargroundError with its status and every problem; defer the rest to DRF."""
    if isinstance(exc, CleargroundError):
        return Response({"detail": exc.message, "errors": [p.as_dict() for p in exc.problems]}, status=exc.status)
    return drf_exception_handler(exc, context)
