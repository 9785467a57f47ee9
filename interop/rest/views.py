"""REST doors onto the register: parse → access check → action or query → render. No rules live here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access, audit
from accounts.models import Organisation
from accounts.personal import has_personal_data
from core.errors import NotAllowed, Problem, ValidationFailed
from hazards import queries
from hazards.models import (
    Activity,
    Evidence,
    Find,
    Handover,
    HazardousArea,
    HazardStatusChange,
    LandReleaseProduct,
    MinefieldRecord,
)
from interop.rest import preconditions as pre
from interop.rest import serializers as s
from interop.rest.pagination import IdCursorPagination
from interop.rest.params import choices, object_id
from places.models import AdminArea
from reports import actions
from reports.kinds import KINDS
from reports.models import Report, ReportStatus

HAZARD_FILTERS = [
    OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat (EPSG:4326)"),
    OpenApiParameter("status", str, description="open, worked_on, suspended, closed (comma-separated)"),
    OpenApiParameter("classification", str, description="SHA, CHA"),
    OpenApiParameter("admin_area", str, description="p-code of a province or district"),
    OpenApiParameter("organisation", str, description="organisation code"),
    OpenApiParameter("date_of_information_after", dt.date),
    OpenApiParameter("date_of_information_before", dt.date),
]


class HazardViewSet(viewsets.ReadOnlyModelViewSet[HazardousArea]):
    """Hazardous areas in the caller's scope, as GeoJSON. Written only through approved reports."""

    serializer_class = s.HazardSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[HazardousArea]:
        qs = access.hazards_for(self.request.user).select_related("organisation", "admin_area")
        if self.action == "list":
            qs = queries.filter_hazards(qs, self.request.query_params)
        return qs

    def get_object(self) -> Any:
        return access.access_hazard(self.request.user, self.kwargs["pk"])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One hazard; its ETag names its version (what an approval's `hazard_version` refers to)."""
        hazard = self.get_object()
        return pre.with_etag(Response(self.get_serializer(hazard).data), hazard)

    @extend_schema(parameters=HAZARD_FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=s.HazardVersionSerializer(many=True))
    @action(detail=True, pagination_class=None)  # the whole history, one list (the schema said a page)
    def history(self, request: Request, pk: str) -> Response:
        """Every recorded state of the hazard, in the order recorded."""
        hazard = self.get_object()
        return Response(s.HazardVersionSerializer(hazard.versions.all(), many=True).data)

    @extend_schema(parameters=[OpenApiParameter("on", dt.date, required=True),
                               OpenApiParameter("known_at", dt.datetime)])  # fmt: skip
    @action(detail=True)
    def state(self, request: Request, pk: str) -> Response:
        """The hazard as known on a date (`?on=2024-03-01`), optionally as recorded by `known_at`."""
        hazard = self.get_object()
        problems: list[Problem] = []
        on = _parse(dt.date.fromisoformat, request.query_params.get("on"), "on", problems, required=True)
        known_at = _parse(_instant, request.query_params.get("known_at"), "known_at", problems)
        if problems:
            raise ValidationFailed(problems)
        return Response(queries.state_as_known_on(hazard, on, known_at))


def _parse(fn: Any, raw: str | None, field: str, problems: list[Problem], required: bool = False) -> Any:
    if not raw:
        if required:
            problems.append(Problem(field, "is required"))
        return None
    try:
        return fn(raw)
    except (ValueError, OverflowError):
        problems.append(Problem(field, f"'{raw}' is not a valid value"))
        return None


def _instant(raw: str) -> dt.datetime:
    # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts (up to ±23:59).
    value = dt.datetime.fromisoformat(raw)
    return value.astimezone(dt.UTC) if value.tzinfo is not None else value


class _HazardChildViewSet(viewsets.ReadOnlyModelViewSet[Any]):  # one model per subclass
    """Facts recorded on hazards, scoped through the organisation that owns them."""

    pagination_class = IdCursorPagination
    model: Any
    org_field = "hazard__organisation_id"

    def get_queryset(self) -> QuerySet[Any]:
        qs = access.scoped(self.request.user, self.model.objects.all(), self.org_field)
        hazard = self.request.query_params.get("hazard")
        if hazard:
            if not hazard.isdigit():
                raise ValidationFailed([Problem("hazard", "must be a hazard id")])
            qs = qs.filter(hazard_id=int(hazard))
        return qs


class ProductViewSet(_HazardChildViewSet):
    """Land released: cancelled, reduced or cleared polygons (GeoJSON)."""

    model = LandReleaseProduct
    serializer_class = s.ProductSerializer


class ActivityViewSet(_HazardChildViewSet):
    """Survey, clearance, EOD and other tasks."""

    model = Activity
    serializer_class = s.ActivitySerializer
    org_field = "organisation_id"


class FindViewSet(_HazardChildViewSet):
    """Explosive items found (GeoJSON points)."""

    model = Find
    serializer_class = s.FindSerializer
    org_field = "report__organisation_id"


class HandoverViewSet(_HazardChildViewSet):
    """Released land handed back to its users."""

    model = Handover
    serializer_class = s.HandoverSerializer


class MinefieldRecordViewSet(_HazardChildViewSet):
    """Laying parties' minefield records (reference points as GeoJSON)."""

    model = MinefieldRecord
    serializer_class = s.MinefieldRecordSerializer


class StatusChangeViewSet(_HazardChildViewSet):
    """Every change of a hazard's status or classification."""

    model = HazardStatusChange
    serializer_class = s.StatusChangeSerializer


class EvidenceViewSet(_HazardChildViewSet):
    """Evidence of contamination. Informants are personal data: shown to IM roles only, every read audited."""

    model = Evidence
    serializer_class = s.EvidenceSerializer

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        rows = args[0] if args else []
        rows = rows if isinstance(rows, list) else [rows]
        allowed = [e for e in rows if e.has_informant and access.may_see_personal_data(
            self.request.user, e.hazard.organisation_id)]  # fmt: skip
        if allowed:
            audit.record_personal_read(self.request.user, allowed, fields=["informant_name", "informant_contact"],
                                       why=f"API {self.request.method} {self.request.path}")  # fmt: skip
        kwargs["context"] = {**self.get_serializer_context(), "personal_ok": {e.pk for e in allowed}}
        return self.serializer_class(*args, **kwargs)

    def get_queryset(self) -> QuerySet[Evidence]:
        return super().get_queryset().select_related("hazard")


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet[Organisation]):
    """Organisations (the authority and the operators)."""

    serializer_class = s.OrganisationSerializer

    def get_queryset(self) -> QuerySet[Organisation]:
        return access.organisations_for(self.request.user).order_by("code")


