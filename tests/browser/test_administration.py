"""Administration in the browser: the authority admin creates a user and grants a role; axe clean in en and ar."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from accounts.models import AuditEntry, Membership
from tests.browser.conftest import serious_axe_violations, shot, sign_in, use_language

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_admin_creates_a_user_and_grants_them_a_role_through_the_forms(live_cast, live_server, page):
    sign_in(page, live_server, "admin")
    page.goto(live_server.url + "/administration/")
    assert serious_axe_violations(page) == []
    shot(page, "administration-en")

    page.get_by_label("User name").fill("olena")
    page.get_by_label("Password", exact=True).fill("mine-free-fields-2026")
    page.get_by_role("button", name="Create user").click()
    page.wait_for_selector(".messages li")
    assert page.locator("tr[data-user=olena]").count() == 1
    assert User.objects.get(username="olena").check_password("mine-free-fields-2026")

    page.locator("#grant-user").select_option(label="olena")
    page.locator("#grant-role").select_option("data_clerk")
    page.locator("#grant-organisation").select_option(label="Operator Alpha")
    page.get_by_role("button", name="Grant role").click()
    page.wait_for_selector("tr[data-user=olena] ul.roles form")
    assert Membership.objects.filter(user__username="olena", organisation__code="alpha").count() == 1
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {"user.create", "membership.grant"}
    shot(page, "administration-user-created-en")


def test_a_user_form_with_problems_shows_each_next_to_its_field(live_cast, live_server, page):
    sign_in(page, live_server, "admin")
    page.goto(live_server.url + "/administration/")
    page.get_by_label("User name").fill("clerk")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create user").click()
    page.wait_for_selector("#user-err_username")
    assert page.locator("#user-err_password").count() >= 1
    assert page.locator("#user-username").get_attribute("aria-invalid") == "true"
    assert serious_axe_violations(page) == []
    shot(page, "administration-user-errors-en")


def test_the_admin_edits_an_organisation(live_cast, live_server, page):
    sign_in(page, live_server, "admin")
    page.goto(live_server.url + "/administration/")
    page.get_by_role("link", name="Edit Operator Alpha").click()
    assert serious_axe_violations(page) == []
    page.get_by_label("Name").fill("Alpha Demining")
    page.get_by_label("Clearance", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector(".messages li")
    assert page.locator("th[scope=row]", has_text="Alpha Demining").count() == 1
    shot(page, "administration-organisation-saved-en")


def test_the_administration_page_is_accessible_in_arabic(live_cast, live_server, page):
    use_language(page, live_server, "ar")
    sign_in(page, live_server, "admin")
    page.goto(live_server.url + "/administration/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert serious_axe_violations(page) == []
    shot(page, "administration-ar")
