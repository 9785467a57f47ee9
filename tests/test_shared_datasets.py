"""The real dirty files of ../shared/data that no other test reads, each with every row accounted for.

The rest of the shared data is covered where its loader is tested (the table in decision 0033 lists
which test reads which file): here are the Amsterdam files the import tests left out (the completed
surveys, and the impact and released-area shapefiles) and the two population sources, whose rows are
either used or skipped for a stated reason. Read in place, never copied; skipped when not there.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyogrio
import pytest

from clearground.test import Cast
from interop.models import Import
from places.population import (
    GEONAMES_COUNTRIES,
    GEONAMES_PLACES,
    NATURAL_EARTH_COUNTRIES,
    country_populations,
    populated_places,
)
from tests.imports_helpers import AMSTERDAM, media_in_tmp, needs_amsterdam, new_import, profile  # noqa: F401

SHAPES = AMSTERDAM / "shapefiles_sample"
# The completed ordnance surveys (CE-onderzoeken) have no profile of their own: each is a surveyed area
# checked against the register, as a released area is; its report kind and date go into the description.
SURVEYS = {
    "id_column": "Kenmerk",
    "crs": "EPSG:28992",
    "geometry": {"wkt": "WKT"},
    "fields": {"description": {"template": "{Kenmerk} {Soort_rapp} {Datum}"}},
    "notes_field": "description",
}


def accounted(imp: Import, path: Path) -> None:
    c = imp.counts
    assert c["read"] == pyogrio.read_info(str(path))["features"], c  # every row of the file was read
    assert c["read"] == c["imported"] + c["repaired"] + c["rejected"] + c["duplicates"], c


def run(imp: Import, user: Any) -> Import:
    from interop.imports import service

    return service.run_import(imp, acting_user=user)


@needs_amsterdam
@pytest.mark.django_db
def test_the_bomb_impacts_shapefile_accounts_for_every_point(cast: Cast) -> None:
    path = SHAPES / "Inslagen_ea_test.shp"
    imp = run(new_import(cast, path, "hazard_indication", profile=profile("amsterdam-bomb-impacts")), cast.imo)
    accounted(imp, path)


@needs_amsterdam
@pytest.mark.django_db
def test_the_released_area_shapefile_accounts_for_its_polygon(cast: Cast) -> None:
    path = SHAPES / "Gevrijwaard_gebied_test.shp"
    imp = run(new_import(cast, path, "released_area", profile=profile("amsterdam-released-areas")), cast.imo)
    accounted(imp, path)


@needs_amsterdam
@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["reeds_uitgevoerd_ce_onderzoek.csv", "shapefiles_sample/Reeds_uitgevoerde_CE_onderzoeken_test.shp"]
)
def test_the_completed_surveys_account_for_every_area(cast: Cast, name: str) -> None:
    path = AMSTERDAM / name
    imp = run(new_import(cast, path, "released_area", mapping=SURVEYS), cast.imo)
    accounted(imp, path)


@pytest.mark.skipif(not NATURAL_EARTH_COUNTRIES.exists(), reason="Natural Earth countries not in the shared data")
def test_every_natural_earth_country_is_used_or_skipped_for_having_no_iso_code() -> None:
    meta, _fids, _geoms, data = pyogrio.raw.read(str(NATURAL_EARTH_COUNTRIES), read_geometry=False)
    codes = [str(c) for c in data[list(meta["fields"]).index("iso_a3")]]
    without_code = [c for c in codes if not (len(c) == 3 and c.isalpha())]  # "-99": Kosovo, N. Cyprus, ...
    used = country_populations()
    assert len(codes) == len(used) + len(without_code), (len(codes), len(used), without_code)
    assert set(used) == {c for c in codes if c not in without_code}


@pytest.mark.skipif(not GEONAMES_PLACES.exists(), reason="GeoNames places not in the shared data")
def test_every_geonames_place_is_used_or_skipped_for_having_no_population_or_country() -> None:
    iso2 = set(json.loads(GEONAMES_COUNTRIES.read_text(encoding="utf-8")))
    with open(GEONAMES_PLACES, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    skipped = [r for r in rows if int(r["population"] or 0) <= 0 or r["countrycode"] not in iso2]
    assert len(rows) == len(populated_places()) + len(skipped)
    assert sum(int(r["population"]) for r in rows if r not in skipped) == sum(p[1] for p in populated_places())
