"""`clearground publish --out DIR`: the static public map, for any static web server (decision 0056)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import CleargroundError
from interop.public_map.build import publish


class Command(BaseCommand):
    help = (
        "Write the authority's published layers (released land; hazard warnings if CLEARGROUND_PUBLISHED lists "
        "them) as PMTiles with a static page into a folder that any static web server can serve."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="", help="the folder to write (default: CLEARGROUND_PUBLIC_MAP_DIR)")
        parser.add_argument("--language", default="", help="the page's language (default: LANGUAGE_CODE)")

    def handle(self, *args: Any, **options: Any) -> None:
        out = options["out"] or settings.CLEARGROUND_PUBLIC_MAP_DIR
        if not out:
            raise CommandError("--out: give the folder to write (or set CLEARGROUND_PUBLIC_MAP_DIR).")
        language = options["language"] or None
        if language is not None and language not in dict(settings.LANGUAGES):
            raise CommandError(f"--language: {language!r} is not one of {', '.join(dict(settings.LANGUAGES))}.")
        if str(out).startswith("s3://"):
            # An S3-compatible bucket needs boto3, which is not among the installed packages (decision 0056).
            raise CommandError("s3://: publishing to a bucket needs boto3, which is not installed; publish to a "
                               "folder and copy it to the bucket (aws s3 sync, rclone).")  # fmt: skip
        try:
            result = publish(Path(out), language=language)
        except CleargroundError as e:
            raise CommandError("\n".join([e.message, *(f"  {p.field}: {p.message}" for p in e.problems)])) from e
        layers = ", ".join(f"{name} {count}" for name, count in result.layers.items()) or "no published layer"
        self.stdout.write(f"[publish] {out}: data version {result.data_version}, {layers} ({result.seconds:.1f} s)")
