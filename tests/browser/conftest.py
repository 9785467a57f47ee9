"""Browser tests: Playwright driving Debian's Chromium (headless) against the live test server.

Every page a test opens is watched: a console error, an uncaught exception or a request to any host
but the test server fails the test (issue 6: pages work offline). `shot()` saves a screenshot under
test-artifacts/screenshots/, `serious_axe_violations()` runs axe-core from npm in the page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client

from clearground.test import Cast, make_cast
from web.shell.chromium import ARGS, CHROMIUM

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls (fixtures, checks)
# are still plain synchronous code, so Django's guard against ORM calls inside a loop does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def browser() -> Iterator:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: command 2's bootstrap installs Debian's chromium")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


class Watch:
    """What a page did that it must not: console errors, page errors, requests off this machine."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.external: list[str] = []

    def on_console(self, msg) -> None:  # type: ignore[no-untyped-def]
        if msg.type == "error":
            self.errors.append(f"console: {msg.text} ({msg.location.get('url', '')})")

    def on_request(self, request) -> None:  # type: ignore[no-untyped-def]
        url = urlparse(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname not in LOCAL_HOSTS:
            self.external.append(request.url)


@pytest.fixture
def watch() -> Watch:
    return Watch()


def _context(browser, watch: Watch, locale: str = "en-GB"):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    context.on("request", watch.on_request)
    return context


@pytest.fixture
def context(browser, watch: Watch) -> Iterator:
    ctx = _context(browser, watch)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, watch: Watch, request) -> Iterator:
    pg = context.new_page()
    pg.on("console", watch.on_console)
    pg.on("pageerror", lambda exc: watch.errors.append(f"page error: {exc}"))
    pg.set_default_timeout(20_000)
    yield pg
    problems = watch.errors + [f"request left 127.0.0.1: {u}" for u in watch.external]
    assert not problems, "\n".join(problems)


@pytest.fixture
def live_cast(transactional_db) -> Cast:
    """The named cast, committed, so that the live server's own connections see it."""
    return make_cast()


def sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    """Sign `username` in by the session cookie (the sign-in form has its own test)."""
    client = Client()
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def use_language(page, live_server, code: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the interface language as the language switcher does (its cookie)."""
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "url": live_server.url}])


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot as a test artifact; returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    # Evaluated through the DevTools protocol: an injected <script> would be an inline script, which the
    # content security policy refuses (decision 0031).
    page.evaluate(AXE.read_text())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(n['target'][0] for n in v['nodes'][:3])}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
