"""REST door onto background jobs (/api/v1/jobs/): poll one for its status and progress.

An import's run and preview answer 202 with a job's URL here (interop/imports/api.py).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from jobs.access import access_job
from jobs.models import Job


class ProgressSerializer(serializers.Serializer[Any]):
    done = serializers.IntegerField()
    total = serializers.IntegerField(allow_null=True)
    percent = serializers.FloatField(allow_null=True)


def progress_of(job: Job | None) -> dict[str, Any]:
    """A job's progress as the API shows it (no job yet: nothing done, total unknown)."""
    if job is None:
        return {"done": 0, "total": None, "percent": None}
    return {"done": job.progress_done, "total": job.progress_total, "percent": job.percent}


class JobSerializer(serializers.ModelSerializer[Job]):
    created_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    progress = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ("id", "kind", "args", "status", "progress", "message", "error", "result", "attempts",
                  "created_by", "created_at", "started_at", "finished_at", "url")  # fmt: skip

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, job: Job) -> dict[str, Any]:
        return progress_of(job)

    def get_url(self, job: Job) -> str:
        return reverse("job-detail", args=[job.pk])


class JobViewSet(viewsets.GenericViewSet[Job]):
    """Background jobs: poll one for its status and progress."""

    serializer_class = JobSerializer
    queryset = Job.objects.none()

    def retrieve(self, request: Request, pk: str) -> Response:
        """A job's status, progress (done, total, percent), error and result."""
        return Response(JobSerializer(access_job(request.user, pk)).data)
