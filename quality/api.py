"""REST doors onto quality management: parse → access → action or query → render.

The national authority sees every accreditation, QA visit, QC inspection and non-conformity; an
operator sees those of its own organisation. QA visits and QC inspections are created as the
authority's reports (create_report, submitted), to be approved by an IM officer like any report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from accounts import access
from accounts.access import AnyUser
from accounts.models import Membership, Organisation
from clearground.api.pagination import IdCursorPagination
from clearground.api.params import choices
from clearground.api.parsers import JSONField
from core.errors import NotAllowed, Problem, ValidationFailed
from quality import actions
from quality.choices import NonConformityStatus
from quality.models import (
    Accreditation,
    Asset,
    CorrectiveAction,
    NonConformity,
    NonConformityStep,
    QaVisit,
    QcInspection,
    Team,
)
from reports.actions import create_report
from vocab.choices import Role

Username = serializers.SlugRelatedField[Any]


def _valid(serializer_class: Any, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationFailed([Problem(f, str(m)) for f, msgs in serializer.errors.items() for m in msgs])
    return dict(serializer.validated_data)


class AccreditationSerializer(serializers.ModelSerializer[Accreditation]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    team = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    asset = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    issued_by = Username(slug_field="username", read_only=True)
    # Plain codes: the schema names the ActivityKind/Method choice sets once, on organisations and activities.
    activity_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    methods = serializers.ListField(child=serializers.CharField(), read_only=True)
    changes = serializers.SerializerMethodField()

    class Meta:
        model = Accreditation
        fields = (
            "id",
            "organisation",
            "team",
            "asset",
            "activity_kinds",
            "methods",
            "valid_from",
            "valid_to",
            "reference",
            "status",
            "status_on",
            "issued_by",
            "issued_at",
            "changes",
        )

    def get_changes(self, obj: Accreditation) -> list[dict[str, Any]]:
        return [
            {
                "from_status": c.from_status,
                "to_status": c.to_status,
                "on": c.on,
                "by": c.by.username,
                "at": c.at,
                "reason": c.reason,
            }
            for c in obj.changes.all()
        ]


class GrantSerializer(serializers.Serializer[Any]):
    organisation = serializers.SlugField()
    team = serializers.SlugField(required=False, allow_blank=True, default="")
    asset = serializers.SlugField(required=False, allow_blank=True, default="", help_text="The asset's code")
    activity_kinds = serializers.ListField(child=serializers.CharField())  # checked by grant_accreditation
    methods = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    reference = serializers.CharField(required=False, allow_blank=True, default="")


class AccreditationStepSerializer(serializers.Serializer[Any]):
    on = serializers.DateField()
    reason = serializers.CharField()


class AccreditationViewSet(viewsets.ReadOnlyModelViewSet[Accreditation]):
    """Accreditations (IMAS 07.30): the authority sees all, an operator its own; the authority grants and suspends."""

    serializer_class = AccreditationSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Accreditation]:
        qs = Accreditation.objects.select_related("organisation", "team", "asset", "issued_by").prefetch_related(
            "changes__by"
        )
        return access.scoped(self.request.user, qs, "organisation_id")

    def get_object(self) -> Any:
        access.access_accreditation(self.request.user, self.kwargs["pk"])
        return self.get_queryset().get(pk=self.kwargs["pk"])

    @extend_schema(request=GrantSerializer, responses={201: AccreditationSerializer})
    def create(self, request: Request) -> Response:
        """Grant an accreditation to an operator (or one of its teams)."""
        if not access.may_manage_quality(request.user):
            raise NotAllowed("Only the national authority's admin, IM or QA officers grant accreditations.")
        data = _valid(GrantSerializer, request.data)
        org = Organisation.objects.filter(code=data["organisation"]).first()
        if org is None:
            raise ValidationFailed([Problem("organisation", f"there is no organisation '{data['organisation']}'")])
        team = None
        if data["team"]:
            team = Team.objects.filter(organisation=org, code=data["team"]).first()
            if team is None:
                raise ValidationFailed([Problem("team", f"{org.code} has no team '{data['team']}'")])
        asset = None
        if data["asset"]:
            asset = Asset.objects.filter(organisation=org, code=data["asset"]).first()
            if asset is None:
                raise ValidationFailed([Problem("asset", f"{org.code} has no asset '{data['asset']}'")])
        row = actions.grant_accreditation(
            org,
            acting_user=request.user,
            activity_kinds=data["activity_kinds"],
            methods=data["methods"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            team=team,
            asset=asset,
            reference=data["reference"],
        )
        return Response(AccreditationSerializer(self.get_queryset().get(pk=row.pk)).data, status=201)

    def _change(self, request: Request, pk: str, fn: Any) -> Response:
        row = access.access_accreditation(request.user, pk, manage=True)
        data = _valid(AccreditationStepSerializer, request.data)
        fn(row, acting_user=request.user, on=data["on"], reason=data["reason"])
        return Response(AccreditationSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=AccreditationStepSerializer, responses=AccreditationSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str) -> Response:
        """Suspend from a day, with the reason."""
        return self._change(request, pk, actions.suspend_accreditation)

    @extend_schema(request=AccreditationStepSerializer, responses=AccreditationSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str) -> Response:
        """Lift a suspension from a day, with the reason."""
        return self._change(request, pk, actions.reinstate_accreditation)

    @extend_schema(request=AccreditationStepSerializer, responses=AccreditationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """Withdraw for good from a day, with the reason."""
        return self._change(request, pk, actions.withdraw_accreditation)


class QualityReportSerializer(serializers.Serializer[Any]):
    date_of_information = serializers.DateField(required=False, help_text="Defaults to today")
    payload = JSONField()


def _authority_of(user: AnyUser) -> Organisation:
    """The authority organisation on whose behalf a QA officer (or the authority's IM/admin) records."""
    if not access.may_manage_quality(user):
        raise NotAllowed("QA visits and QC inspections are recorded by the national authority's QA officers.")
    membership = (
        Membership.objects.filter(
            user=access.signed_in(user),
            organisation__kind="national_authority",
            role__in=[Role.QA_OFFICER, Role.IM_OFFICER, Role.AUTHORITY_ADMIN],
        )
        .select_related("organisation")
        .first()
    )
    assert membership is not None  # may_manage_quality found it
    return membership.organisation


def _record(request: Request, kind: str) -> Response:
    user = request.user
    org = _authority_of(user)
    data = _valid(QualityReportSerializer, request.data)
    report = create_report(
        acting_user=user,
        organisation=org,
        kind=kind,
        payload=data["payload"],
        submit=True,
        date_of_information=data.get("date_of_information") or dt.date.today(),
    )
    return Response({"report": report.pk, "status": report.status}, status=201)


_Record = TypeVar("_Record", QaVisit, QcInspection)


class _QualityRecordViewSet(viewsets.ReadOnlyModelViewSet[_Record]):
    model: type[_Record]
    kind: str
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[_Record]:
        qs = self.model.objects.select_related("organisation", "activity", "inspector").prefetch_related(
            "non_conformities"
        )
        qs = access.scoped(self.request.user, qs, "organisation_id")
        activity = self.request.query_params.get("activity")
        if activity:
            if not activity.isdigit():
                raise ValidationFailed([Problem("activity", "must be an activity id")])
            qs = qs.filter(activity_id=int(activity))
        return qs

    def get_object(self) -> Any:
        access.access_quality_record(self.request.user, self.model, self.kwargs["pk"])
        return self.get_queryset().get(pk=self.kwargs["pk"])

    def create(self, request: Request) -> Response:
        return _record(request, self.kind)


class QaVisitSerializer(serializers.ModelSerializer[QaVisit]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    inspector = Username(slug_field="username", read_only=True)
    non_conformities: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = QaVisit
        fields = (
            "id",
            "report",
            "activity",
            "organisation",
            "visited_on",
            "inspector",
            "observations",
            "accredited",
            "accreditation_finding",
            "non_conformities",
        )


class QaVisitViewSet(_QualityRecordViewSet[QaVisit]):
    """QA visits to ongoing activities (IMAS 07.40); POST records one as a submitted authority report."""

    model, kind = QaVisit, "qa_visit"
    serializer_class = QaVisitSerializer

    @extend_schema(request=QualityReportSerializer, responses={201: dict})
    def create(self, request: Request) -> Response:
        """Record a QA visit: {payload: {activity, visited_on, observations?, non_conformities[]}}."""
        return super().create(request)


class QcInspectionSerializer(GeoFeatureModelSerializer):  # type: ignore[misc]  # rest_framework_gis ships no types
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    inspector = Username(slug_field="username", read_only=True)
    non_conformities: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = QcInspection
        geo_field = "sample"
        fields = (
            "id",
            "report",
            "activity",
            "organisation",
            "inspected_on",
            "inspector",
            "sample_area_m2",
            "items_found",
            "result",
            "remarks",
            "accredited",
            "accreditation_finding",
            "non_conformities",
        )


class QcInspectionViewSet(_QualityRecordViewSet[QcInspection]):
    """Post-clearance QC inspections (IMAS 09.20), GeoJSON sample polygons; POST records one as a submitted report."""

    model, kind = QcInspection, "qc_inspection"
    serializer_class = QcInspectionSerializer

    @extend_schema(request=QualityReportSerializer, responses={201: dict})
    def create(self, request: Request) -> Response:
        """Record a QC inspection: {payload: {activity, inspected_on, sample, items_found, result, ...}}."""
        return super().create(request)


class StepSerializer(serializers.ModelSerializer[NonConformityStep]):
    by = Username(slug_field="username", read_only=True)
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = NonConformityStep
        fields = ("from_status", "to_status", "by", "at", "note")


class CorrectiveActionSerializer(serializers.ModelSerializer[CorrectiveAction]):
    recorded_by = Username(slug_field="username", read_only=True)
    verified_by = Username(slug_field="username", read_only=True)

    class Meta:
        model = CorrectiveAction
        fields = ("id", "description", "due_on", "done_on", "recorded_by", "recorded_at", "verified_by", "verified_at")


class NonConformitySerializer(serializers.ModelSerializer[NonConformity]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    corrective_actions = CorrectiveActionSerializer(many=True, read_only=True)

    class Meta:
        model = NonConformity
        fields = (
            "id",
            "activity",
            "organisation",
            "qa_visit",
            "qc_inspection",
            "severity",
            "description",
            "automatic",
            "status",
            "raised_on",
            "steps",
            "corrective_actions",
        )


class CorrectiveActionInputSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(allow_blank=True)
    due_on = serializers.DateField()
    done_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class VerifySerializer(serializers.Serializer[Any]):
    accepted = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class NonConformityViewSet(viewsets.ReadOnlyModelViewSet[NonConformity]):
    """Non-conformities with their steps and corrective actions: the authority sees all, an operator its own."""

    serializer_class = NonConformitySerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[NonConformity]:
        qs = NonConformity.objects.select_related("organisation").prefetch_related(
            "steps__by", "corrective_actions__recorded_by", "corrective_actions__verified_by"
        )
        qs = access.scoped(self.request.user, qs, "organisation_id")
        statuses = choices(self.request.query_params, "status", NonConformityStatus.values)
        return qs.filter(status__in=statuses) if statuses else qs

    def get_object(self) -> Any:
        access.access_non_conformity(self.request.user, self.kwargs["pk"])
        return self.get_queryset().get(pk=self.kwargs["pk"])

    @extend_schema(request=CorrectiveActionInputSerializer, responses=NonConformitySerializer)
    @action(detail=True, methods=["post"], url_path="corrective-action")
    def corrective_action(self, request: Request, pk: str) -> Response:
        """The assessed operator records the corrective action taken: open → action taken."""
        nc = access.access_non_conformity(request.user, pk, act=True)
        data = _valid(CorrectiveActionInputSerializer, request.data)
        actions.record_corrective_action(nc, acting_user=request.user, **data)
        return Response(NonConformitySerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=VerifySerializer, responses=NonConformitySerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        """The authority verifies the corrective action: accepted → closed, not accepted → open again."""
        nc = access.access_non_conformity(request.user, pk, verify=True)
        data = _valid(VerifySerializer, request.data)
        actions.verify_non_conformity(nc, acting_user=request.user, **data)
        return Response(NonConformitySerializer(self.get_queryset().get(pk=pk)).data)


class TeamSerializer(serializers.ModelSerializer[Team]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    team_type = serializers.CharField(read_only=True)

    class Meta:
        model = Team
        fields = ("id", "organisation", "code", "name", "team_type", "size")


class TeamInputSerializer(serializers.Serializer[Any]):
    organisation = serializers.SlugField(required=False, help_text="Defaults to your only organisation")
    code = serializers.CharField(allow_blank=True)
    name = serializers.CharField(allow_blank=True)
    team_type = serializers.CharField(required=False, allow_blank=True, default="")  # checked by add_team
    size = serializers.IntegerField(required=False, allow_null=True, default=None)


def _organisation_for_teams(user: Any, code: str | None) -> Organisation:
    """The organisation named (or the user's only one) whose teams and assets the user may register."""
    if code:
        org = Organisation.objects.filter(code=code).first()
        if org is None:
            raise ValidationFailed([Problem("organisation", f"there is no organisation '{code}'")])
        return org
    own = list(Organisation.objects.filter(memberships__user=user).distinct()[:2])
    if len(own) != 1:
        raise ValidationFailed([Problem("organisation", "say which organisation's team or asset this is")])
    return own[0]


class TeamViewSet(viewsets.ReadOnlyModelViewSet[Team]):
    """Operators' teams (IMAS 07.10, 07.30): the authority sees all, an operator its own; its IM officer adds them."""

    serializer_class = TeamSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Team]:
        qs = access.teams_for(self.request.user)
        org = self.request.query_params.get("organisation")
        return qs.filter(organisation__code=org) if org else qs

    def get_object(self) -> Any:
        return access.access_team(self.request.user, self.kwargs["pk"])

    @extend_schema(request=TeamInputSerializer, responses={201: TeamSerializer})
    def create(self, request: Request) -> Response:
        """Register a team: code, name, type (manual, mechanical, mdd, eod, nts, eore, bac), size."""
        data = _valid(TeamInputSerializer, request.data)
        org = _organisation_for_teams(request.user, data.pop("organisation", None))
        team = actions.add_team(org, acting_user=request.user, **data)
        return Response(TeamSerializer(team).data, status=201)


class AssetSerializer(serializers.ModelSerializer[Asset]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    team = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    kind = serializers.CharField(read_only=True)

    class Meta:
        model = Asset
        fields = ("id", "organisation", "team", "kind", "code", "name")


class AssetInputSerializer(serializers.Serializer[Any]):
    organisation = serializers.SlugField(required=False, help_text="Defaults to your only organisation")
    kind = serializers.CharField()  # checked by add_asset
    code = serializers.CharField(allow_blank=True)
    name = serializers.CharField(allow_blank=True)
    team = serializers.SlugField(required=False, allow_blank=True, default="", help_text="The team's code")


class AssetViewSet(viewsets.ReadOnlyModelViewSet[Asset]):
    """Assets (machines, dogs) accredited on their own: the authority sees all, an operator its own."""

    serializer_class = AssetSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Asset]:
        return access.assets_for(self.request.user)

    def get_object(self) -> Any:
        return access.access_asset(self.request.user, self.kwargs["pk"])

    @extend_schema(request=AssetInputSerializer, responses={201: AssetSerializer})
    def create(self, request: Request) -> Response:
        """Register an asset: kind (machine, dog, detector, vehicle), code, name, maybe its team."""
        data = _valid(AssetInputSerializer, request.data)
        org = _organisation_for_teams(request.user, data.pop("organisation", None))
        team = None
        if data["team"]:
            team = Team.objects.filter(organisation=org, code=data["team"]).first()
            if team is None:
                raise ValidationFailed([Problem("team", f"{org.code} has no team '{data['team']}'")])
        asset = actions.add_asset(org, acting_user=request.user, kind=data["kind"], code=data["code"],
                                  name=data["name"], team=team)  # fmt: skip
        return Response(AssetSerializer(asset).data, status=201)
