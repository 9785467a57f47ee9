"""schemathesis drives every operation of the OpenAPI schema as each role: no 5xx, no answer the schema does not cover.

Each role gets its own freshly seeded register (the cast, hazards, reports in several workflow steps, an
accident with casualties), so that generated ids often name real rows; the fuzzer's own writes stay in that
role's test transaction. The run is derandomized: the same cases every time (decision 0030).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, close_old_connections, models, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tokens import issue_token
from clearground.test import DAY0, Cast, square
from tests.helpers import approved, register_hazard, submitted
from tests.test_casualties_recording import accident_payload

ROLES = ["anonymous", "clerk", "approver", "imo", "admin", "viewer", "outsider"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Inputs the schema allows, and inputs it does not (every 4xx must still be one the schema describes).
GENERATION_MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
CASES_PER_ROLE = 1000
# Hypothesis stops early on an operation whose inputs it has exhausted (no parameters, no body), so the
# others need a few more than 1,000 / number of operations.
EXAMPLES_PER_OPERATION = 11
Tally = tuple[Counter[str], Counter[str], Counter[str]]  # cases per operation, answers per status class, failures
REGISTER_APPS = {"accounts", "places", "hazards", "reports", "casualties", "assistance", "quality",
                 "risk_education", "obligations", "interop", "jobs"}  # fmt: skip


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """Requests through the WSGI app share the test's connection and transaction, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def field_key(settings: Any) -> None:
    """Casualty identities are encrypted, so the server needs its key."""
    settings.CLEARGROUND_FIELD_KEY = Fernet.generate_key().decode()


def seed_register(cast: Cast) -> None:
    """A register small enough to seed in a second, with rows behind the ids of most resources."""
    register_hazard(cast)
    register_hazard(cast, size_m=50)
    submitted(cast, "nts", cast.nts_payload(square(80, x=500)))
    approved(cast, "accident", accident_payload(), on=DAY0)


def ids_in_the_register() -> list[int]:
    """A few primary keys of every table of the register: an {id} drawn from them often names a real row."""
    ids: set[int] = set()
    for model in apps.get_models():
        pk = model._meta.pk
        if model._meta.app_label in REGISTER_APPS and isinstance(pk, models.AutoField | models.BigAutoField):
            ids |= set(model._default_manager.order_by("pk").values_list("pk", flat=True)[:5])
    return sorted(ids)


def cases_for(operation: Any, real_ids: list[int]) -> st.SearchStrategy[Any]:
    """Valid and invalid cases alike; when the path has an {id}, some of them name a row that exists."""
    strategies = [operation.as_strategy(mode) for mode in GENERATION_MODES]
    if "{id}" in operation.path:
        ids = st.sampled_from(real_ids)
        strategies.append(ids.flatmap(lambda pk: operation.as_strategy(path_parameters={"id": pk})))
    return st.one_of(strategies)


def fuzz(operation: Any, real_ids: list[int], headers: dict[str, str], tally: Tally) -> None:
    """Run one operation's cases, counting them, their answers and every failure (no stop at the first)."""
    cases, statuses, failures = tally

    @given(case=cases_for(operation, real_ids))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,  # the same cases on every run
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # failures are collected, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        cases[operation.label] += 1
        savepoint = transaction.savepoint()
        try:
            response = case.call(headers=headers)
            statuses[f"{response.status_code // 100}xx"] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures[f"{operation.label}: {failure.title}: {failure.message[:400]}"] += 1
        try:
            transaction.savepoint_commit(savepoint)
        except DatabaseError:  # a view's error outside any atomic block (a 500, counted above) aborted the transaction
            transaction.savepoint_rollback(savepoint)

    run()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_the_schema_says_when_called_by(
    role: str, cast: Cast, field_key: None, in_process_requests: None
) -> None:
    seed_register(cast)
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Token {issue_token(getattr(cast, role)).key}"
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
    operations = [result.ok() for result in schema.get_all_operations()]
    # Signing out revokes the token every other operation is called with: it goes last (decision 0038).
    operations.sort(key=lambda operation: operation.path == "/api/v1/auth/logout/")
    real_ids = ids_in_the_register()
    tally: Tally = (Counter(), Counter(), Counter())
    cases, statuses, failures = tally

    started = time.monotonic()
    for operation in operations:
        fuzz(operation, real_ids, headers, tally)
    elapsed = time.monotonic() - started

    total = sum(cases.values())
    answers = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    found = sum(failures.values())
    print(f"\n{role}: {total} cases, {len(cases)} operations, {found} failures, {elapsed:.0f} s; {answers}")
    assert failures == {}, "\n".join(f"{n} × {f}" for f, n in failures.most_common())
    assert set(cases) == {operation.label for operation in operations}  # every operation was called
    assert total >= CASES_PER_ROLE


