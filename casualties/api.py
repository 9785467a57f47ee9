"""REST doors onto accidents, casualties and their statistics: parse → access → action or query → render.

Single casualty records and accidents' exact point and time are for accounts.access.
may_see_casualty_records only (the authority's IM officers and admins, decision 0037); every other
member in scope reads accidents generalised and casualty statistics. Each casualty shown with its
identity leaves a personal_data.read audit row (who, when, which record, which request).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.gis.db.models.functions import SnapToGrid
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from accounts import access, audit
from accounts.personal import RESTRICTED
from casualties import rates, statistics
from casualties.choices import STAGE_ORDER, Outcome
from casualties.disclosure import GRID_DEGREES
from casualties.models import Accident, AccidentStageChange, Casualty
from casualties.records import advance_investigation
from clearground.api.pagination import IdCursorPagination
from clearground.api.preconditions import etag
from core.errors import NotFoundOrNoAccess, Problem, ValidationFailed

IDENTITY_FIELDS = ["identity.name", "identity.date_of_birth", "identity.contact", "identity.address"]


class StageChangeSerializer(serializers.ModelSerializer[AccidentStageChange]):
    by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    # Plain strings: the accident's `stage` already names this choice set (StageEnum) in the schema.
    from_stage = serializers.CharField(read_only=True)
    to_stage = serializers.CharField(read_only=True)

    class Meta:
        model = AccidentStageChange
        fields = ("from_stage", "to_stage", "by", "at", "note")


class AccidentSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    admin_area = serializers.SlugRelatedField[Any](slug_field="pcode", read_only=True)
    stage_changes = StageChangeSerializer(many=True, read_only=True)
    casualties: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Accident
        geo_field = "location"
        fields = ("id", "report", "organisation", "kind", "occurred_at", "date_precision", "admin_area",
                  "device_category", "activity", "asset", "description", "evidence", "findings", "corrective_actions",
                  "stage", "stage_changes", "casualties")  # fmt: skip


class GeneralisedAccidentSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    """An accident as members who may not read single casualty records see it (decision 0037).

    The point snapped to a GRID_DEGREES grid and the time to the month (annotated by
    `generalised_accidents`, the same SQL as publish.accidents_generalised), counts instead of
    casualty records, and no free text, evidence, asset or report link, which can name people.
    """

    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    admin_area = serializers.SlugRelatedField[Any](slug_field="pcode", read_only=True)
    month = serializers.SerializerMethodField()
    killed = serializers.IntegerField(read_only=True)
    injured = serializers.IntegerField(read_only=True)

    class Meta:
        model = Accident
        geo_field = "location"
        fields = ("id", "organisation", "kind", "month", "date_precision", "admin_area", "device_category", "stage",
                  "killed", "injured")  # fmt: skip

    def get_month(self, obj: Accident) -> str:
        month: dt.datetime = obj.month  # type: ignore[attr-defined]  # annotated by generalised_accidents
        return month.strftime("%Y-%m")

    def to_representation(self, instance: Accident) -> Any:
        feature = super().to_representation(instance)
        # The exact point never leaves: the snapped one (annotated in SQL) takes its place. The geo field
        # stays the model's `location`, so that the schema knows it for a Point.
        feature["geometry"] = json.loads(instance.generalised_location.json)  # type: ignore[attr-defined]
        return feature


def generalised_accidents(qs: QuerySet[Accident]) -> QuerySet[Accident]:
    """Accidents with their generalised point, month and counts (what GeneralisedAccidentSerializer shows)."""
    return qs.annotate(
        generalised_location=SnapToGrid("location", GRID_DEGREES),
        month=TruncMonth("occurred_at", tzinfo=dt.UTC),
        killed=Count("casualties", filter=Q(casualties__outcome=Outcome.KILLED)),
        injured=Count("casualties", filter=Q(casualties__outcome=Outcome.INJURED)),
    )


class CasualtySerializer(serializers.ModelSerializer[Casualty]):
    """A casualty; `identity` is decrypted only when the view says the reader may see it."""

    identity = serializers.SerializerMethodField()

    class Meta:
        model = Casualty
        fields = ("id", "accident", "report", "sex", "age", "age_band", "outcome", "category", "activity",
                  "displacement", "prior_risk_education", "disability", "injury_details", "consent",
                  "identity")  # fmt: skip

    def get_identity(self, obj: Casualty) -> dict[str, str] | None:
        if not obj.has_identity:
            return None
        if obj.pk in self.context.get("personal_ok", set()):
            return obj.identity()
        return RESTRICTED


class StageSerializer(serializers.Serializer[Any]):
    to = serializers.CharField(help_text=" → ".join(STAGE_ORDER))  # checked by advance_investigation
    note = serializers.CharField(required=False, allow_blank=True, default="")
    findings = serializers.CharField(required=False, allow_blank=True)
    corrective_actions = serializers.CharField(required=False, allow_blank=True)


def accident_etag(accident: Accident) -> str:
    """An accident has no version of its own: its report's version and how many investigation steps it has.

    Its recorded facts change only with its report (approval, unapproval, correction), and its
    investigation only by appending a stage change; together they name every state it can be in.
    """
    return f'"{accident.report.version}.{len(accident.stage_changes.all())}"'


class AccidentViewSet(viewsets.ReadOnlyModelViewSet[Accident]):
    """Accidents and incidents with explosive ordnance (GeoJSON points), in the caller's scope. No names."""

    serializer_class = AccidentSerializer
    pagination_class = IdCursorPagination

    def exact(self) -> bool:
        """The exact point and time, the free text and the casualty ids: accounts.access.may_see_casualty_records."""
        return access.may_see_casualty_records(self.request.user)

    def get_serializer_class(self) -> Any:
        return AccidentSerializer if self.exact() else GeneralisedAccidentSerializer

    def get_queryset(self) -> QuerySet[Accident]:
        qs = Accident.objects.select_related("organisation", "admin_area")
        if self.exact():
            qs = qs.prefetch_related("stage_changes__by", "casualties")
        else:
            qs = generalised_accidents(qs).prefetch_related("stage_changes")
        return access.scoped(self.request.user, qs, "organisation_id")

    def get_object(self) -> Any:
        access.access_accident(self.request.user, self.kwargs["pk"])
        return self.get_queryset().get(pk=self.kwargs["pk"])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        accident = self.get_object()
        return Response(self.get_serializer(accident).data, headers={"ETag": accident_etag(accident)})

    @extend_schema(request=StageSerializer, responses=AccidentSerializer)
    @action(detail=True, methods=["post"])
    def stage(self, request: Request, pk: str) -> Response:
        """Move the investigation one step on, with findings or corrective actions at their steps."""
        accident = access.access_accident(request.user, pk, approve=True)
        data = StageSerializer(data=request.data)
        if not data.is_valid():
            raise ValidationFailed([Problem(f, str(m)) for f, msgs in data.errors.items() for m in msgs])
        fields = dict(data.validated_data)
        advance_investigation(
            accident, acting_user=request.user, to=fields.pop("to"), note=fields.pop("note"), **fields
        )
        accident = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(accident).data, headers={"ETag": accident_etag(accident)})


