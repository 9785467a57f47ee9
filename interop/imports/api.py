"""REST doors onto file imports and saved import profiles: parse → access → service/action → render.

Upload (POST /imports/) stores and reads the file at once; preview runs the rows through the
pipeline and rolls back; run queues an `import.run` job for the worker (202 + the job's URL to
poll); report.csv is the per-row account of problems; approve is the IM officer's one step over
the whole import. The service (interop/imports/service.py) does the work; these views only adapt.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import access
from accounts.access import AnyUser
from accounts.models import Organisation
from clearground.api import params as params_
from clearground.api.pagination import IdCursorPagination
from clearground.api.parsers import FormParser, JSONField, JSONParser, MultiPartParser
from core.errors import Conflict, NotAllowed, Problem, ValidationFailed
from interop.imports import mapping as mapping_mod
from interop.imports import service
from interop.imports.targets import TARGETS
from interop.models import Import, ImportProfile
from jobs.actions import enqueue
from jobs.api import JobSerializer, ProgressSerializer, progress_of
from jobs.models import Job

RUN_KIND = service.RUN_KIND
latest_jobs = service.latest_jobs
PREVIEW_KIND = "import.preview"


# ---------------------------------------------------------------- serializers


class ImportSerializer(serializers.ModelSerializer[Import]):
    organisation = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    profile = serializers.SlugRelatedField[Any](slug_field="name", read_only=True)
    job = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Import
        fields = ("id", "organisation", "created_by", "kind", "original_name", "sha256", "format", "layer", "crs",
                  "crs_override", "columns", "profile", "mapping", "status", "counts", "error", "created_at",
                  "started_at", "finished_at", "approved_at", "job", "progress", "links")  # fmt: skip

    def _job(self, import_: Import) -> Job | None:
        jobs: dict[int, Job] | None = self.context.get("jobs")
        return jobs.get(import_.pk) if jobs is not None else latest_jobs([import_.pk]).get(import_.pk)

    @extend_schema_field(JobSerializer(allow_null=True))
    def get_job(self, import_: Import) -> dict[str, Any] | None:
        job = self._job(import_)
        return JobSerializer(job).data if job else None

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, import_: Import) -> dict[str, Any]:
        return progress_of(self._job(import_))

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_links(self, import_: Import) -> dict[str, str]:
        detail = reverse("import-detail", args=[import_.pk])
        return {"self": detail, "preview": f"{detail}preview/", "run": f"{detail}run/",
                "report_csv": f"{detail}report.csv", "approve": f"{detail}approve/"}  # fmt: skip


class ImportUploadSerializer(serializers.Serializer[Any]):
    """The multipart form of an upload (documentation only: the view parses it to name every problem)."""

    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=sorted(TARGETS))
    organisation = serializers.CharField(required=False, help_text="the organisation's code (default: your own)")
    profile = serializers.CharField(required=False, help_text="a saved import profile's name")
    crs = serializers.CharField(required=False, help_text="override the file's CRS, e.g. EPSG:28992")
    layer = serializers.CharField(required=False, help_text="the layer to read (default: the first)")
    mapping = JSONField(required=False, help_text="a mapping object (JSON); overrides the profile's")


class RunSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField(default=False, help_text="approve every entered report in the same run")


class RunAcceptedSerializer(serializers.Serializer[Any]):
    job = JobSerializer()
    status_url = serializers.CharField()
    import_url = serializers.CharField()


class ImportProfileSerializer(serializers.ModelSerializer[ImportProfile]):
    created_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)

    class Meta:
        model = ImportProfile
        fields = ("id", "name", "kind", "description", "mapping", "created_by", "created_at")
        read_only_fields = ("created_by", "created_at")
        # Uniqueness is checked with the other problems in save_profile, in the project's error shape.
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}


# ---------------------------------------------------------------- helpers


def _writable_organisation(user: AnyUser, code: str, problems: list[Problem]) -> Organisation | None:
    orgs = access.writable_organisations_for(user)
    if not orgs:  # QA officers and viewers: a refusal, not a question about which organisation
        raise NotAllowed("Your role may not import files.")
    if code:
        chosen = [o for o in orgs if o.code == code]
        if not chosen:
            problems.append(
                Problem(
                    "organisation",
                    _("'%(code)s' is not an organisation you may import for") % {"code": code},
                    "unknown_organisation",
                )
            )
            return None
        return chosen[0]
    own = [o for o in orgs if o.pk in access.scope_of(user).roles_by_org]
    if len(own) != 1:
        problems.append(Problem("organisation", _("say which organisation (its code) this import is for"), "required"))
        return None
    return own[0]


def _user(request: Request) -> User:
    # IsAuthenticated (the default permission) has let only signed-in users this far.
    assert isinstance(request.user, User)
    return request.user


def _text(data: Any, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def _mapping(data: Any, problems: list[Problem]) -> dict[str, Any] | None:
    raw = data.get("mapping")
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(
                    "mapping",
                    _("is not JSON: %(reason)s at character %(position)s") % {"reason": exc.msg, "position": exc.pos},
                    "not_json",
                )
            )
            return None
    if not isinstance(raw, dict):
        problems.append(Problem("mapping", _("must be a JSON object"), "not_an_object"))
        return None
    problems += mapping_mod.check(raw)
    return raw


# ---------------------------------------------------------------- views


def _queued(job: Job, import_: Import) -> Response:
    """202 Accepted for a job of an import: the job, the URL to poll it at, and the import."""
    status_url = reverse("job-detail", args=[job.pk])
    body = {"job": JobSerializer(job).data, "status_url": status_url,
            "import_url": reverse("import-detail", args=[import_.pk])}  # fmt: skip
    return Response(body, status=202, headers={"Location": status_url})


class NewestFirst(IdCursorPagination):
    ordering = "-id"


class ImportViewSet(viewsets.GenericViewSet[Import]):
    """File imports of the caller's organisations: upload, preview, run (as a job), problems CSV, approve."""

    serializer_class = ImportSerializer
    pagination_class = NewestFirst
    queryset = Import.objects.none()  # for the schema; get_queryset scopes to the caller
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> QuerySet[Import]:
        qs = access.imports_for(self.request.user).select_related("organisation", "created_by", "profile")
        params = self.request.query_params
        if statuses := params_.choices(params, "status", Import.Status.values):
            qs = qs.filter(status__in=statuses)
        if kinds := params_.choices(params, "kind", TARGETS):
            qs = qs.filter(kind__in=kinds)
        if code := params_.organisation_code(params):
            qs = qs.filter(organisation__code=code)
        return qs

    def _render(self, import_: Import, status: int = 200) -> Response:
        return Response(ImportSerializer(import_).data, status=status)

    @extend_schema(parameters=[OpenApiParameter("status", str), OpenApiParameter("kind", str),
                               OpenApiParameter("organisation", str, description="organisation code")])  # fmt: skip
    def list(self, request: Request) -> Response:
        """Imports in the caller's scope, newest first, each with its latest job's progress."""
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page if page is not None else self.get_queryset())
        jobs = latest_jobs([i.pk for i in rows])
        data = ImportSerializer(rows, many=True, context={"jobs": jobs}).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, pk: str) -> Response:
        """One import: status, counts, and the progress of its latest run."""
        return self._render(access.access_import(request.user, pk))

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportSerializer})
    def create(self, request: Request) -> Response:
        """Upload a file to import (multipart): stored, its format, layer, CRS and columns read; not yet entered."""
        data: Any = request.data
        if not hasattr(data, "get"):
            raise ValidationFailed(
                [Problem("body", _("must be a form (multipart) with the file and its fields"), "not_multipart")]
            )
        problems: list[Problem] = []
        upload = request.FILES.get("file")
        if upload is None:
            problems.append(Problem("file", _("attach the file to import (multipart field 'file')"), "required"))
        kind = _text(data, "kind")
        if kind not in TARGETS:
            problems.append(
                Problem(
                    "kind",
                    _("'%(kind)s' is not an import kind (%(kinds)s)") % {"kind": kind, "kinds": ", ".join(TARGETS)},
                    "not_a_choice",
                )
            )
        organisation = _writable_organisation(request.user, _text(data, "organisation"), problems)
        profile = None
        if name := _text(data, "profile"):
            profile = ImportProfile.objects.filter(name=name).first()
            if profile is None:
                problems.append(
                    Problem(
                        "profile", _("there is no import profile named '%(name)s'") % {"name": name}, "unknown_profile"
                    )
                )
        mapping = _mapping(data, problems)
        if problems:
            raise ValidationFailed(problems)
        assert upload is not None and organisation is not None
        import_ = service.create_import_from_upload(
            upload=upload, acting_user=_user(request), organisation=organisation, kind=kind, profile=profile,
            mapping=mapping, crs=_text(data, "crs") or None, layer=_text(data, "layer") or None,
        )  # fmt: skip
        return self._render(import_, 201)

    @extend_schema(parameters=[OpenApiParameter("rows", int, description="rows to show (default 20)")],
                   responses={200: OpenApiTypes.OBJECT})  # fmt: skip
    @action(detail=True, methods=["get", "post"])
    def preview(self, request: Request, pk: str) -> Response:
        """What running the import would do, row by row, over the whole file; stores nothing but its counts.

        GET answers at once (a file of a few thousand rows); POST queues the same preview for the worker
        (202 and a job to poll, its result is the preview) for a file too large for one web request.
        """
        import_ = access.access_import(request.user, pk, write=True)
        raw = str(request.query_params.get("rows", "20"))
        if request.method == "POST" and hasattr(request.data, "get") and "rows" in request.data:
            raw = str(request.data.get("rows"))
        if not raw.isdigit() or not 0 < int(raw) <= 1000:
            raise ValidationFailed(
                [
                    Problem(
                        "rows", _("'%(value)s' is not a number of rows from 1 to 1000") % {"value": raw}, "out_of_range"
                    )
                ]
            )
        if request.method == "GET":
            return Response(service.preview_import(import_, rows=int(raw)))
        job = enqueue(PREVIEW_KIND, {"import_id": import_.pk, "rows": int(raw)}, acting_user=request.user)
        return _queued(job, import_)

    @extend_schema(request=RunSerializer, responses={202: RunAcceptedSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str) -> Response:
        """Queue the import for the worker; poll the job's URL for progress (the import shows it too)."""
        data: Any = request.data
        approve = data.get("approve", False) if hasattr(data, "get") else None
        if isinstance(approve, str) and approve.lower() in {"true", "false", "1", "0", "yes", "no"}:
            approve = approve.lower() in {"true", "1", "yes"}  # a form post
        if not isinstance(approve, bool):
            raise ValidationFailed([Problem("approve", _("must be true or false"), "not_a_boolean")])
        import_ = access.access_import(request.user, pk, write=True, approve=approve)
        job = service.queue_run(import_, acting_user=_user(request), approve=approve)
        return _queued(job, import_)

    @extend_schema(request=None, responses={200: ImportSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """The authority (or a delegated operator's IM officer) approves every report the import entered, in one
        step; never the import's uploader or runner."""
        import_ = access.access_import(request.user, pk, approve=True)
        return self._render(service.approve_import(import_, acting_user=_user(request)))

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def report_csv(self, request: Request, pk: str) -> HttpResponse:
        """The per-row account of problems: row, status (repaired, rejected, duplicate), field, reason."""
        import_ = access.access_import(request.user, pk)
        if not import_.report_csv and import_.status not in (Import.Status.DONE, Import.Status.APPROVED):
            raise Conflict(f"The problem report is written when the import has run; it is {import_.status}.")
        response = HttpResponse(import_.report_csv or "row,status,field,reason\n", content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="import-{import_.pk}-problems.csv"'
        return response


class ImportProfileViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[ImportProfile]):
    """Saved import profiles (how one partner's columns map to a report kind): list, create, read, change."""

    serializer_class = ImportProfileSerializer
    pagination_class = IdCursorPagination
    queryset = ImportProfile.objects.none()

    def get_queryset(self) -> QuerySet[ImportProfile]:
        if not access.scope_of(self.request.user).is_member():
            return ImportProfile.objects.none()
        qs = ImportProfile.objects.select_related("created_by")
        kinds = params_.choices(self.request.query_params, "kind", TARGETS)
        return qs.filter(kind__in=kinds) if kinds else qs

    def retrieve(self, request: Request, pk: str) -> Response:
        """One profile."""
        return Response(ImportProfileSerializer(access.access_import_profile(request.user, pk)).data)

    def create(self, request: Request) -> Response:
        """Save a new profile; every problem (name taken, unknown kind, mapping) named at once."""
        if not access.may_write_somewhere(request.user):
            raise NotAllowed("Your role may not save import profiles.")
        profile = service.save_profile(acting_user=request.user, data=_profile_data(request.data))
        return Response(ImportProfileSerializer(profile).data, status=201)

    def update(self, request: Request, pk: str) -> Response:
        """Replace a profile (its author or the authority's IM officers)."""
        profile = access.access_import_profile(request.user, pk, write=True)
        profile = service.save_profile(acting_user=request.user, data=_profile_data(request.data), profile=profile)
        return Response(ImportProfileSerializer(profile).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        """Change some of a profile's fields."""
        profile = access.access_import_profile(request.user, pk, write=True)
        data = _profile_data(request.data)
        profile = service.save_profile(acting_user=request.user, data=data, profile=profile, partial=True)
        return Response(ImportProfileSerializer(profile).data)


def _profile_data(raw: Any) -> dict[str, Any]:
    if not hasattr(raw, "get"):
        raise ValidationFailed(
            [Problem("body", _("must be a JSON object with name, kind, description, mapping"), "not_an_object")]
        )
    data = {k: raw[k] for k in ("name", "kind", "description", "mapping") if k in raw}
    if isinstance(data.get("mapping"), str):  # a form post sends JSON as text
        try:
            data["mapping"] = json.loads(data["mapping"])
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                [
                    Problem(
                        "mapping",
                        _("is not JSON: %(reason)s at character %(position)s")
                        % {"reason": exc.msg, "position": exc.pos},
                        "not_json",
                    )
                ]
            ) from None
    return data
