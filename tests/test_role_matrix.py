"""Who may do what through the REST API: every role of the cast against every door.

One small register is built once for the module, through the actions only: operator Alpha has an
approved hazard with a TS progress report (products, finds, evidence with an informant), a closed
and handed-over hazard, a hazard from a minefield record, a submitted report awaiting approval and
a draft; operator Bravo has one hazard. Each test runs in a savepoint that is rolled back, so writes
in one test are never seen by the next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.test import APIClient

from clearground.test import DAY0, Cast, make_cast, point, square
from hazards.models import (
    Activity,
    Evidence,
    Find,
    Handover,
    HazardousArea,
    HazardStatusChange,
    LandReleaseProduct,
    MinefieldRecord,
)
from reports.actions import approve_report, create_report
from reports.models import Report, ReportTransition

TS_DAY = dt.date(2024, 2, 10)
ROLES = ["admin", "imo", "qa", "viewer", "clerk", "approver", "outsider", "anonymous"]
AUTHORITY = {"admin", "imo", "qa", "viewer"}
ALPHA = {"clerk", "approver"}


def ts_payload(reduced: dict[str, Any], *, informant: str = "Petro S.") -> dict[str, Any]:
    """A TS progress payload: one reduced polygon, a find, and direct evidence with an informant."""
    return {
        "activity": {"method": "manual", "start_date": "2024-02-01", "person_days": 4},
        "reduced": [{"geometry": reduced}],
        "finds": [{"category": "ap_mine", "model": "PMN-2", "quantity": 2, "location": point(80, 80)}],
        "evidence": [
            {
                "kind": "direct",
                "source": "observed",
                "reliability": "high",
                "description": "Mine found during technical survey",
                "informant": {"name": informant, "contact": "+380 11 111"},
            }
        ],
        "classification": "CHA",
        "devices_confirmed": ["ap_mine"],
    }


def minefield_payload(x: float) -> dict[str, Any]:
    return {
        "name": "Recorded minefield by the bridge",
        "perimeter": square(80, x=x),
        "reference_points": [point(x + 10, 10), point(x + 70, 70)],
        "devices": [{"category": "at_mine", "model": "TM-62", "quantity": 12}],
        "laying_party": "Unit 1",
        "date_laid": "2023-05-01",
        "fenced": True,
        "received_from": "Unit 1",
        "received_from_kind": "military_unit",
        "received_on": "2023-06-01",
        "document_reference": "MR-1",
    }


@dataclass
class World:
    """The cast plus the ids of everything built for it, and who owns what."""

    cast: Cast
    hazard: int  # alpha's hazard: NTS + approved TS progress
    closed_hazard: int  # alpha's: NTS, cancelled, handed over
    minefield_hazard: int  # alpha's: from a minefield record
    bravo_hazard: int
    nts_report: int  # approved, created alpha's hazard
    ts_report: int  # approved TS progress with products, finds, evidence + informant
    submitted_report: int  # alpha's NTS awaiting approval
    draft_report: int  # alpha's TS progress draft on the hazard
    bravo_report: int
    alpha_ids: dict[str, set[int]] = field(default_factory=dict)
    bravo_ids: dict[str, set[int]] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self.cast, role)

    def client(self, role: str) -> APIClient:
        client = APIClient()
        user = self.user(role)
        if user is not None:
            client.force_authenticate(user)
        return client

    def visible(self, role: str, resource: str) -> set[int]:
        """Ids of `resource` that `role` should see in a list."""
        if role in AUTHORITY:
            return self.alpha_ids[resource] | self.bravo_ids[resource]
        if role in ALPHA:
            return self.alpha_ids[resource]
        return self.bravo_ids[resource]


# Resource path → (model, how its rows belong to an organisation).
CHILDREN = {
    "products": (LandReleaseProduct, "hazard__organisation__code"),
    "activities": (Activity, "organisation__code"),
    "finds": (Find, "report__organisation__code"),
    "evidence": (Evidence, "hazard__organisation__code"),
    "handovers": (Handover, "hazard__organisation__code"),
    "minefield-records": (MinefieldRecord, "hazard__organisation__code"),
    "status-changes": (HazardStatusChange, "hazard__organisation__code"),
}


def build_world() -> World:
    """The register every matrix test starts from, built only through reports/actions.py."""
    cast = make_cast()

    def approve(report: Report) -> Report:
        # A minefield record is rated by its approver (decision 0049).
        return approve_report(report, acting_user=cast.imo,
                              reliability="high" if report.kind == "minefield_record" else "")  # fmt: skip

    def alpha(
        kind: str, payload: dict[str, Any], *, hazard: int | None = None, on: dt.date = DAY0, submit: bool = True
    ) -> Report:
        return create_report(
            acting_user=cast.clerk,
            organisation=cast.alpha,
            kind=kind,
            date_of_information=on,
            payload=payload,
            hazard=HazardousArea.objects.get(pk=hazard) if hazard else None,
            submit=submit,
        )

    nts = approve(alpha("nts", cast.nts_payload(square(100))))
    assert nts.hazard_id is not None
    ts = approve(alpha("ts_progress", ts_payload(square(40)), hazard=nts.hazard_id, on=TS_DAY))

    closing = approve(alpha("nts", cast.nts_payload(square(50, x=500))))
    assert closing.hazard_id is not None
    approve(
        alpha(
            "cancellation",
            {"reason": "No evidence on re-survey", "activity": {"start_date": "2024-02-01"}, "cancel_remaining": True},
            hazard=closing.hazard_id,
            on=TS_DAY,
        )
    )
    approve(alpha("handover", {"handed_to": "Village council", "certificate": "HC-1"}, hazard=closing.hazard_id,
                  on=TS_DAY))  # fmt: skip

    minefield = approve(alpha("minefield_record", minefield_payload(1000)))
    assert minefield.hazard_id is not None

    waiting = alpha("nts", cast.nts_payload(square(60, x=2000), name="Orchard by the road"))
    draft = alpha("ts_progress", ts_payload(square(30, x=60, y=60), informant="Ivan D."), hazard=nts.hazard_id,
                  on=TS_DAY, submit=False)  # fmt: skip

    bravo = approve_report(
        create_report(
            acting_user=cast.outsider,
            organisation=cast.bravo,
            kind="nts",
            date_of_information=DAY0,
            payload=cast.nts_payload(square(70, x=3000), name="Bravo's field"),
            submit=True,
        ),
        acting_user=cast.imo,
    )
    assert bravo.hazard_id is not None

    world = World(
        cast=cast,
        hazard=nts.hazard_id,
        closed_hazard=closing.hazard_id,
        minefield_hazard=minefield.hazard_id,
        bravo_hazard=bravo.hazard_id,
        nts_report=nts.pk,
        ts_report=ts.pk,
        submitted_report=waiting.pk,
        draft_report=draft.pk,
        bravo_report=bravo.pk,
    )
    for code, ids in (("alpha", world.alpha_ids), ("bravo", world.bravo_ids)):
        ids["hazards"] = set(HazardousArea.objects.filter(organisation__code=code).values_list("id", flat=True))
        ids["reports"] = set(Report.objects.filter(organisation__code=code).values_list("id", flat=True))
        for resource, (model, org_path) in CHILDREN.items():
            ids[resource] = set(model._default_manager.filter(**{org_path: code}).values_list("id", flat=True))
    # Every alpha resource has something to hide from the outsider.
    assert all(world.alpha_ids.values()), world.alpha_ids
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once per module inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def ids_in(body: dict[str, Any]) -> set[int]:
    rows = body["features"] if "features" in body else body["results"]
    return {row["id"] for row in rows}


def expected_read_status(role: str, *, alpha_object: bool = True) -> int:
    """Authenticated readers get 200, the outsider 404 for alpha's objects, anonymous 403."""
    if role == "anonymous":
        return 403  # SessionAuthentication comes first, so DRF answers 403, not 401
    if role == "outsider" and alpha_object:
        return 404
    return 200


