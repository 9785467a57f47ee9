"""Report forms and the approval workbench in Chromium: drawing a polygon, submitting, reviewing, approving."""

import json

import pytest

from clearground.test import square
from hazards.models import HazardousArea
from reports.models import Report, ReportStatus
from tests.browser.conftest import serious_axe_violations, shot, sign_in, use_language
from tests.helpers import register_hazard, submitted

pytestmark = pytest.mark.django_db(transaction=True)

DRAW_MAP = ".draw[data-draw-for='f-hazard-geometry'] canvas"


def test_a_clerk_draws_an_nts_polygon_on_the_map_fills_the_form_and_submits(live_cast, live_server, page):
    register_hazard(live_cast)  # the drawing map opens around the hazards the clerk can see
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/reports/new/nts/")
    page.wait_for_selector(DRAW_MAP + "[data-draw-ready=true]")
    page.locator(DRAW_MAP).scroll_into_view_if_needed()
    box = page.locator(DRAW_MAP).bounding_box()
    # Four corners in the map's upper-left quarter, away from the registered hazard in the middle.
    for fx, fy in ((0.12, 0.15), (0.32, 0.15), (0.32, 0.38), (0.12, 0.38)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    page.locator(".draw[data-draw-for='f-hazard-geometry']").get_by_role("button", name="Finish").click()
    drawn = json.loads(page.locator("#f-hazard-geometry").input_value())
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5
    page.get_by_label("Hazard name").fill("Drawn field by the river")
    page.locator("#f-hazard-classification").select_option("SHA")
    page.locator("#f-evidence-0-kind").select_option("indirect")
    page.locator("#f-evidence-0-source").select_option("verbal")
    page.locator("#f-evidence-0-description").fill("Shepherd saw a fragment")
    page.locator("#f-activity-start_date").fill("2024-01-10")
    shot(page, "workbench-nts-drawn")
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(live_server.url + "/reports/*/")
    report = Report.objects.get(payload__hazard__name="Drawn field by the river")
    assert report.status == ReportStatus.SUBMITTED
    assert page.get_by_text("Report submitted for approval.").is_visible()
    shot(page, "workbench-nts-submitted")


def test_a_bad_submission_lists_its_problems_at_the_top_and_at_each_field(live_cast, live_server, page):
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/reports/new/nts/")
    page.get_by_label("Hazard name").fill("")
    page.locator("#f-hazard-beneficiaries").fill("many")
    page.get_by_role("button", name="Submit", exact=True).click()
    summary = page.locator("#problems")
    assert summary.is_visible()
    assert page.locator("#f-hazard-beneficiaries").input_value() == "many"
    assert page.locator("#f-hazard-beneficiaries").get_attribute("aria-invalid") == "true"
    summary.get_by_role("link", name="Hazard name").click()
    assert page.evaluate("() => document.activeElement.id") == "f-hazard-name"
    assert serious_axe_violations(page) == []
    shot(page, "workbench-nts-problems")
    assert Report.objects.count() == 0


def test_the_im_officer_reviews_a_report_on_the_map_and_in_the_table_and_approves_it(live_cast, live_server, page):
    report = submitted(live_cast, "nts", live_cast.nts_payload())
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/reports/queue/")
    page.get_by_role("link", name=f"Review report #{report.pk}").click()
    page.wait_for_selector("#review-map[data-ready=true]")
    assert page.locator("#review-map canvas").is_visible()
    table = page.get_by_role("table").first
    assert table.is_visible()
    assert table.get_by_role("rowheader", name="Hazard name").is_visible()
    shot(page, "workbench-review")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(live_server.url + "/reports/queue/")
    assert page.get_by_text(f"Report #{report.pk} approved").is_visible()
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert HazardousArea.objects.filter(name="Field north of the school").exists()


@pytest.mark.parametrize("code", ["en", "ar"])
def test_the_form_queue_and_review_have_no_serious_accessibility_violation(live_cast, live_server, page, code):
    report = submitted(live_cast, "nts", live_cast.nts_payload())
    use_language(page, live_server, code)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/reports/new/nts/")
    page.wait_for_selector(DRAW_MAP + "[data-draw-ready=true]")
    assert serious_axe_violations(page) == [], "form"
    shot(page, f"workbench-form-{code}")
    page.goto(live_server.url + "/reports/")
    assert serious_axe_violations(page) == [], "list"
    page.goto(live_server.url + f"/reports/{report.pk}/")
    assert serious_axe_violations(page) == [], "detail"
    shot(page, f"workbench-detail-{code}")
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/reports/queue/")
    assert serious_axe_violations(page) == [], "queue"
    shot(page, f"workbench-queue-{code}")
    page.goto(live_server.url + f"/reports/{report.pk}/review/")
    page.wait_for_selector("#review-map[data-ready=true]")
    assert serious_axe_violations(page) == [], "review"
    shot(page, f"workbench-review-{code}")


def test_a_polygon_pasted_into_the_field_is_drawn_on_the_map(live_cast, live_server, page):
    register_hazard(live_cast)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/reports/new/nts/")
    page.wait_for_selector(DRAW_MAP + "[data-draw-ready=true]")
    page.locator("#f-hazard-geometry").fill(json.dumps(square(60, x=200)))
    shown = page.evaluate(
        """() => document.querySelector("[data-draw-for='f-hazard-geometry'] .draw-map").dataset.shown"""
    )
    assert shown == "Polygon"


def test_a_point_is_picked_on_the_map(live_cast, live_server, page):
    register_hazard(live_cast)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/reports/new/eod_spot/")
    page.locator("[data-pick-for='f-location']").click()
    page.wait_for_selector("#pick-dialog .pick-map[data-ready=true]")
    box = page.locator("#pick-dialog .pick-map canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lon, lat = (float(v) for v in page.locator("#f-location").input_value().split(","))
    assert 35 < lon < 37 and 49 < lat < 51  # the map opened around the clerk's hazards near Kharkiv
    assert page.evaluate("() => document.activeElement.id") == "f-location"
    assert serious_axe_violations(page) == []
