"""Print to PDF and the parcel statement from the map page in Chromium (issue 18, decision 0061)."""

import io
import json

import pytest
from pypdf import PdfReader

from clearground.test import LAT0, LON0
from tests.browser.conftest import serious_axe_violations, sign_in
from tests.helpers import register_hazard

pytestmark = pytest.mark.django_db(transaction=True)

READY = "() => window.cgMap && window.cgMap.loaded()"


def test_a_member_prints_the_map_at_a_chosen_scale_and_a_pdf_arrives(live_cast, live_server, page, settings):
    register_hazard(live_cast, 100)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/map/")
    page.wait_for_function(READY)
    page.locator("summary", has_text="Print to PDF").click()
    page.get_by_label("Scale").select_option("2500")
    page.get_by_label("Paper").select_option("a3")
    with page.expect_download() as download:
        page.locator("#print-form button[type=submit]").click()
    data = open(download.value.path(), "rb").read()
    text = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert data.startswith(b"%PDF") and "Scale 1:2,500 on A3" in text and "clerk" in text
    assert download.value.suggested_filename == "clearground-map-1-2500.pdf"


def test_the_statement_for_the_area_measured_arrives_as_a_pdf(live_cast, live_server, page, settings):
    settings.CLEARGROUND_PUBLISHED = {"hazard_warnings": ["classification", "status"]}
    register_hazard(live_cast, 100)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/map/")
    page.wait_for_function(READY)
    page.locator("summary", has_text="Measure").click()
    page.get_by_role("button", name="Area", exact=True).click()
    box = page.locator("#atlas-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-20, -20), (20, -20), (20, 20), (-20, 20)):
        page.mouse.click(cx + dx, cy + dy)
    assert len(json.loads(page.locator("#measure-result").get_attribute("data-points"))) == 4
    page.locator("summary", has_text="Parcel status statement").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Statement for the area measured").click()
    text = " ".join(PdfReader(download.value.path()).pages[0].extract_text().split())
    assert "Parcel status statement" in text and "Parcel: the polygon drawn" in text and "MEETS" in text


def test_anyone_clicks_a_point_on_the_public_form_and_gets_the_statement(live_cast, live_server, page, settings):
    settings.CLEARGROUND_PUBLISHED = {"hazard_warnings": ["classification", "status"]}
    register_hazard(live_cast, 100)
    page.goto(live_server.url + "/public/parcel-statement/")  # no sign-in
    page.wait_for_function("() => window.cgStatementMapReady === true")
    page.evaluate(f"() => window.cgStatementMap.jumpTo({{center: [{LON0}, {LAT0}], zoom: 16}})")
    box = page.locator("#statement-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 10, box["y"] + box["height"] / 2 - 10)
    assert float(page.locator("#lon").input_value()) == pytest.approx(LON0, abs=0.001)
    assert serious_axe_violations(page) == []
    with page.expect_download() as download:
        page.locator("#statement-point button[type=submit]").click()
    text = " ".join(PdfReader(download.value.path()).pages[0].extract_text().split())
    assert "Parcel: a circle of 100 m" in text and "MEETS 1" in text


def test_the_print_carries_the_basemap_the_page_shows(live_cast, live_server, page, settings, tmp_path):
    from tests.test_map_print import configure_basemap

    configure_basemap(settings, live_cast, tmp_path)
    register_hazard(live_cast, 100)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + f"/map/#16/{LAT0}/{LON0}")
    page.wait_for_function(READY)
    page.locator("summary", has_text="Print to PDF").click()

    def printed() -> str:
        with page.expect_download() as download:
            page.locator("#print-form button[type=submit]").click()
        return " ".join(PdfReader(download.value.path()).pages[0].extract_text().split())

    assert "Pisochyn" in printed() and "Basemap: local" in printed()
    page.get_by_label("Country outlines only").check()  # the page's "no basemap" is the print's basemap=none
    assert "Pisochyn" not in printed() and "Basemap" not in printed()
