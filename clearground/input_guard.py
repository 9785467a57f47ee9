"""Refuse what no view of Clearground can take, before any of them (or the CSRF check) reads the request.

- A body over CLEARGROUND_UPLOAD_MAX_BYTES (plus room for a form's other fields): 413. Django's CSRF
  check reads a form's body, and writes its files to disk, before a view could look at its size.
- A NUL character anywhere in the path or the query string: 400. PostgreSQL text cannot hold one, so
  a parameter carrying it failed deep in a query (a 500) wherever it reached SQL; no parameter of the
  API, OGC API, tiles or pages takes one. Form fields are guarded by Django's and DRF's own fields.

The API answers in its error shape ({"detail", "errors": [{field, message}]}); other doors in plain
words (decision 0033).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse

from core.errors import CleargroundError, Problem, ValidationFailed
from interop.imports.uploads import refuse_oversized_request


def _refuse_nul(request: HttpRequest) -> None:
    query = request.META.get("QUERY_STRING", "")
    if "\0" in request.path or "%00" in query or "\0" in unquote_to_bytes(query).decode("latin-1"):
        raise ValidationFailed([Problem("url", "holds a NUL character, which no parameter takes")])


class InputGuardMiddleware:
    """413 for a body over the upload limit, 400 for a NUL in the URL; everything else passes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refuse_oversized_request(request.META)
            _refuse_nul(request)
        except CleargroundError as exc:
            if request.path.startswith("/api/"):
                body = {"detail": exc.message, "errors": [p.as_dict() for p in exc.problems]}
                return JsonResponse(body, status=exc.status)
            text = " ".join([exc.message, *(f"{p.field}: {p.message}" for p in exc.problems)])
            return HttpResponse(text, status=exc.status, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
