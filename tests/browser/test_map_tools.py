"""The map as a working tool in Chromium (issue 18, decision 0052): full window, place search, coordinates
typed in the field's notations, the cursor readout and measuring."""

import json

import pytest

from clearground.test import LAT0, LON0
from core.coordinates import NOTATIONS, format_position
from core.geometry import area_m2
from places.gazetteer import load_places
from tests.browser.conftest import serious_axe_violations, shot, sign_in
from tests.helpers import register_hazard

pytestmark = pytest.mark.django_db(transaction=True)

READY = "() => window.cgMap && window.cgMap.loaded() && window.cgMap.getSource('found') !== undefined"
MGRS0 = format_position(LON0 + 0.001, LAT0 + 0.001, "mgrs")  # beside the cast's hazard near Kharkiv
CENTRE = "() => { const c = window.cgMap.getCenter(); return [c.lng, c.lat]; }"


@pytest.fixture
def gazetteer(tmp_path, live_cast):
    (tmp_path / "places.csv").write_text(
        "geonameid,name,latitude,longitude,countrycode,admin1code,population,timezone,alternatenames\n"
        "709930,Dnipro,48.4593,35.03865,UA,04,968502,Europe/Kyiv,Dnepr|Дніпро\n",
        encoding="utf-8",
    )
    (tmp_path / "countries.json").write_text(json.dumps({"UA": {"iso": "UA", "iso3": "UKR"}}), encoding="utf-8")
    load_places(tmp_path / "places.csv", tmp_path / "countries.json")
    return live_cast


def forgive_refused_coordinates(watch) -> None:
    """A mistyped coordinate is answered 400, which Chromium logs as a console error: expected here, once."""
    expected = [e for e in watch.errors if "400" in e and "/api/v1/coordinates/parse" in e]
    assert len(expected) == 1, watch.errors
    watch.errors.remove(expected[0])


def open_map(page, live_server) -> None:
    page.goto(live_server.url + "/map/")
    page.wait_for_function(READY)


def test_the_map_fills_the_window_and_the_place_search_jumps_to_a_place_and_to_coordinates(
    gazetteer, live_server, page, watch
):
    register_hazard(gazetteer, 100)
    sign_in(page, live_server, "clerk")
    open_map(page, live_server)
    viewport = page.viewport_size
    box = page.locator("#atlas-map").bounding_box()
    header = page.locator("header.top").bounding_box()
    assert box["width"] == viewport["width"]
    assert box["height"] == pytest.approx(viewport["height"] - header["height"] - header["y"], abs=4)
    # Filters and legend fold away.
    legend = page.locator("summary", has_text="Legend")
    legend.click()
    assert not page.locator(".atlas-legend").is_visible()
    legend.click()

    page.get_by_label("Find a place or go to coordinates").fill("dnepr")
    page.get_by_role("button", name="Find", exact=True).click()
    page.get_by_role("button", name="Dnipro — UKR").click()
    assert page.evaluate(CENTRE) == pytest.approx([35.03865, 48.4593], abs=1e-4)
    assert page.locator("#atlas-map").get_attribute("data-jumped-to") == "Dnipro"

    page.get_by_label("Find a place or go to coordinates").fill(MGRS0)
    page.get_by_role("button", name="Find", exact=True).click()
    page.wait_for_function(f"() => document.getElementById('atlas-map').dataset.jumpedTo === '{MGRS0}'")
    lon, lat = page.evaluate(CENTRE)
    assert format_position(lon, lat, "mgrs") == MGRS0
    assert page.locator("#place-status").inner_text() == format_position(lon, lat, "dd")

    page.get_by_label("Find a place or go to coordinates").fill("48 61 0 N 35 E")
    page.get_by_role("button", name="Find", exact=True).click()
    page.wait_for_function("() => document.getElementById('place-status').textContent.includes('minutes')")
    forgive_refused_coordinates(watch)
    assert serious_axe_violations(page) == []
    shot(page, "map-tools-full-window")


def test_the_cursor_readout_writes_each_notation_as_the_server_does(live_cast, live_server, page):
    sign_in(page, live_server, "viewer")
    open_map(page, live_server)
    places = [(35.036111, 48.458667), (-77.5, -12.25), (5.0, 60.0), (10.0, 78.0), (0.0, 0.0), (174.78, -41.29),
              (-58.38, -34.6), (179.9, 83.5), (LON0, LAT0)]  # fmt: skip
    for lon, lat in places:
        for notation in NOTATIONS:
            written = page.evaluate(f"() => window.Clearground.formatPosition({lon}, {lat}, '{notation}')")
            assert written == format_position(lon, lat, notation), (lon, lat, notation)
    # The readout follows the cursor in the notation chosen.
    page.get_by_label("Coordinates", exact=True).select_option("mgrs")
    canvas = page.locator("#atlas-map canvas").bounding_box()
    page.mouse.move(canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2)
    readout = page.locator("#cursor-position").inner_text()
    lon, lat = page.evaluate(CENTRE)
    assert readout.split(" ")[:2] == format_position(lon, lat, "mgrs").split(" ")[:2]


