"""REST doors onto places: the administrative areas (/api/v1/admin-areas/: p-codes, names, levels,
boundaries), coordinates as written in the field, and the gazetteer (read a position, find a place).

The coordinates and place-search doors answer any signed-in user, as the admin-area list does: they
expose nothing of the register (coordinates are the caller's own text; the gazetteer is public GeoNames
and boundary data), and the map and report forms that call them are for members (decision 0052).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from clearground.api.pagination import IdCursorPagination
from clearground.api.params import choices
from core.coordinates import NOTATIONS, CoordinateError, format_position, parse_position
from core.errors import Problem, ValidationFailed
from places import gazetteer
from places.models import AdminArea

MAX_QUERY = 100


@extend_schema(
    parameters=[OpenApiParameter("text", str, required=True, description="e.g. 36U XU 50529 69283")],
    responses={200: dict},
)
@api_view(["GET"])
def parse_coordinates(request: Request) -> Response:
    """One position in decimal degrees, DMS, UTM or MGRS → longitude, latitude, and the position in every notation."""
    text = request.query_params.get("text", "")
    try:
        p = parse_position(text)
    except CoordinateError as exc:
        raise ValidationFailed([Problem("text", str(exc))]) from None
    return Response(
        {
            "longitude": p.longitude,
            "latitude": p.latitude,
            "notation": p.notation,
            "precision_m": p.precision_m,
            "point": {"type": "Point", "coordinates": [p.longitude, p.latitude]},
            "written": {n: _written(p.longitude, p.latitude, n) for n in NOTATIONS},
        }
    )


def _written(lon: float, lat: float, notation: str) -> str | None:
    try:
        return format_position(lon, lat, notation)  # type: ignore[arg-type]  # one of NOTATIONS
    except CoordinateError:  # UTM and MGRS stop at 80°S and 84°N
        return None


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, required=True, description="part of a name (2 to 100 characters)"),
        OpenApiParameter("limit", int, description=f"at most {gazetteer.MAX_RESULTS} (default 10)"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
def search_places(request: Request) -> Response:
    """Admin areas and GeoNames places by name, offline: each with a point to centre on, areas with a bbox."""
    q = request.query_params.get("q", "").strip()
    problems = []
    if not 2 <= len(q) <= MAX_QUERY:
        problems.append(Problem("q", f"give 2 to {MAX_QUERY} characters of a name"))
    raw_limit = request.query_params.get("limit", "10")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= gazetteer.MAX_RESULTS:
        problems.append(Problem("limit", f"a whole number from 1 to {gazetteer.MAX_RESULTS}"))
    if problems:
        raise ValidationFailed(problems)
    return Response({"results": gazetteer.search(q, int(raw_limit))})


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
