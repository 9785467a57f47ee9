"""API tokens are kept as digests, shown once, expire, and are revoked on logout, password change and
deactivation; the admin cannot read them (decision 0038)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.actions import set_user_active
from accounts.models import ApiToken, AuditEntry, RevokeReason
from clearground.test import Cast

PASSWORD = "test-password-1"  # the cast's (clearground/test.py)
HAZARDS = "/api/v1/hazards/"


def sign_in(username: str, password: str = PASSWORD) -> Any:
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def new_token(username: str, password: str = PASSWORD) -> str:
    response = sign_in(username, password)
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert isinstance(key, str)
    return key


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def works(key: str) -> bool:
    response = with_token(key).get(HAZARDS)
    assert response.status_code in (200, 401, 403), response.content
    return bool(response.status_code == 200)


def refusal(key: str) -> str:
    response = with_token(key).get(HAZARDS)
    assert response.status_code in (401, 403), response.status_code
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    return detail


def every_text_column_of_every_row() -> str:
    """All the database's text, as one string: where a stored key would show."""
    found: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('character varying', 'text', 'jsonb')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT "{column}"::text FROM "{table}"')  # names from the catalogue, not input
            found += [row[0] for row in cursor.fetchall() if row[0]]
    return "\n".join(found)


def test_a_token_is_stored_hashed(cast: Cast) -> None:
    key = new_token("clerk")

    token = ApiToken.objects.get(user=cast.clerk)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert len(key) >= 43  # 32 random bytes
    assert key not in every_text_column_of_every_row()
    assert works(key)


def test_a_token_is_shown_once(cast: Cast) -> None:
    response = sign_in("clerk")
    again = sign_in("clerk")

    assert response["Cache-Control"] == "no-store"
    first, second = response.json()["token"], again.json()["token"]
    assert first != second and works(first) and works(second)  # a new token each time; the old one is not read back
    assert set(response.json()) == {"token", "expires_at"}
    assert with_token(first).get("/api/v1/auth/token/").status_code == 405
    for page in ("/api/v1/audit-entries/", "/api/schema/"):
        text = with_token(new_token("admin")).get(page).content.decode()
        assert first not in text and second not in text
    issued = AuditEntry.objects.filter(action="auth.token_issued", actor=cast.clerk)
    assert issued.count() == 2 and first not in str(list(issued.values()))


def test_an_expired_token_is_refused(cast: Cast, settings: Any) -> None:
    settings.CLEARGROUND_TOKEN_TTL_HOURS = 2
    key = new_token("clerk")
    token = ApiToken.objects.get(user=cast.clerk)
    assert timedelta(hours=2) - timedelta(minutes=1) < token.expires_at - token.created_at <= timedelta(hours=2)
    assert works(key)

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))  # two hours on

    assert refusal(key) == "This token has expired."
    assert Client(headers={"Authorization": f"Token {key}"}).get("/ogc/collections/accidents/items").status_code == 401


def test_logout_revokes_that_token_only(cast: Cast) -> None:
    used, other = new_token("clerk"), new_token("clerk")
    browser = Client()
    browser.force_login(cast.clerk)

    response = with_token(used).post("/api/v1/auth/logout/")

    assert response.status_code == 204
    assert refusal(used) == "This token was revoked."
    assert works(other)
    assert browser.get(HAZARDS).status_code == 200  # the web session is another door, untouched
    revoked = AuditEntry.objects.get(action="auth.token_revoked")
    assert (revoked.actor, revoked.new["reason"]) == (cast.clerk, RevokeReason.LOGOUT)
    assert with_token(used).post("/api/v1/auth/logout/").status_code in (401, 403)  # already refused
    # The web logout ends the session and revokes no token; a session cannot sign out at the API's door.
    session_logout = browser.post("/api/v1/auth/logout/")
    assert session_logout.status_code == 400 and "/logout/" in session_logout.json()["detail"]
    assert browser.post("/logout/").status_code == 302
    assert works(other)


