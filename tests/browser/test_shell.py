"""The frame every page shares: sign-in, the language switcher, right-to-left Arabic, accessibility."""

import pytest

from tests.browser.conftest import serious_axe_violations, shot, use_language

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_signs_in_through_the_form_and_lands_on_the_dashboard(live_cast, live_server, page):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("test-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("header .username").inner_text() == "clerk"
    assert serious_axe_violations(page) == []


def test_the_sign_in_page_has_no_serious_accessibility_violation_in_any_language(live_server, page, transactional_db):
    for code in ("en", "uk", "es", "ar"):
        use_language(page, live_server, code)
        page.goto(live_server.url + "/login/")
        assert page.locator("html").get_attribute("lang") == code
        assert serious_axe_violations(page) == [], code
        shot(page, f"login-{code}")


def test_an_arabic_page_is_laid_out_right_to_left(live_server, page, transactional_db):
    use_language(page, live_server, "ar")
    page.goto(live_server.url + "/login/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    # The brand sits at the right-hand edge, the language menu to its left: the layout mirrors.
    brand = page.locator("header .brand").bounding_box()
    who = page.locator("header .who").bounding_box()
    assert brand["x"] > who["x"]
    assert page.get_by_role("button", name="تسجيل الدخول").is_visible()
    shot(page, "login-ar-rtl")


def test_the_language_switcher_changes_the_language_and_keeps_the_page(live_server, page, transactional_db):
    page.goto(live_server.url + "/login/")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("uk")
    assert page.url == live_server.url + "/login/"
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.get_by_role("heading", level=1).inner_text() == "Увійти"
