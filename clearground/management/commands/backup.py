"""`clearground backup [--output PATH]`: the database and the uploaded files in one archive (decision 0029).

Writes clearground-backup-YYYYMMDD-HHMMSS.tar (UTC) in the current folder, or in PATH when it is a
folder, or to PATH itself. Progress on stderr; the archive's path, size and contents on stdout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clearground.backup import command_progress, create_backup


class Command(BaseCommand):
    help = "Write one archive of the database (pg_dump) and MEDIA_ROOT, with a manifest of checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None, help="a file, or a folder for the default name")

    def handle(self, *args: Any, **options: Any) -> None:
        with command_progress(options["verbosity"]) as bars:
            result = create_backup(options["output"], progress=bars)
        m = result.manifest
        rows = sum(t["rows"] for t in m["tables"].values())
        self.stdout.write(
            f"wrote {result.path} ({result.size} bytes in {result.seconds:.1f} s): {len(m['tables'])} tables, "
            f"{rows} rows, {len(m['media'])} media files"
        )