LISTED = ["hazards", "reports", *CHILDREN]


@pytest.mark.parametrize("resource", LISTED)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_exactly_the_objects_in_its_scope(db: None, world: World, role: str, resource: str) -> None:
    response = world.client(role).get(f"/api/v1/{resource}/")

    assert response.status_code == expected_read_status(role, alpha_object=False)
    if response.status_code == 200:
        assert ids_in(response.json()) == world.visible(role, resource)


def alpha_object(world: World, resource: str) -> int:
    """One of alpha's objects of this kind (for the reports: the approved TS progress report)."""
    if resource == "hazards":
        return world.hazard
    if resource == "reports":
        return world.ts_report
    return min(world.alpha_ids[resource])


@pytest.mark.parametrize("resource", LISTED)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_an_alpha_object_only_when_in_scope(db: None, world: World, role: str, resource: str) -> None:
    pk = alpha_object(world, resource)

    response = world.client(role).get(f"/api/v1/{resource}/{pk}/")

    assert response.status_code == expected_read_status(role)
    if response.status_code == 200:
        assert response.json()["id"] == pk


ALPHA_SUBREADS = {
    "hazard-history": lambda w: f"/api/v1/hazards/{w.hazard}/history/",
    "hazard-state": lambda w: f"/api/v1/hazards/{w.hazard}/state/?on=2024-02-15",
    "report-transitions": lambda w: f"/api/v1/reports/{w.ts_report}/transitions/",
}


