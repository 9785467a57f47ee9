"""REST doors onto task orders (decision 0050): parse → access → action → render.

The authority sees every task and issues and cancels them; an operator sees the tasks issued to it
and runs them (accept, decline, assign a team, start, suspend, complete). Outsiders get 404. Each
step is a POST naming, optionally, the version it was decided on (If-Match or `version`, decision
0027); the task's ETag is its version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpResponse
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access
from accounts.models import Organisation
from clearground.api import preconditions as pre
from clearground.api.pagination import IdCursorPagination
from clearground.api.params import choices
from clearground.api.parsers import JSONField
from core.errors import NotAllowed, NotFoundOrNoAccess, Problem, ValidationFailed
from obligations.exports import language_of
from operations import actions, documents, dossier, monthly, notifications, queries
from operations.models import Notification, PriorityWeights, Task, TaskDocument, TaskTransition
from operations.priorities import ranking_for
from operations.workflow import Priority, TaskStatus
from quality.models import Team


def _valid(serializer_class: Any, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationFailed([Problem(f, str(m)) for f, msgs in serializer.errors.items() for m in msgs])
    return dict(serializer.validated_data)


class TaskTransitionSerializer(serializers.ModelSerializer[TaskTransition]):
    by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    team = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = TaskTransition
        fields = ("from_status", "to_status", "team", "by", "at", "reason")


class TaskSerializer(serializers.ModelSerializer[Task]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    team = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    issued_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    area = serializers.SerializerMethodField()
    # Plain codes: the schema names the ActivityKind choice set once, on activities (as accreditations do).
    activity_kind = serializers.CharField(read_only=True)
    priority = serializers.CharField(read_only=True, help_text="high, medium or low")
    status = serializers.CharField(read_only=True)
    transitions = TaskTransitionSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = ("id", "hazard", "area", "activity_kind", "organisation", "team", "start_on", "due_on",
                  "priority", "instructions", "call_out", "status", "issued_by", "issued_at", "version",
                  "transitions")  # fmt: skip

    def get_area(self, obj: Task) -> dict[str, Any] | None:
        """The tasked area or call-out point as GeoJSON (null for a task on a hazard alone)."""
        import json

        return json.loads(obj.area.geojson) if obj.area is not None else None


class TaskIssueSerializer(serializers.Serializer[Any]):
    organisation = serializers.SlugField(help_text="The operator tasked")
    activity_kind = serializers.CharField()  # checked by issue_task
    hazard = serializers.IntegerField(required=False, allow_null=True)
    area = JSONField(required=False, allow_null=True, help_text="A GeoJSON polygon, when no hazard")
    team = serializers.SlugField(required=False, allow_blank=True, default="", help_text="The operator's team code")
    start_on = serializers.DateField()
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    priority = serializers.CharField(default=Priority.MEDIUM, help_text="high, medium or low")  # checked by issue_task
    instructions = serializers.CharField(required=False, allow_blank=True, default="")


class TaskStepSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(required=False, min_value=1, help_text="The task's version you read")


class TaskReasonSerializer(TaskStepSerializer):
    reason = serializers.CharField(allow_blank=True)


class TaskAssignTeamSerializer(TaskStepSerializer):
    team = serializers.SlugField(help_text="The code of one of the operator's teams")


STEP = pre.write_responses(TaskSerializer)
DOSSIER_PARAMETERS = [
    OpenApiParameter("language", str, enum=[code for code, _name in settings.LANGUAGES],
                     description="default: the request's language"),
    OpenApiParameter("within", float, description=f"metres around the area for finds and accidents "
                                                  f"(default {dossier.WITHIN_M}, at most {dossier.MAX_WITHIN_M})"),
]  # fmt: skip


class TaskViewSet(viewsets.ReadOnlyModelViewSet[Task]):
    """Task orders (IMAS 07.10/07.11): the authority issues them to operators, who accept and run them."""

    serializer_class = TaskSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Task]:
        qs = access.tasks_for(self.request.user).select_related("organisation", "team", "issued_by")
        # The steps with their author and team in one query (not one per level): the list at scale, decision 0057.
        qs = qs.prefetch_related(Prefetch("transitions", TaskTransition.objects.select_related("by", "team")))
        params = self.request.query_params
        if statuses := choices(params, "status", TaskStatus.values):
            qs = qs.filter(status__in=statuses)
        qs = queries.filter_tasks(qs, organisation=params.get("organisation", ""), province=params.get("province", ""))
        if (hazard := params.get("hazard")) is not None:
            if not hazard.isdigit():
                raise ValidationFailed([Problem("hazard", "must be a hazard id")])
            qs = qs.filter(hazard_id=int(hazard))
        return qs

    def get_object(self) -> Any:
        access.access_task(self.request.user, self.kwargs["pk"])
        return self.get_queryset().get(pk=self.kwargs["pk"])

    def current_state(self, record: Task) -> dict[str, Any]:
        """The task a stale step lost to (clearground/api/errors.py renders it)."""
        return dict(TaskSerializer(self.get_queryset().get(pk=record.pk)).data)

    def _render(self, task: Task, status: int = 200) -> Response:
        task = self.get_queryset().get(pk=task.pk)
        response: Response = pre.with_etag(Response(TaskSerializer(task).data, status=status), task)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One task with its steps; its ETag names its version."""
        task = self.get_object()
        response: Response = pre.with_etag(Response(TaskSerializer(task).data), task)
        return response

    @extend_schema(request=TaskIssueSerializer, responses={201: TaskSerializer})
    def create(self, request: Request) -> Response:
        """Issue a task: the hazard (or an area), the activity, the operator, maybe its team, dates, priority."""
        if not access.may_issue_task(request.user):
            raise NotAllowed("Only the national authority's IM officers and admin issue tasks.")
        data = _valid(TaskIssueSerializer, request.data)
        org = Organisation.objects.filter(code=data["organisation"]).first()
        if org is None:
            raise ValidationFailed([Problem("organisation", f"there is no organisation '{data['organisation']}'")])
        hazard = access.access_hazard(request.user, data["hazard"]) if data.get("hazard") is not None else None
        team = None
        if data["team"]:
            team = Team.objects.filter(organisation=org, code=data["team"]).first()
            if team is None:
                raise ValidationFailed([Problem("team", f"{org.code} has no team '{data['team']}'")])
        # Documents may come with the order (multipart `file` parts): both stored, or neither (decision 0057).
        uploads = request.FILES.getlist("file")
        with transaction.atomic() if uploads else nullcontext():
            task = actions.issue_task(acting_user=request.user, organisation=org, activity_kind=data["activity_kind"],
                                      hazard=hazard, area=data.get("area"), team=team, start_on=data["start_on"],
                                      due_on=data["due_on"], priority=data["priority"],
                                      instructions=data["instructions"])  # fmt: skip
            if uploads:
                documents.attach_documents(task, acting_user=request.user, uploads=uploads)
        return self._render(task, 201)

    def _step(self, request: Request, pk: str, step: Callable[..., Task], *, reason: bool = False,
              issue: bool = False) -> Response:  # fmt: skip
        task = access.access_task(request.user, pk, run=not issue, issue=issue)
        data = _valid(TaskReasonSerializer if reason else TaskStepSerializer, request.data)
        expected = pre.expected_version(request, data.pop("version", None), required=False)
        return self._render(step(task, acting_user=request.user, expected_version=expected, **data))

    @extend_schema(request=TaskStepSerializer, parameters=[pre.IF_MATCH], responses=STEP)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """The tasked operator accepts: issued → accepted."""
        return self._step(request, pk, actions.accept_task)

    @extend_schema(request=TaskReasonSerializer, parameters=[pre.IF_MATCH], responses=STEP)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        """The tasked operator declines, with the reason: issued → declined."""
        return self._step(request, pk, actions.decline_task, reason=True)

    @extend_schema(request=TaskAssignTeamSerializer, parameters=[pre.IF_MATCH], responses=STEP)
    @action(detail=True, methods=["post"], url_path="assign-team")
    def assign_team(self, request: Request, pk: str) -> Response:
        """Put one of the operator's teams on the task; refused (400, with the reason) unless it is accredited."""
        task = access.access_task(request.user, pk, run=True)
        data = _valid(TaskAssignTeamSerializer, request.data)
        team = Team.objects.filter(organisation_id=task.organisation_id, code=data["team"]).first()
        if team is None:
            raise ValidationFailed([Problem("team", f"{task.organisation.code} has no team '{data['team']}'")])
        expected = pre.expected_version(request, data.get("version"), required=False)
        return self._render(actions.assign_team(task, acting_user=request.user, team=team, expected_version=expected))

    @extend_schema(request=TaskStepSerializer, parameters=[pre.IF_MATCH], responses=STEP)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        """Work begins (or resumes after a suspension): → started. A team must be assigned."""
        return self._step(request, pk, actions.start_task)

    @extend_schema(request=TaskReasonSerializer, parameters=[pre.IF_MATCH], responses=STEP)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str) -> Response:
        """Work stops for a while, with the reason: started → suspended."""
        return self._step(request, pk, actions.suspend_task, reason=True)

    @extend_schema(request=TaskStepSerializer, parameters=[pre.IF_MATCH], responses=STEP)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """The operator reports the task done: started → completed."""
        return self._step(request, pk, actions.complete_task)

    @extend_schema(request=TaskReasonSerializer, parameters=[pre.IF_MATCH], responses=STEP)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """The authority withdraws a task that is not over, with the reason."""
        return self._step(request, pk, actions.cancel_task, reason=True, issue=True)

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM (default: this month)")],
        responses={200: dict},
    )
    @action(detail=False, url_path="monthly-reporting")
    def monthly_reporting(self, request: Request) -> Response:
        """The month's operator reporting (decision 0053): operators that have not reported on tasks at work in
        the month, tasks overdue at its end, suspended work. The authority sees every operator, an operator itself."""
        first, last = monthly.parse_month(request.query_params.get("month"))
        return Response(monthly.monthly_reporting(request.user, first, last))

    @extend_schema(parameters=DOSSIER_PARAMETERS, responses={(200, "application/pdf"): bytes})
    def dossier(self, request: Request, pk: str) -> HttpResponse:
        """The task's dossier for the team leader (PDF): whoever may read the task; audited (decision 0053)."""
        task = access.access_task(request.user, pk)
        language = language_of(request.query_params.get("language"), get_language())
        within = dossier.parse_within(request.query_params.get("within"))
        data = dossier.render_dossier(task, reader=request.user, within_m=within, language=language)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="task-{task.pk}-dossier-{language}.pdf"'
        return response


