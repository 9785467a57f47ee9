"""The administration pages: the authority admin manages organisations, users and roles; nobody else sees them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts import actions
from accounts.models import AuditEntry, Membership, Organisation
from clearground.test import Cast
from core.errors import NotAllowed, ValidationFailed
from vocab.choices import Role


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_authority_admin_sees_organisations_users_and_roles(cast: Cast) -> None:
    page = signed_in(cast.admin).get("/administration/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Operator Alpha" in html and "outsider" in html and "Data clerk" in html


@pytest.mark.parametrize("who", ["clerk", "imo", "approver", "viewer", "qa", "outsider"])
def test_everyone_but_the_admin_gets_404_on_every_administration_page(cast: Cast, who: str) -> None:
    client = signed_in(getattr(cast, who))
    membership = Membership.objects.get(user=cast.clerk)

    assert client.get("/administration/").status_code == 404
    assert client.get(f"/administration/organisations/{cast.alpha.pk}/").status_code == 404
    assert (
        client.post("/administration/organisations/new/", {"code": "x", "name": "X", "kind": "ngo"}).status_code == 404
    )
    assert (
        client.post("/administration/users/new/", {"username": "x", "password": "long-pass-phrase-9"}).status_code
        == 404
    )
    assert client.post(f"/administration/memberships/{membership.pk}/revoke/").status_code == 404
    assert client.post(f"/administration/users/{cast.outsider.pk}/active/", {"active": "0"}).status_code == 404
    assert not Organisation.objects.filter(code="x").exists() and not User.objects.filter(username="x").exists()
    assert Membership.objects.filter(pk=membership.pk).exists() and User.objects.get(pk=cast.outsider.pk).is_active


def test_a_stranger_is_asked_to_sign_in(db: Any) -> None:
    response = Client().get("/administration/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_admin_registers_an_organisation_and_an_audit_row_says_so(cast: Cast) -> None:
    response = signed_in(cast.admin).post(
        "/administration/organisations/new/",
        {"code": "charlie", "name": "Operator Charlie", "kind": "ngo", "country_iso3": "ukr",
         "accreditation_scopes": ["nts", "clearance"]},
    )  # fmt: skip

    assert response.status_code == 302
    org = Organisation.objects.get(code="charlie")
    assert (org.name, org.kind, org.country_iso3, org.accreditation_scopes) == (
        "Operator Charlie", "ngo", "UKR", ["nts", "clearance"])  # fmt: skip
    entry = AuditEntry.objects.get(action="organisation.create", object_id=str(org.pk))
    assert entry.actor == cast.admin and entry.old is None and entry.new["accreditation_scopes"] == ["nts", "clearance"]


def test_an_organisation_form_shows_every_problem_next_to_its_field(cast: Cast) -> None:
    response = signed_in(cast.admin).post(
        "/administration/organisations/new/",
        {"code": "alpha", "name": "", "kind": "pirates", "country_iso3": "U1", "accreditation_scopes": ["juggling"]},
    )

    assert response.status_code == 200
    assert set(response.context["org_errors"]) == {"code", "name", "kind", "country_iso3", "accreditation_scopes"}
    assert response.content.decode().count('class="field-error"') >= 5
    assert Organisation.objects.count() == 3 and not AuditEntry.objects.filter(action="organisation.create").exists()


def test_the_admin_edits_an_organisations_name_kind_and_scopes_with_old_and_new_audited(cast: Cast) -> None:
    client = signed_in(cast.admin)
    assert client.get(f"/administration/organisations/{cast.alpha.pk}/").status_code == 200

    changes = {"name": "Alpha Demining", "kind": "commercial", "accreditation_scopes": ["ts"]}
    response = client.post(f"/administration/organisations/{cast.alpha.pk}/", changes)

    assert response.status_code == 302
    cast.alpha.refresh_from_db()
    assert (cast.alpha.name, cast.alpha.kind, cast.alpha.accreditation_scopes) == (
        "Alpha Demining",
        "commercial",
        ["ts"],
    )
    entry = AuditEntry.objects.get(action="organisation.update")
    assert entry.old["name"] == "Operator Alpha" and entry.new["name"] == "Alpha Demining"
    assert entry.old["kind"] == "ngo" and entry.new["kind"] == "commercial"


def test_the_admin_creates_a_user_who_can_then_sign_in(cast: Cast) -> None:
    response = signed_in(cast.admin).post(
        "/administration/users/new/",
        {"username": "olena", "password": "mine-free-fields-2026", "email": "o@example.org"},
    )

    assert response.status_code == 302
    user = User.objects.get(username="olena")
    assert Client().login(username="olena", password="mine-free-fields-2026")
    entry = AuditEntry.objects.get(action="user.create", object_id=str(user.pk))
    assert entry.new["username"] == "olena" and "password" not in entry.new


def test_a_user_form_names_every_problem_and_never_sends_the_password_back(cast: Cast) -> None:
    response = signed_in(cast.admin).post(
        "/administration/users/new/", {"username": "clerk", "password": "short", "email": "nope"}
    )

    assert response.status_code == 200
    assert set(response.context["user_errors"]) == {"username", "password", "email"}
    assert "short" not in response.content.decode().split('id="user-password"')[1][:80]


def test_the_admin_grants_and_revokes_a_role_each_writing_an_audit_row(cast: Cast) -> None:
    client = signed_in(cast.admin)

    granted = client.post("/administration/memberships/new/",
                          {"user": cast.outsider.pk, "organisation": cast.alpha.pk, "role": Role.VIEWER})  # fmt: skip

    assert granted.status_code == 302
    membership = Membership.objects.get(user=cast.outsider, organisation=cast.alpha, role=Role.VIEWER)
    grant = AuditEntry.objects.get(action="membership.grant")
    assert grant.new == {"user": "outsider", "organisation": "alpha", "role": "viewer"}

    revoked = client.post(f"/administration/memberships/{membership.pk}/revoke/")

    assert revoked.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    revoke = AuditEntry.objects.get(action="membership.revoke")
    assert revoke.old == {"user": "outsider", "organisation": "alpha", "role": "viewer"} and revoke.new is None


def test_granting_a_role_twice_or_without_a_user_names_the_problems(cast: Cast) -> None:
    client = signed_in(cast.admin)

    twice = client.post("/administration/memberships/new/",
                        {"user": cast.clerk.pk, "organisation": cast.alpha.pk, "role": Role.DATA_CLERK})  # fmt: skip
    empty = client.post("/administration/memberships/new/", {"user": "", "organisation": "", "role": ""})

    assert twice.status_code == 200 and set(twice.context["grant_errors"]) == {"role"}
    assert empty.status_code == 200 and set(empty.context["grant_errors"]) == {"user", "organisation", "role"}
    assert not AuditEntry.objects.filter(action="membership.grant").exists()


def test_the_admin_deactivates_and_reactivates_a_user(cast: Cast) -> None:
    client = signed_in(cast.admin)

    client.post(f"/administration/users/{cast.clerk.pk}/active/", {"active": "0"})
    assert not User.objects.get(pk=cast.clerk.pk).is_active
    assert not Client().login(username="clerk", password="test-password-1")

    client.post(f"/administration/users/{cast.clerk.pk}/active/", {"active": "1"})
    assert User.objects.get(pk=cast.clerk.pk).is_active
    # The deactivated user's refused sign-in is an audit row too (login throttling, decision 0031).
    expected = ["user.deactivate", "auth.login_failed", "user.reactivate"]
    assert [e.action for e in AuditEntry.objects.order_by("id")] == expected
    assert AuditEntry.objects.get(action="user.deactivate").old["is_active"] is True


def test_the_admin_cannot_lock_the_authority_out(cast: Cast) -> None:
    own = Membership.objects.get(user=cast.admin, role=Role.AUTHORITY_ADMIN)

    with pytest.raises(ValidationFailed):
        actions.revoke_role(own, acting_user=cast.admin)
    with pytest.raises(ValidationFailed):
        actions.set_user_active(cast.admin, acting_user=cast.admin, active=False)
    assert Membership.objects.filter(pk=own.pk).exists()


def test_an_action_refuses_anyone_who_may_not_administer(cast: Cast) -> None:
    with pytest.raises(NotAllowed):
        actions.create_organisation(acting_user=cast.imo, code="zulu", name="Zulu", kind="ngo")
    with pytest.raises(NotAllowed):
        actions.create_user(acting_user=cast.clerk, username="zulu", password="long-enough-pass-1")
    assert actions.may_administer(cast.admin) and not actions.may_administer(cast.imo)


@pytest.mark.parametrize(("code", "heading"), [("uk", "Адміністрування"), ("es", "Administración"), ("ar", "الإدارة")])
def test_the_administration_page_and_its_problems_speak_the_chosen_language(
    cast: Cast, code: str, heading: str
) -> None:
    client = signed_in(cast.admin)
    client.cookies["clearground_language"] = code

    assert f"<h1>{heading}</h1>" in client.get("/administration/").content.decode()
    taken = client.post("/administration/users/new/", {"username": "clerk", "password": "mine-free-fields-2026"})
    assert taken.context["user_errors"]["username"] != ["This user name is taken."]


def test_every_vocabulary_label_the_page_shows_is_in_its_catalogue() -> None:
    from web.administration.vocabulary import missing_labels

    assert missing_labels() == []
