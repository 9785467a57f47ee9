"""Too many failed sign-ins lock a user name (and an address) for a window, at every door.

The doors: the login page, the API token endpoint and the Django admin's login. Failures are audit
rows (accounts/throttle.py, decision 0031). Windows are shortened with settings, not slept through.
"""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import AuditEntry
from clearground.test import Cast

PASSWORD = "test-password-1"  # the cast's (clearground/test.py)


@pytest.fixture
def limits(settings):  # type: ignore[no-untyped-def]
    settings.CLEARGROUND_LOGIN_FAILURES_PER_USER = 5
    settings.CLEARGROUND_LOGIN_FAILURES_PER_IP = 30
    settings.CLEARGROUND_LOGIN_WINDOW_SECONDS = 900
    return settings


def sign_in(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def token(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token/", {"username": username, "password": password})


def fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        assert sign_in(client, username, "wrong-password").status_code == 200


def test_four_failures_do_not_lock_and_the_right_password_still_gets_in(cast: Cast, limits) -> None:
    client = Client()
    fail(client, "clerk", 4)

    response = sign_in(client, "clerk", PASSWORD)

    assert response.status_code == 302 and signed_in(client)


def test_after_five_failures_even_the_right_password_is_refused_with_a_message(cast: Cast, limits) -> None:
    client = Client()
    fail(client, "clerk", 5)

    response = sign_in(client, "clerk", PASSWORD)

    assert response.status_code == 429 and not signed_in(client)
    assert 890 <= int(response["Retry-After"]) <= 900
    assert "Too many failed sign-ins for this user name or from this address. Try again in 15 minutes." in (
        response.content.decode()
    )
    # The refused attempt is not a failure of its own: the lock does not grow while it is tried.
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 5


def test_the_lock_is_per_user_name_whatever_its_case(cast: Cast, limits) -> None:
    client = Client()
    fail(client, "CLERK", 5)

    assert sign_in(client, "clerk", PASSWORD).status_code == 429
    assert sign_in(Client(), "approver", PASSWORD).status_code == 302  # another user is not locked


def test_a_locked_account_gets_in_again_once_the_window_has_passed(cast: Cast, limits) -> None:
    limits.CLEARGROUND_LOGIN_WINDOW_SECONDS = 2
    client = Client()
    fail(client, "clerk", 5)
    assert sign_in(client, "clerk", PASSWORD).status_code == 429

    time.sleep(2.1)

    assert sign_in(client, "clerk", PASSWORD).status_code == 302 and signed_in(client)


def test_each_failure_is_an_audit_row_with_user_name_and_address_and_no_password(cast: Cast, limits) -> None:
    sign_in(Client(REMOTE_ADDR="192.0.2.7"), "clerk", "hunter2-wrong")
    sign_in(Client(REMOTE_ADDR="192.0.2.7"), "nobody-here", "hunter2-wrong")

    rows = list(AuditEntry.objects.filter(action="auth.login_failed").order_by("id"))
    assert [(r.new["username"], r.new["ip"]) for r in rows] == [("clerk", "192.0.2.7"), ("nobody-here", "192.0.2.7")]
    assert rows[0].object_type == "auth.user" and rows[0].object_id == str(cast.clerk.pk)
    assert rows[1].object_id == "" and rows[0].actor is None
    assert all("hunter2" not in f"{r.old}{r.new}{r.reason}" for r in rows)


def test_a_successful_sign_in_leaves_no_failure_row(cast: Cast, limits) -> None:
    assert sign_in(Client(), "clerk", PASSWORD).status_code == 302
    assert not AuditEntry.objects.filter(action="auth.login_failed").exists()


def test_one_address_trying_many_user_names_is_locked_at_its_own_limit(cast: Cast, limits) -> None:
    limits.CLEARGROUND_LOGIN_FAILURES_PER_IP = 6
    guesser = Client(REMOTE_ADDR="198.51.100.9")
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        fail(guesser, name, 1)

    assert sign_in(guesser, "clerk", PASSWORD).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="198.51.100.10"), "clerk", PASSWORD).status_code == 302


def test_the_token_endpoint_answers_429_with_retry_after_while_locked(cast: Cast, limits) -> None:
    client = Client()
    for _ in range(5):
        assert token(client, "clerk", "wrong-password").status_code == 400

    response = token(client, "clerk", PASSWORD)

    assert response.status_code == 429
    assert 890 <= int(response["Retry-After"]) <= 900
    body = response.json()
    assert "Too many failed sign-ins" in body["detail"] and body["errors"] == []  # the API's error shape


def test_the_token_endpoint_gives_a_token_again_after_the_window(cast: Cast, limits) -> None:
    limits.CLEARGROUND_LOGIN_WINDOW_SECONDS = 2
    client = Client()
    for _ in range(5):
        token(client, "clerk", "wrong-password")
    assert token(client, "clerk", PASSWORD).status_code == 429

    time.sleep(2.1)

    response = token(client, "clerk", PASSWORD)
    assert response.status_code == 200 and response.json()["token"]


def test_failures_at_one_door_lock_the_others(cast: Cast, limits) -> None:
    fail(Client(), "clerk", 5)

    assert token(Client(), "clerk", PASSWORD).status_code == 429


def test_the_django_admin_login_is_throttled_too(cast: Cast, limits) -> None:
    User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": "root", "password": "wrong-password"})

    client.post("/admin/login/", {"username": "root", "password": PASSWORD})

    assert not signed_in(client)
    assert AuditEntry.objects.filter(action="auth.login_failed", new__username="root").count() == 5


def test_behind_a_proxy_the_address_is_the_one_the_proxy_appended(cast: Cast, limits) -> None:
    limits.CLEARGROUND_BEHIND_PROXY = True
    sign_in(Client(HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5"), "clerk", "wrong-password")

    assert AuditEntry.objects.get(action="auth.login_failed").new["ip"] == "203.0.113.5"


def test_without_a_proxy_a_forwarded_for_header_is_ignored(cast: Cast, limits) -> None:
    limits.CLEARGROUND_BEHIND_PROXY = False
    sign_in(Client(HTTP_X_FORWARDED_FOR="203.0.113.5"), "clerk", "wrong-password")

    assert AuditEntry.objects.get(action="auth.login_failed").new["ip"] == "127.0.0.1"
