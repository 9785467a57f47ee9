"""`clearground export --format gpkg --out FILE [--collections a,b] [--bbox …] [--organisation …] [--as-user U]`.

The same core as GET /api/v1/exports/{format}/. Without --as-user the export holds what the
authority publishes to anonymous callers (settings.CLEARGROUND_PUBLISHED, decision 0037); --as-user
exports what that user may see, restricted collections included when their role allows (decision 0020).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.access import AnyUser
from core.errors import CleargroundError
from interop.exports import EXPORTERS, export, exporter_for, parse_request


class Command(BaseCommand):
    help = "Export the published collections to a file (GeoPackage, GeoJSON, FlatGeobuf, KML, shapefile, XLSX, CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", required=True, choices=list(EXPORTERS), help="export format")
        parser.add_argument("--out", required=True, type=Path, help="file to write (replaced if present)")
        parser.add_argument("--collections", default=None, help="comma-separated collection ids (default: all)")
        parser.add_argument("--bbox", default=None, help="west,south,east,north in WGS 84 degrees")
        parser.add_argument("--organisation", default=None, help="comma-separated organisation codes")
        parser.add_argument(
            "--as-user", default=None, help="export what this user may see (default: what is published)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user: AnyUser = AnonymousUser()
        if options["as_user"]:
            try:
                user = User.objects.get(username=options["as_user"])
            except User.DoesNotExist:
                raise CommandError(f"--as-user: no user named {options['as_user']!r}") from None
        out: Path = options["out"]
        if not out.parent.is_dir():
            raise CommandError(f"--out: folder {out.parent} does not exist")
        started = time.monotonic()
        try:
            exporter = exporter_for(options["format"])
            request = parse_request(user, collections=options["collections"], bbox=options["bbox"],
                                    organisation=options["organisation"])  # fmt: skip
            layers = export(user, exporter, request, out)
        except CleargroundError as exc:
            details = "; ".join(f"{p.field}: {p.message}" for p in exc.problems)
            raise CommandError(f"{exc.message} {details}".strip()) from None
        counts = ", ".join(f"{layer.name} {len(layer)}" for layer in layers)
        self.stdout.write(f"wrote {out} ({exporter.title}) in {time.monotonic() - started:.1f} s: {counts}")