# What the fuzzer found, pinned down one case each (the generated cases above may drift as the schema grows).


def token_client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user).key}")
    return client


def test_text_with_a_nul_character_is_a_400_naming_the_field_not_a_500(cast: Cast) -> None:
    clerk = token_client(cast.clerk)

    as_json = clerk.post("/api/v1/import-profiles/", {"name": "x\0y", "kind": "nts", "mapping": {"a\0": "b"}},
                         format="json")  # fmt: skip
    as_form = clerk.post("/api/v1/import-profiles/", {"name": "x\0y", "kind": "nts"}, format="multipart")

    assert as_json.status_code == 400 and as_form.status_code == 400
    assert [e["field"] for e in as_json.json()["errors"]] == ["name", "mapping.a\\0"]
    assert [e["field"] for e in as_form.json()["errors"]] == ["name"]


def test_a_nul_escaped_in_json_sent_as_a_form_field_is_a_400_naming_the_field_not_a_500(cast: Cast) -> None:
    """The fuzz's find: a JSON field sent in a form is text to the body parsers, and its \\u0000 becomes a NUL
    only when the field decodes it (a QA visit's payload reached jsonb: 500). Every JSON field refuses it."""
    from quality.models import QaVisit
    from reports.models import Report

    imo = token_client(cast.imo)
    reports_before, visits_before = Report.objects.count(), QaVisit.objects.count()
    escaped = '{"sample": {"a\\u0000b": "x"}, "notes": ["ok", "c\\u0000"]}'

    visit = imo.post("/api/v1/qa-visits/", {"payload": escaped}, format="multipart")
    inspection = imo.post("/api/v1/qc-inspections/", {"payload": escaped}, format="multipart")
    report = imo.post("/api/v1/reports/", {"kind": "nts", "organisation": cast.alpha.pk, "payload": escaped},
                      format="multipart")  # fmt: skip

    for answer in (visit, inspection, report):
        assert answer.status_code == 400, answer.content
        assert [e["field"] for e in answer.json()["errors"]] == ["payload.sample.a\\0b", "payload.notes.1"]
    assert (Report.objects.count(), QaVisit.objects.count()) == (reports_before, visits_before)


def test_a_known_at_with_an_offset_postgresql_refuses_is_still_answered(cast: Cast) -> None:
    hazard = register_hazard(cast)
    url = f"/api/v1/hazards/{hazard.pk}/state/"
    clerk = token_client(cast.clerk)

    far_offset = clerk.get(url, {"on": "2024-02-01", "known_at": "2030-05-18T22:35:15-21:58"})
    out_of_range = clerk.get(url, {"on": "2024-02-01", "known_at": "9999-12-31T23:59:00-21:00"})

    assert far_offset.status_code == 200
    assert out_of_range.status_code == 400 and out_of_range.json()["errors"][0]["field"] == "known_at"


def test_an_address_no_route_matches_answers_json_under_the_api_and_a_page_elsewhere(cast: Cast) -> None:
    api = token_client(cast.clerk).get("/api/v1/hazards/1/2/")
    page = Client().get("/no-such-page/")

    assert api.status_code == 404 and api.json() == {"detail": "There is nothing at this address.", "errors": []}
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_drf_s_own_errors_have_the_one_error_body(db: None) -> None:
    missing_password = APIClient().post("/api/v1/auth/token/", {"username": "nobody"}, format="json")
    not_signed_in = APIClient().get("/api/v1/hazards/")

    assert missing_password.status_code == 400
    assert missing_password.json()["errors"] == [
        {"field": "password", "code": "required", "message": "This field is required."}
    ]
    assert not_signed_in.status_code == 403
    assert not_signed_in.json() == {"detail": "Authentication credentials were not provided.", "errors": []}