class AdminAreaViewSet(viewsets.ReadOnlyModelViewSet[AdminArea]):
    """Administrative areas; the list is without boundaries, the detail is a GeoJSON feature."""

    pagination_class = IdCursorPagination
    queryset = AdminArea.objects.select_related("parent")

    def get_serializer_class(self) -> Any:
        return s.AdminAreaGeoSerializer if self.action == "retrieve" else s.AdminAreaSerializer

    def get_queryset(self) -> QuerySet[AdminArea]:
        qs = super().get_queryset()
        level = choices(self.request.query_params, "level", ("0", "1", "2"))
        return qs.filter(level__in=[int(v) for v in level]) if level else qs


# A versioned write's answers: 409 and 412 carry the current state when the version it named was stale.
VERSIONED_WRITE = pre.write_responses(s.ReportSerializer)


class ReportViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet[Report]):
    """Field reports and their workflow: create (draft or submit), edit drafts, validate, approve, return."""

    serializer_class = s.ReportSerializer
    pagination_class = IdCursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Report]:
        qs = access.reports_for(self.request.user).select_related("organisation", "created_by", "approved_by")
        params = self.request.query_params
        if statuses := choices(params, "status", ReportStatus.values):
            qs = qs.filter(status__in=statuses)
        if kinds := choices(params, "kind", KINDS):
            qs = qs.filter(kind__in=kinds)
        if (hazard := object_id(params, "hazard", "a hazard")) is not None:
            qs = qs.filter(hazard_id=hazard)
        return qs

    def get_object(self) -> Any:
        return access.access_report(self.request.user, self.kwargs["pk"])

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        rows = args[0] if args else []
        rows = list(rows) if isinstance(rows, (list, QuerySet)) else [rows]
        user = self.request.user
        allowed = [r for r in rows if isinstance(r, Report) and has_personal_data(r.payload)
                   and access.may_see_report_personal_data(user, r)]  # fmt: skip
        if allowed:
            audit.record_personal_read(user, allowed, fields=["payload.evidence.informant"],
                                       why=f"API {self.request.method} {self.request.path}")  # fmt: skip
        kwargs["context"] = {**self.get_serializer_context(), "personal_ok": {r.pk for r in allowed}}
        return s.ReportSerializer(*args, **kwargs)

    def _render(self, report: Report, status: int = 200) -> Response:
        serializer = self.get_serializer(report)
        serializer.context["warnings"] = True  # one report: its overlaps with the register are measured
        return pre.with_etag(Response(serializer.data, status=status), report)

    def current_state(self, record: Report | HazardousArea) -> dict[str, Any]:
        """The record a stale write lost to, as this caller may see it (interop/rest/errors.py renders it)."""
        if isinstance(record, HazardousArea):
            return dict(s.HazardSerializer(record, context=self.get_serializer_context()).data)
        return dict(self.get_serializer(record).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One report; its ETag names its version, which every write of it must send back."""
        return self._render(self.get_object())

    @extend_schema(request=s.ReportCreateSerializer, responses={201: s.ReportSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(s.ReportCreateSerializer, request.data)
        user = request.user
        org = _organisation_for(user, data.get("organisation"))
        hazard = access.access_hazard(user, data["hazard"], write=True) if data.get("hazard") else None
        supersedes = access.access_report(user, data["supersedes"], write=True) if data.get("supersedes") else None
        report = actions.create_report(
            acting_user=user,
            organisation=org,
            kind=data["kind"],
            date_of_information=data["date_of_information"],
            payload=data["payload"],
            hazard=hazard,
            supersedes=supersedes,
            submit=data["submit"],
        )
        return self._render(report, 201)

    @extend_schema(request=s.ReportUpdateSerializer, parameters=[pre.IF_MATCH], responses=VERSIONED_WRITE)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit a draft or returned report; send the version you read (If-Match or `version`), or it is refused."""
        report = access.access_report(request.user, kwargs["pk"], write=True)
        data = _valid(s.ReportUpdateSerializer, request.data)
        expected = pre.expected_version(request, data.get("version"), required=True)
        hazard = access.access_hazard(request.user, data["hazard"], write=True) if data.get("hazard") else None
        report = actions.update_draft(report, acting_user=request.user, payload=data.get("payload"),
                                      date_of_information=data.get("date_of_information"), hazard=hazard,
                                      expected_version=expected)  # fmt: skip
        return self._render(report)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            return Response({"detail": "Use PATCH to edit a draft."}, status=405)
        return super().update(request, *args, **kwargs)

    @extend_schema(request=s.VersionedWriteSerializer, parameters=[pre.IF_MATCH], responses=VERSIONED_WRITE)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit a draft or returned report for approval (all problems listed, nothing changed, on failure)."""
        report = access.access_report(request.user, pk, write=True)
        expected = _expected(request, _valid(s.VersionedWriteSerializer, request.data))
        return self._render(actions.submit_report(report, acting_user=request.user, expected_version=expected))

    @extend_schema(request=s.VersionedWriteSerializer, parameters=[pre.IF_MATCH], responses=VERSIONED_WRITE)
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, pk: str) -> Response:
        """The organisation's IM officer (or the authority's) marks a submitted report as validated."""
        report = access.access_report(request.user, pk, validate=True)
        expected = _expected(request, _valid(s.VersionedWriteSerializer, request.data))
        return self._render(actions.validate_report(report, acting_user=request.user, expected_version=expected))

    @extend_schema(request=s.ApproveSerializer, parameters=[pre.IF_MATCH], responses=VERSIONED_WRITE)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Approve and apply to the register: reconcile as new, update, replace, combine or link.

        `hazard_version` refuses the approval (409, with the hazard as it is now) if the hazard changed
        since the approver reviewed the report against it. Who approves: the national authority, or an
        operator it delegated the kind to; never whoever wrote, edited or imported the report (403).
        """
        report = access.access_report(request.user, pk, approve=True)
        data = _valid(s.ApproveSerializer, request.data)
        hazard = access.access_hazard(request.user, data["hazard"]) if data.get("hazard") else None
        report = actions.approve_report(report, acting_user=request.user, reconcile=data.get("reconcile") or None,
                                        hazard=hazard, override_reason=data.get("override_reason", ""),
                                        expected_version=_expected(request, data),
                                        expected_hazard_version=data.get("hazard_version"),
                                        overlap=data.get("overlap", ""))  # fmt: skip
        return self._render(report)

    @extend_schema(request=s.ReasonSerializer, parameters=[pre.IF_MATCH], responses=VERSIONED_WRITE)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str) -> Response:
        """Send back for correction with a reason."""
        report = access.access_report(request.user, pk, validate=True)
        data = _valid(s.ReasonSerializer, request.data)
        return self._render(actions.return_report(report, acting_user=request.user, reason=data["reason"],
                                                  expected_version=_expected(request, data)))  # fmt: skip

    @extend_schema(request=s.ReasonSerializer, parameters=[pre.IF_MATCH], responses=VERSIONED_WRITE)
    @action(detail=True, methods=["post"])
    def unapprove(self, request: Request, pk: str) -> Response:
        """Take back an approval (the authority, or a delegated operator its own); the hazard is rebuilt without it."""
        report = access.access_report(request.user, pk, unapprove=True)
        data = _valid(s.ReasonSerializer, request.data)
        return self._render(actions.unapprove_report(report, acting_user=request.user, reason=data["reason"],
                                                     expected_version=_expected(request, data)))  # fmt: skip

    @extend_schema(responses=s.TransitionSerializer(many=True))
    @action(detail=True, pagination_class=None)  # every step, one list (the schema said a page)
    def transitions(self, request: Request, pk: str) -> Response:
        """Every workflow step of the report: who, when, from which status to which, why."""
        report = self.get_object()
        rows = report.transitions.select_related("by")
        return Response(s.TransitionSerializer(rows, many=True).data)


def _expected(request: Request, data: dict[str, Any]) -> int | None:
    """A workflow step's version check is optional: honoured when the caller names the version it read."""
    return pre.expected_version(request, data.get("version"), required=False)


def _valid(serializer_class: Any, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationFailed([Problem(f, str(m)) for f, msgs in serializer.errors.items() for m in msgs])
    return dict(serializer.validated_data)


def _organisation_for(user: Any, code: str | None) -> Organisation:
    orgs = access.writable_organisations_for(user)
    if not orgs:  # QA officers and viewers: a refusal, not a question about which organisation
        raise NotAllowed("Your role may not create reports.")
    if code:
        chosen = [o for o in orgs if o.code == code]
        if not chosen:
            raise NotAllowed(f"You may not report for organisation '{code}'.")
        return chosen[0]
    own = [o for o in orgs if o.pk in access.scope_of(user).roles_by_org]
    if len(own) != 1:
        raise ValidationFailed([Problem("organisation", "say which organisation this report is for")])
    return own[0]


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def public_land_release(request: Request) -> Response:
    """Released land by province, for the public: areas and counts only, no personal data."""
    return Response({"generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "areas": queries.land_release_summary()})  # fmt: skip
