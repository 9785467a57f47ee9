"""REST doors onto clearance outputs (approved clearance summaries): parse → access → query → render.

Summaries are filed as reports (`kind: clearance_summary` at /api/v1/reports/) or imported
(`clearground import --kind clearance_summary`); these doors read what approvals recorded.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access
from clearground.api.pagination import IdCursorPagination
from core.errors import NotFoundOrNoAccess, Problem, ValidationFailed
from hazards.outputs import ClearanceOutput, clearance_statistics


class ClearanceOutputSerializer(serializers.ModelSerializer[ClearanceOutput]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    admin_area = serializers.SlugRelatedField[Any](slug_field="pcode", read_only=True)

    class Meta:
        model = ClearanceOutput
        fields = ("id", "report", "organisation", "year", "month", "country_iso3", "pcode", "area_name",
                  "parent_pcode", "parent_name", "admin_area", "context", "area_cleared_m2", "ap_mines", "uxo",
                  "ied", "total_devices", "notes")  # fmt: skip


def outputs_for(user: Any) -> QuerySet[ClearanceOutput]:
    """Clearance outputs the user may see: those of their organisations (all for the authority)."""
    return access.scoped(user, ClearanceOutput.objects.all(), "organisation_id")


def _filtered(request: Request, qs: QuerySet[ClearanceOutput]) -> QuerySet[ClearanceOutput]:
    params = request.query_params
    raw = params.get("year") or ""
    if raw:
        if not raw.isdigit():
            raise ValidationFailed([Problem("year", f"'{raw}' is not a year")])
        qs = qs.filter(year=int(raw))
    if params.get("pcode"):
        # A municipality's code, or its department's: both are what a dashboard drills by.
        qs = qs.filter(Q(pcode=params["pcode"]) | Q(parent_pcode=params["pcode"]))
    if params.get("organisation"):
        qs = qs.filter(organisation__code=params["organisation"])
    return qs


FILTERS = [
    OpenApiParameter("year", int, description="the year of the period"),
    OpenApiParameter("pcode", str, description="a municipality's code (DIVIPOLA 05652) or its department's (05)"),
    OpenApiParameter("organisation", str, description="organisation code"),
]


@extend_schema(parameters=FILTERS)
class ClearanceOutputViewSet(viewsets.ReadOnlyModelViewSet[ClearanceOutput]):
    """Monthly clearance outputs in the caller's scope (`?year=`, `?pcode=`, `?organisation=`)."""

    serializer_class = ClearanceOutputSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[ClearanceOutput]:
        return _filtered(self.request, outputs_for(self.request.user).select_related("organisation", "admin_area"))

    def get_object(self) -> ClearanceOutput:
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (ClearanceOutput.DoesNotExist, ValueError, TypeError):
            raise NotFoundOrNoAccess("No such clearance output.") from None

    @extend_schema(parameters=FILTERS, responses={200: dict})
    @action(detail=False, pagination_class=None)
    def statistics(self, request: Request) -> Response:
        """m² cleared and devices destroyed in total and per year × department, over the filtered outputs."""
        return Response(clearance_statistics(_filtered(request, outputs_for(request.user))))
