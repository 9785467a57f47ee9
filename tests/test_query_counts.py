"""Query counts on the hot paths, pinned: a change that adds a query per row fails here first.

The register holds 120 hazards registered through approved NTS reports (100 of alpha's, 20 of
bravo's), built once for the module. Each test authenticates a freshly loaded user, as a real
request would, so the scope lookup (one query) is counted every time; force_authenticate skips the
session or token lookup, which a real request adds once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.test import APIClient

from clearground.test import DAY0, LAT0, LON0, Cast, make_cast, square
from hazards.models import HazardousArea
from reports.actions import approve_report, create_report

HAZARDS = 120
BBOX = f"{LON0 - 0.1},{LAT0 - 0.1},{LON0 + 0.1},{LAT0 + 0.1}"  # covers all 120


@pytest.fixture(scope="module")
def register(django_db_setup: None, django_db_blocker: Any) -> Iterator[Cast]:
    """120 small hazards on a 12 × 10 grid, every sixth one bravo's; rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        cast = make_cast()
        for i in range(HAZARDS):
            org, clerk = (cast.bravo, cast.outsider) if i % 6 == 0 else (cast.alpha, cast.clerk)
            report = create_report(
                acting_user=clerk,
                organisation=org,
                kind="nts",
                date_of_information=DAY0,
                payload=cast.nts_payload(square(20, x=(i % 12) * 30, y=(i // 12) * 30)),
                submit=True,
            )
            approve_report(report, acting_user=cast.imo)
        yield cast
        transaction.set_rollback(True)


def client_as(username: str) -> APIClient:
    """A client for a freshly loaded user: no scope cached from an earlier request."""
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


@pytest.mark.parametrize("limit", [10, 100])
@pytest.mark.parametrize("username", ["clerk", "imo"])
def test_a_page_of_hazards_in_a_bbox_takes_two_queries_whatever_its_size(
    db: None, register: Cast, django_assert_num_queries: Any, username: str, limit: int
) -> None:
    client = client_as(username)

    # 1. the caller's memberships with their organisations (accounts.access.scope_of)
    # 2. one page of hazards, organisation and admin area joined, limit + 1 rows (keyset pagination)
    with django_assert_num_queries(2):
        response = client.get(f"/api/v1/hazards/?bbox={BBOX}&limit={limit}")

    assert response.status_code == 200
    features = response.json()["features"]
    assert len(features) == limit
    if username == "clerk":
        assert {f["properties"]["organisation"] for f in features} == {"alpha"}


def test_a_hazard_detail_takes_two_queries(db: None, register: Cast, django_assert_num_queries: Any) -> None:
    hazard = HazardousArea.objects.filter(organisation=register.alpha).first()
    assert hazard is not None
    client = client_as("clerk")

    # 1. memberships (scope)
    # 2. the hazard, scoped, with its organisation and admin area (serialised as code and p-code)
    with django_assert_num_queries(2):
        response = client.get(f"/api/v1/hazards/{hazard.pk}/")

    assert response.status_code == 200


def test_a_page_of_reports_takes_three_queries_for_a_clerk(
    db: None, register: Cast, django_assert_num_queries: Any
) -> None:
    client = client_as("clerk")

    # 1. memberships (scope)
    # 2. one page of reports with organisation, created_by and approved_by joined
    # 3. the page's attachments, prefetched in one query (decision 0055)
    with django_assert_num_queries(3):
        response = client.get("/api/v1/reports/")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 100


def test_a_page_of_reports_takes_four_queries_for_an_im_officer(
    db: None, register: Cast, django_assert_num_queries: Any
) -> None:
    client = client_as("imo")

    # 1. memberships (scope)
    # 2. one page of reports with organisation, created_by and approved_by joined
    # 3. the page's attachments, prefetched in one query (decision 0055)
    # 4. one bulk INSERT of personal_data.read audit rows: the IM officer sees the informants
    with django_assert_num_queries(4):
        response = client.get("/api/v1/reports/")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 100


def test_an_approval_through_the_api_takes_twenty_one_queries(
    db: None, register: Cast, django_assert_num_queries: Any
) -> None:
    report = create_report(
        acting_user=register.clerk,
        organisation=register.alpha,
        kind="nts",
        date_of_information=DAY0,
        payload=register.nts_payload(square(20, x=5000)),
        submit=True,
    )
    client = client_as("imo")  # the authority approves into the register (decision 0036)

    # Access check (reports.api.ReportViewSet.approve):
    #   1. memberships (scope)  2. the report, scoped, with organisation and hazard
    # approve_report, in one transaction:
    #   3. SAVEPOINT  4. the report again, SELECT ... FOR UPDATE
    #   5. who imported it, if anyone (the four-eyes rule counts importers as authors, decision 0036)
    #   6. transition submitted → validated
    # projections.plan_report (a new hazard; reads only, decision 0047):
    #   7. admin area containing the polygon  8. registered hazards it overlaps (decision 0048)
    # projections.write_plan: 9. next hazard code  10. INSERT hazard (its final state: a new hazard has no
    #   earlier products to read, nor a second UPDATE of totals, since the plan is computed before the write)
    #   11. INSERT activity  12. INSERT evidence  13. INSERT status change  14. INSERT version (its sequence is
    #   the hazard's version)  15. transition validated → approved  16. UPDATE report  17. audit row
    #   18. RELEASE SAVEPOINT
    # Rendering the response:
    #   19. personal_data.read audit row (the IM officer sees the informant)
    #   20. created_by, for its username (approve_report reloads the report with its organisation only)
    #   21. its attachments (the report's serializer lists them, decision 0055)
    with django_assert_num_queries(21):
        response = client.post(f"/api/v1/reports/{report.pk}/approve/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_a_field_submission_with_a_photo_takes_nineteen_queries(
    db: None, register: Cast, django_assert_num_queries: Any, settings: Any, tmp_path: Any
) -> None:
    from field import auth
    from tests.openrosa_helpers import JPEG, PASSWORD, device, instance, post

    settings.MEDIA_ROOT = tmp_path / "media"
    auth.verified.clear()
    clerk = User.objects.get(username="clerk")
    clerk.set_password(PASSWORD)  # the module's register was built before the suite's fast hasher was set
    clerk.save()
    collect = device("clerk")
    assert collect.head("/openrosa/submission").status_code == 204  # the device's first request verifies its password
    xml = instance("nts", register.nts_payload(square(20, x=9000)), photos=("photo.jpg",))

    # The door (field.views.openrosa_door, decision 0059):
    #   1. the user its Basic credentials were verified for (no password check: field.auth.verified)
    #   2. memberships (scope; may_write_somewhere asks nothing more)
    # field.intake.receive:
    #   3. a report with this instanceID?  4. SAVEPOINT (the submission's transaction)
    #   5. organisations it may write for  6. SAVEPOINT (kept as a draft if refused)  7. SAVEPOINT (create_report)
    #   8. INSERT report  9. transition → draft  10. audit row
    #   submitted without re-reading the row it just inserted: 11. admin area containing the polygon
    #   12. transition → submitted  13. UPDATE report  14. audit row  15. RELEASE  16. RELEASE
    #   17. INSERT the photo's row  18. its audit row (both one INSERT for all the photos)  19. RELEASE
    # (Before decision 0059: 28, with a second organisations read, the report re-read FOR UPDATE, two
    # savepoints more for it, and a lookup and a savepoint per photo.)
    with django_assert_num_queries(19):
        response = post(collect, xml, {"photo.jpg": JPEG})
    assert response.status_code == 201


@pytest.mark.parametrize("username", ["clerk", "imo"])
def test_the_form_list_takes_two_queries_however_many_kinds_it_lists(
    db: None, register: Cast, django_assert_num_queries: Any, settings: Any, username: str
) -> None:
    from xml.etree.ElementTree import fromstring

    from field import auth
    from reports.kinds import KINDS
    from tests.openrosa_helpers import PASSWORD, device

    auth.verified.clear()
    user = User.objects.get(username=username)
    user.set_password(PASSWORD)  # the module's register was built before the suite's fast hasher was set
    user.save()
    collect = device(username)
    assert collect.head("/openrosa/submission").status_code == 204  # the device's first request verifies its password

    # 1. the user its Basic credentials were verified for  2. memberships (scope): the kinds the user may
    # submit (accounts.access.kinds_to_submit, decision 0064) are read from it, once, not per kind.
    with django_assert_num_queries(2):
        response = collect.get("/openrosa/formList")
    assert response.status_code == 200
    listed = len(list(fromstring(response.content).iter("{http://openrosa.org/xforms/xformsList}xform")))
    assert listed == sum(1 for spec in KINDS.values() if username == "imo" or not spec.authority_only)
