"""REST door onto the administrative areas (/api/v1/admin-areas/): p-codes, names, levels, boundaries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from clearground.api.pagination import IdCursorPagination
from clearground.api.params import choices
from places.models import AdminArea


class AdminAreaSerializer(serializers.ModelSerializer[AdminArea]):
    # "parent" shadows Field.parent in the stubs
    parent: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="pcode", read_only=True, allow_null=True
    )

    class Meta:
        model = AdminArea
        fields = ("id", "pcode", "name", "level", "parent", "country_iso3")


class AdminAreaGeoSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    parent: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="pcode", read_only=True, allow_null=True
    )

    class Meta:
        model = AdminArea
        geo_field = "geom"
        fields = ("id", "pcode", "name", "level", "parent", "country_iso3")


class AdminAreaViewSet(viewsets.ReadOnlyModelViewSet[AdminArea]):
    """Administrative areas; the list is without boundaries, the detail is a GeoJSON feature."""

    pagination_class = IdCursorPagination
    queryset = AdminArea.objects.select_related("parent")

    def get_serializer_class(self) -> Any:
        return AdminAreaGeoSerializer if self.action == "retrieve" else AdminAreaSerializer

    def get_queryset(self) -> QuerySet[AdminArea]:
        qs = super().get_queryset()
        level = choices(self.request.query_params, "level", ("0", "1", "2"))
        return qs.filter(level__in=[int(v) for v in level]) if level else qs
