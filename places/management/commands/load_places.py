"""`clearground load_places`: the GeoNames places the map's place search finds (decision 0052)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from places import gazetteer, population


class Command(BaseCommand):
    help = "Store the GeoNames places (cities1000) for the map's offline place search; safe to repeat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--places", type=Path, default=population.GEONAMES_PLACES,
                            help="GeoNames cities1000 CSV (name, alternatenames, longitude, latitude, …)")  # fmt: skip
        parser.add_argument("--geonames-countries", type=Path, default=population.GEONAMES_COUNTRIES,
                            help="GeoNames countries.json (ISO2 → ISO3)")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = gazetteer.load_places(options["places"], options["geonames_countries"])
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"places: {result.loaded} stored, {result.skipped} rows without readable coordinates")