class TaskDocumentSerializer(serializers.ModelSerializer[TaskDocument]):
    """A document attached to a task: its download address is readable by whoever may read the task."""

    added_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = TaskDocument
        fields = ("name", "sha256", "size", "content_type", "added_by", "added_at", "url")

    def get_url(self, row: TaskDocument) -> str:
        path = f"/api/v1/tasks/{row.task_id}/attachments/{row.name}"
        request = self.context.get("request")
        return str(request.build_absolute_uri(path)) if request is not None else path


@extend_schema(methods=["GET"], responses={200: TaskDocumentSerializer(many=True)})
@extend_schema(
    methods=["POST"],
    request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
    responses={201: TaskDocumentSerializer(many=True)},
)  # fmt: skip
@api_view(["GET", "POST"])
def task_documents(request: Request, pk: str) -> Response:
    """GET: the documents attached to a task, for whoever may read it (the authority, the tasked operator).
    POST (multipart, one or more `file` parts): the authority attaches documents, checked as report
    attachments are (JPEG, PNG, PDF; size; type from the bytes), all or none stored (decision 0057)."""
    task = access.access_task(request.user, pk)
    if request.method == "POST":
        added = documents.attach_documents(task, acting_user=request.user, uploads=request.FILES.getlist("file"))
        return Response(TaskDocumentSerializer(added, many=True, context={"request": request}).data, status=201)
    rows = task.documents.select_related("added_by")
    return Response(TaskDocumentSerializer(rows, many=True, context={"request": request}).data)


