"""`clearground demo_logins` lists only the demo logins that exist (see test_demo.py for a full demo)."""

from io import StringIO

from django.core.management import call_command

from demo.people import DEMO_PASSWORD, ensure_people


def test_demo_logins_says_so_when_there_are_none(db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "http://127.0.0.1:8000/" in out.getvalue()
    assert "No demo logins yet" in out.getvalue()


def test_demo_logins_lists_each_login_with_its_role_organisation_and_password(db):
    ensure_people("UKR")
    out = StringIO()
    call_command("demo_logins", stdout=out)
    lines = out.getvalue().splitlines()
    approver = next(line for line in lines if line.startswith("approver "))
    assert "Information management officer" in approver and "Demining NGO Alpha" in approver
    assert DEMO_PASSWORD in approver
    assert not any(line.startswith(("ses-clerk", "unmap-clerk")) for line in lines)
