"""REST doors onto the treaty engine (/api/v1/treaty/): public, read-only, no database.

Parse → ask the engine → render.
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import NotFoundOrNoAccess, Problem, ValidationFailed
from treaty import report
from treaty.dates import parse_iso_day
from treaty.engine import Register, StateRecord, UnknownState, default_register

ON = OpenApiParameter("on", OpenApiTypes.DATE, description="the day asked about, YYYY-MM-DD (default: today, UTC)")
UNTIL = OpenApiParameter(
    "until", OpenApiTypes.DATE, description="last day for annual report dates (default: end of next year)"
)
ISO3 = OpenApiParameter(
    "iso3", OpenApiTypes.STR, OpenApiParameter.PATH, description="ISO 3166-1 alpha-3 code, e.g. POL"
)
BAD_DATE = OpenApiResponse(OpenApiTypes.OBJECT, description='{"detail", "errors": [{"field", "message"}]}')
UNKNOWN = OpenApiResponse(OpenApiTypes.OBJECT, description="no state with that ISO3 code")


def _day(request: Request, name: str, default: dt.date) -> dt.date:
    """A YYYY-MM-DD query parameter, or a 400 naming it."""
    text = request.query_params.get(name)
    if not text:
        return default
    try:
        return parse_iso_day(text)
    except ValueError:
        raise ValidationFailed([Problem(name, f"'{text}' is not a date; use YYYY-MM-DD, e.g. 2026-02-20")]) from None


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _state(register: Register, iso3: str) -> StateRecord:
    """The state's record, or a 404 naming the code."""
    try:
        return register.state(iso3)
    except UnknownState:
        raise NotFoundOrNoAccess(
            f"unknown ISO3 code '{iso3}'", [Problem("iso3", "no such state in the treaty facts")]
        ) from None


@extend_schema(operation_id="treaty_states_table", parameters=[ON],
               responses={200: OpenApiTypes.OBJECT, 400: BAD_DATE})  # fmt: skip
@api_view(["GET"])
@permission_classes([AllowAny])
def states(request: Request) -> Response:
    """The whole register on a day: one row per state (all 197) with every computed date and its status."""
    on = _day(request, "on", _today())
    return Response({"on": on.isoformat(), "states": report.table(default_register(), on)})


@extend_schema(operation_id="treaty_state_status", parameters=[ISO3, ON],
               responses={200: OpenApiTypes.OBJECT, 400: BAD_DATE, 404: UNKNOWN})  # fmt: skip
@api_view(["GET"])
@permission_classes([AllowAny])
def state_status(request: Request, iso3: str) -> Response:
    """One state's status on a day: entry into force, ordinal, withdrawal, Art. 4/5/7 dates, notices, flags."""
    on = _day(request, "on", _today())
    register = default_register()
    return Response(report.status(register, _state(register, iso3).iso3, on))


@extend_schema(operation_id="treaty_state_timeline", parameters=[ISO3, UNTIL],
               responses={200: OpenApiTypes.OBJECT, 400: BAD_DATE, 404: UNKNOWN})  # fmt: skip
@api_view(["GET"])
@permission_classes([AllowAny])
def state_timeline(request: Request, iso3: str) -> Response:
    """Every dated event and deadline of one state, in order."""
    until = _day(request, "until", dt.date(_today().year + 1, 12, 31))
    register = default_register()
    return Response(report.timeline(register, _state(register, iso3).iso3, until))


@extend_schema(operation_id="treaty_parties", parameters=[ON], responses={200: OpenApiTypes.OBJECT, 400: BAD_DATE})
@api_view(["GET"])
@permission_classes([AllowAny])
def parties(request: Request) -> Response:
    """The States Parties on a day: count and ISO3 codes."""
    return Response(report.parties(default_register(), _day(request, "on", _today())))
