"""The report kinds a user may submit: one rule for every door that offers or takes a kind (decision 0064).

An operator's writers submit every kind but the national authority's own (QA visits, QC inspections);
the authority's writers submit them all. formList, the fill page and the workbench's "New report" offer
the same set; the XForm, XLSForm, manifest, media and fill page of a kind outside it are no such form
(404), whatever id a clerk guesses; a submission of one is kept as a draft saying why. Everything is read
through the doors themselves, never by calling the rule.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.etree.ElementTree import fromstring

import pytest
from django.contrib.auth.models import User
from django.test import Client

from clearground.test import DAY0, Cast, square
from field.forms import form_id
from hazards.models import Activity
from reports.kinds import KINDS
from reports.models import Report, ReportStatus, ReviewFlag
from tests.helpers import activity, approved, register_hazard
from tests.openrosa_helpers import PASSWORD, device, https, instance, post

pytestmark = pytest.mark.django_db
LIST = "{http://openrosa.org/xforms/xformsList}"
RESPONSE = "{http://openrosa.org/http/response}"
AUTHORITY_ONLY = {"qa_visit", "qc_inspection"}
EVERY_KIND = set(KINDS)
OPERATORS_KINDS = EVERY_KIND - AUTHORITY_ONLY


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def _signed_in(user: User) -> Client:
    client = https()
    client.force_login(user)
    return client


def _form_list(username: str) -> set[str]:
    response = device(username).get("/openrosa/formList")
    assert response.status_code == 200, response.content
    ids = [x.text or "" for x in fromstring(response.content).iter(f"{LIST}formID")]
    assert len(ids) == len(set(ids))
    return {i.removeprefix("clearground_") for i in ids}


def _fill_list(user: User) -> set[str]:
    page = _signed_in(user).get("/openrosa/fill/")
    assert page.status_code == 200
    return set(re.findall(r'href="/openrosa/fill/([a-z_]+)/"', page.content.decode()))


def _new_report_choice(user: User) -> set[str]:
    page = _signed_in(user).get("/reports/")
    assert page.status_code == 200
    return set(re.findall(r'href="/reports/new/([a-z_]+)/"', page.content.decode()))


def _message(response: Any) -> str:
    return fromstring(response.content).find(f"{RESPONSE}message").text or ""


# The same set at every door, for each role -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "kinds"),
    [("clerk", OPERATORS_KINDS), ("approver", OPERATORS_KINDS), ("outsider", OPERATORS_KINDS),
     ("imo", EVERY_KIND), ("admin", EVERY_KIND)],
)  # fmt: skip
def test_form_list_fill_page_and_new_report_offer_the_same_kinds_for_each_role(cast: Cast, who: str, kinds: set[str]):
    user = getattr(cast, who)

    offered = _form_list(who)

    assert offered == kinds
    assert _fill_list(user) == offered
    assert _new_report_choice(user) == offered


def test_an_operators_field_user_is_offered_every_kind_but_quality_management(cast: Cast):
    offered = _form_list("clerk")

    assert not offered & AUTHORITY_ONLY
    assert {"nts", "eod_spot", "marking", "completion", "accident", "risk_education"} <= offered


def test_the_authoritys_writer_is_offered_qa_visits_and_qc_inspections(cast: Cast):
    assert AUTHORITY_ONLY <= _form_list("imo")


@pytest.mark.parametrize("who", ["viewer", "qa"])
def test_a_user_without_a_writer_role_is_offered_nothing_at_any_door(cast: Cast, who: str):
    user = getattr(cast, who)

    assert device(who).get("/openrosa/formList").status_code == 403
    assert _signed_in(user).get("/openrosa/fill/").status_code == 403
    assert _new_report_choice(user) == set()


def test_a_user_of_no_organisation_is_offered_nothing_and_fetches_no_form(cast: Cast):
    nobody = User.objects.create_user("nobody", password=PASSWORD)

    assert device("nobody").get("/openrosa/formList").status_code == 403
    assert device("nobody").get("/openrosa/forms/nts.xml").status_code == 403
    assert device("nobody").get("/openrosa/forms/qa_visit/manifest").status_code == 403
    assert _signed_in(nobody).get("/openrosa/fill/qa_visit/").status_code == 403
    assert _new_report_choice(nobody) == set()
    assert _signed_in(nobody).get("/reports/new/qa_visit/").status_code == 403


# A clerk guessing an authority-only form's address -------------------------------------------------------

GUESSES = [
    "/openrosa/forms/{kind}.xml",
    "/openrosa/forms/{kind}.xlsx",
    "/openrosa/forms/{kind}/manifest",
    "/openrosa/forms/{kind}/media/hazards.csv",
]


@pytest.mark.parametrize("kind", sorted(AUTHORITY_ONLY))
@pytest.mark.parametrize("url", GUESSES)
def test_an_operators_clerk_may_not_fetch_an_authority_only_form_or_its_media(cast: Cast, kind: str, url: str):
    refused = device("clerk").get(url.format(kind=kind))
    taken = device("imo").get(url.format(kind=kind))

    assert refused.status_code == 404
    assert _message(refused) in ("No such form.", "No such file.")
    assert taken.status_code == 200


def test_an_operators_clerk_naming_an_authority_only_form_id_gets_an_empty_list(cast: Cast):
    response = device("clerk").get("/openrosa/formList", {"formID": form_id("qa_visit")})

    assert response.status_code == 200
    assert list(fromstring(response.content).iter(f"{LIST}xform")) == []
    ids = [x.text for x in fromstring(device("imo").get("/openrosa/formList", {"formID": form_id("qa_visit")}).content)
           .iter(f"{LIST}formID")]  # fmt: skip
    assert ids == [form_id("qa_visit")]


@pytest.mark.parametrize("kind", sorted(AUTHORITY_ONLY))
def test_an_operators_clerk_may_not_open_an_authority_only_form_in_the_browser_or_the_workbench(cast: Cast, kind):
    clerk = _signed_in(cast.clerk)

    assert clerk.get(f"/openrosa/fill/{kind}/").status_code == 404
    assert clerk.get(f"/reports/new/{kind}/").status_code == 404
    posted = clerk.post(f"/reports/new/{kind}/", {"organisation": cast.alpha.pk, "date_of_information": "2024-01-15"})
    assert posted.status_code == 404
    assert not Report.objects.exists()
    assert _signed_in(cast.imo).get(f"/openrosa/fill/{kind}/").status_code == 200
    assert _signed_in(cast.imo).get(f"/reports/new/{kind}/").status_code == 200


@pytest.mark.parametrize("url", [g.format(kind="qa_visit") for g in GUESSES] + ["/openrosa/formList"])
def test_an_anonymous_device_is_challenged_before_anything_about_a_form(cast: Cast, url: str):
    response = https(HTTP_X_OPENROSA_VERSION="1.0").get(url)

    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("url", ["/openrosa/fill/qa_visit/", "/reports/new/qa_visit/"])
def test_an_anonymous_browser_is_sent_to_sign_in(cast: Cast, url: str):
    response = https().get(url)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


# The intake: the same rule, a draft saying why ----------------------------------------------------------


def _assessed_activity(cast: Cast) -> Activity:
    hazard = register_hazard(cast)
    approved(cast, "ts_progress", {"activity": activity(), "reduced": [{"geometry": square(30, x=0, y=0)}]},
             hazard=hazard)  # fmt: skip
    return Activity.objects.latest("pk")


@pytest.mark.parametrize("kind", sorted(AUTHORITY_ONLY))
def test_an_operators_submission_of_an_authority_only_kind_is_kept_as_a_draft_saying_why(cast: Cast, kind: str):
    act = _assessed_activity(cast)
    day = "visited_on" if kind == "qa_visit" else "inspected_on"
    payload: dict[str, Any] = {"activity": act.pk, day: "2024-02-05"}
    if kind == "qc_inspection":
        payload |= {"items_found": 0, "result": "pass"}  # the sample left out: its problem is listed beside

    response = post(device("clerk"), instance(kind, payload, on=dt.date(2024, 3, 2)))

    assert response.status_code == 201
    assert "kept as a draft" in _message(response)
    report = Report.objects.get(kind=kind)
    assert (report.status, report.review_flag, report.organisation) == (
        ReportStatus.DRAFT, ReviewFlag.PROBLEMS, cast.alpha,
    )  # fmt: skip
    assert "kind [authority_only]" in report.review_note
    assert "recorded by the national authority" in report.review_note


def test_the_authoritys_qa_visit_from_the_field_is_submitted(cast: Cast):
    act = _assessed_activity(cast)

    response = post(device("imo"), instance("qa_visit", {"activity": act.pk, "visited_on": "2024-02-05"},
                                            on=dt.date(2024, 3, 2)))  # fmt: skip

    report = Report.objects.get(kind="qa_visit")
    assert response.status_code == 201, report.review_note
    assert (report.status, report.organisation) == (ReportStatus.SUBMITTED, cast.authority)
    assert "authority_only" not in report.review_note


def test_an_operators_ordinary_report_is_still_submitted(cast: Cast):
    response = post(device("clerk"), instance("nts", cast.nts_payload(square(100)), on=DAY0))

    assert response.status_code == 201
    assert Report.objects.get(kind="nts").status == ReportStatus.SUBMITTED