@extend_schema(responses={(200, "application/octet-stream"): bytes})
@api_view(["GET"])
def task_document_file(request: Request, pk: str, name: str) -> FileResponse:
    """One document of a task, as a download, for whoever may read the task; each read audited."""
    row = documents.document_for(request.user, pk, name)
    return FileResponse(row.path.open("rb"), as_attachment=True, filename=row.name, content_type=row.content_type)


# Prioritisation for tasking (decision 0054).


def _on(request: Request) -> dt.date:
    raw = request.query_params.get("on", "")
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed([Problem("on", f"'{raw[:40]}' is not a date (YYYY-MM-DD)")]) from None


def _weights_json(row: PriorityWeights) -> dict[str, Any]:
    return {"version": row.version, "in_force_from": row.in_force_from, "weights": row.weights,
            "set_by": row.set_by.username, "set_at": row.set_at, "reason": row.reason}  # fmt: skip


@extend_schema(
    parameters=[OpenApiParameter("on", dt.date, description="the day to rank as (default today)")],
    responses={200: dict},
)
@api_view(["GET"])
def priorities(request: Request) -> Response:
    """Open hazards ranked for tasking on a date, each score with its inputs and the weights version used."""
    on = _on(request)
    force, rows = ranking_for(request.user, on)
    return Response({"on": on, "weights": {"version": force.version, "in_force_from": force.in_force_from,
                                           "weights": force.weights.as_json()},
                     "results": [p.as_json() for p in rows]})  # fmt: skip


