"""A device's Basic credentials, remembered by the process that verified them, against an attacker (decision 0059).

Collect sends its user's password with every request, and a password check is slow on purpose, so a
process remembers the credentials it verified for a few minutes. What an attacker might hope for and
does not get: a wrong password remembered or let through, a password changed or a user deactivated
still working, another user name with a remembered password, an entry outliving its time, and a
wrong guess skipping the throttle or its audit row. A right password already verified keeps its
device working while someone else's guesses lock the user name.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accounts.models import AuditEntry
from field import auth
from tests.openrosa_helpers import PASSWORD, device


@pytest.fixture(autouse=True)
def fresh_process() -> Iterator[None]:
    auth.verified.clear()
    yield
    auth.verified.clear()


@pytest.fixture
def throttle(settings):
    settings.CLEARGROUND_LOGIN_FAILURES_PER_USER = 3


def _ask(username: str, password: str = PASSWORD) -> int:
    return device(username, password).head("/openrosa/submission").status_code


def _failures(username: str) -> int:
    return AuditEntry.objects.filter(action="auth.login_failed", new__username=username).count()


def _guess_until_locked(username: str) -> None:
    for n in range(3):
        assert _ask(username, f"guess-{n}") == 401
    assert _failures(username) == 3


def test_a_wrong_password_is_never_remembered_and_each_try_is_audited(cast):
    name = cast.clerk.username
    assert _ask(name) == 204
    assert _ask(name, PASSWORD + "x") == 401
    assert _ask(name, PASSWORD + "x") == 401
    assert _failures(name) == 2


def test_a_remembered_password_is_not_another_users(cast):
    assert _ask(cast.clerk.username) == 204
    assert _ask(cast.outsider.username) == 204  # the cast shares one password: each user verified on their own
    assert _ask("no-such-user") == 401
    assert _failures("no-such-user") == 1


def test_a_changed_password_ends_the_remembered_credentials_at_once(cast):
    name = cast.clerk.username
    assert _ask(name) == 204
    cast.clerk.set_password("a-new-password-2")
    cast.clerk.save()
    assert _ask(name) == 401
    assert _failures(name) == 1  # checked in full, and refused
    assert _ask(name, "a-new-password-2") == 204


def test_a_deactivated_user_is_refused_at_once(cast):
    name = cast.clerk.username
    assert _ask(name) == 204
    cast.clerk.is_active = False
    cast.clerk.save()
    assert _ask(name) == 401


def test_a_verified_device_keeps_working_while_guesses_lock_its_user_name(cast, throttle):
    name = cast.clerk.username
    assert _ask(name) == 204
    _guess_until_locked(name)
    assert _ask(name) == 204  # the device's remembered credentials: no password check, nothing to throttle
    auth.verified.clear()  # a process that has not verified them (another worker, a restart)
    assert _ask(name) == 401  # throttled: even the right password is not checked


def test_remembered_credentials_expire(cast, throttle, monkeypatch):
    name = cast.clerk.username
    monkeypatch.setattr(auth, "VERIFIED_FOR", 0.0)
    assert _ask(name) == 204
    _guess_until_locked(name)
    assert _ask(name) == 401  # its entry had expired: checked in full, and the throttle refuses it


def test_the_process_keeps_no_password(cast):
    assert _ask(cast.clerk.username) == 204
    kept = repr(auth.verified._entries)
    assert PASSWORD not in kept and cast.clerk.username not in kept
    assert all(len(key) == 64 for key in auth.verified._entries)  # HMAC-SHA256 under SECRET_KEY, in hex