def test_a_password_change_revokes_every_token(cast: Cast) -> None:
    first, second, someone_elses = new_token("clerk"), new_token("clerk"), new_token("approver")

    cast.clerk.set_password("a-new-password-2")  # as `clearground changepassword` and the admin's form do
    cast.clerk.save()

    assert refusal(first) == refusal(second) == "This token was revoked."
    assert works(someone_elses)
    assert set(ApiToken.objects.filter(user=cast.clerk).values_list("revoked_reason", flat=True)) == {
        RevokeReason.PASSWORD_CHANGED
    }
    assert AuditEntry.objects.get(action="auth.tokens_revoked").new["tokens"] == sorted(
        ApiToken.objects.filter(user=cast.clerk).values_list("pk", flat=True)
    )
    assert sign_in("clerk").status_code == 400
    assert works(new_token("clerk", "a-new-password-2"))


def test_a_password_rehashed_on_sign_in_revokes_nothing(cast: Cast, settings: Any) -> None:
    key = new_token("clerk")  # the cast's password is hashed with the tests' fast hasher (tests/conftest.py)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    new_token("clerk")  # signing in upgrades the stored hash to the preferred hasher: not a password change

    assert User.objects.get(pk=cast.clerk.pk).password.startswith("pbkdf2_sha256$")
    assert works(key)


def test_a_deactivated_users_tokens_are_refused(cast: Cast) -> None:
    clerks, approvers = new_token("clerk"), new_token("approver")

    set_user_active(cast.clerk, acting_user=cast.admin, active=False)
    User.objects.filter(pk=cast.approver.pk).update(is_active=False)  # a bulk update, which sends no signal

    assert refusal(clerks) == "This token was revoked."
    assert refusal(approvers) == "This user is inactive."
    revoked = AuditEntry.objects.get(action="auth.tokens_revoked")
    assert (revoked.actor, revoked.new["reason"]) == (cast.admin, RevokeReason.DEACTIVATED)
    set_user_active(cast.clerk, acting_user=cast.admin, active=True)
    assert refusal(clerks) == "This token was revoked."  # reactivation brings no token back


def test_the_admin_cannot_read_a_token(cast: Cast) -> None:
    User.objects.filter(pk=cast.admin.pk).update(is_staff=True, is_superuser=True)  # as the demo's admin is
    key = new_token("clerk")
    token = ApiToken.objects.get(user=cast.clerk)
    admin = Client()
    assert admin.post("/admin/login/", {"username": "admin", "password": PASSWORD}).status_code == 302

    pages = [
        "/admin/",
        "/admin/accounts/apitoken/",
        f"/admin/accounts/apitoken/{token.pk}/change/",
        f"/admin/auth/user/{cast.clerk.pk}/change/",
        "/admin/accounts/auditentry/",
        *[f"/admin/accounts/auditentry/{pk}/change/" for pk in AuditEntry.objects.values_list("pk", flat=True)],
    ]
    for page in pages:
        response = admin.get(page)
        assert response.status_code == 200, page
        text = response.content.decode()
        assert key not in text and token.digest not in text, page
    assert "0 results" in admin.get("/admin/accounts/apitoken/", {"q": key}).content.decode()  # the key finds nothing
    listing = admin.get("/admin/accounts/apitoken/").content.decode()
    assert "clerk" in listing and "Revoke the selected tokens" in listing
    assert admin.get("/admin/accounts/apitoken/add/").status_code == 403  # nor mint one for someone else
    assert admin.post(f"/admin/accounts/apitoken/{token.pk}/change/", {"digest": "0" * 64}).status_code == 403

    revoked = admin.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})

    assert revoked.status_code == 302 and refusal(key) == "This token was revoked."
    entry = AuditEntry.objects.get(action="auth.token_revoked")
    assert (entry.actor_id, entry.new["reason"]) == (cast.admin.pk, RevokeReason.ADMIN)


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token ünïcödé", "Token not-a-token"])
def test_a_malformed_or_unknown_token_is_refused_not_ignored(db: None, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(HAZARDS)

    assert response.status_code == 403 and response.json()["detail"].startswith("Invalid token")


def test_the_schema_describes_the_token_scheme(db: None) -> None:
    schema = APIClient().get("/api/schema/?format=json").json()

    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/hazards/"]["get"]["security"]
    assert "204" in schema["paths"]["/api/v1/auth/logout/"]["post"]["responses"]
