"""REST doors onto the register: hazards, the facts recorded on them, minefield records through their life,
hazard indications (decision 0048), clearance outputs, the public summary.

Parse → access check → query → render; written only through approved reports (reports/api.py). No rules
live here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access, audit
from accounts.access import AnyUser
from clearground.api import preconditions as pre
from clearground.api.pagination import IdCursorPagination
from core.errors import NotFoundOrNoAccess, Problem, ValidationFailed
from hazards import queries
from hazards import serializers as s
from hazards.minefields import history, overdue_inspections, overdue_row
from hazards.models import (
    Activity,
    Evidence,
    Find,
    Handover,
    HazardIndication,
    HazardousArea,
    HazardStatusChange,
    LandReleaseProduct,
    MinefieldInspection,
    MinefieldRecord,
    MinefieldRecordTransfer,
)
from hazards.outputs import ClearanceOutput, clearance_statistics
from vocab.choices import IndicationKind

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


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def public_land_release(request: Request) -> Response:
    """Released land by province, for the public: areas and counts only, no personal data."""
    return Response({"generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "areas": queries.land_release_summary()})  # fmt: skip


# ---------------------------------------------------------------- clearance outputs
# Summaries are filed as reports (`kind: clearance_summary` at /api/v1/reports/) or imported
# (`clearground import --kind clearance_summary`); these doors read what approvals recorded.


def outputs_for(user: AnyUser) -> QuerySet[ClearanceOutput]:
    """Clearance outputs the user may see: those of their organisations (all for the authority)."""
    return access.scoped(user, ClearanceOutput.objects.all(), "organisation_id")


def _filtered_outputs(request: Request, qs: QuerySet[ClearanceOutput]) -> QuerySet[ClearanceOutput]:
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


OUTPUT_FILTERS = [
    OpenApiParameter("year", int, description="the year of the period"),
    OpenApiParameter("pcode", str, description="a municipality's code (DIVIPOLA 05652) or its department's (05)"),
    OpenApiParameter("organisation", str, description="organisation code"),
]


@extend_schema(parameters=OUTPUT_FILTERS)
class ClearanceOutputViewSet(viewsets.ReadOnlyModelViewSet[ClearanceOutput]):
    """Monthly clearance outputs in the caller's scope (`?year=`, `?pcode=`, `?organisation=`)."""

    serializer_class = s.ClearanceOutputSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[ClearanceOutput]:
        qs = outputs_for(self.request.user).select_related("organisation", "admin_area")
        return _filtered_outputs(self.request, qs)

    def get_object(self) -> ClearanceOutput:
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (ClearanceOutput.DoesNotExist, ValueError, TypeError):
            raise NotFoundOrNoAccess("No such clearance output.") from None

    @extend_schema(parameters=OUTPUT_FILTERS, responses={200: dict})
    @action(detail=False, pagination_class=None)
    def statistics(self, request: Request) -> Response:
        """m² cleared and devices destroyed in total and per year × department, over the filtered outputs."""
        return Response(clearance_statistics(_filtered_outputs(request, outputs_for(request.user))))


# ---- minefield records through their life (decision 0049): read what approvals recorded; filed as reports


def records_for(user: AnyUser) -> QuerySet[MinefieldRecord]:
    """Minefield records the user may see: those on hazards the user may see."""
    return access.scoped(user, MinefieldRecord.objects.all(), "hazard__organisation_id")


def access_minefield_record(user: AnyUser, pk: int | str) -> MinefieldRecord:
    """The record if the user may see its hazard; a forbidden record and a missing one answer alike."""
    try:
        return records_for(user).select_related("report__organisation", "hazard").get(pk=pk)
    except (MinefieldRecord.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such minefield record.") from None


def _on(request: Request) -> dt.date:
    raw = request.query_params.get("on") or ""
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed([Problem("on", f"'{raw}' is not a date (YYYY-MM-DD)")]) from None


class MinefieldInspectionViewSet(viewsets.ReadOnlyModelViewSet[MinefieldInspection]):
    """Inspections of recorded minefields' marking, fence and monitoring (`?record=`), and the overdue list."""

    serializer_class = s.MinefieldInspectionSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[MinefieldInspection]:
        qs = access.scoped(self.request.user, MinefieldInspection.objects.all(), "record__hazard__organisation_id")
        record = self.request.query_params.get("record")
        if record:
            if not record.isdigit():
                raise ValidationFailed([Problem("record", "must be a minefield record id")])
            qs = qs.filter(record_id=int(record))
        return qs.select_related("record")

    def get_object(self) -> MinefieldInspection:
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (MinefieldInspection.DoesNotExist, ValueError, TypeError):
            raise NotFoundOrNoAccess("No such minefield inspection.") from None

    @extend_schema(
        parameters=[OpenApiParameter("on", dt.date, description="the day to judge by (default: today)")],
        responses={200: dict},
    )
    @action(detail=False, pagination_class=None)
    def overdue(self, request: Request) -> Response:
        """Recorded minefields whose inspection is overdue (due before `on`, or never scheduled), most overdue first."""
        on = _on(request)
        rows = [overdue_row(r, on) for r in overdue_inspections(records_for(request.user), on)]
        return Response({"on": on.isoformat(), "count": len(rows), "records": rows})


class MinefieldRecordTransferViewSet(viewsets.ReadOnlyModelViewSet[MinefieldRecordTransfer]):
    """Hand-overs of minefield records (to the clearing organisation), in the caller's scope."""

    serializer_class = s.MinefieldRecordTransferSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[MinefieldRecordTransfer]:
        qs = access.scoped(self.request.user, MinefieldRecordTransfer.objects.all(),
                           "record__hazard__organisation_id")  # fmt: skip
        return qs.select_related("record")

    def get_object(self) -> MinefieldRecordTransfer:
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (MinefieldRecordTransfer.DoesNotExist, ValueError, TypeError):
            raise NotFoundOrNoAccess("No such minefield record hand-over.") from None


@extend_schema(responses={200: dict})
@api_view(["GET"])
def minefield_record_history(request: Request, pk: int) -> Response:
    """A minefield record's life: received (from whom, document, rating), inspections, hand-overs, by date."""
    record = access_minefield_record(request.user, pk)
    return Response({"record": record.pk, "hazard": record.hazard_id, "held_by": record.held_by,
                     "events": history(record)})  # fmt: skip


# ---- hazard indications: points for survey and lifted minefields, not yet hazards (decision 0048)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=IndicationKind.values, description="suspected or lifted_minefield")
        ]
    )  # fmt: skip
)
class HazardIndicationViewSet(viewsets.ReadOnlyModelViewSet[HazardIndication]):
    """Hazard indications: suspected contamination to survey, and lifted minefields (not yet hazards)."""

    serializer_class = s.HazardIndicationSerializer
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
