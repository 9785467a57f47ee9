"""Signing in as any role (not only staff) and seeing exactly that role's scope on the home page."""

from django.test import Client

from tests.helpers import register_hazard


def signed_in(username):
    client = Client()
    response = client.post("/login/", {"username": username, "password": "test-password-1"})
    assert response.status_code == 302 and response["Location"] == "/"
    return client


def test_every_role_can_sign_in_and_sees_its_own_scope(cast):
    hazard = register_hazard(cast)

    for username in ("admin", "imo", "qa", "viewer", "clerk", "approver"):
        page = signed_in(username).get("/").content.decode()
        assert hazard.code in page, username
    outsider_page = signed_in("outsider").get("/").content.decode()
    assert hazard.code not in outsider_page
    assert "your organisation&#x27;s hazards" in outsider_page or "your organisation's hazards" in outsider_page


def test_a_wrong_password_is_refused_with_a_message(cast):
    response = Client().post("/login/", {"username": "clerk", "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_the_public_sees_only_the_released_land_summary(cast):
    hazard = register_hazard(cast)
    page = Client().get("/").content.decode()
    assert "Test Oblast" in page
    assert hazard.code not in page and hazard.name not in page
