"""Login throttling: too many failed sign-ins for one user name, or from one address, refuse the next.

Every refused sign-in leaves an `auth.login_failed` audit row (accounts.audit.record_login_failure)
with the user name and the client's address; this module counts those rows over a sliding window
(CLEARGROUND_LOGIN_WINDOW_SECONDS). While the count for the user name reaches
CLEARGROUND_LOGIN_FAILURES_PER_USER, or the count for the address reaches
CLEARGROUND_LOGIN_FAILURES_PER_IP, every attempt is refused without the password being checked, so
even the right password does not get in. A refused attempt is not itself counted: the lock lifts when
the oldest counted failure leaves the window, which caps a guesser at that many tries per window.

The check sits in the authentication backend, so every door (the login page, the API token, the
Django admin's login) is throttled; the login page and the token endpoint check first as well, to
tell the person or program how long to wait (decision 0031).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEntry

FAILED = "auth.login_failed"


def client_ip(request: HttpRequest | None) -> str | None:
    """The address a request came from: the proxy's last X-Forwarded-For entry when behind one."""
    if request is None:
        return None
    if settings.CLEARGROUND_BEHIND_PROXY:
        # The proxy appends the address it saw; anything before it was written by the client.
        forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    address: str | None = request.META.get("REMOTE_ADDR") or None
    return address


def _wait(failures: QuerySet[AuditEntry], limit: int, now: datetime) -> int:
    # Locked while `limit` failures lie in the window; it lifts when the limit-th newest leaves it.
    times = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    if len(times) < limit:
        return 0
    window = timedelta(seconds=settings.CLEARGROUND_LOGIN_WINDOW_SECONDS)
    return max(1, math.ceil((times[-1] + window - now).total_seconds()))


def seconds_refused(username: str | None, ip: str | None) -> int:
    """0 if a sign-in as `username` from `ip` may be tried now, else the seconds until one may."""
    now = timezone.now()
    recent = AuditEntry.objects.filter(
        action=FAILED, at__gt=now - timedelta(seconds=settings.CLEARGROUND_LOGIN_WINDOW_SECONDS)
    )
    waits = [0]
    if username:
        # Case-folded: user names differ from one another by more than case (accounts.actions.create_user).
        waits.append(
            _wait(recent.filter(new__username__iexact=username), settings.CLEARGROUND_LOGIN_FAILURES_PER_USER, now)
        )
    if ip:
        waits.append(_wait(recent.filter(new__ip=ip), settings.CLEARGROUND_LOGIN_FAILURES_PER_IP, now))
    return max(waits)


class ThrottledModelBackend(ModelBackend):
    """Django's user-and-password backend, refusing while throttled and recording each failure."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None or password is None:
            return None
        ip = client_ip(request)
        if seconds_refused(username, ip):
            raise PermissionDenied  # authenticate() stops here, trying no other backend
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            audit.record_login_failure(username, ip)
        return user
