"""Who is asking /openrosa/: a Clearground user by HTTP Basic or an API token, over HTTPS (decision 0051).

ODK Collect and KoboCollect send HTTP Basic credentials after a 401 challenge (Digest is not offered:
it needs the password, or an MD5 of it, stored in a form we do not keep). Basic goes through Django's
authentication backends, so the sign-in throttle and its audit rows apply as on the sign-in page. An
API token (`Authorization: Token <key>`, decision 0038) serves scripts and per-device credentials. A
browser session is taken for reading forms (GET/HEAD), and for a POST only with Django's CSRF token in
the `X-CSRFToken` header, as the fill page sends it (decision 0058): a POST with a cookie alone may be
another site's forged request.

A device sends its Basic credentials with every request, and checking a password is slow on purpose
(argon2: tens of milliseconds of a core). So each gunicorn process remembers, for `VERIFIED_FOR`, the
credentials it verified (decision 0059): keyed by an HMAC of user name and password under SECRET_KEY (no
password is kept, not even as a fast hash anyone could use without the key), valid only while the user
is active and their stored password hash is the one it was verified against (a password change or a
deactivation ends it at once). Only successes are remembered: every wrong password goes the whole way,
through the throttle and its audit row. The first request of a device to each process, and the first
after `VERIFIED_FOR`, is verified in full.

Credentials travel in clear under Basic, so outside DEBUG a request that did not come over HTTPS is
refused before they are read (behind a proxy, `SECURE_PROXY_SSL_HEADER` tells Django it did).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from accounts.tokens import KEYWORD, TokenRefused, authenticate_key

REALM = 'Basic realm="Clearground", charset="UTF-8"'


def secure_enough(request: HttpRequest) -> bool:
    """HTTPS, or a development server (DEBUG)."""
    return request.is_secure() or bool(settings.DEBUG)


# How long a process trusts Basic credentials it verified: short, since a memory dump of the process
# would let someone with SECRET_KEY test guesses against the keys fast; long enough that a device
# sending a day's forms pays the password check once per process and few minutes.
VERIFIED_FOR = 300.0
# Entries kept per process at most (the oldest dropped first): far more devices than a programme has.
VERIFIED_MAX = 4096


class VerifiedCredentials:
    """Basic credentials this process verified recently: HMAC of the credentials → (user id, password hash, until)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[int, str, float]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share the process

    @staticmethod
    def key(username: str, password: str) -> str:
        message = f"{len(username)}:{username}{password}".encode("utf-8", "surrogatepass")  # no two pairs alike
        return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()

    def user(self, key: str) -> Any:
        """The active user these credentials were verified for, if still so; None means: verify in full."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        user_id, password_hash, until = entry
        user = None
        if time.monotonic() < until:
            user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None or not hmac.compare_digest(user.password, password_hash):
            self.forget(key)
            return None
        return user

    def remember(self, key: str, user: Any) -> None:
        with self._lock:
            self._entries[key] = (user.pk, user.password, time.monotonic() + VERIFIED_FOR)
            self._entries.move_to_end(key)
            while len(self._entries) > VERIFIED_MAX:
                self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


verified = VerifiedCredentials()


def _basic(request: HttpRequest, credentials: str) -> Any:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    key = verified.key(username, password)
    user = verified.user(key)
    if user is not None:
        return user
    try:
        user = authenticate(request, username=username, password=password)
    except PermissionDenied:  # throttled after too many failures
        return None
    if user is not None and user.is_active:
        verified.remember(key, user)  # after authenticate: a hash upgraded on sign-in is the one remembered
    return user


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