class PriorityWeightsSerializer(serializers.Serializer[Any]):
    weights = JSONField(help_text="criterion → weight; land_use an object of land use → weight")
    reason = serializers.CharField(allow_blank=True)
    in_force_from = serializers.DateField(required=False, allow_null=True, default=None,
                                          help_text="default today; never in the past")  # fmt: skip


@extend_schema(methods=["GET"], responses={200: dict})
@extend_schema(methods=["POST"], request=PriorityWeightsSerializer, responses={201: dict})
@api_view(["GET", "POST"])
def priority_weights(request: Request) -> Response:
    """The versions of the prioritisation weights, newest first; the authority's IM officers and admin add one."""
    if request.method == "POST":
        if not access.may_set_priority_weights(request.user):
            raise NotAllowed("Only the national authority's IM officers and admin set the priority weights.")
        data = _valid(PriorityWeightsSerializer, request.data)
        row = actions.set_priority_weights(acting_user=request.user, weights=data["weights"], reason=data["reason"],
                                           in_force_from=data["in_force_from"])  # fmt: skip
        return Response(_weights_json(row), status=201)
    if not access.may_read_priorities(request.user):
        raise NotAllowed("Only the national authority and the operators read the priorities.")
    rows = PriorityWeights.objects.select_related("set_by").order_by("-version")
    return Response({"results": [_weights_json(r) for r in rows]})


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    event = serializers.CharField(read_only=True, help_text="issued, accepted, overdue or returned")
    subject = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ("id", "event", "task", "report", "subject", "body", "link", "created_at", "read_at")

    def get_subject(self, obj: Notification) -> str:
        """In the reader's language."""
        return notifications.message(obj)[0]

    def get_body(self, obj: Notification) -> str:
        return notifications.message(obj)[1]

    def get_link(self, obj: Notification) -> str:
        """The page the notification is about."""
        return notifications.link(obj)


class NotificationReadSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                help_text="the notifications to mark read; all unread ones when absent")  # fmt: skip


class NotificationViewSet(viewsets.ReadOnlyModelViewSet[Notification]):
    """The caller's own notifications about tasks (decision 0053), newest first; `?unread=true` for the unread."""

    serializer_class = NotificationSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Notification]:
        qs = notifications.notifications_for(self.request.user)
        unread = self.request.query_params.get("unread")
        if unread not in (None, "", "true", "false"):
            raise ValidationFailed([Problem("unread", "true or false")])
        return qs.filter(read_at__isnull=True) if unread == "true" else qs

    def get_object(self) -> Any:
        found = self.get_queryset().filter(pk=self.kwargs["pk"]).first() if str(self.kwargs["pk"]).isdigit() else None
        if found is None:
            raise NotFoundOrNoAccess("No such notification.")
        return found

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        """Mark one of your notifications read."""
        notification = self.get_object()
        notifications.mark_read(request.user, [notification.pk])
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=NotificationReadSerializer, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark your notifications read (those named by `ids`, or all): how many changed, how many stay unread."""
        data = _valid(NotificationReadSerializer, request.data)
        changed = notifications.mark_read(request.user, data.get("ids"))
        return Response({"marked": changed, "unread": notifications.unread_count(request.user)})
