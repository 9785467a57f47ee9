"""probe"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from clearground.test import DAY0, make_cast, square
from reports.actions import approve_report, create_report


@pytest.fixture(scope="module")
def register(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    with django_db_blocker.unblock(), transaction.atomic():
        cast = make_cast()
        for i in range(120):
            org, by = (cast.alpha, cast.clerk) if i % 6 else (cast.bravo, cast.outsider)
            r = create_report(
                acting_user=by,
                organisation=org,
                kind="nts",
                date_of_information=DAY0,
                payload=cast.nts_payload(square(20, x=(i % 12) * 30, y=(i // 12) * 30)),
                submit=True,
            )
            approve_report(r, acting_user=cast.imo)
        yield cast
        transaction.set_rollback(True)


def test_probe(db, register):
    for name in ("clerk", "imo"):
        c = APIClient()
        c.force_authenticate(User.objects.get(username=name))
        with CaptureQueriesContext(connection) as q:
            r = c.get("/api/v1/hazards/?bbox=36.0,49.8,36.4,50.1")
        print(name, r.status_code, len(r.json()["features"]), len(q))
        for x in q.captured_queries:
            print("   ", x["sql"][:200])
    c = APIClient()
    c.force_authenticate(User.objects.get(username="clerk"))
    hid = r.json()["features"][0]["id"]
    for path in (f"/api/v1/hazards/{hid}/", "/api/v1/reports/"):
        with CaptureQueriesContext(connection) as q:
            r = c.get(path)
        print(path, r.status_code, len(q))
        for x in q.captured_queries:
            print("   ", x["sql"][:200])


def test_probe_approve(db, register):
    cast = register
    r = create_report(
        acting_user=cast.clerk,
        organisation=cast.alpha,
        kind="nts",
        date_of_information=DAY0,
        payload=cast.nts_payload(square(20, x=5000)),
        submit=True,
    )
    c = APIClient()
    c.force_authenticate(User.objects.get(username="approver"))
    with CaptureQueriesContext(connection) as q:
        resp = c.post(f"/api/v1/reports/{r.pk}/approve/", {}, format="json")
    print(resp.status_code, len(q))
    for x in q.captured_queries:
        print("   ", x["sql"][:300])
