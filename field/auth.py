"""Who is asking /openrosa/: a Clearground user by HTTP Basic or an API token, over HTTPS (decision 0051).

ODK Collect and KoboCollect send HTTP Basic credentials after a 401 challenge (Digest is not offered:
it needs the password, or an MD5 of it, stored in a form we do not keep). Basic goes through Django's
authentication backends, so the sign-in throttle and its audit rows apply as on the sign-in page. An
API token (`Authorization: Token <key>`, decision 0038) serves scripts and per-device credentials. A
browser session is taken for reading forms (GET/HEAD), and for a POST only with Django's CSRF token in
the `X-CSRFToken` header, as the fill page sends it (decision 0058): a POST with a cookie alone may be
another site's forged request.

Credentials travel in clear under Basic, so outside DEBUG a request that did not come over HTTPS is
refused before they are read (behind a proxy, `SECURE_PROXY_SSL_HEADER` tells Django it did).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from accounts.tokens import KEYWORD, TokenRefused, authenticate_key

REALM = 'Basic realm="Clearground", charset="UTF-8"'


def secure_enough(request: HttpRequest) -> bool:
    """HTTPS, or a development server (DEBUG)."""
    return request.is_secure() or bool(settings.DEBUG)


def _basic(request: HttpRequest, credentials: str) -> Any:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    try:
        return authenticate(request, username=username, password=password)
    except PermissionDenied:  # throttled after too many failures
        return None


class CsrfRefused(Exception):
    """A signed-in browser's POST without a valid CSRF token (or from another origin): a 403, nothing read."""


def _csrf_checked(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called, only checked
    raise AssertionError("the CSRF check only inspects this view")


def _session_post(request: HttpRequest) -> Any:
    """The session's user, if the POST carries the CSRF token and comes from this site (Django's own check:
    token against cookie, and Origin/Referer over HTTPS); else CsrfRefused. The door's views are
    exempt from the middleware's check for Collect, so it skipped them: the check is run here instead."""
    refusal = CsrfViewMiddleware(_csrf_checked).process_view(request, _csrf_checked, (), {})
    if refusal is not None:
        raise CsrfRefused
    return request.user


def user_of(request: HttpRequest) -> Any:
    """The authenticated active user, or None (the caller answers 401 with the Basic challenge);
    CsrfRefused for a session's POST without its token."""
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    user: Any = None
    if scheme.lower() == "basic":
        user = _basic(request, credentials.strip())
    elif scheme.lower() == KEYWORD.lower():
        try:
            user = authenticate_key(credentials.strip()).user
        except TokenRefused:
            user = None
    elif request.method in ("GET", "HEAD") and request.user.is_authenticated:
        user = request.user
    elif request.method == "POST" and request.user.is_authenticated:
        user = _session_post(request)
    return user if user is not None and user.is_active else None