def test_measuring_a_distance_and_an_area(live_cast, live_server, page):
    sign_in(page, live_server, "viewer")
    page.goto(f"{live_server.url}/map/#15/{LAT0}/{LON0}")
    page.wait_for_function(READY)
    corners = [(LON0 - 0.002, LAT0 - 0.001), (LON0 + 0.002, LAT0 - 0.001), (LON0 + 0.002, LAT0 + 0.001),
               (LON0 - 0.002, LAT0 + 0.001)]  # fmt: skip

    def click_at(lon, lat):
        xy = page.evaluate(f"() => {{ const p = window.cgMap.project([{lon}, {lat}]); return [p.x, p.y]; }}")
        box = page.locator("#atlas-map canvas").bounding_box()
        page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])

    page.locator("summary", has_text="Measure").click()
    page.get_by_role("button", name="Distance", exact=True).click()
    for lon, lat in corners[:2]:
        click_at(lon, lat)
    metres = float(page.locator("#measure-result").get_attribute("data-metres"))
    assert metres == pytest.approx(287.0, rel=0.01)  # 0.004° of longitude at 49.95°N
    assert "Distance:" in page.locator("#measure-result").inner_text()
    assert page.locator(".maplibregl-popup").count() == 0  # measuring opens no popups

    page.get_by_role("button", name="Area", exact=True).click()
    for lon, lat in corners:
        click_at(lon, lat)
    measured = float(page.locator("#measure-result").get_attribute("data-square-metres"))
    ring = json.loads(page.locator("#measure-result").get_attribute("data-points"))
    clicked = {"type": "Polygon", "coordinates": [ring + ring[:1]]}
    from django.contrib.gis.geos import GEOSGeometry

    server = area_m2(GEOSGeometry(json.dumps(clicked), srid=4326))
    assert measured == pytest.approx(server, rel=1e-6)  # the server's rule: the local UTM zone
    assert "ha" in page.locator("#measure-result").inner_text()
    shot(page, "map-tools-measure")


def test_a_clerk_types_mgrs_corners_and_a_point_into_the_report_form(live_cast, live_server, page, watch):
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/reports/new/nts/")
    draw = page.locator(".draw[data-draw-for='f-hazard-geometry']")
    page.wait_for_selector(".draw[data-draw-for='f-hazard-geometry'] canvas[data-draw-ready=true]")
    corners = [(LON0, LAT0), (LON0 + 0.0014, LAT0), (LON0 + 0.0014, LAT0 + 0.0009)]
    for lon, lat in corners:
        draw.get_by_label("Type a corner").fill(format_position(lon, lat, "mgrs"))
        draw.get_by_role("button", name="Add corner").click()
        page.wait_for_function("() => document.querySelector('.corner-input').value === ''")
    assert "Corners: 3" in draw.locator(".draw-status").inner_text()
    draw.get_by_role("button", name="Finish").click()
    polygon = json.loads(page.locator("#f-hazard-geometry").input_value())
    assert polygon["type"] == "Polygon" and len(polygon["coordinates"][0]) == 4
    for (lon, lat), (x, y) in zip(corners, polygon["coordinates"][0], strict=False):
        assert (x, y) == (pytest.approx(lon, abs=2e-5), pytest.approx(lat, abs=2e-5))  # 1 m squares
    assert draw.locator(".draw-map").get_attribute("data-shown") == "Polygon"
    # A mistyped corner is named, not added.
    draw.get_by_label("Type a corner").fill(MGRS0[:-3])  # one digit short: 5 and 4
    draw.get_by_role("button", name="Add corner").click()
    page.wait_for_function("() => document.querySelector('.draw-status').textContent.includes('digits')")
    assert draw.get_by_label("Type a corner").get_attribute("aria-invalid") == "true"
    forgive_refused_coordinates(watch)
    shot(page, "workbench-typed-corners")

    page.goto(live_server.url + "/reports/new/eod_spot/")
    location = page.locator("#f-location")
    location.fill(MGRS0)
    location.blur()
    page.wait_for_function("() => document.getElementById('f-location-check').textContent.startsWith('=')")
    assert MGRS0 in page.locator("#f-location-check").inner_text()
