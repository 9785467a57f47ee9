"""`clearground load_ordnance [FILE] [--source TEXT]`: the explosive ordnance catalogue from the authority's file.

FILE is a CSV (model, category, country_of_origin, aliases separated by |) or a JSON list of objects with
those keys; category is one of our device categories or AP / AT / AV / improvised / submunition / UXO / AXO.
Without FILE, the shipped seed is loaded (again). Safe to repeat: entries are updated, never duplicated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ValidationFailed
from ordnance.catalogue import load_catalogue, load_seed, read_rows


class Command(BaseCommand):
    help = "Load the explosive ordnance catalogue from a CSV or JSON file (without FILE: the shipped seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV or JSON catalogue")
        parser.add_argument("--source", default="", help="who provided the file (default: its name)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["file"]:
                path = Path(options["file"])
                if not path.is_file():
                    raise CommandError(f"{path}: no such file")
                result = load_catalogue(read_rows(path), source=options["source"] or path.name)
            else:
                result = load_seed()
        except ValidationFailed as exc:
            raise CommandError(
                exc.message + "\n" + "\n".join(f"  {p.field}: {p.message}" for p in exc.problems)
            ) from None
        except (ValueError, UnicodeDecodeError) as exc:  # unreadable JSON or text
            raise CommandError(f"cannot read the file: {exc}") from None
        self.stdout.write(f"{result.created} models added, {result.updated} updated")
