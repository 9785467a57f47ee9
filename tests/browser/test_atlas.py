"""The map (/map/) and the hazard page in Chromium: tiles render, popups, filters, access, accessibility."""

import datetime as dt

import pytest

from clearground.test import LAT0, LON0, point, rect
from hazards.models import HazardousArea
from reports.actions import approve_report, create_report
from tests.browser.conftest import serious_axe_violations, shot, sign_in, use_language
from tests.helpers import activity, approved, register_hazard

pytestmark = pytest.mark.django_db(transaction=True)

READY = "() => window.cgMapReady === true"
HAZARDS_RENDERED = """() => Array.from(new Set(
  window.cgMap.queryRenderedFeatures({layers: ['hazards-fill']}).map((f) => f.properties.code)))"""


def worked_hazard(cast) -> HazardousArea:
    """An SHA (registered 2024-01-15) with a strip cleared on 2024-03-01 and a find: every layer draws."""
    hazard = register_hazard(cast, 400)
    payload = {
        "activity": activity(),
        "cleared": [{"geometry": rect(0, 0, 100, 400), "depth_cm": 20}],
        "finds": [{"category": "ap_mine", "quantity": 2}],
    }
    approved(cast, "clearance_progress", payload, hazard=hazard, on=dt.date(2024, 3, 1))
    return HazardousArea.objects.get(pk=hazard.pk)


def an_accident(cast) -> None:
    report = create_report(
        acting_user=cast.clerk,
        organisation=cast.alpha,
        kind="accident",
        date_of_information=dt.date(2024, 1, 15),
        payload={
            "accident_kind": "civilian_accident",
            "occurred_at": "2024-01-12T10:30:00+02:00",
            "location": point(600, 300),
            "device_category": "at_mine",
            "activity": "agriculture",
            "description": "A tractor hit a mine while ploughing",
            "evidence": [{"kind": "witness", "description": "A neighbour saw the explosion"}],
            "casualties_not_stated": True,
        },
        submit=True,
    )
    approve_report(report, acting_user=cast.imo)


def open_map(page, live_server) -> None:
    page.goto(live_server.url + "/map/")
    page.wait_for_function(READY)


def wait_idle(page) -> None:
    page.evaluate("() => new Promise((done) => { window.cgMap.once('idle', done); window.cgMap.triggerRepaint(); })")


def test_the_map_draws_the_casts_hazard_from_the_vector_tiles(live_cast, live_server, page):
    hazard = worked_hazard(live_cast)
    sign_in(page, live_server, "clerk")
    tile_requests: list[str] = []
    page.on("request", lambda r: tile_requests.append(r.url) if "/tiles/" in r.url else None)
    open_map(page, live_server)
    assert page.evaluate(HAZARDS_RENDERED) == [hazard.code]
    assert page.evaluate("() => window.cgMap.queryRenderedFeatures({layers: ['products-fill']}).length") > 0
    assert page.evaluate("() => window.cgMap.queryRenderedFeatures({layers: ['finds']}).length") > 0
    assert any("/tiles/hazardous_areas/" in u for u in tile_requests)
    assert page.evaluate("() => typeof window.cgMapReadyAt") == "number"
    shot(page, "atlas-map-clerk")


def test_clicking_the_hazard_opens_a_popup_with_its_code_linked_to_its_page(live_cast, live_server, page):
    hazard = register_hazard(live_cast, 400)
    sign_in(page, live_server, "clerk")
    open_map(page, live_server)
    # A point inside the hazard, near its north-east corner (away from any product or find).
    lon, lat = LON0 + 0.0045, LAT0 + 0.0030
    xy = page.evaluate(f"() => {{ const p = window.cgMap.project([{lon}, {lat}]); return [p.x, p.y]; }}")
    page.locator("#atlas-map canvas").click(position={"x": xy[0], "y": xy[1]})
    popup = page.locator(".maplibregl-popup")
    popup.wait_for()
    link = popup.get_by_role("link", name=hazard.code)
    assert link.get_attribute("href") == f"/map/hazards/{hazard.pk}/"
    assert "Suspected hazardous area" in popup.inner_text()
    shot(page, "atlas-map-popup")
    link.click()
    page.wait_for_url(f"{live_server.url}/map/hazards/{hazard.pk}/")


