"""Two people on one report in the workbench: the second save is refused, shown what changed, and
keeps everything they typed (decision 0027, through the pages with the Django test client)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from clearground.test import DAY0, Cast, rect
from reports.actions import create_report, return_report, submit_report, unapprove_report, update_draft
from reports.models import Report, ReportStatus
from tests.helpers import activity, approved, register_hazard, submitted

STALE = "changed by someone else since you opened it"


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def hidden(page: str, name: str) -> str:
    """The value of a hidden input the page carries (the first one, when several forms carry it)."""
    found = re.search(rf'<input type="hidden" name="{name}" value="(\d+)">', page)
    assert found, f"no hidden {name}"
    return found.group(1)


def orchard_draft(cast: Cast) -> Report:
    return create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=DAY0,
                         payload={"hazard": {"name": "Orchard"}})  # fmt: skip


def edit(c: Client, report: Report, version: str, name: str, **extra: str) -> Any:
    data = {"version": version, "date_of_information": DAY0.isoformat(), "hazard.name": name, "save": "1", **extra}
    return c.post(f"/reports/{report.pk}/edit/", data)


def test_the_edit_form_carries_the_version_it_was_opened_on(cast: Cast) -> None:
    report = orchard_draft(cast)

    page = client_for(cast.clerk).get(f"/reports/{report.pk}/edit/").content.decode()

    assert hidden(page, "version") == str(report.version)


def test_a_stale_edit_is_shown_again_with_the_current_state_and_the_users_values_kept(cast: Cast) -> None:
    report = orchard_draft(cast)
    clerk, approver = client_for(cast.clerk), client_for(cast.approver)
    opened = hidden(clerk.get(f"/reports/{report.pk}/edit/").content.decode(), "version")
    assert edit(approver, report, opened, "Orchard by the well").status_code == 302

    response = edit(clerk, report, opened, "Orchard behind the school")

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page
    assert "Orchard by the well" in page  # what is saved now
    assert 'value="Orchard behind the school"' in page  # what the clerk typed, still in the input
    report.refresh_from_db()
    assert report.payload == {"hazard": {"name": "Orchard by the well"}}
    # The page is now based on the current version: saving again is a choice made knowing both.
    assert hidden(page, "version") == str(report.version)
    assert edit(clerk, report, hidden(page, "version"), "Orchard behind the school").status_code == 302
    report.refresh_from_db()
    assert report.payload == {"hazard": {"name": "Orchard behind the school"}}


def test_an_edit_of_a_report_submitted_meanwhile_keeps_the_users_values_instead_of_redirecting(cast: Cast) -> None:
    report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=DAY0,
                           payload=cast.nts_payload(rect(0, 0, 100, 100)))  # fmt: skip
    clerk = client_for(cast.clerk)
    opened = hidden(clerk.get(f"/reports/{report.pk}/edit/").content.decode(), "version")
    submit_report(report, acting_user=cast.approver)

    response = edit(clerk, report, opened, "Orchard, east side")

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page and "Submitted" in page
    assert 'value="Orchard, east side"' in page
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED


def test_a_stale_return_shows_the_report_as_it_is_now_and_keeps_the_reason(cast: Cast) -> None:
    report = submitted(cast, "nts", cast.nts_payload(rect(0, 0, 100, 100)))
    imo, admin = client_for(cast.imo), client_for(cast.admin)
    opened = hidden(imo.get(f"/reports/{report.pk}/review/").content.decode(), "version")
    assert admin.post(f"/reports/{report.pk}/review/", {"decision": "validate", "version": opened}).status_code == 302

    response = imo.post(f"/reports/{report.pk}/review/",
                        {"decision": "return", "reason": "Add the benchmark", "version": opened})  # fmt: skip

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page and "Validated" in page
    assert "Add the benchmark" in page
    assert hidden(page, "version") == str(Report.objects.get(pk=report.pk).version)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.VALIDATED


def test_an_approval_reviewed_against_an_older_hazard_is_refused_and_shown_the_hazard_now(cast: Cast) -> None:
    hazard = register_hazard(cast)
    mine = submitted(cast, "ts_progress", {"activity": activity(), "reduced": [{"geometry": rect(50, 0, 60, 100)}]},
                     hazard=hazard)  # fmt: skip
    imo = client_for(cast.imo)
    page = imo.get(f"/reports/{mine.pk}/review/").content.decode()
    reviewed = {"version": hidden(page, "version"), "hazard_version": hidden(page, "hazard_version")}
    approved(cast, "ts_progress", {"activity": activity(), "reduced": [{"geometry": rect(0, 0, 10, 100)}]},
             hazard=hazard)  # someone else's report changes the hazard meanwhile  # fmt: skip

    response = imo.post(f"/reports/{mine.pk}/review/",
                        {"decision": "approve", "override_reason": "Seen on site", **reviewed})  # fmt: skip

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page
    assert "Seen on site" in page  # the override reason, still in its box
    hazard.refresh_from_db()
    assert hidden(page, "hazard_version") == str(hazard.version) != reviewed["hazard_version"]
    assert Report.objects.get(pk=mine.pk).status == ReportStatus.SUBMITTED
    again = imo.post(f"/reports/{mine.pk}/review/", {"decision": "approve", "version": hidden(page, "version"),
                                                     "hazard_version": hidden(page, "hazard_version")})  # fmt: skip
    assert again.status_code == 302
    assert Report.objects.get(pk=mine.pk).status == ReportStatus.APPROVED


def test_a_return_after_the_report_left_the_queue_shows_the_reason_that_was_not_sent(cast: Cast) -> None:
    report = submitted(cast, "nts", cast.nts_payload(rect(0, 0, 100, 100)))
    imo = client_for(cast.imo)
    opened = hidden(imo.get(f"/reports/{report.pk}/review/").content.decode(), "version")
    return_report(report, acting_user=cast.admin, reason="Wrong polygon")

    response = imo.post(f"/reports/{report.pk}/review/",
                        {"decision": "return", "reason": "Add the benchmark", "version": opened})  # fmt: skip

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page and "nothing to decide" in page
    assert "Add the benchmark" in page


def test_a_stale_unapproval_from_the_report_page_does_nothing_and_hands_back_the_reason(cast: Cast) -> None:
    report = approved(cast, "nts", cast.nts_payload(rect(0, 0, 100, 100)))
    imo = client_for(cast.imo)
    opened = hidden(imo.get(f"/reports/{report.pk}/").content.decode(), "version")
    unapprove_report(report, acting_user=cast.admin, reason="Wrong polygon")
    steps = report.transitions.count()

    response = imo.post(f"/reports/{report.pk}/unapprove/", {"reason": "Duplicate of #1", "version": opened},
                        follow=True)  # fmt: skip

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page and "Duplicate of #1" in page
    assert report.transitions.count() == steps


def test_a_stale_submit_from_the_report_page_does_nothing_and_shows_the_report_now(cast: Cast) -> None:
    report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=DAY0,
                           payload=cast.nts_payload(rect(0, 0, 100, 100)))  # fmt: skip
    clerk = client_for(cast.clerk)
    opened = hidden(clerk.get(f"/reports/{report.pk}/").content.decode(), "version")
    update_draft(report, acting_user=cast.approver, payload=cast.nts_payload(rect(0, 0, 50, 50)))

    response = clerk.post(f"/reports/{report.pk}/submit/", {"version": opened}, follow=True)

    assert response.status_code == 200
    assert STALE in response.content.decode()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT
