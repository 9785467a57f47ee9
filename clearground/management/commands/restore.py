"""`clearground restore PATH [--yes]`: replace the database and MEDIA_ROOT with a backup (decision 0029).

The archive is checked whole first; a damaged one is refused and nothing changes. A database or
MEDIA_ROOT that holds data is replaced only with --yes. Stop the server and the workers first. After
the restore every table's count and checksum is compared with the backup's manifest: exit status 1
if anything differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clearground.backup import command_progress
from clearground.restore import iter_lines, restore_backup


class Command(BaseCommand):
    help = "Restore a `clearground backup` archive into the configured database and MEDIA_ROOT, then verify it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--yes", action="store_true", help="replace a database and MEDIA_ROOT that hold data")

    def handle(self, *args: Any, **options: Any) -> None:
        with command_progress(options["verbosity"]) as bars:
            result = restore_backup(options["path"], overwrite=options["yes"], progress=bars)
        for line in iter_lines(result):
            self.stdout.write(line)
        if result.differences:
            raise CommandError(f"the restored instance differs from the backup in {len(result.differences)} ways")