@pytest.mark.parametrize("door", ALPHA_SUBREADS)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_history_state_and_transitions_only_when_in_scope(
    db: None, world: World, role: str, door: str
) -> None:
    response = world.client(role).get(ALPHA_SUBREADS[door](world))

    assert response.status_code == expected_read_status(role)


@pytest.mark.parametrize("role", ROLES)
def test_every_member_lists_all_organisations_and_admin_areas(db: None, world: World, role: str) -> None:
    client = world.client(role)
    orgs = client.get("/api/v1/organisations/")
    areas = client.get("/api/v1/admin-areas/")
    org_detail = client.get(f"/api/v1/organisations/{world.cast.alpha.pk}/")
    area_detail = client.get(f"/api/v1/admin-areas/{world.cast.area.pk}/")

    expected = expected_read_status(role, alpha_object=False)
    assert [r.status_code for r in (orgs, areas, org_detail, area_detail)] == [expected] * 4
    if expected == 200:
        # The list of operators is not secret (accounts/access.py: organisations_for).
        assert {o["code"] for o in orgs.json()} == {"nmaa", "alpha", "bravo"}
        assert {a["pcode"] for a in areas.json()["results"]} == {"UA", "UA63"}
        assert org_detail.json()["code"] == "alpha"
        assert area_detail.json()["properties"]["pcode"] == "UA63"


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_public_land_release_summary_without_geometry_or_names(
    db: None, world: World, role: str
) -> None:
    response = world.client(role).get("/api/v1/public/land-release/")

    assert response.status_code == 200
    text = response.content.decode()
    assert response.json()["areas"]
    for secret in ("Petro S.", "Olena K.", "+380", "coordinates", "geometry", "geom"):
        assert secret not in text


def test_anyone_may_read_the_openapi_schema(db: None, world: World) -> None:
    assert world.client("anonymous").get("/api/schema/").status_code == 200


# --- Writes --------------------------------------------------------------------------------------

Y, R, N, A = 200, 403, 404, 403  # allowed, refused by role, hidden by scope, anonymous
WRITE_EXPECTATIONS: dict[str, dict[str, int]] = {
    # Writers (clerk, approver, imo, admin) may create for alpha; qa/viewer may not; the outsider may not
    # report for alpha (403: which organisations exist is not secret).
    "create": dict(admin=201, imo=201, qa=R, viewer=R, clerk=201, approver=201, outsider=R, anonymous=A),
    "patch": dict(admin=Y, imo=Y, qa=R, viewer=R, clerk=Y, approver=Y, outsider=N, anonymous=A),
    "submit": dict(admin=Y, imo=Y, qa=R, viewer=R, clerk=Y, approver=Y, outsider=N, anonymous=A),
    "validate": dict(admin=Y, imo=Y, qa=R, viewer=R, clerk=R, approver=Y, outsider=N, anonymous=A),
    # The national authority approves into the register; alpha's own IM officer validates (decision 0036).
    "approve": dict(admin=Y, imo=Y, qa=R, viewer=R, clerk=R, approver=R, outsider=N, anonymous=A),
    "return": dict(admin=Y, imo=Y, qa=R, viewer=R, clerk=R, approver=Y, outsider=N, anonymous=A),
    "unapprove": dict(admin=Y, imo=Y, qa=R, viewer=R, clerk=R, approver=R, outsider=N, anonymous=A),
}


def write_request(world: World, door: str) -> tuple[str, str, dict[str, Any], int | None, str]:
    """(method, path, body, the report it acts on, that report's status after success)."""
    if door == "create":
        body = {
            "kind": "ts_progress",
            "organisation": "alpha",
            "hazard": world.hazard,
            "date_of_information": "2024-03-01",
            "payload": ts_payload(square(20, x=70, y=10)),
        }
        return "post", "/api/v1/reports/", body, None, "draft"
    if door == "patch":
        body = {
            "date_of_information": "2024-02-11",
            "version": Report.objects.get(pk=world.draft_report).version,
        }  # every edit names the version it read
        return "patch", f"/api/v1/reports/{world.draft_report}/", body, world.draft_report, "draft"  # fmt: skip
    if door == "submit":
        return "post", f"/api/v1/reports/{world.draft_report}/submit/", {}, world.draft_report, "submitted"
    if door == "validate":
        return "post", f"/api/v1/reports/{world.submitted_report}/validate/", {}, world.submitted_report, "validated"
    if door == "approve":
        return "post", f"/api/v1/reports/{world.submitted_report}/approve/", {}, world.submitted_report, "approved"
    if door == "return":
        return "post", f"/api/v1/reports/{world.submitted_report}/return/", {"reason": "Add the informant's village"}, \
            world.submitted_report, "returned"  # fmt: skip
    assert door == "unapprove"
    return "post", f"/api/v1/reports/{world.ts_report}/unapprove/", {"reason": "Wrong polygon"}, world.ts_report, \
        "submitted"  # fmt: skip


