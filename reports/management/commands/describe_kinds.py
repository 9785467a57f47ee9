"""Describe the report kinds from their declared fields: docs tables, XLSForms, payload schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.describe import markdown
from reports.kinds import KINDS
from reports.schema import payload_schema
from reports.xlsform import workbook, xlsform


class Command(BaseCommand):
    help = "Print the kinds' field tables (--markdown) or schemas (--schema), or write their XLSForms (--xlsform DIR)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--markdown", action="store_true", help="the field tables of docs/reports.md")
        parser.add_argument("--schema", metavar="KIND", help="one kind's payload schema (OpenAPI 3.0 JSON)")
        parser.add_argument("--xlsform", metavar="DIR", help="write <kind>.xlsx for every kind into DIR")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["markdown"]:
            self.stdout.write(markdown())
        elif options["schema"]:
            if options["schema"] not in KINDS:
                raise CommandError(f"no report kind {options['schema']!r}; kinds: {', '.join(KINDS)}")
            self.stdout.write(json.dumps(payload_schema(KINDS[options["schema"]]), indent=2, ensure_ascii=False))
        elif options["xlsform"]:
            out = Path(options["xlsform"])
            out.mkdir(parents=True, exist_ok=True)
            for code, spec in KINDS.items():
                (out / f"{code}.xlsx").write_bytes(workbook(xlsform(spec)))
                self.stdout.write(str(out / f"{code}.xlsx"))
        else:
            raise CommandError("say what to describe: --markdown, --schema KIND or --xlsform DIR")
