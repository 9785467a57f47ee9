"""A database outage answers 503 with Retry-After and a plain message, never a 500 (decision 0028).

When PostgreSQL restarts or the network to it drops, every query raises OperationalError or
InterfaceError. That is not a bug in the request, and the client can do nothing but wait, so it
gets 503 with `Retry-After`: JSON for programs (the API, OGC API, tiles), a short page for people.
Django closes the broken connection at the end of the request and CONN_HEALTH_CHECKS opens a new
one before the next, so the application recovers by itself once the database is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from psycopg.errors import LockNotAvailable, QueryCanceled

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is not reachable; the request was not completed. Try again in a few seconds."
# Doors whose clients are programs: they get JSON in the API's error shape (clearground/api/errors.py).
PROGRAM_PREFIXES = ("/api/", "/ogc/", "/tiles/")


def outage_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer to a request the database could not serve."""
    response: HttpResponse
    if request.path.startswith(PROGRAM_PREFIXES):
        response = JsonResponse({"detail": MESSAGE, "errors": []}, status=503)
    else:
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Database not reachable</title>'
            f"</head><body><h1>Database not reachable</h1><p>{MESSAGE}</p></body></html>"
        )
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def database_unreachable(exc: BaseException) -> bool:
    """True for a lost or refused database connection; False for a statement or lock timeout (the database is there)."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    return not isinstance(exc.__cause__, QueryCanceled | LockNotAvailable)


class DatabaseOutageMiddleware:
    """Turn a lost database connection during a view into a 503 (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unreachable(exception):
            return None
        first_line = (str(exception).strip().splitlines() or [type(exception).__name__])[0]
        logger.error("database not reachable: %s %s answered 503 (%s)", request.method, request.path, first_line)
        return outage_response(request)