def test_zoomed_out_each_hazard_is_a_dot_whose_popup_fetches_its_details(live_cast, live_server, page):
    hazard = register_hazard(live_cast, 400)
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/map/#7/{LAT0}/{LON0}")
    page.wait_for_function(READY)
    dots = "() => window.cgMap.queryRenderedFeatures({layers: ['hazards-points']}).map((f) => f.id)"
    assert page.evaluate(dots) == [hazard.pk]
    # Below zoom 10 no polygon tiles are asked for: the dots are all a national view draws.
    assert page.evaluate("() => window.cgMap.queryRenderedFeatures({layers: ['hazards-fill']}).length") == 0
    xy = page.evaluate(
        f"() => {{ const p = window.cgMap.project([{LON0 + 0.0025}, {LAT0 + 0.0018}]); return [p.x, p.y]; }}"
    )
    page.locator("#atlas-map canvas").click(position={"x": xy[0], "y": xy[1]})
    popup = page.locator(".maplibregl-popup")
    popup.wait_for()
    assert popup.get_by_role("link", name=hazard.code).get_attribute("href") == f"/map/hazards/{hazard.pk}/"
    assert hazard.name in popup.inner_text()
    shot(page, "atlas-map-dots")


def test_zoomed_out_hazards_whose_dots_overlap_are_one_dot_counting_both_that_opens_towards_them(
    live_cast, live_server, page
):
    # Two hazards 500 m apart: one dot-sized cell at zoom 7 (decision 0062), so one dot standing for both.
    first = register_hazard(live_cast, 100)
    second = approved(live_cast, "nts", live_cast.nts_payload(rect(500, 0, 600, 100), name="Orchard")).hazard
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/map/#7/{LAT0}/{LON0}")
    page.wait_for_function(READY)
    dots = """() => window.cgMap.queryRenderedFeatures({layers: ['hazards-points']})
      .map((f) => [f.id, f.properties.count])"""
    assert page.evaluate(dots) == [[min(first.pk, second.pk), 2]]
    # The filters still apply to it exactly: both are open SHAs of Operator Alpha.
    page.get_by_label("Open", exact=True).uncheck()
    wait_idle(page)
    assert page.evaluate(dots) == []
    page.get_by_label("Open", exact=True).check()
    page.get_by_label("Organisation").select_option(label="Operator Alpha")
    wait_idle(page)
    assert page.evaluate(dots) == [[min(first.pk, second.pk), 2]]
    xy = page.evaluate(
        f"() => {{ const p = window.cgMap.project([{LON0 + 0.003}, {LAT0 + 0.0005}]); return [p.x, p.y]; }}"
    )
    page.locator("#atlas-map canvas").click(position={"x": xy[0], "y": xy[1]})
    page.wait_for_function("() => window.cgMap.getZoom() > 8.9 && !window.cgMap.isMoving()")
    assert page.locator(".maplibregl-popup").count() == 0  # a dot of two opens no popup: it zooms in


