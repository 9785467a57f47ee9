"""REST door onto the explosive ordnance catalogue: read by any signed-in user, loaded by command only."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets

from core.errors import NotFoundOrNoAccess
from ordnance.catalogue import match
from ordnance.models import OrdnanceModel


class OrdnanceModelSerializer(serializers.ModelSerializer[OrdnanceModel]):
    class Meta:
        model = OrdnanceModel
        fields = ("id", "name", "category", "country_of_origin", "aliases", "source")


@extend_schema(
    parameters=[
        OpenApiParameter("match", str, description="a model as written (case, spaces, hyphens ignored)"),
        OpenApiParameter("category", str, description="a device category, e.g. ap_mine"),
    ]
)
class OrdnanceModelViewSet(viewsets.ReadOnlyModelViewSet[OrdnanceModel]):
    """The explosive ordnance catalogue (public reference facts: model, category, country of origin)."""

    serializer_class = OrdnanceModelSerializer
    pagination_class = None  # a few hundred models at most

    def get_queryset(self) -> QuerySet[OrdnanceModel]:
        qs = OrdnanceModel.objects.all()
        params = self.request.query_params
        if params.get("category"):
            qs = qs.filter(category=params["category"])
        if params.get("match"):
            entry = match([params["match"]]).get(params["match"])
            qs = qs.filter(pk=entry.pk) if entry else qs.none()
        return qs

    def get_object(self) -> OrdnanceModel:
        try:
            return OrdnanceModel.objects.get(pk=self.kwargs["pk"])
        except (OrdnanceModel.DoesNotExist, ValueError, TypeError):
            raise NotFoundOrNoAccess("No such ordnance model.") from None
