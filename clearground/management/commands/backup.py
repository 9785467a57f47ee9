"""`clearground backup [--output PATH]`: the database and the uploaded files in one archive (decision 0029).

Writes clearground-backup-YYYYMMDD-HHMMSS.tar (UTC) in the current folder, or in PATH when it is a
folder, or to PATH itself. Progress on stderr; the archive's path, size and contents on stdout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from clearground.backup import BackupError, ProgressBars, create_backup


class Command(BaseCommand):
    help = "Write one archive of the database (pg_dump) and MEDIA_ROOT, with a manifest of checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None, help="a file, or a folder for the default name")

    def handle(self, *args: Any, **options: Any) -> None:
        bars = ProgressBars(enabled=options["verbosity"] > 0)
        try:
            result = create_backup(options["output"], progress=bars)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:  # e.g. the database named by DATABASE_URL does not exist
            raise CommandError(f"cannot use the database: {str(exc).strip()}") from None
        finally:
            bars.close()
        m = result.manifest
        rows = sum(t["rows"] for t in m["tables"].values())
        self.stdout.write(
            f"wrote {result.path} ({result.size} bytes in {result.seconds:.1f} s): {len(m['tables'])} tables, "
            f"{rows} rows, {len(m['media'])} media files"
        )
