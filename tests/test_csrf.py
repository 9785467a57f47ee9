"""A signed-in browser's POST without a CSRF token is refused at every URL of the site.

The walk reads the URL resolver itself, so a route added later is walked too: a route the walk
cannot build a path for, or that takes a session's POST without a token, fails the test unless it
is listed in NOT_SESSION_DOORS with its reason. Token-authenticated API calls carry no cookie, so
they need no CSRF token (decision 0031).
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # type: ignore[import-not-found]
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.middleware.csrf import _get_new_csrf_string  # type: ignore[attr-defined]
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from clearground.test import Cast

# Sample values for a route's parameters, by converter (path()) or group name (re_path()).
CONVERTER_SAMPLES = {
    "IntConverter": "1",
    "StringConverter": "x",
    "SlugConverter": "x",
    "PathConverter": "x/y",
    "UUIDConverter": str(uuid.UUID(int=1)),
}
GROUP_SAMPLES = {"pk": "1", "format": "json", "iso3": "UKR", "app_label": "accounts"}
# Routes that never act on a session, so a POST to them with one is no forged request.
NOT_SESSION_DOORS: dict[str, str] = {
    # ODK Collect posts without cookies or tokens of a page; the door takes only HTTP Basic or an API
    # token, and a session only to read forms (GET), so a forged POST is a 401 (decision 0051).
    f"openrosa-{r}": "OpenRosa: credentials in the Authorization header only, never a session for a POST"
    for r in ("form-list", "form", "xlsform", "manifest", "media")
} | {
    # Anyone's parcel statement (decision 0061): a signed-in caller is treated as anyone, it reads only what
    # is published, and its one write is the statement's audit row, rate-limited per address.
    "parcel-statement": "the public parcel statement: no session acts there",
}
# The fill page posts to the submission door with the session: the door runs Django's CSRF check itself
# (its views are exempt for Collect). It refuses plain HTTP before that (decision 0051), so this walk's
# plain-HTTP POST meets the HTTPS refusal; tests/test_field_browser.py sends the forged POSTs over HTTPS.
NOT_SESSION_DOORS["openrosa-submission"] = "OpenRosa: its own CSRF check of a session POST (decision 0058)"
# The modules allowed to exempt their views, for the reasons above.
EXEMPT_MODULES = ["field/views.py", "web/atlas/public.py"]
REFUSED_FOR_CSRF = re.compile(r"CSRF", re.I)


def _from_regex(regex: str) -> str:
    """The shortest text the regex matches, a group taking its sample when its name has one.

    Whether the text fits is checked afterwards, by resolving the whole path back to its route.
    """
    parsed = sre_parse.parse(regex)
    names = {gid: name for name, gid in parsed.state.groupdict.items()}
    out: list[str] = []

    def walk(items: Any) -> None:
        for op, arg in items:
            kind = str(op)
            if kind == "LITERAL":
                out.append(chr(arg))
            elif kind == "SUBPATTERN":
                name = names.get(arg[0])
                if name in GROUP_SAMPLES:
                    out.append(GROUP_SAMPLES[name])
                else:
                    walk(arg[3])
            elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                for _ in range(max(arg[0], 1)):
                    walk(arg[2])
            elif kind == "BRANCH":
                walk(arg[1][0])
            elif kind == "IN":
                out.append(_a_char_in(arg))
            elif kind == "ANY":
                out.append("a")
            elif kind != "AT":
                raise ValueError(f"cannot build a sample for {kind} in {regex!r}")

    walk(parsed)
    return "".join(out)


def _a_char_in(items: Any) -> str:
    if any(str(op) == "NEGATE" for op, _ in items):  # [^/.]: any character the class leaves out
        excluded = {chr(arg) for op, arg in items if str(op) == "LITERAL"}
        return next(c for c in "a1b" if c not in excluded)
    op, arg = items[0]
    if str(op) == "LITERAL":
        return chr(arg)
    if str(op) == "RANGE":
        return chr(arg[0])
    if str(op) == "CATEGORY":
        return "1" if "DIGIT" in str(arg) else "a"
    raise ValueError(f"cannot pick a character in {items}")


def _parameter(name: str, converter: Any) -> str:
    # By name first (a pk, a format such as DRF's ".json" suffix), then by converter, then from its regex.
    named = GROUP_SAMPLES.get(name)
    fitting = [named, f".{named}" if named else None, CONVERTER_SAMPLES.get(type(converter).__name__)]
    return next((c for c in fitting if c and re.fullmatch(converter.regex, c)), None) or _from_regex(converter.regex)


def _sample(pattern: Any) -> str:
    if isinstance(pattern, RoutePattern):
        return re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: _parameter(m.group(1), pattern.converters[m.group(1)]), str(pattern._route)
        )
    if isinstance(pattern, RegexPattern):
        return _from_regex(str(pattern._regex))
    raise ValueError(f"unknown pattern {pattern!r}")


def routes(resolver: URLResolver | None = None, prefix: str = "/", names: str = "") -> Iterator[tuple[str, str, Any]]:
    """(display name, a path that resolves to it, its view) for every route of the site."""
    for entry in (resolver or get_resolver()).url_patterns:
        path = prefix + _sample(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry, path, names + (f"{entry.namespace}:" if entry.namespace else ""))
        elif isinstance(entry, URLPattern):
            yield f"{names}{entry.name or entry.pattern}", path, entry.callback


def test_every_route_of_the_site_can_be_walked() -> None:
    walked = list(routes())
    for name, path, view in walked:
        assert resolve(path).func == view, f"{name}: the sample {path} resolves elsewhere"
    assert len(walked) > 150  # pages, the admin, the API, OGC API, tiles


@pytest.mark.django_db
def test_a_session_post_without_a_csrf_token_is_refused_everywhere_and_with_one_it_is_not(cast: Cast) -> None:
    secret = _get_new_csrf_string()
    refused, taken, accepts_post, errors = [], [], [], []
    walked = list(routes())
    for name, path, _view in walked:
        if name in NOT_SESSION_DOORS:
            continue
        # A new session per route: some routes (logout, a language change) end or change it.
        without = Client(enforce_csrf_checks=True, raise_request_exception=False)
        without.force_login(cast.admin)
        without.cookies["csrftoken"] = secret
        response = without.post(path, {})
        if response.status_code == 403 and REFUSED_FOR_CSRF.search(response.content.decode(errors="replace")):
            refused.append(name)
        else:
            taken.append(f"{name} {path} → {response.status_code}")

        with_token = Client(enforce_csrf_checks=True, raise_request_exception=False)
        with_token.force_login(cast.admin)
        with_token.cookies["csrftoken"] = secret
        response = with_token.post(path, {}, HTTP_X_CSRFTOKEN=secret)
        body = response.content.decode(errors="replace")
        assert not (response.status_code == 403 and REFUSED_FOR_CSRF.search(body)), f"{name}: refused with a token"
        if response.status_code != 405:
            accepts_post.append(name)
        if response.status_code >= 500:
            errors.append(f"{name} {path} → {response.status_code}")

    assert taken == [], "routes that took a signed-in POST without a CSRF token"
    assert len(refused) == len(walked) - len(NOT_SESSION_DOORS)
    print(f"\nCSRF walk: {len(walked)} routes, {len(refused)} refused without a token, {len(accepts_post)} accept POST")
    print("server errors on an empty POST with a token:", errors)


def test_no_view_of_ours_is_csrf_exempt() -> None:
    from pathlib import Path

    from django.conf import settings

    base = Path(settings.BASE_DIR)
    skipped = {".venv", "node_modules", "var", ".git"}
    ours = [p for p in base.rglob("*.py") if not skipped & set(p.relative_to(base).parts) and p.name != "test_csrf.py"]
    assert [str(p.relative_to(base)) for p in ours if "csrf_exempt" in p.read_text()] == EXEMPT_MODULES
