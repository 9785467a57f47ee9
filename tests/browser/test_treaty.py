"""The treaty pages in a real browser: the world map recolours with the slider, popups, a state, Article 7."""

import datetime as dt

import pytest

from obligations.actions import generate_article7
from tests.browser.conftest import serious_axe_violations, shot, sign_in, use_language
from treaty.engine import default_register

pytestmark = pytest.mark.django_db(transaction=True)

MAP_READY = (
    "() => window.ClearTreaty && window.ClearTreaty.map.loaded() && !!window.ClearTreaty.map.getLayer('treaty-status')"
)


def open_map(page, live_server, query=""):
    page.goto(live_server.url + "/treaty/" + query)
    page.wait_for_function(MAP_READY)
    page.evaluate("() => window.ClearTreaty.ready")
    page.wait_for_function(
        "() => window.ClearTreaty.map.queryRenderedFeatures({layers: ['treaty-status']}).length > 100"
    )


def coloured(page):
    """(ISO3, fill colour) of every country drawn in the status layer."""
    return page.evaluate(
        """() => window.ClearTreaty.map.queryRenderedFeatures({layers: ['treaty-status']})
              .map((f) => [f.properties.iso3, JSON.stringify(f.layer.paint['fill-color'])])"""
    )


def move_slider_to(page, day):
    page.evaluate(
        """(day) => { const s = document.getElementById('treaty-slider');
             const [y, m] = day.split('-').map(Number);
             s.value = String((y - 1997) * 12 + (m - 12));
             s.dispatchEvent(new Event('input', {bubbles: true})); }""",
        day,
    )


def test_the_world_map_colours_countries_by_their_status_and_has_no_accessibility_problem(live_server, page):
    open_map(page, live_server, "?on=2020-01-01")
    colours = dict(coloured(page))
    assert len(colours) > 150
    assert colours["POL"] != colours["USA"]  # a State Party and a state that never joined
    assert colours["POL"] == colours["FRA"]
    count = len(default_register().parties_on(dt.date(2020, 1, 1)))
    assert page.locator("#treaty-count").inner_text() == str(count)
    assert page.locator("#treaty-table tr[data-iso3='USA'] td.status").inner_text() == "Not party"
    assert serious_axe_violations(page) == []
    shot(page, "treaty-map-en")


def test_moving_the_slider_recolours_the_map_and_changes_the_number_of_states_parties(live_server, page):
    open_map(page, live_server)
    today = page.locator("#treaty-count").inner_text()
    before = dict(coloured(page))
    move_slider_to(page, "1998-01-01")
    page.wait_for_function("() => document.getElementById('treaty-map').dataset.on === '1998-01-01'")
    assert page.locator("#treaty-count").inner_text() == "0"
    assert int(today) > 150
    assert page.get_by_label("Date").input_value() == "1998-01-01"
    assert page.locator("#treaty-table tr[data-iso3='POL'] td.status").inner_text() == "Signed, not ratified"
    page.wait_for_function("() => window.ClearTreaty.map.loaded()")
    after = dict(coloured(page))
    assert after["FRA"] != before["FRA"]  # France: signed in 1997, party since 1999
    assert "on=1998-01-01" in page.url
    shot(page, "treaty-map-1998")


def test_choosing_a_date_in_the_date_field_recolours_the_map(live_server, page):
    open_map(page, live_server)
    page.get_by_label("Date").fill("2005-07-01")
    page.get_by_label("Date").dispatch_event("change")
    page.wait_for_function("() => document.getElementById('treaty-map').dataset.on === '2005-07-01'")
    assert page.locator("#treaty-count").inner_text() == str(len(default_register().parties_on(dt.date(2005, 7, 1))))


def test_clicking_a_country_opens_a_popup_with_its_status_and_a_link_to_its_timeline(live_server, page):
    open_map(page, live_server, "?on=2020-01-01")
    # Brazil: a big State Party, easy to hit; click where MapLibre draws its centre.
    point = page.evaluate("""() => { const p = window.ClearTreaty.map.project([-52, -10]); return [p.x, p.y]; }""")
    box = page.locator("#treaty-map canvas").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    popup = page.locator(".maplibregl-popup")
    popup.wait_for()
    assert "Brazil" in popup.inner_text() and "State Party (in force)" in popup.inner_text()
    shot(page, "treaty-map-popup")
    popup.get_by_role("link", name="Timeline and obligations").click()
    page.wait_for_url(live_server.url + "/treaty/BRA/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Brazil")


def test_the_map_page_is_clean_and_right_to_left_in_arabic(live_server, page):
    use_language(page, live_server, "ar")
    open_map(page, live_server, "?on=2020-01-01")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "دولة طرف (نافذة)" in page.locator(".treaty-legend").inner_text()
    assert serious_axe_violations(page) == []
    shot(page, "treaty-map-ar")


def test_a_states_timeline_page_shows_its_events_in_english_and_arabic(live_server, page):
    page.goto(live_server.url + "/treaty/UKR/")
    assert page.locator("tr[data-event='entry_into_force']").count() == 1
    assert page.locator("#state-status").get_attribute("data-status") == "party"
    assert serious_axe_violations(page) == []
    shot(page, "treaty-state-ukr-en")
    use_language(page, live_server, "ar")
    page.goto(live_server.url + "/treaty/UKR/")
    assert serious_axe_violations(page) == []
    shot(page, "treaty-state-ukr-ar")


def test_the_authority_sees_the_article5_forecast_chart_on_a_states_page(live_cast, live_server, page):
    from tests.test_article5_forecast import register_with_history

    register_with_history(live_cast, [dt.date.today().replace(day=1) - dt.timedelta(days=30 * k) for k in (2, 5, 9)])
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/treaty/UKR/")
    assert page.locator("#forecast-chart svg.chart").is_visible()
    assert serious_axe_violations(page) == []
    shot(page, "treaty-state-ukr-forecast")


def test_the_im_officer_generates_and_downloads_an_article7_report(live_cast, live_server, page):
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/treaty/article7/")
    assert serious_axe_violations(page) == []
    page.get_by_label("State").select_option("UKR")
    page.get_by_label("Calendar year covered").fill("2025")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(live_server.url + "/treaty/article7/?generated=*")
    assert "Article 7 report generated: Ukraine 2025" in page.locator("#article7-generated").inner_text()
    row = page.locator("#article7-reports tbody tr").first
    assert "Ukraine" in row.inner_text()
    with page.expect_download() as download:
        row.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename.startswith("article7-UKR-2025-")
    assert serious_axe_violations(page) == []
    shot(page, "treaty-article7-en")
    use_language(page, live_server, "ar")
    page.goto(live_server.url + "/treaty/article7/")
    assert serious_axe_violations(page) == []
    shot(page, "treaty-article7-ar")


def test_a_clerk_sees_no_national_report_and_no_form(live_cast, live_server, page):
    generate_article7(acting_user=live_cast.imo, country_iso3="UKR", year=2025)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/treaty/article7/")
    assert page.locator("#article7-closed").is_visible()
    assert (
        page.locator("#article7-reports").count() == 0 and page.locator("form button", has_text="Generate").count() == 0
    )
    assert serious_axe_violations(page) == []
    shot(page, "treaty-article7-clerk")
