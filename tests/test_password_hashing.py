"""Passwords are hashed with Argon2; older PBKDF2 hashes still sign in and are rehashed; weak ones are refused.

tests/conftest.py hashes with MD5 for speed; these tests put the production hashers back.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.test import Client

from accounts import actions
from clearground import settings as production
from clearground.test import Cast
from core.errors import ValidationFailed
from demo.people import DEMO_PASSWORD


@pytest.fixture
def real_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    return settings


def test_production_hashes_with_argon2_first_and_keeps_pbkdf2() -> None:
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production.PASSWORD_HASHERS


def test_a_user_created_by_the_administration_gets_an_argon2_hash(cast: Cast, real_hashing) -> None:
    user = actions.create_user(acting_user=cast.admin, username="olena", password="mine-free-fields-2026")

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert Client().post("/login/", {"username": "olena", "password": "mine-free-fields-2026"}).status_code == 302


def test_a_pbkdf2_hash_signs_in_and_is_rehashed_with_argon2(cast: Cast, real_hashing) -> None:
    old = make_password("an-old-pbkdf2-password", hasher="pbkdf2_sha256")
    User.objects.filter(pk=cast.clerk.pk).update(password=old)
    assert old.startswith("pbkdf2_sha256$")

    response = Client().post("/login/", {"username": "clerk", "password": "an-old-pbkdf2-password"})

    assert response.status_code == 302
    cast.clerk.refresh_from_db()
    assert cast.clerk.password.startswith("argon2$") and cast.clerk.check_password("an-old-pbkdf2-password")


def test_the_administration_names_every_weakness_of_a_password(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as refused:
        actions.create_user(acting_user=cast.admin, username="mykola", password="12345678")

    messages = [p.message for p in refused.value.problems if p.field == "password"]
    assert any("at least 12 characters" in m for m in messages)
    assert any("too common" in m for m in messages)
    assert any("entirely numeric" in m for m in messages)


def test_a_password_like_the_user_name_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as refused:
        actions.create_user(acting_user=cast.admin, username="kateryna.shevchenko", password="kateryna.shevchenko1")

    assert any("too similar" in p.message for p in refused.value.problems)


def test_the_user_form_shows_each_password_problem(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.admin)

    response = client.post("/administration/users/new/", {"username": "mykola", "password": "12345678"})

    page = response.content.decode()
    assert response.status_code in (200, 400)
    for words in ("at least 12 characters", "too common", "entirely numeric"):
        assert words in page


def test_the_demo_password_passes_the_validators() -> None:
    from django.contrib.auth.password_validation import validate_password

    validate_password(DEMO_PASSWORD, User(username="demo-clerk"))  # raises if it does not
