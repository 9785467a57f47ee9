"""Print the map page to PDF at a chosen scale (issue 18, decision 0061): the reader's layers only."""

from __future__ import annotations

import io
import socket
from pathlib import Path
from typing import Any

import arabic_reshaper
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader
from reportlab.lib.pagesizes import A3, A4

from clearground.test import LAT0, LON0, Cast, point, rect
from places.models import AdminArea, Place
from tests.helpers import activity, approved, register_hazard
from tests.test_casualties_recording import accident_payload

URL = "/map/print.pdf"


@pytest.fixture
def register(cast: Cast) -> Cast:
    hazard = register_hazard(cast, 100)
    approved(cast, "clearance_progress", {"activity": activity(), "cleared": [{"geometry": rect(0, 0, 50, 100),
             "depth_cm": 20}], "finds": [{"category": "ap_mine", "model": "PFM-1", "quantity": 1,
             "location": point(20, 40)}]}, hazard=hazard)  # fmt: skip
    approved(cast, "accident", accident_payload())
    return cast


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def order(**more: Any) -> dict[str, Any]:
    return {"lon": LON0, "lat": LAT0, "scale": 5000, **more}


def test_a_member_prints_the_view_at_a_scale_with_legend_scale_bar_date_and_name(register: Cast) -> None:
    register.clerk.first_name, register.clerk.last_name = "Daria", "Clerk"
    register.clerk.save()
    answer = client_for(register.clerk).get(URL, order(layer=["hazards", "products", "finds"]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    (page,) = reader.pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=1)
    text = text_of(answer.content)
    for expected in (
        "Map of the register",
        "Scale 1:5,000 on A4",
        "UTM zone 37N",
        "EPSG:32637",
        "Daria Clerk",
        "Confirmed hazardous area (CHA)",
        "Land cleared",
        "Find of explosive ordnance",
        "N",
        "200 m",
    ):
        assert expected in text, expected
    assert "Accident" not in text  # not a layer asked for


def test_a3_landscape_is_a3_turned(register: Cast) -> None:
    answer = client_for(register.imo).get(URL, order(scale=100000, paper="a3", orientation="landscape"))
    page = PdfReader(io.BytesIO(answer.content)).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((A3[1], A3[0]), abs=1)
    assert "Scale 1:100,000 on A3" in text_of(answer.content) and "10 km" in text_of(answer.content)


def test_a_layer_the_reader_may_not_read_is_left_off_the_paper_and_its_legend(register: Cast) -> None:
    nobody = User.objects.create_user("nobody", password="x")  # signed in, member of no organisation
    text = text_of(client_for(nobody).get(URL, order()).content)
    assert "Find of explosive ordnance" in text and "Accident" not in text  # accidents: members only
    assert "Accident" in text_of(client_for(register.imo).get(URL, order()).content)


def test_anonymous_visitors_are_sent_to_sign_in(register: Cast) -> None:
    answer = Client().get(URL, order())
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_a_bad_order_is_refused_naming_each_field(register: Cast) -> None:
    answer = client_for(register.clerk).get(URL, {"lon": "x", "lat": "89", "scale": "1234", "paper": "a0",
                                                  "orientation": "up", "layer": "secrets"})  # fmt: skip
    assert answer.status_code == 400
    fields = sorted(p["field"] for p in answer.json()["errors"])
    assert fields == ["lat", "layer", "lon", "orientation", "paper", "scale"]


def test_the_print_is_written_in_the_readers_language(register: Cast) -> None:
    client = client_for(register.clerk)
    client.cookies["clearground_language"] = "uk"
    text = text_of(client.get(URL, order()).content)
    assert "Масштаб 1:5" in text
    client.cookies["clearground_language"] = "ar"
    arabic = text_of(client.get(URL, order()).content)
    assert arabic_reshaper.reshape("خريطة السجل") in arabic  # joined letters, as core.pdf.visual draws them


def hazard_outlines(data: bytes) -> int:
    """How many hazard outlines the sheet strokes: dark red (printing.py) is theirs alone."""
    stream = PdfReader(io.BytesIO(data)).pages[0].get_contents()
    assert stream is not None
    return stream.get_data().count(b".545098 0 0 RG")


def test_the_maps_filters_apply_to_the_paper(register: Cast) -> None:
    client = client_for(register.imo)
    assert hazard_outlines(client.get(URL, order(layer=["hazards"])).content) == 1
    # On the page no classification ticked: the hazard is not drawn (and the paper says so by its absence).
    none_ticked = client.get(URL, order(layer=["hazards"], filtered="1", status=["open", "worked_on"])).content
    assert hazard_outlines(none_ticked) == 0
    sha = client.get(URL, order(layer=["hazards"], filtered="1", classification="SHA", status="worked_on"))
    assert hazard_outlines(sha.content) == 1
    assert hazard_outlines(client.get(URL, order(layer=["hazards"], organisation=register.bravo.pk)).content) == 0
    refused = client.get(URL, order(classification="XXX", organisation="alpha"))
    assert sorted(p["field"] for p in refused.json()["errors"]) == ["classification", "organisation"]


# ---- the offline basemap under the layers (decision 0063) ----------------------------------------------------

LAND_FILL = b".956863 .945098 .909804 rg"  # printed.LAND, as reportlab writes it
RAION_LINE = b".603922 .564706 .647059 RG"  # printed.PROVINCE_LINE
ARABIC_TOWN = "الرمادي"


def configure_basemap(settings: Any, cast: Cast, tmp_path: Path) -> Path:
    """An archive built by `clearground basemap build` from the test country, a raion and places near the origin,
    configured first, with an online basemap after it (also used by the dossier's and the statement's tests)."""
    east, west, south, north = LON0 + 0.2, LON0 + 0.05, LAT0 - 0.05, LAT0 + 0.05
    AdminArea.objects.create(pcode="UA6301", name="Test Raion", level=2, parent=cast.area, country_iso3="UKR",
                             geom=f"SRID=4326;MULTIPOLYGON((({west} {south},{east} {south},{east} {north},"
                             f"{west} {north},{west} {south})))")  # fmt: skip
    places = [("Pisochyn", 20_000, 0.002, 0.001), (ARABIC_TOWN, 900, -0.002, -0.001), ("Far Village", 300, 0.25, 0.05),
              ("Khutir Sad", 40, 0.001, 0.0005)]  # fmt: skip
    for n, (name, population, dx, dy) in enumerate(places):
        Place.objects.create(geonameid=100 + n, name=name, country_iso3="UKR", population=population,
                             location=f"SRID=4326;POINT({LON0 + dx} {LAT0 + dy})", search_names=name)  # fmt: skip
    out = tmp_path / "local.pmtiles"
    call_command("basemap", "build", "--out", str(out))
    settings.CLEARGROUND_BASEMAPS = [
        {"name": "local", "type": "pmtiles", "file": str(out), "attribution": "Test areas; GeoNames (CC BY 4.0)"},
        {"name": "osm", "type": "xyz", "url": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "OSM"},
    ]
    return out


@pytest.fixture
def basemap(settings: Any, register: Cast, tmp_path: Path) -> Path:
    return configure_basemap(settings, register, tmp_path)


def stream_of(data: bytes) -> bytes:
    contents = PdfReader(io.BytesIO(data)).pages[0].get_contents()
    assert contents is not None
    return contents.get_data()


def test_the_offline_basemap_lies_under_the_registers_layers_with_its_names_and_attribution(
    register: Cast, basemap: Path
) -> None:
    answer = client_for(register.imo).get(URL, order(layer=["hazards"]))
    assert answer.status_code == 200
    text = text_of(answer.content)
    assert "Pisochyn" in text and arabic_reshaper.reshape(ARABIC_TOWN) in text  # joined in an English print too
    assert "Far Village" not in text  # off this 1:5 000 sheet
    assert "Basemap: local — Test areas; GeoNames (CC BY 4.0)" in text
    stream = stream_of(answer.content)
    assert hazard_outlines(answer.content) == 1
    assert stream.index(LAND_FILL) < stream.index(b".545098 0 0 RG")  # the land first, the hazard over it


def test_a_country_scale_sheet_reads_coarser_tiles_and_draws_boundaries_and_far_places(
    register: Cast, basemap: Path
) -> None:
    answer = client_for(register.imo).get(URL, order(scale=100000, paper="a3", orientation="landscape"))
    text = text_of(answer.content)
    assert "Far Village" in text and "Pisochyn" in text and "Basemap: local" in text
    assert RAION_LINE in stream_of(answer.content)  # the raion's border, dashed by its level
    assert RAION_LINE not in stream_of(client_for(register.imo).get(URL, order()).content)


def test_basemap_none_leaves_it_off_and_an_online_one_is_not_fetched(
    register: Cast, basemap: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(register.imo)
    client.get(URL, order())  # signed in and warm before the network is shut

    def no_network(*args: Any) -> None:
        raise AssertionError(f"a print opened a connection to {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", no_network)  # the database is libpq's own socket
    bare = client.get(URL, order(basemap="none"))
    assert "Pisochyn" not in text_of(bare.content) and "Basemap" not in text_of(bare.content)
    assert LAND_FILL not in stream_of(bare.content) and hazard_outlines(bare.content) == 1
    online = text_of(client.get(URL, order(basemap="osm")).content)
    assert "Pisochyn" not in online and "Basemap osm is not printed" in online
    assert "Pisochyn" in text_of(client.get(URL, order(basemap="local")).content)


def test_an_unknown_basemap_is_refused_naming_the_field(register: Cast, basemap: Path) -> None:
    answer = client_for(register.imo).get(URL, order(basemap="../../etc/passwd"))
    assert answer.status_code == 400
    (problem,) = answer.json()["errors"]
    assert problem["field"] == "basemap" and "local, osm, none" in problem["message"]


def test_without_a_configured_basemap_the_print_is_as_before(register: Cast, basemap: Path, settings: Any) -> None:
    settings.CLEARGROUND_BASEMAPS = []
    answer = client_for(register.imo).get(URL, order())
    text = text_of(answer.content)
    assert "Pisochyn" not in text and "Basemap" not in text and LAND_FILL not in stream_of(answer.content)
    assert client_for(register.imo).get(URL, order(basemap="local")).status_code == 400
    # A configured archive not built yet is left off, as the map page leaves it off.
    settings.CLEARGROUND_BASEMAPS = [{"name": "later", "type": "pmtiles", "file": str(basemap.with_name("no.pmtiles")),
                                      "attribution": "X"}]  # fmt: skip
    assert "Basemap" not in text_of(client_for(register.imo).get(URL, order()).content)
