"""REST door for exports: GET /api/v1/exports/{format}/?collections=a,b&bbox=w,s,e,n&organisation=code.

Parse → access (interop.exports.query: public collections for any signed-in user, the restricted
one scoped to the caller's organisation) → write → download. The file is written to a temporary
file first, so a failure is a JSON error, never half a download. Temporary files live in the exports'
own folder (interop/exports/scratch.py), swept of what a server killed mid-export left (decision 0028).
"""

from __future__ import annotations

import os
import tempfile

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request

from interop.exports import EXPORTERS, export, exporter_for, parse_request, scratch


def download_name(extension: str) -> str:
    """The file name a download is saved under, e.g. clearground-export-2026-12-02.gpkg."""
    return f"clearground-export-{timezone.now().date().isoformat()}.{extension}"


@extend_schema(
    parameters=[
        OpenApiParameter("export_format", str, OpenApiParameter.PATH, enum=list(EXPORTERS)),
        OpenApiParameter("collections", str, description="comma-separated collection ids (default: all)"),
        OpenApiParameter("bbox", str, description="west,south,east,north in WGS 84 degrees"),
        OpenApiParameter("organisation", str, description="comma-separated organisation codes"),
    ],
    # Each format's own media type (several are zip archives of one file per collection).
    responses={(200, media): OpenApiTypes.BINARY for media in sorted({e.media_type for e in EXPORTERS.values()})},
)
@api_view(["GET"])
def export_collections(request: Request, export_format: str) -> FileResponse:
    """The published collections the caller may see, as one file in the format asked for."""
    exporter = exporter_for(export_format)
    q = request.query_params
    export_request = parse_request(request.user, collections=q.get("collections"), bbox=q.get("bbox"),
                                   organisation=q.get("organisation"))  # fmt: skip
    fd, name = tempfile.mkstemp(prefix="clearground-download-", suffix=f".{exporter.extension}", dir=scratch.folder())
    os.close(fd)
    try:
        export(request.user, exporter, export_request, name)
        handle = open(name, "rb")  # noqa: SIM115 - FileResponse closes it when the download ends
    finally:
        os.unlink(name)  # the open handle keeps the data until the response is sent
    return FileResponse(handle, as_attachment=True, filename=download_name(exporter.extension),
                        content_type=exporter.media_type)  # fmt: skip