class CasualtyViewSet(viewsets.ReadOnlyModelViewSet[Casualty]):
    """Single casualty records: only for accounts.access.may_see_casualty_records (others: an empty list, 404).

    Every record shown with an identity is audited (personal_data.read); everyone else reads statistics.
    """

    serializer_class = CasualtySerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Casualty]:
        qs = access.casualties_for(self.request.user)
        accident = self.request.query_params.get("accident")
        if accident:
            if not accident.isdigit():
                raise ValidationFailed([Problem("accident", "must be an accident id")])
            qs = qs.filter(accident_id=int(accident))
        return qs

    def get_object(self) -> Any:
        return access.access_casualty(self.request.user, self.kwargs["pk"])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A casualty is recorded from its accident report and changes only with it: the report's version is its own.
        casualty = self.get_object()
        return Response(self.get_serializer(casualty).data, headers={"ETag": etag(casualty.report.version)})

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        rows = args[0] if args else []
        rows = list(rows) if isinstance(rows, (list, QuerySet)) else [rows]
        user = self.request.user
        # casualties_for let only may_see_casualty_records through; the identity asks that same rule.
        allowed = [c for c in rows if isinstance(c, Casualty) and c.has_identity
                   and access.may_see_casualty_records(user)]  # fmt: skip
        if allowed:
            audit.record_personal_read(user, allowed, fields=IDENTITY_FIELDS,
                                       why=f"API {self.request.method} {self.request.path}")  # fmt: skip
        kwargs["context"] = {**self.get_serializer_context(), "personal_ok": {c.pk for c in allowed}}
        return CasualtySerializer(*args, **kwargs)


@extend_schema(responses={200: dict})
@api_view(["GET"])
def casualty_statistics(request: Request) -> Response:
    """Casualties by year, sex, age band, device category, category and outcome; cells of 1–4 suppressed."""
    if not access.may_read_national_reports(request.user):
        raise NotFoundOrNoAccess("Casualty statistics are kept by the national authority.")
    return Response(statistics.casualty_statistics())


@extend_schema(responses={200: dict})
@api_view(["GET"])
def casualty_rates(request: Request) -> Response:
    """Casualties per 100,000 inhabitants by admin area (?level=0|1|2, ?country=ISO3); cells of 1–4 suppressed."""
    if not access.may_read_national_reports(request.user):
        raise NotFoundOrNoAccess("Casualty statistics are kept by the national authority.")
    level = request.query_params.get("level", "1")
    if level not in {"0", "1", "2"}:
        raise ValidationFailed([Problem("level", "must be 0 (country), 1 (province) or 2 (district)")])
    country = request.query_params.get("country") or None
    if country is not None and not (len(country) == 3 and country.isascii() and country.isalpha()):
        raise ValidationFailed([Problem("country", "must be a country's ISO 3166 alpha-3 code, e.g. COL")])
    return Response(rates.casualty_rates(int(level), country))
