"""REST doors onto risk education sessions and their reach: parse → access → query → render.

Sessions are filed as reports (`kind: risk_education` at /api/v1/reports/); these doors read
what approvals recorded.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_gis.fields import GeometryField

from accounts import access
from clearground.api.pagination import IdCursorPagination
from clearground.api.params import choices, organisation_code
from core.errors import Problem, ValidationFailed
from risk_education import statistics
from risk_education.choices import Method
from risk_education.models import Attendance, RiskEducationSession


class AttendanceSerializer(serializers.ModelSerializer[Attendance]):
    class Meta:
        model = Attendance
        fields = ("sex", "age_band", "disability", "first_time", "repeat")


class SessionSerializer(serializers.ModelSerializer[RiskEducationSession]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    admin_area = serializers.SlugRelatedField[Any](slug_field="pcode", read_only=True)
    location = GeometryField(read_only=True)
    attendance = AttendanceSerializer(many=True, read_only=True)
    reached = serializers.SerializerMethodField()
    attendances = serializers.SerializerMethodField()

    class Meta:
        model = RiskEducationSession
        fields = ("id", "report", "organisation", "held_on", "location", "admin_area", "place_name", "method",
                  "target_group", "group_code", "audience_estimate", "notes", "attendance", "reached",
                  "attendances")  # fmt: skip

    def get_reached(self, session: RiskEducationSession) -> int:
        return sum(a.first_time for a in session.attendance.all())

    def get_attendances(self, session: RiskEducationSession) -> int:
        return sum(a.attendances for a in session.attendance.all())


def _year(request: Request) -> int | None:
    raw = request.query_params.get("year")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise ValidationFailed([Problem("year", f"'{raw}' is not a year")])
    return int(raw)


class RiskEducationSessionViewSet(viewsets.ReadOnlyModelViewSet[RiskEducationSession]):
    """Risk education sessions in the caller's scope (`?year=`, `?method=`, `?organisation=` code)."""

    serializer_class = SessionSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[RiskEducationSession]:
        qs = access.risk_education_sessions_for(self.request.user).select_related("organisation", "admin_area")
        qs = qs.prefetch_related("attendance")
        year = _year(self.request)
        if year is not None:
            qs = qs.filter(held_on__year=year)
        params = self.request.query_params
        if methods := choices(params, "method", Method.values):
            qs = qs.filter(method__in=methods)
        if code := organisation_code(params):
            qs = qs.filter(organisation__code=code)
        return qs

    def get_object(self) -> Any:
        return access.access_risk_education_session(self.request.user, self.kwargs["pk"])


@extend_schema(responses={200: dict})
@api_view(["GET"])
def risk_education_statistics(request: Request) -> Response:
    """Reach (first-time attendees), attendances and media audience, by year, sex, age band, disability, method,
    target group and admin area, over the sessions in the caller's scope (`?year=`)."""
    sessions = access.risk_education_sessions_for(request.user)
    year = _year(request)
    if year is not None:
        sessions = sessions.filter(held_on__year=year)
    return Response(statistics.reach_statistics(sessions))
