"""REST doors onto minefield records through their life (decision 0049): parse → access → query → render.

Records are filed and changed only as reports (`minefield_record`, `minefield_inspection`,
`minefield_handover` at /api/v1/reports/); these doors read what approvals recorded. Scoped as their
hazards are: the authority sees every record, an operator its own hazards' records, anonymous nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access
from core.errors import NotFoundOrNoAccess, Problem, ValidationFailed
from hazards.minefields import history, overdue_inspections, overdue_row
from hazards.models import MinefieldInspection, MinefieldRecord, MinefieldRecordTransfer
from interop.rest.pagination import IdCursorPagination


def records_for(user: Any) -> QuerySet[MinefieldRecord]:
    """Minefield records the user may see: those on hazards the user may see."""
    return access.scoped(user, MinefieldRecord.objects.all(), "hazard__organisation_id")


def access_minefield_record(user: Any, pk: int | str) -> MinefieldRecord:
    """The record if the user may see its hazard; a forbidden record and a missing one answer alike."""
    try:
        return records_for(user).select_related("report__organisation", "hazard").get(pk=pk)
    except (MinefieldRecord.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such minefield record.") from None


class MinefieldInspectionSerializer(serializers.ModelSerializer[MinefieldInspection]):
    hazard = serializers.IntegerField(source="record.hazard_id", read_only=True)

    class Meta:
        model = MinefieldInspection
        fields = ("id", "record", "hazard", "report", "on", "element", "condition", "next_due", "notes")


class MinefieldRecordTransferSerializer(serializers.ModelSerializer[MinefieldRecordTransfer]):
    hazard = serializers.IntegerField(source="record.hazard_id", read_only=True)

    class Meta:
        model = MinefieldRecordTransfer
        fields = ("id", "record", "hazard", "report", "on", "handed_from", "handed_to", "document_reference")


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

    serializer_class = MinefieldInspectionSerializer
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

    serializer_class = MinefieldRecordTransferSerializer
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
