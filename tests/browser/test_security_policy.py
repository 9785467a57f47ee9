"""The pages we do not write (the browsable API, the Django admin) work under the content security policy.

The `page` fixture fails on any console error, and a refused script or style is one (decision 0031).
"""

import pytest
from django.contrib.auth.models import User

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_browsable_api_renders_and_runs_its_scripts_under_the_policy(live_cast, live_server, page, watch):
    sign_in(page, live_server, "admin")

    response = page.goto(live_server.url + "/api/v1/hazards/")

    assert "style-src-attr 'unsafe-inline'" in response.headers["content-security-policy"]
    assert page.locator(".response-info").is_visible()
    # Bootstrap's dropdown (its script) opens the format menu: the scripts ran.
    page.locator(".dropdown-toggle").first.click()
    assert page.locator(".dropdown-menu").first.is_visible()
    page.wait_for_load_state("networkidle")
    # Its template names no icon, so the browser asks for /favicon.ico and gets a 404: not a policy matter.
    watch.errors[:] = [e for e in watch.errors if "/favicon.ico" not in e]


def test_the_django_admin_works_under_the_policy(live_cast, live_server, page):
    User.objects.create_superuser("root", password="test-password-1")
    sign_in(page, live_server, "root")

    page.goto(live_server.url + "/admin/accounts/organisation/")
    assert page.locator("#result_list").is_visible()
    page.goto(live_server.url + "/admin/accounts/organisation/add/")
    assert page.locator("#organisation_form").is_visible()
