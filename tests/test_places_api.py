"""Coordinates read by the server and the offline place search (places/api.py, decision 0052)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from clearground.test import DAY0, Cast
from hazards.models import HazardousArea
from places.gazetteer import load_places
from places.models import AdminArea, Place
from reports.models import Report
from tests.test_web_workbench import form_data

COUNTRIES = {"UA": {"iso": "UA", "iso3": "UKR"}, "CO": {"iso": "CO", "iso3": "COL"}}
PLACES_CSV = """geonameid,name,latitude,longitude,countrycode,admin1code,population,timezone,alternatenames
706483,Kharkiv,49.98081,36.25272,UA,07,1430885,Europe/Kyiv,Charkiw|Kharkov|Харків|Харьков|خاركيف
709930,Dnipro,48.4593,35.03865,UA,04,968502,Europe/Kyiv,Dnepr|Dnipropetrovsk|Дніпро
3688689,Bogotá,4.60971,-74.08175,CO,34,7674366,America/Bogota,Bogota|Santafe de Bogota
700000,Kharkivka,49.5,36.1,UA,07,1200,Europe/Kyiv,
bad,Nowhere,north,east,UA,07,0,Europe/Kyiv,
"""


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def gazetteer(tmp_path: Path, cast: Cast) -> Cast:
    (tmp_path / "places.csv").write_text(PLACES_CSV, encoding="utf-8")
    (tmp_path / "countries.json").write_text(json.dumps(COUNTRIES), encoding="utf-8")
    AdminArea.objects.create(pcode="UA6301", name="Харківська міська громада", level=2, parent=cast.area,
                             country_iso3="UKR", geom=cast.area.geom)  # fmt: skip
    result = load_places(tmp_path / "places.csv", tmp_path / "countries.json")
    assert (result.loaded, result.skipped) == (4, 1)
    return cast


# ---- /api/v1/coordinates/parse ----------------------------------------------------------------------


def test_it_reads_an_mgrs_reference_and_writes_it_in_every_notation(cast):
    r = client_for(cast.clerk).get("/api/v1/coordinates/parse", {"text": "36U XU 50529 69283"})
    assert r.status_code == 200
    body = r.json()
    assert body["notation"] == "mgrs" and body["precision_m"] == 1
    assert body["point"]["type"] == "Point"
    assert body["longitude"] == pytest.approx(35.036111, abs=1e-5)
    assert body["latitude"] == pytest.approx(48.458667, abs=1e-5)
    assert body["written"] == {
        "dd": "48.458667° N, 35.036108° E",  # the centre of the 1 m square
        "dms": "48°27'31.20\"N 35°02'09.99\"E",
        "utm": "36U 650529 5369283",
        "mgrs": "36U XU 50529 69283",
    }


def test_it_names_what_is_wrong_with_coordinates_it_cannot_read(cast):
    r = client_for(cast.clerk).get("/api/v1/coordinates/parse", {"text": "48 61 0 N 35 E"})
    assert r.status_code == 400
    assert r.json()["errors"] == [
        {"field": "text", "code": "invalid", "message": "'48 61 0 N': minutes must be below 60, not 61"}
    ]
    assert client_for(cast.clerk).get("/api/v1/coordinates/parse").json()["errors"][0]["field"] == "text"


def test_near_the_poles_utm_and_mgrs_are_left_out_not_invented(cast):
    body = client_for(cast.clerk).get("/api/v1/coordinates/parse", {"text": "88 N 10 E"}).json()
    assert body["written"]["utm"] is None and body["written"]["mgrs"] is None
    assert body["written"]["dms"] == "88°00'00.00\"N 10°00'00.00\"E"


@pytest.mark.parametrize("path", ["/api/v1/coordinates/parse?text=36UXU", "/api/v1/places/search?q=Kharkiv"])
def test_anonymous_callers_are_asked_to_sign_in(db, path):
    assert Client().get(path).status_code in (401, 403)


# ---- /api/v1/places/search --------------------------------------------------------------------------


def test_the_search_finds_admin_areas_first_with_their_box_then_places_by_population(gazetteer):
    cast = gazetteer
    r = client_for(cast.outsider).get("/api/v1/places/search", {"q": "kharkiv"})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [(p["name"], p["kind"]) for p in results] == [("Kharkiv", "place"), ("Kharkivka", "place")]
    assert results[0]["point"] == pytest.approx([36.25272, 49.98081])
    area = client_for(cast.clerk).get("/api/v1/places/search", {"q": "test obl"}).json()["results"][0]
    assert (area["name"], area["kind"], area["pcode"], area["within"]) == (
        "Test Oblast",
        "admin_area",
        "UA63",
        "Ukraine",
    )
    west, south, east, north = area["bbox"]
    assert west < area["point"][0] < east and south < area["point"][1] < north


@pytest.mark.parametrize(("q", "found"), [("Харків", "Kharkiv"), ("bogota", "Bogotá"), ("BOGOTÁ", "Bogotá"),
                                          ("dnepr", "Dnipro"), ("UA63", "Test Oblast"),
                                          ("харківська", "Харківська міська громада")])  # fmt: skip
def test_the_search_ignores_case_and_accents_and_knows_alternate_names_and_p_codes(gazetteer, q, found):
    results = client_for(gazetteer.clerk).get("/api/v1/places/search", {"q": q}).json()["results"]
    assert results and results[0]["name"] == found


def test_the_search_refuses_too_short_a_query_and_a_bad_limit(gazetteer):
    r = client_for(gazetteer.clerk).get("/api/v1/places/search", {"q": "k", "limit": "500"})
    assert r.status_code == 400
    assert [e["field"] for e in r.json()["errors"]] == ["q", "limit"]
    r = client_for(gazetteer.clerk).get("/api/v1/places/search", {"q": "a", "limit": "1"})
    assert r.status_code == 400


def test_the_search_takes_two_queries(gazetteer, django_assert_num_queries):
    c = client_for(gazetteer.clerk)
    c.get("/api/v1/places/search", {"q": "xx"})  # the session and user, read once
    with django_assert_num_queries(4):  # session, user, admin areas, places
        assert c.get("/api/v1/places/search", {"q": "khar"}).status_code == 200


def test_loading_the_places_again_replaces_them(gazetteer, tmp_path):
    (tmp_path / "one.csv").write_text(PLACES_CSV.splitlines()[0] + "\n" + PLACES_CSV.splitlines()[2] + "\n")
    load_places(tmp_path / "one.csv", tmp_path / "countries.json")
    assert list(Place.objects.values_list("name", flat=True)) == ["Dnipro"]


def test_the_command_loads_the_shared_geonames_file(db, capsys):
    pytest.importorskip("places.population")
    from places.population import GEONAMES_PLACES

    if not GEONAMES_PLACES.is_file():
        pytest.skip("the shared GeoNames file is not on this machine")
    call_command("load_places")
    assert "places:" in capsys.readouterr().out
    assert Place.objects.filter(name="Kabul", country_iso3="AFG").exists()


# ---- The report form reads the same notations (one parser: core/coordinates.py) -----------------------


def test_a_clerk_types_a_hazard_polygon_as_mgrs_corners_one_a_line(cast):
    # Four corners 100 m apart inside the cast's test province near Kharkiv (zone 37U).
    from clearground.test import LAT0, LON0
    from core.coordinates import format_position

    corners = [format_position(LON0 + dx, LAT0 + dy, "mgrs") for dx, dy in ((0, 0), (0.0014, 0), (0.0014, 0.0009),
                                                                              (0, 0.0009))]  # fmt: skip
    data = {
        "organisation": cast.alpha.pk,
        "date_of_information": DAY0.isoformat(),
        **form_data(cast.nts_payload()),
        "hazard.geometry": "\n".join(corners),
        "submit": "1",
    }
    data["hazard.devices_suspected"] = ["ap_mine"]
    data["hazard.land_use"] = ["agriculture"]
    r = client_for(cast.clerk).post("/reports/new/nts/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    report = Report.objects.get(kind="nts")
    from core.geometry import parse_area

    parsed, problems = parse_area(report.payload["hazard"]["geometry"], "g")
    assert not problems and parsed is not None
    assert 9000 < parsed.geom.transform(32637, clone=True).area < 11000  # about 100 m × 100 m
    assert not HazardousArea.objects.exists()  # submitted, not yet approved


def test_a_mistyped_corner_is_named_by_its_line_and_nothing_is_saved(cast):
    data = {"organisation": str(cast.alpha.pk), "date_of_information": DAY0.isoformat(),
            "hazard.geometry": "37U DQ 14213 34002\n37U DQ 14313 3400\n37U DQ 14313 34102", "submit": "1"}  # fmt: skip
    r = client_for(cast.clerk).post("/reports/new/nts/", data)
    html = r.content.decode()
    assert "line 2: MGRS" in html and "same number of digits" in html
    assert not Report.objects.exists()
