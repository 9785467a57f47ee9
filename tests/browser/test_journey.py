"""The whole journey of issue 6, in one browser: a clerk draws and submits an NTS report, an IM officer
approves it, the map draws the new hazard and the dashboard's number changes."""

import json

import pytest

from hazards.models import HazardousArea
from reports.models import Report, ReportStatus
from tests.browser.conftest import shot, sign_in
from tests.helpers import register_hazard

pytestmark = pytest.mark.django_db(transaction=True)

DRAW = ".draw[data-draw-for='f-hazard-geometry']"
HAZARD_CODES = """() => Array.from(new Set(
  window.cgMap.queryRenderedFeatures({layers: ['hazards-fill']}).map((f) => f.properties.code)))"""


def figure(page, name: str) -> int:
    return int(page.locator(f"#figure-{name}").get_attribute("data-value"))


def test_a_clerk_draws_and_submits_an_nts_report_the_im_officer_approves_and_map_and_dashboard_show_it(
    live_cast, live_server, page
):
    existing = register_hazard(live_cast)  # the drawing map opens around what the clerk already sees
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/")
    hazards_before = figure(page, "hazards")
    assert hazards_before == 1

    # The clerk draws the polygon by clicking its corners on the map, fills the report and submits.
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/reports/new/nts/")
    canvas = page.locator(f"{DRAW} canvas")
    page.wait_for_selector(f"{DRAW} canvas[data-draw-ready=true]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    for fx, fy in ((0.12, 0.15), (0.32, 0.15), (0.32, 0.38), (0.12, 0.38)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    page.locator(DRAW).get_by_role("button", name="Finish").click()
    assert json.loads(page.locator("#f-hazard-geometry").input_value())["type"] == "Polygon"
    page.get_by_label("Hazard name").fill("Orchard behind the mill")
    page.locator("#f-hazard-classification").select_option("SHA")
    page.locator("#f-evidence-0-kind").select_option("indirect")
    page.locator("#f-evidence-0-source").select_option("verbal")
    page.locator("#f-evidence-0-description").fill("A farmer found a fuze in the furrow")
    page.locator("#f-activity-start_date").fill("2024-01-10")
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(live_server.url + "/reports/*/")
    report = Report.objects.get(payload__hazard__name="Orchard behind the mill")
    assert report.status == ReportStatus.SUBMITTED
    shot(page, "journey-1-clerk-submitted")

    # The IM officer finds it in the queue, sees the change on the map and in the table, and approves.
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/reports/queue/")
    page.get_by_role("link", name=f"Review report #{report.pk}").click()
    page.wait_for_selector("#review-map[data-ready=true]")
    shot(page, "journey-2-imo-review")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(live_server.url + "/reports/queue/")
    new = HazardousArea.objects.get(name="Orchard behind the mill")

    # The map draws the new hazard from the tiles, beside the one already there.
    page.goto(live_server.url + "/map/")
    page.wait_for_function("() => window.cgMapReady === true")
    page.wait_for_function(f"() => ({HAZARD_CODES})().includes({json.dumps(new.code)})")
    assert {new.code, existing.code} <= set(page.evaluate(HAZARD_CODES))
    shot(page, "journey-3-map")

    # And the dashboard counts it.
    page.goto(live_server.url + "/")
    assert figure(page, "hazards") == hazards_before + 1
    shot(page, "journey-4-dashboard")