WRITE_CASES = [
    pytest.param(role, door, WRITE_EXPECTATIONS[door][role], id=f"{role}-{door}-{WRITE_EXPECTATIONS[door][role]}")
    for door in WRITE_EXPECTATIONS
    for role in ROLES
]


def snapshot() -> tuple[Any, ...]:
    """Everything a refused write must leave untouched."""
    return (
        sorted(Report.objects.values_list("id", "status", "version", "hazard_id", "date_of_information")),
        ReportTransition.objects.count(),
        sorted(HazardousArea.objects.values_list("id", "version", "status", "remaining_area_m2")),
        LandReleaseProduct.objects.count(),
    )


@pytest.mark.parametrize(("role", "door", "expected"), WRITE_CASES)
def test_each_role_may_take_only_its_own_workflow_steps(
    db: None, world: World, role: str, door: str, expected: int
) -> None:
    method, path, body, report_id, status_after = write_request(world, door)
    before = snapshot()

    response = getattr(world.client(role), method)(path, body, format="json")

    assert response.status_code == expected, response.content
    if expected in (200, 201):
        report = Report.objects.get(pk=response.json()["id"])
        assert report_id in (None, report.pk)
        assert report.status == status_after
        assert report.organisation.code == "alpha"
    else:
        assert snapshot() == before


def test_an_outsider_cannot_report_on_alphas_hazard_even_for_their_own_organisation(db: None, world: World) -> None:
    before = snapshot()
    body = {
        "kind": "ts_progress",
        "hazard": world.hazard,
        "date_of_information": "2024-03-01",
        "payload": ts_payload(square(20, x=70, y=10)),
        "submit": True,
    }

    response = world.client("outsider").post("/api/v1/reports/", body, format="json")

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("role", ["qa", "viewer"])
def test_a_reader_without_an_organisation_to_write_for_is_refused_not_asked_which(
    db: None, world: World, role: str
) -> None:
    body = {"kind": "nts", "date_of_information": "2024-03-01", "payload": world.cast.nts_payload(square(10, x=4000))}

    response = world.client(role).post("/api/v1/reports/", body, format="json")

    assert response.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/v1/hazards/{alpha}/", id="hazard"),
        pytest.param("/api/v1/reports/{alpha_report}/", id="report"),
        pytest.param("/api/v1/evidence/{alpha_evidence}/", id="evidence"),
        pytest.param("/api/v1/products/{alpha_product}/", id="product"),
    ],
)
def test_an_outsider_gets_the_same_answer_for_alphas_objects_as_for_missing_ones(
    db: None, world: World, path: str
) -> None:
    client = world.client("outsider")
    ids = {
        "alpha": world.hazard,
        "alpha_report": world.ts_report,
        "alpha_evidence": min(world.alpha_ids["evidence"]),
        "alpha_product": min(world.alpha_ids["products"]),
    }
    missing = {key: 10**9 for key in ids}

    hidden = client.get(path.format(**ids))
    absent = client.get(path.format(**missing))

    assert (hidden.status_code, hidden.json()) == (absent.status_code, absent.json())
    assert hidden.status_code == 404


@pytest.mark.parametrize("method", ["put", "delete"])
def test_reports_cannot_be_replaced_or_deleted_through_the_api(db: None, world: World, method: str) -> None:
    response = getattr(world.client("imo"), method)(f"/api/v1/reports/{world.draft_report}/", {}, format="json")

    assert response.status_code == 405
    assert Report.objects.filter(pk=world.draft_report).exists()


def test_filtering_by_alphas_organisation_shows_the_outsider_nothing(db: None, world: World) -> None:
    response = world.client("outsider").get("/api/v1/hazards/?organisation=alpha")

    assert response.status_code == 200
    assert ids_in(response.json()) == set()
