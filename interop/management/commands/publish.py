"""`clearground publish --out DIR | --to s3://bucket/prefix`: the static public map (decisions 0056, 0062)."""

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
        "them) as PMTiles with a static page into a folder that any static web server can serve, or into an "
        "S3-compatible bucket."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="", help="the folder to write (default: CLEARGROUND_PUBLIC_MAP_DIR)")
        parser.add_argument(
            "--to", default="", help="s3://bucket/prefix: a bucket (CLEARGROUND_PUBLISH_S3_ENDPOINT, AWS_* credentials)"
        )
        parser.add_argument("--language", default="", help="the page's language (default: LANGUAGE_CODE)")

    def handle(self, *args: Any, **options: Any) -> None:
        to = options["to"]
        out = options["out"] or ("" if to else settings.CLEARGROUND_PUBLIC_MAP_DIR)
        if to and options["out"]:
            raise CommandError("--out and --to: give one target, a folder or a bucket.")
        if str(out).startswith("s3://"):
            raise CommandError(f"--out: {out} is a bucket; give it with --to.")
        if not out and not to:
            raise CommandError("--out: give the folder to write (or set CLEARGROUND_PUBLIC_MAP_DIR), or a bucket --to.")
        language = options["language"] or None
        if language is not None and language not in dict(settings.LANGUAGES):
            raise CommandError(f"--language: {language!r} is not one of {', '.join(dict(settings.LANGUAGES))}.")
        try:
            if to:
                from interop.public_map.bucket import publish_to_bucket

                upload = publish_to_bucket(to, language=language)
                result, where = upload.result, f"{to} ({len(upload.sent)} sent, {len(upload.unchanged)} unchanged)"
            else:
                result, where = publish(Path(out), language=language), str(out)
        except CleargroundError as e:
            raise CommandError("\n".join([e.message, *(f"  {p.field}: {p.message}" for p in e.problems)])) from e
        layers = ", ".join(f"{name} {count}" for name, count in result.layers.items()) or "no published layer"
        self.stdout.write(f"[publish] {where}: data version {result.data_version}, {layers} ({result.seconds:.1f} s)")
