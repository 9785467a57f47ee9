"""The home dashboard in a real browser: figures readable by id, charts with their numbers a click away."""

from __future__ import annotations

from typing import Any

import pytest

from clearground.test import DAY0, Cast, rect
from reports.actions import approve_report, create_report
from tests.browser.conftest import serious_axe_violations, shot, sign_in, use_language
from tests.helpers import activity, approved, register_hazard
from tests.test_casualties_recording import accident_payload, casualty
from tests.test_casualties_recording import field_key as field_key  # noqa: PLC0414 (the per-test key fixture)
from tests.test_risk_education import filed_and_approved

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def register(live_cast: Cast, field_key: str) -> dict[str, Any]:
    """Alpha's 100 m square, partly cancelled, reduced and cleared; six casualties; one lesson."""
    cast = live_cast
    hazard = register_hazard(cast, 100)
    approved(cast, "nts", {"activity": activity(), "cancelled": [{"geometry": rect(0, 0, 30, 100)}]}, hazard=hazard)
    approved(cast, "ts_progress", {"activity": activity(method="mechanical", person_days=2),
                                   "reduced": [{"geometry": rect(30, 0, 60, 100), "date": "2024-02-10"}]},
             hazard=hazard)  # fmt: skip
    approved(cast, "clearance_progress", {"activity": activity(person_days=10),
                                          "cleared": [{"geometry": rect(60, 0, 80, 100), "depth_cm": 30}]},
             hazard=hazard)  # fmt: skip
    accident = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="accident", date_of_information=DAY0,
                             payload=accident_payload(occurred_at="2023-06-01T09:00:00+00:00",
                                                      casualties=[casualty()] * 6), submit=True)  # fmt: skip
    approve_report(accident, acting_user=cast.imo)
    filed_and_approved(cast)
    return {"hazard": hazard}


def test_the_clerk_sees_alphas_figures_and_no_casualty_chart(register, live_server, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/")
    assert page.locator("#figure-hazards").get_attribute("data-value") == "1"
    assert float(page.locator("#figure-cleared").get_attribute("data-value")) == pytest.approx(2_000, rel=0.01)
    assert page.locator("#chart-casualties").count() == 0
    assert page.get_by_role("link", name=register["hazard"].code).is_visible()
    assert serious_axe_violations(page) == []
    shot(page, "dashboard-clerk")


def test_the_im_officer_opens_a_charts_numbers_with_one_click(register, live_server, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/")
    assert page.locator("#chart-casualties svg.chart").is_visible()
    table = page.locator("#chart-land-release-area details.numbers table")
    assert not table.is_visible()
    page.locator("#chart-land-release-area details.numbers summary").click()
    assert table.is_visible()
    assert "Test Oblast" in table.inner_text()
    page.locator("#chart-casualties details.numbers summary").click()
    assert "6" in page.locator("#chart-casualties details.numbers table").inner_text()
    assert serious_axe_violations(page) == []
    shot(page, "dashboard-imo")


@pytest.mark.parametrize("code", ["en", "ar"])
def test_the_dashboard_has_no_serious_accessibility_violation(register, live_server, page, code: str) -> None:  # type: ignore[no-untyped-def]
    use_language(page, live_server, code)
    sign_in(page, live_server, "imo")
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == code
    for summary in page.locator("details.numbers summary").all():
        summary.click()  # the numbers tables are checked open too
    assert serious_axe_violations(page) == [], code
    shot(page, f"dashboard-imo-{code}")


def test_the_public_dashboard_shows_the_released_land_summary(register, live_server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/")
    assert page.locator("#public-summary").is_visible()
    assert page.locator("[id^=figure-]").count() == 0
    assert register["hazard"].code not in page.content()
    assert serious_axe_violations(page) == []
    shot(page, "dashboard-public")
