"""A stale save in Chromium: the notice, the current state and the user's typing, with no console error."""

import pytest

from clearground.test import DAY0
from reports.actions import create_report, update_draft
from reports.models import Report
from tests.browser.conftest import serious_axe_violations, shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_clerk_saving_over_someone_elses_edit_keeps_what_they_typed_and_sees_what_is_saved(
    live_cast, live_server, page
):
    report = create_report(acting_user=live_cast.clerk, organisation=live_cast.alpha, kind="nts",
                           date_of_information=DAY0, payload={"hazard": {"name": "Orchard"}})  # fmt: skip
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + f"/reports/{report.pk}/edit/")
    # Meanwhile Alpha's approver saves the same draft.
    update_draft(report, acting_user=live_cast.approver, payload={"hazard": {"name": "Orchard by the well"}})

    page.get_by_label("Hazard name").fill("Orchard behind the school")
    page.get_by_role("button", name="Save draft").last.click()

    notice = page.locator("#stale")
    assert notice.is_visible()
    assert "changed by someone else since you opened it" in notice.inner_text()
    assert "Orchard by the well" in notice.inner_text()
    assert page.get_by_label("Hazard name").input_value() == "Orchard behind the school"
    assert serious_axe_violations(page) == []
    shot(page, "workbench-stale-edit")
    page.get_by_role("button", name="Save draft").last.click()  # saving again, knowing both
    page.wait_for_url(live_server.url + f"/reports/{report.pk}/")
    assert Report.objects.get(pk=report.pk).payload == {"hazard": {"name": "Orchard behind the school"}}
