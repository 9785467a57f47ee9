"""Population per admin area, for per-capita rates: countries from Natural Earth, provinces from GeoNames.

Countries (level 0) take Natural Earth's `pop_est` (2019 estimates, public domain) matched on ISO 3166-1
alpha-3. Provinces and districts (level ≥ 1) take the sum of the GeoNames populated places (CC BY 4.0,
"cities1000": places of about 1,000 inhabitants or more) of their country that lie inside their
boundary, computed by PostGIS. Villages below 1,000 and dispersed rural settlement are missing, so that
sum is a **lower bound** of the settled population and a rate over it an upper bound
(docs/decisions/0013-victim-assistance-and-rates.md). Loading is idempotent: each run recomputes every
figure it owns and clears those it can no longer support.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.gdal import DataSource
from django.db import connection, transaction

from places.models import AdminArea, PopulationSource

# The workplace's shared data beside the checkout (../shared/data), read in place; CLEARGROUND_SHARED_DATA moves it.
SHARED_DATA = Path(os.environ.get("CLEARGROUND_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
NATURAL_EARTH_COUNTRIES = (
    SHARED_DATA / "naturalearth_lowres_countries_population" / "naturalearth_lowres" / "naturalearth_lowres.shp"
)
GEONAMES_PLACES = SHARED_DATA / "geonames_populated_places" / "geonames_cities1000_mine_affected.csv"
GEONAMES_COUNTRIES = SHARED_DATA / "geonames_populated_places" / "geonames_countries.json"
NATURAL_EARTH_YEAR = 2019  # the vintage of pop_est in the geopandas 0.14.4 copy (its PROVENANCE.md)


@dataclass
class PopulationResult:
    countries: int = 0
    areas: int = 0
    # Areas left without a figure: countries not in Natural Earth, provinces with no GeoNames place inside.
    without: list[str] = field(default_factory=list)


def _require(*paths: Path) -> None:
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"population data not found: {', '.join(missing)}")


def country_populations(path: Path = NATURAL_EARTH_COUNTRIES) -> dict[str, int]:
    """ISO 3166-1 alpha-3 → Natural Earth pop_est; rows without a code ("-99": Kosovo, …) are skipped."""
    _require(path)
    found = {}
    for feature in DataSource(str(path))[0]:
        iso3 = str(feature.get("iso_a3") or "")
        pop = feature.get("pop_est")
        if len(iso3) == 3 and iso3.isalpha() and pop and float(pop) > 0:
            found[iso3] = round(float(pop))
    return found


def populated_places(
    path: Path = GEONAMES_PLACES, countries: Path = GEONAMES_COUNTRIES
) -> list[tuple[str, int, float, float]]:
    """(country ISO3, population, longitude, latitude) of every GeoNames place with a population above 0."""
    _require(path, countries)
    iso3_of = {str(c["iso"]): str(c["iso3"]) for c in json.loads(countries.read_text(encoding="utf-8")).values()}
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            population = int(row["population"] or 0)
            iso3 = iso3_of.get(row["countrycode"])
            # 2,086 rows have population 0: they add nothing and are left out.
            if population > 0 and iso3:
                rows.append((iso3, population, float(row["longitude"]), float(row["latitude"])))
    return rows


# One statement: each level ≥ 1 area of a country present in the file gets the sum of its country's places
# inside its boundary (ST_Covers: a place on the boundary counts; served by the admin-area GiST index).
_SUM_SQL = """
WITH sums AS (
    SELECT a.id, sum(p.population) AS n
    FROM places_adminarea a
    JOIN population_places p ON p.country_iso3 = a.country_iso3 AND ST_Covers(a.geom, p.geom)
    WHERE a.level >= 1
    GROUP BY a.id
)
UPDATE places_adminarea a
SET population = sums.n, population_source = %s, population_year = NULL
FROM sums WHERE sums.id = a.id
"""


def load_population(
    *,
    countries_path: Path = NATURAL_EARTH_COUNTRIES,
    places_path: Path = GEONAMES_PLACES,
    geonames_countries_path: Path = GEONAMES_COUNTRIES,
) -> PopulationResult:
    """Fill AdminArea.population for every loaded area that the two sources cover, in one transaction."""
    by_country = country_populations(countries_path)
    places = populated_places(places_path, geonames_countries_path)
    result = PopulationResult()
    with transaction.atomic():
        # Clear what earlier runs wrote, so a figure the data no longer supports does not linger.
        AdminArea.objects.filter(population_source__in=PopulationSource.values).update(
            population=None, population_source="", population_year=None
        )
        for area in AdminArea.objects.filter(level=0, country_iso3__in=list(by_country)):
            area.population = by_country[area.country_iso3]
            area.population_source = PopulationSource.NATURAL_EARTH
            area.population_year = NATURAL_EARTH_YEAR
            area.save(update_fields=["population", "population_source", "population_year"])
            result.countries += 1
        with connection.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE population_places (country_iso3 varchar(3), population bigint,"
                " geom geometry(Point, 4326)) ON COMMIT DROP"
            )
            cur.executemany(
                "INSERT INTO population_places VALUES (%s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326))", places
            )
            cur.execute(_SUM_SQL, [PopulationSource.GEONAMES_SETTLED.value])
            result.areas = cur.rowcount
            cur.execute("DROP TABLE population_places")
        result.without = list(AdminArea.objects.filter(population__isnull=True).values_list("pcode", flat=True))
    return result
