"""Every response carries the security headers, and the content security policy names no other host.

The policy (clearground/security.py, decision 0031) refuses inline scripts and styles, so the last
test reads every template of ours for one: a page that needs one would break in the browser.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from clearground.security import BROWSABLE_API_POLICY, CONTENT_SECURITY_POLICY
from clearground.test import Cast
from tests.helpers import register_hazard

FIXED = {
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The only sources a policy may name: this server, no server (object-src), and data/blob URLs it made.
LOCAL_SOURCES = {"'self'", "'none'", "data:", "blob:"}


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (d.split() for d in policy.split(";") if d.strip())}


def assert_secured(response, policy: str = CONTENT_SECURITY_POLICY) -> None:  # type: ignore[no-untyped-def]
    for header, value in FIXED.items():
        assert response.headers.get(header) == value, (response.request["PATH_INFO"], header)
    assert response.headers["Content-Security-Policy"] == policy
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions


def test_the_policy_names_no_source_but_this_server() -> None:
    policy = directives(CONTENT_SECURITY_POLICY)

    assert {s for sources in policy.values() for s in sources} <= LOCAL_SOURCES
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    # The browsable API's only extras: inline style attributes, and one <style> by its hash (no script).
    browsable = directives(BROWSABLE_API_POLICY)
    extras = {k: v for k, v in browsable.items() if policy.get(k) != v}
    assert set(extras) == {"style-src-attr", "style-src-elem"}
    assert extras["style-src-attr"] == ["'unsafe-inline'"]
    assert extras["style-src-elem"][0] == "'self'"
    assert all(s.startswith("'sha256-") for s in extras["style-src-elem"][1:])


@pytest.mark.django_db
def test_every_kind_of_page_sends_the_security_headers(cast: Cast) -> None:
    hazard = register_hazard(cast)
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(cast.admin)
    pages = {
        anonymous: ["/", "/login/", "/map/", "/treaty/", "/admin/login/", "/no-such-page/"],
        signed_in: [
            "/",
            f"/map/hazards/{hazard.pk}/",
            "/reports/",
            "/reports/queue/",
            "/reports/new/nts/",
            "/imports/",
            "/exports/",
            "/administration/",
            "/admin/",
            "/admin/accounts/auditentry/",
            "/api/v1/hazards/",
            "/api/v1/no-such-thing/",
            "/ogc/collections",
            "/tiles/hazards/0/0/0",
            "/tiles/hazards/tilejson.json",
        ],
    }
    seen = set()
    for client, paths in pages.items():
        for path in paths:
            response = client.get(path)
            seen.add(response.status_code)
            assert_secured(response)
    assert {200, 302, 404} <= seen  # pages, redirects and errors alike


@pytest.mark.django_db
def test_a_redirect_and_a_refused_post_send_them_too(cast: Cast) -> None:
    assert_secured(Client().get("/reports/"))  # to the login page
    assert_secured(Client(enforce_csrf_checks=True).post("/login/", {"username": "clerk"}))  # CSRF 403


@pytest.mark.django_db
def test_ogc_api_html_and_json_send_them(cast: Cast) -> None:
    client = Client()
    for accept in ("text/html", "application/json"):
        response = client.get("/ogc/", HTTP_ACCEPT=accept)
        assert response.status_code == 200
        assert_secured(response)


@pytest.mark.django_db
def test_only_the_browsable_api_allows_inline_style_attributes(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.admin)

    page = client.get("/api/v1/hazards/", HTTP_ACCEPT="text/html")
    data = client.get("/api/v1/hazards/", HTTP_ACCEPT="application/json")

    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert_secured(page, BROWSABLE_API_POLICY)
    assert_secured(data, CONTENT_SECURITY_POLICY)


INLINE = [
    # An import map is allowed by its hash on the one page that has one, the fill page (decision 0058;
    # tests/test_field_browser.py checks that the hash in its policy is the map's).
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"(?:application/json|importmap)\")[^>]*>", re.I),
        "an inline <script>",
    ),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on… handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def our_templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    skipped = {".venv", "node_modules", "var", ".git", "test-artifacts"}
    return [p for p in sorted(base.rglob("*.html")) if not skipped & set(p.relative_to(base).parts)]


def test_no_template_of_ours_has_an_inline_script_style_or_handler() -> None:
    templates = our_templates()
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {what}"
        for path in templates
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    # json_script's <script type="application/json"> is data, which the policy does not govern.
    assert len(templates) > 30
    assert found == []


def test_the_charts_draw_their_legend_without_style_attributes() -> None:
    from web.shell.charts import Series, stacked_bars

    svg = stacked_bars(["North", "South"], [Series("Cleared", [1, 2]), Series("Reduced", [3, None])], title="Land")

    assert "style=" not in svg and 'fill="#0072B2"' in svg


@pytest.mark.django_db
def test_the_laptop_settings_serve_plain_http_without_hsts(cast: Cast) -> None:
    # `make run` has no production switch (decision 0031): no redirect to https, no HSTS, no secure cookies.
    response = Client().get("/login/")

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert not response.cookies["csrftoken"]["secure"]
