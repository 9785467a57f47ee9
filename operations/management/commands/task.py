"""`clearground task dossier TASK_ID --out task.pdf [--language uk] [--within 2000] [--user NAME]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import access
from core.errors import CleargroundError
from operations import dossier


class Command(BaseCommand):
    help = "One task order: print its dossier for the team leader (a PDF)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{dossier}")
        pdf = sub.add_parser("dossier", help="the task's dossier: map, hazard history, evidence, finds, contacts")
        pdf.add_argument("task", help="the task's id")
        pdf.add_argument("--out", required=True, help="the PDF file to write")
        pdf.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES], default="en")
        pdf.add_argument("--within", default=str(dossier.WITHIN_M), help="metres around the area for finds and "
                         "accidents (default %(default)s)")  # fmt: skip
        pdf.add_argument("--user", default="admin", help="who reads it: their access applies, and the audit names them")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist:
            raise CommandError(f"no user '{options['user']}': name the person the dossier is for") from None
        try:
            task = access.access_task(user, options["task"])
            within = dossier.parse_within(options["within"])
            data = dossier.render_dossier(task, reader=user, within_m=within, language=options["language"])
        except CleargroundError as exc:
            reasons = "; ".join(f"{p.field}: {p.message}" for p in exc.problems or []) or exc.message
            raise CommandError(f"task {options['task']}: {reasons}") from None
        Path(options["out"]).write_bytes(data)
        self.stderr.write(f"Dossier of task {task.pk} ({len(data)} bytes) written to {options['out']}")
