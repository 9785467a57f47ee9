"""REST: approval delegations (/api/v1/approval-delegations/), the authority's record of who approves what;
a report's attachments (/api/v1/reports/<id>/attachments/), for those who may read the report.

Any member reads them (which operator approves which kind is not secret, and tells a clerk where a
report goes); the national authority's admin grants and revokes them (reports.delegations; decision 0036).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access
from accounts.models import Organisation
from core.errors import NotFoundOrNoAccess, Problem, ValidationFailed
from interop.rest.pagination import IdCursorPagination
from reports import delegations
from reports.models import ApprovalDelegation, ReportAttachment

Username = serializers.SlugRelatedField[Any]


def _valid(serializer_class: Any, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationFailed([Problem(f, str(m)) for f, msgs in serializer.errors.items() for m in msgs])
    return dict(serializer.validated_data)


class ApprovalDelegationSerializer(serializers.ModelSerializer[ApprovalDelegation]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    granted_by = Username(slug_field="username", read_only=True)
    revoked_by = Username(slug_field="username", read_only=True)
    kind = serializers.CharField(read_only=True)

    class Meta:
        model = ApprovalDelegation
        fields = ("id", "organisation", "kind", "granted_by", "granted_at", "reason", "revoked_at", "revoked_by",
                  "revoke_reason")  # fmt: skip


class GrantDelegationSerializer(serializers.Serializer[Any]):
    organisation = serializers.SlugField()
    kind = serializers.CharField()  # checked by grant_approval_delegation
    reason = serializers.CharField()


class RevokeDelegationSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField()


class ApprovalDelegationViewSet(viewsets.ReadOnlyModelViewSet[ApprovalDelegation]):
    """Approval delegations: which operator approves its own reports of which kind, granted by the authority."""

    serializer_class = ApprovalDelegationSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[ApprovalDelegation]:
        qs = ApprovalDelegation.objects.select_related("organisation", "granted_by", "revoked_by").order_by("-id")
        return qs if access.scope_of(self.request.user).is_member() else qs.none()

    def get_object(self) -> Any:
        row = self.get_queryset().filter(pk=self.kwargs["pk"]).first() if str(self.kwargs["pk"]).isdigit() else None
        if row is None:
            raise NotFoundOrNoAccess("No such approval delegation.")
        return row

    @extend_schema(request=GrantDelegationSerializer, responses={201: ApprovalDelegationSerializer})
    def create(self, request: Request) -> Response:
        """Delegate approval of one report kind to an operator (the national authority's admin only)."""
        data = _valid(GrantDelegationSerializer, request.data)
        org = Organisation.objects.filter(code=data["organisation"]).first()
        if org is None:
            raise ValidationFailed([Problem("organisation", f"there is no organisation '{data['organisation']}'")])
        row = delegations.grant_approval_delegation(acting_user=request.user, organisation=org, kind=data["kind"],
                                                    reason=data["reason"])  # fmt: skip
        return Response(ApprovalDelegationSerializer(row).data, status=201)

    @extend_schema(request=RevokeDelegationSerializer, responses={200: ApprovalDelegationSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        """End a delegation, with the reason: the authority approves that kind again."""
        row = self.get_object()
        data = _valid(RevokeDelegationSerializer, request.data)
        row = delegations.revoke_approval_delegation(row, acting_user=request.user, reason=data["reason"])
        return Response(ApprovalDelegationSerializer(row).data)


class ReportAttachmentSerializer(serializers.ModelSerializer[ReportAttachment]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportAttachment
        fields = ("name", "sha256", "size", "content_type", "url")

    def get_url(self, row: ReportAttachment) -> str:
        request = self.context["request"]
        return str(request.build_absolute_uri(f"/api/v1/reports/{row.report_id}/attachments/{row.name}"))


@extend_schema(responses={200: ReportAttachmentSerializer(many=True)})
@api_view(["GET"])
def report_attachments(request: Request, pk: str) -> Response:
    """A report's attached files (photos, sketch maps, certificates), for whoever may read the report."""
    report = access.access_report(request.user, pk)
    rows = report.attachments.all()
    return Response(ReportAttachmentSerializer(rows, many=True, context={"request": request}).data)


@extend_schema(responses={(200, "application/octet-stream"): bytes})
@api_view(["GET"])
def report_attachment_file(request: Request, pk: str, name: str) -> FileResponse:
    """One attached file, as a download (never shown inline: its type was checked, its content is the sender's)."""
    report = access.access_report(request.user, pk)
    row = report.attachments.filter(name=name).first()
    if row is None:
        raise NotFoundOrNoAccess("No such attachment.")
    return FileResponse(row.path.open("rb"), as_attachment=True, filename=row.name, content_type=row.content_type)
