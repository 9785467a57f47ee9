"""Casualties per 100,000 inhabitants by admin area, over populations loaded from the shared open data.

`clearground load_population` reads Natural Earth's country estimates and GeoNames' populated places
(/work/shared/data); the cast's test province is a 2° box around Kharkiv, so its population is the sum
of the Ukrainian GeoNames places inside that box. Each recorded accident has two casualties.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.management import CommandError, call_command
from django.db import connection

from clearground.test import LAT0, LON0, Cast
from places import population
from places.models import AdminArea, PopulationSource
from tests.test_casualties_recording import (
    client_for,
    field_key,  # noqa: F401  (the autouse fixture: a fresh key per test)
    recorded_and_approved,
)

ROLES = ["admin", "imo", "qa", "viewer", "clerk", "approver", "outsider", "anonymous"]


def loaded() -> None:
    call_command("load_population", verbosity=0)


def rates(cast: Cast, query: str = "") -> dict[str, Any]:
    response = client_for(cast.viewer).get(f"/api/v1/casualty-rates/{query}")
    assert response.status_code == 200, response.json()
    return {row["pcode"]: row for row in response.json()["areas"]}


def geonames_sum_in_box() -> int:
    """Independently of PostGIS: the Ukrainian places of the CSV inside the cast's 2° box."""
    total = 0
    with open(population.GEONAMES_PLACES, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            lon, lat = float(row["longitude"]), float(row["latitude"])
            if row["countrycode"] == "UA" and abs(lon - LON0) <= 1 and abs(lat - LAT0) <= 1:
                total += int(row["population"] or 0)
    return total


def sql_rate(pcode: str) -> float:
    """count / population × 100,000 for an area, counting casualties of accidents in it or its children."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT round(count(c.id)::numeric / a.population * 100000, 2) FROM places_adminarea a"
            " JOIN places_adminarea placed ON placed.id = a.id OR placed.parent_id = a.id"
            " JOIN casualties_accident ac ON ac.admin_area_id = placed.id"
            " JOIN casualties_casualty c ON c.accident_id = ac.id WHERE a.pcode = %s GROUP BY a.population",
            [pcode],
        )
        return float(cur.fetchone()[0])


def test_the_loader_gives_countries_natural_earth_and_provinces_the_geonames_sum_inside_them(cast: Cast) -> None:
    loaded()

    country, province = AdminArea.objects.get(pcode="UA"), AdminArea.objects.get(pcode="UA63")
    assert (country.population, country.population_source, country.population_year) == (
        44_385_155, PopulationSource.NATURAL_EARTH, 2019)  # fmt: skip
    assert province.population == geonames_sum_in_box() > 1_400_000  # Kharkiv alone has 1.4 million
    assert (province.population_source, province.population_year) == (PopulationSource.GEONAMES_SETTLED, None)
    assert province.population_is_lower_bound and not country.population_is_lower_bound


def test_loading_twice_gives_the_same_figures_and_clears_a_figure_the_data_no_longer_supports(cast: Cast) -> None:
    loaded()
    first = list(AdminArea.objects.values_list("pcode", "population", "population_source").order_by("pcode"))
    # The province moves to the open sea: no GeoNames place lies inside it any more.
    sea = GEOSGeometry("SRID=4326;MULTIPOLYGON(((33 43,34 43,34 44,33 44,33 43)))")
    AdminArea.objects.filter(pcode="UA63").update(geom=sea)
    loaded()
    assert AdminArea.objects.get(pcode="UA63").population is None
    AdminArea.objects.filter(pcode="UA63").update(geom=AdminArea.objects.get(pcode="UA").geom)
    loaded()
    assert list(AdminArea.objects.values_list("pcode", "population", "population_source").order_by("pcode")) == first


def test_a_missing_data_file_is_a_clear_error_and_changes_nothing(cast: Cast, tmp_path: Path) -> None:
    missing = tmp_path / "cities.csv"

    with pytest.raises(CommandError, match=f"population data not found: {missing}"):
        call_command("load_population", places=missing, verbosity=0)

    assert not AdminArea.objects.filter(population__isnull=False).exists()


def test_rates_per_100k_equal_the_sql_count_over_population_for_province_and_country(cast: Cast) -> None:
    loaded()
    for _ in range(3):
        recorded_and_approved(cast)

    provinces, countries = rates(cast), rates(cast, "?level=0")

    province, country = provinces["UA63"], countries["UA"]
    assert (province["casualties"]["count"], country["casualties"]["count"]) == (6, 6)
    assert province["rate_per_100k"] == sql_rate("UA63") > 0
    assert country["rate_per_100k"] == sql_rate("UA") == round(6 / 44_385_155 * 100_000, 2)
    # The province's population counts only towns of 1,000+: its rate is at most this.
    assert (province["population_is_lower_bound"], province["rate_is_upper_bound"]) == (True, True)
    assert (country["population_is_lower_bound"], country["rate_is_upper_bound"]) == (False, False)
    assert (country["population_source"], country["population_year"]) == ("naturalearth_pop_est", 2019)
    body = client_for(cast.viewer).get("/api/v1/casualty-rates/").json()
    assert body["per"] == 100_000 and "lower bound" in body["population_sources"]["geonames_cities1000_sum"]


def test_an_area_with_one_to_four_casualties_shows_under_five_and_no_rate(cast: Cast) -> None:
    loaded()
    recorded_and_approved(cast)

    province = rates(cast)["UA63"]

    assert province["casualties"] == {"value": "UA63", "count": None, "display": "<5", "suppressed": "small"}
    assert (province["rate_per_100k"], province["rate_reason"]) == (None, "count suppressed (small cell)")
    assert province["population"] == AdminArea.objects.get(pcode="UA63").population


def test_an_area_without_population_has_no_rate_and_says_why_and_zero_casualties_rate_zero(cast: Cast) -> None:
    sea = GEOSGeometry("SRID=4326;MULTIPOLYGON(((33 43,34 43,34 44,33 44,33 43)))")
    AdminArea.objects.create(pcode="UA99", name="Open sea", level=1, parent=cast.area.parent, country_iso3="UKR",
                             geom=sea)  # fmt: skip
    before = rates(cast)["UA63"]
    loaded()
    for _ in range(3):
        recorded_and_approved(cast)

    after = rates(cast, "?country=ukr")

    assert (before["population"], before["rate_per_100k"]) == (None, None)  # nothing loaded yet
    assert before["rate_reason"].startswith("no population figure")
    assert (after["UA99"]["population"], after["UA99"]["rate_per_100k"]) == (None, None)
    assert after["UA99"]["rate_reason"] == "no population figure for this area (run clearground load_population)"
    assert after["UA99"]["casualties"]["display"] == "0"
    assert after["UA63"]["rate_per_100k"] == sql_rate("UA63")
    assert rates(cast, "?country=COL") == {}


def test_casualty_rates_are_for_the_authoritys_members_only(cast: Cast) -> None:
    loaded()

    codes = {role: client_for(None if role == "anonymous" else getattr(cast, role)).get(
        "/api/v1/casualty-rates/").status_code for role in ROLES}  # fmt: skip

    assert codes == {"admin": 200, "imo": 200, "qa": 200, "viewer": 200, "clerk": 404, "approver": 404,
                     "outsider": 404, "anonymous": 403}  # fmt: skip
    assert client_for(cast.viewer).get("/api/v1/casualty-rates/?level=5").status_code == 400
