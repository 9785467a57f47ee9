"""REST doors for Article 7 reports and the Article 5 forecast (national authority members only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access
from core.errors import NotAllowed, NotFoundOrNoAccess, Problem, ValidationFailed
from obligations import article5, exports
from obligations.actions import generate_article7
from obligations.deadlines import article5_deadline
from obligations.models import Article7Report

LANGUAGE = OpenApiParameter(
    "language", str, enum=[code for code, _name in settings.LANGUAGES], description="default: the request's language"
)


class NationalAuthorityOnly(BasePermission):
    """Article 7 reports and the forecast are the authority's: others get the same 404 as for nothing."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not access.may_read_national_reports(request.user):
            raise NotFoundOrNoAccess("Article 7 reports are kept by the national authority.")
        return True


class Article7Serializer(serializers.ModelSerializer[Article7Report]):
    created_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)

    class Meta:
        model = Article7Report
        fields = ("id", "country_iso3", "year", "cutoff", "created_at", "created_by", "figures")


class Article7CreateSerializer(serializers.Serializer[Any]):
    country_iso3 = serializers.RegexField(r"^[A-Z]{3}$")
    year = serializers.IntegerField(min_value=1999, max_value=2100)


class Article7ViewSet(viewsets.ReadOnlyModelViewSet[Article7Report]):
    """Frozen Article 7 reports: generate one (POST), read its figures, download it as XLSX, PDF or JSON."""

    serializer_class = Article7Serializer
    permission_classes = [NationalAuthorityOnly]
    queryset = Article7Report.objects.select_related("created_by")

    @extend_schema(request=Article7CreateSerializer, responses={201: Article7Serializer})
    def create(self, request: Request) -> Response:
        if not access.may_generate_national_reports(request.user):
            raise NotAllowed("Only the authority's admin or IM officers generate Article 7 reports.")
        data = Article7CreateSerializer(data=request.data)
        if not data.is_valid():
            raise ValidationFailed([Problem(f, str(m)) for f, msgs in data.errors.items() for m in msgs])
        report = generate_article7(acting_user=request.user, **data.validated_data)
        return Response(Article7Serializer(report).data, status=201)

    def _file(self, fmt: str) -> HttpResponse:
        report = self.get_object()
        language = exports.language_of(self.request.query_params.get("language"), get_language())
        response = HttpResponse(exports.render(report.figures, fmt, language), content_type=exports.EXPORTERS[fmt][1])
        name = f"article7-{report.country_iso3}-{report.year}-{report.pk}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @extend_schema(
        parameters=[LANGUAGE],
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes},
    )
    @action(detail=True)
    def xlsx(self, request: Request, pk: str) -> HttpResponse:
        """The frozen report as a workbook: one sheet per form (A–J), and the lineage."""
        return self._file("xlsx")

    @extend_schema(parameters=[LANGUAGE], responses={(200, "application/pdf"): bytes})
    @action(detail=True)
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        """The frozen report as a printable PDF, one section per form (A–J)."""
        return self._file("pdf")

    @extend_schema(parameters=[LANGUAGE], responses={(200, "application/json"): dict})
    @action(detail=True, url_path="json")
    def as_json(self, request: Request, pk: str) -> HttpResponse:
        """The frozen figures by form (A–J) with their stable codes and each code's label in the language asked."""
        return self._file("json")


class Article5ForecastView(APIView):
    """Completion forecast for a state's Article 5 obligation: P10/P50/P90 dates against the deadline."""

    permission_classes = [NationalAuthorityOnly]

    @extend_schema(
        parameters=[
            OpenApiParameter("deadline", dt.date, description="default: the deadline in force (treaty engine)"),
            OpenApiParameter("runs", int, description="Monte-Carlo runs, 100 to 20000 (default 2000)"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request, iso3: str) -> Response:
        problems: list[Problem] = []
        deadline = None
        if request.query_params.get("deadline"):
            try:
                deadline = dt.date.fromisoformat(request.query_params["deadline"])
            except ValueError:
                problems.append(Problem("deadline", "not a date (YYYY-MM-DD)"))
        else:
            deadline = article5_deadline(iso3.upper())
        runs = request.query_params.get("runs", "2000")
        if not runs.isdigit() or not 100 <= int(runs) <= 20000:
            problems.append(Problem("runs", "a whole number from 100 to 20000"))
        if problems:
            raise ValidationFailed(problems)
        return Response(article5.forecast(iso3.upper(), deadline=deadline, runs=int(runs)))
