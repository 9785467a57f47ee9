"""REST doors onto reports: field reports and their workflow (/api/v1/reports/), their attachments
(/api/v1/reports/<id>/attachments/, for those who may read the report), and approval delegations.

Reports: parse → access check → action → render; every write goes through reports/actions.py. Approval
delegations (/api/v1/approval-delegations/) are the authority's record of who approves what: any member
reads them (which operator approves which kind is not secret, and tells a clerk where a report goes); the
national authority's admin grants and revokes them (reports.delegations; decision 0036).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access, audit
from accounts.access import AnyUser
from accounts.models import Organisation
from accounts.personal import has_personal_data
from clearground.api import preconditions as pre
from clearground.api.pagination import IdCursorPagination
from clearground.api.params import choices, object_id
from core.errors import NotAllowed, NotFoundOrNoAccess, Problem, ValidationFailed
from hazards.models import HazardousArea
from hazards.serializers import HazardSerializer
from reports import actions, attachments, delegations
from reports import serializers as s
from reports.kinds import KINDS
from reports.models import ApprovalDelegation, Report, ReportStatus

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


# ---------------------------------------------------------------- reports and their workflow


# A versioned write's answers: 409 and 412 carry the current state when the version it named was stale.
VERSIONED_WRITE = pre.write_responses(s.ReportSerializer)


class ReportViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet[Report]):
    """Field reports and their workflow: create (draft or submit), edit drafts, validate, approve, return."""

    serializer_class = s.ReportSerializer
    pagination_class = IdCursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Report]:
        qs = access.reports_for(self.request.user).select_related("organisation", "created_by", "approved_by")
        qs = qs.prefetch_related("attachments")  # one query for a page's files, not one per report
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
        """The record a stale write lost to, as this caller may see it (clearground/api/errors.py renders it)."""
        if isinstance(record, HazardousArea):
            return dict(HazardSerializer(record, context=self.get_serializer_context()).data)
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
        task = access.access_task(user, data["task"]) if data.get("task") else None
        supersedes = access.access_report(user, data["supersedes"], write=True) if data.get("supersedes") else None
        report = actions.create_report(
            acting_user=user,
            organisation=org,
            kind=data["kind"],
            date_of_information=data["date_of_information"],
            payload=data["payload"],
            hazard=hazard,
            task=task,
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
        task = access.access_task(request.user, data["task"]) if data.get("task") else None
        report = actions.update_draft(report, acting_user=request.user, payload=data.get("payload"),
                                      date_of_information=data.get("date_of_information"), hazard=hazard,
                                      task=task, expected_version=expected)  # fmt: skip
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
        if data.get("hazard_code"):
            hazard = access.access_hazard_by_code(request.user, data["hazard_code"])
        report = actions.approve_report(report, acting_user=request.user, reconcile=data.get("reconcile") or None,
                                        hazard=hazard, override_reason=data.get("override_reason", ""),
                                        reliability=data.get("reliability", ""),
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


def _organisation_for(user: AnyUser, code: str | None) -> Organisation:
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


ReportAttachmentSerializer = s.ReportAttachmentSerializer


@extend_schema(
    methods=["GET"],
    responses={200: ReportAttachmentSerializer(many=True)},
)
@extend_schema(
    methods=["POST"],
    request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
    responses={201: ReportAttachmentSerializer(many=True)},
)  # fmt: skip
@api_view(["GET", "POST"])
def report_attachments(request: Request, pk: str) -> Response:
    """GET: a report's attached files (photos, sketch maps, certificates), for whoever may read the report.
    POST (multipart, one or more `file` parts): attach files to a draft or returned report, for its writers;
    each checked as the OpenRosa intake checks them (reports.attachments), all or none stored."""
    if request.method == "POST":
        report = access.access_report(request.user, pk, write=True)
        added = attachments.upload_attachments(report, acting_user=request.user, uploads=request.FILES.getlist("file"))
        return Response(ReportAttachmentSerializer(added, many=True, context={"request": request}).data, status=201)
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
