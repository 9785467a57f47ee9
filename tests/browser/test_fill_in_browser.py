"""Filling field forms in Chromium with ODK Web Forms, sent to /openrosa/submission (decision 0058)."""

import pytest

from tests.browser.conftest import shot, sign_in
from tests.helpers import register_hazard

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def development_server(settings):  # type: ignore[no-untyped-def]
    # The live server speaks plain HTTP; /openrosa/ takes plain HTTP only from a development server
    # (decision 0051; the HTTPS rule has its own tests in tests/test_openrosa_hostile.py).
    settings.DEBUG = True


def test_explore(live_cast, live_server, page):
    register_hazard(live_cast)
    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + "/openrosa/fill/minefield_handover/")
    page.wait_for_selector(".form-initialization-status.ready", state="attached")
    shot(page, "fill-explore")
    print(page.locator(".odk-form").inner_html()[:30000])
