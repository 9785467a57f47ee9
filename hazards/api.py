"""REST doors onto the hazards app's records that have no door elsewhere: hazard indications (decision 0048).

Points where contamination is suspected (for survey) or a minefield was lifted, recorded by imports and
the AICMA events loader (hazards.indications), not yet hazards: read-only, scoped as hazards are.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from accounts import access
from core.errors import Problem, ValidationFailed
from hazards.models import HazardIndication
from interop.rest.pagination import IdCursorPagination
from vocab.choices import IndicationKind


class HazardIndicationSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    admin_area = serializers.SlugRelatedField[Any](slug_field="pcode", read_only=True)

    class Meta:
        model = HazardIndication
        geo_field = "location"
        # Not source_key / recorded_by: the source's row identity and who ran the import stay in the audit log.
        fields = ("id", "kind", "status", "year", "place", "source", "organisation", "admin_area", "recorded_at")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=IndicationKind.values, description="suspected or lifted_minefield")
        ]
    )  # fmt: skip
)
class HazardIndicationViewSet(viewsets.ReadOnlyModelViewSet[HazardIndication]):
    """Hazard indications: suspected contamination to survey, and lifted minefields (not yet hazards)."""

    serializer_class = HazardIndicationSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[HazardIndication]:
        qs = access.hazard_indications_for(self.request.user)
        kind = self.request.query_params.get("kind")
        if kind:
            if kind not in IndicationKind.values:
                raise ValidationFailed([Problem("kind", f"must be one of {', '.join(IndicationKind.values)}")])
            qs = qs.filter(kind=kind)
        return qs.order_by("id")

    def get_object(self) -> Any:
        return access.access_hazard_indication(self.request.user, self.kwargs["pk"])