def test_the_filters_hide_the_hazard_and_show_it_again(live_cast, live_server, page):
    hazard = register_hazard(live_cast, 400)
    sign_in(page, live_server, "viewer")
    open_map(page, live_server)
    assert page.evaluate(HAZARDS_RENDERED) == [hazard.code]
    page.get_by_label("SHA · Suspected hazardous area").uncheck()
    wait_idle(page)
    assert page.evaluate(HAZARDS_RENDERED) == []
    page.get_by_label("SHA · Suspected hazardous area").check()
    page.get_by_label("Open", exact=True).uncheck()
    wait_idle(page)
    assert page.evaluate(HAZARDS_RENDERED) == []
    page.get_by_label("Open", exact=True).check()
    page.get_by_label("Organisation").select_option(label="Operator Alpha")
    wait_idle(page)
    assert page.evaluate(HAZARDS_RENDERED) == [hazard.code]
    page.get_by_label("Hazardous areas", exact=True).uncheck()
    wait_idle(page)
    assert page.evaluate("() => window.cgMap.getLayoutProperty('hazards-fill', 'visibility')") == "none"
    assert page.evaluate(HAZARDS_RENDERED) == []


def test_an_anonymous_visitor_is_asked_to_sign_in_and_the_im_officer_sees_the_accident(live_cast, live_server, page):
    register_hazard(live_cast, 100)
    an_accident(live_cast)
    page.goto(live_server.url + "/map/")  # the register's layers are not published (decision 0037)
    page.wait_for_url("**/login/?next=/map/")
    sign_in(page, live_server, "imo")
    open_map(page, live_server)
    assert page.evaluate("() => window.cgMap.getLayer('accidents') !== undefined")
    wait_idle(page)
    assert page.evaluate("() => window.cgMap.queryRenderedFeatures({layers: ['accidents']}).length") == 1


@pytest.mark.parametrize("code", ["en", "ar"])
def test_the_map_has_no_serious_accessibility_violation(live_cast, live_server, page, code):
    worked_hazard(live_cast)
    use_language(page, live_server, code)
    sign_in(page, live_server, "imo")
    open_map(page, live_server)
    assert page.locator("html").get_attribute("lang") == code
    assert serious_axe_violations(page) == []
    shot(page, f"atlas-map-{code}")


@pytest.mark.parametrize("code", ["en", "ar"])
def test_the_hazard_page_shows_its_state_history_and_map_without_accessibility_violations(
    live_cast, live_server, page, code
):
    hazard = worked_hazard(live_cast)
    use_language(page, live_server, code)
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/map/hazards/{hazard.pk}/")
    page.wait_for_function(READY)
    assert hazard.code in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("ol.timeline li").count() >= 2
    assert serious_axe_violations(page) == []
    shot(page, f"atlas-hazard-{code}")


def test_the_as_known_on_field_re_renders_the_earlier_state(live_cast, live_server, page):
    hazard = worked_hazard(live_cast)
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/map/hazards/{hazard.pk}/")
    assert page.locator('[data-area="cleared"]').inner_text() != "0"
    page.get_by_label("As known on").fill("2024-01-20")
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url("**?on=2024-01-20")
    assert page.locator('[data-area="cleared"]').inner_text() == "0"
    assert "State as known on" in page.locator("#state-heading").inner_text()
    shot(page, "atlas-hazard-known-on")


def test_no_request_of_a_viewers_map_is_refused(live_cast, live_server, page):
    register_hazard(live_cast, 100)
    an_accident(live_cast)  # drawn from the generalised accidents (decision 0037)
    sign_in(page, live_server, "viewer")
    refused: list[str] = []
    page.on("response", lambda r: refused.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    open_map(page, live_server)
    assert refused == []


def test_the_map_benchmark_signs_in_and_measures_a_render_against_a_small_register(live_cast, live_server):
    import json
    import subprocess
    import sys

    from django.conf import settings

    register_hazard(live_cast, 400)
    argv = [sys.executable, str(settings.BASE_DIR / "bench" / "map_render.py"), "--url", live_server.url,
            "--username", "viewer", "--password", "test-password-1", "--runs", "1", "--min-visible", "1",
            "--bbox", f"{LON0 - 0.01},{LAT0 - 0.01},{LON0 + 0.02},{LAT0 + 0.02}"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["hazards_visible"] == 1 and result["user"] == "viewer"
    assert 0 < result["median_ms"] == result["p95_ms"]
