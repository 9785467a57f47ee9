"""`clearground load_population`: inhabitants per loaded admin area (Natural Earth countries, GeoNames sums)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from places import population


class Command(BaseCommand):
    help = (
        "Fill admin areas' population: countries from Natural Earth pop_est, provinces as the sum of GeoNames "
        "places of 1,000+ inhabitants inside them (a lower bound). Run after load_admin_areas; safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--countries", type=Path, default=population.NATURAL_EARTH_COUNTRIES,
                            help="Natural Earth low-res countries shapefile (pop_est, iso_a3)")  # fmt: skip
        parser.add_argument("--places", type=Path, default=population.GEONAMES_PLACES,
                            help="GeoNames cities1000 CSV (longitude, latitude, countrycode, population)")  # fmt: skip
        parser.add_argument("--geonames-countries", type=Path, default=population.GEONAMES_COUNTRIES,
                            help="GeoNames countries.json (ISO2 → ISO3)")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = population.load_population(
                countries_path=options["countries"],
                places_path=options["places"],
                geonames_countries_path=options["geonames_countries"],
            )
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"population: {result.countries} countries (Natural Earth), {result.areas} areas (GeoNames, lower bound),"
            f" {len(result.without)} without a figure"
        )
