"""Print the map page to PDF at a chosen scale (issue 18, decision 0061): the reader's layers only."""

from __future__ import annotations

import io
from typing import Any

import arabic_reshaper
import pytest
from django.contrib.auth.models import User
from django.test import Client
from pypdf import PdfReader
from reportlab.lib.pagesizes import A3, A4

from clearground.test import LAT0, LON0, Cast, point, rect
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
