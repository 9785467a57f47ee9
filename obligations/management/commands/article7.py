"""`clearground article7 --country UKR --year 2025 --format xlsx --language uk --out a7.xlsx`: generate, freeze."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from obligations import exports
from obligations.actions import generate_article7


class Command(BaseCommand):
    help = "Generate an Article 7 report from the approved register, freeze it, and write it as a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-3, e.g. UKR")
        parser.add_argument("--year", type=int, required=True, help="the calendar year reported on")
        parser.add_argument("--format", choices=list(exports.EXPORTERS), default="json")
        parser.add_argument("--out", help="file to write (default: standard output for json)")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default="en",
            help="the language of the forms' titles and labels (JSON keeps the codes too)",
        )
        parser.add_argument("--user", default="admin", help="who generates it (recorded in the audit log)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist:
            raise CommandError(f"no user '{options['user']}': name the person generating the report") from None
        report = generate_article7(acting_user=user, country_iso3=options["country"].upper(), year=options["year"])
        data = exports.render(report.figures, options["format"], options["language"])
        if options["out"]:
            Path(options["out"]).write_bytes(data)
            self.stderr.write(
                f"Article 7 report #{report.pk} frozen at {report.cutoff:%Y-%m-%d %H:%M:%S}; "
                f"written to {options['out']}"
            )
        elif options["format"] == "json":
            sys.stdout.write(data.decode() + "\n")
        else:
            raise CommandError(f"--format {options['format']} needs --out FILE")
