"""Every door asks the same named rule (decision 0043, STYLE habit 23).

For each rule named once (accounts.access, reports.actions, interop.imports.service), every door that
shows or takes the step gives the same answer for each member of the cast: the workbench offers Edit
exactly when the API lets the user PATCH; the review page offers exactly the reconciliations approval
takes, preselecting the one it makes by default; the imports page and the imports API refuse the same
bad steps, and the page offers Run and Approve exactly when the API would take them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from accounts import access
from clearground.test import DAY0, Cast, point, square
from interop.imports import service
from interop.models import Import
from reports import actions
from reports.models import Report
from tests.helpers import activity, register_hazard, submitted
from tests.imports_helpers import NAMED_SHA_MAPPING, media_in_tmp

__all__ = ["media_in_tmp"]

PEOPLE = ("clerk", "approver", "imo", "admin", "qa", "viewer", "outsider")


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def draft(cast: Cast) -> Report:
    return actions.create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=DAY0,
                                 payload=cast.nts_payload(square(100)))  # fmt: skip


@pytest.mark.parametrize("who", PEOPLE)
def test_the_edit_button_shows_exactly_when_the_api_takes_the_edit(cast: Cast, who: str) -> None:
    user: User = getattr(cast, who)
    report = draft(cast)

    page = signed_in(user).get(f"/reports/{report.pk}/")
    form = signed_in(user).get(f"/reports/{report.pk}/edit/")
    edit = {"payload": cast.nts_payload(square(90)), "version": report.version}
    patch = api(user).patch(f"/api/v1/reports/{report.pk}/", edit, format="json")

    may = access.may_edit_report(user, report)
    if page.status_code == 404:  # outside the user's scope: every door says the report is not there
        assert form.status_code == 404 and patch.status_code == 404 and not access.reports_for(user).exists()
        return
    assert page.context["may_edit"] is may
    assert (f'href="/reports/{report.pk}/edit/"' in page.content.decode()) is may
    assert (form.status_code == 200) is may and (patch.status_code == 200) is may, (form.status_code, patch.json())
    if not may:
        assert form.status_code == 403 and patch.status_code == 403


def test_the_rule_gives_the_cast_the_answers_of_the_role_matrix(cast: Cast) -> None:
    report = draft(cast)

    allowed = {who for who in PEOPLE if access.may_edit_report(getattr(cast, who), report)}

    assert allowed == {"clerk", "approver", "imo", "admin"}  # writers of alpha and the authority's


@pytest.mark.parametrize("who", PEOPLE)
def test_the_report_form_and_the_api_let_the_same_people_write_for_the_same_organisations(cast: Cast, who: str) -> None:
    user: User = getattr(cast, who)
    writable = access.writable_organisations_for(user)

    form = signed_in(user).get("/reports/new/nts/")
    created = api(user).post("/api/v1/reports/", {"kind": "nts", "organisation": "alpha", "date_of_information":
                             DAY0.isoformat(), "payload": cast.nts_payload(square(100))}, format="json")  # fmt: skip

    if not writable:
        assert form.status_code == 403 and created.status_code == 403
        return
    assert form.status_code == 200 and form.context["organisations"] == writable
    assert (created.status_code == 201) is (cast.alpha in writable), created.json()


def _reports(cast: Cast) -> dict[str, Report]:
    hazard = register_hazard(cast, 100)
    cleared = {"activity": activity(), "cleared": [{"geometry": square(40), "depth_cm": 20}]}
    eod = {
        "activity": {"start_date": "2024-01-12", "status": "completed", "person_days": 1},
        "location": point(2000, 2000),
        "finds": [{"category": "uxo", "model": "VOG-17", "quantity": 1, "condition": "intact",
                   "location": point(2000, 2000), "disposal": "destroyed_in_situ"}],
    }  # fmt: skip
    return {
        "new survey": submitted(cast, "nts", cast.nts_payload(square(100, x=3000))),
        "survey of a hazard": submitted(cast, "nts", cast.nts_payload(square(100)), hazard=hazard),
        "clearance": submitted(cast, "clearance_progress", cleared, hazard=hazard),
        "eod task outside any hazard": submitted(cast, "eod_spot", eod),
    }


def test_the_review_page_offers_exactly_the_reconciliations_approval_takes(cast: Cast) -> None:
    for name, report in _reports(cast).items():
        page = signed_in(cast.imo).get(f"/reports/{report.pk}/review/")

        offered = [value for value, _label in page.context["reconcile_choices"]]
        assert offered == actions.reconcile_choices(report), name
        if offered:
            assert page.context["reconcile"] == actions.default_reconcile(report), name
            assert f'value="{actions.default_reconcile(report)}" checked' in page.content.decode(), name


def test_a_reconciliation_the_page_does_not_offer_is_refused_by_every_door(cast: Cast) -> None:
    clearance = _reports(cast)["clearance"]
    assert "new" not in actions.reconcile_choices(clearance)  # a clearance report creates no hazard

    by_api = api(cast.imo).post(f"/api/v1/reports/{clearance.pk}/approve/", {"reconcile": "new"}, format="json")
    by_page = signed_in(cast.imo).post(f"/reports/{clearance.pk}/review/", {"decision": "approve", "reconcile": "new"})

    assert by_api.status_code == 400 and "reconcile" in json.dumps(by_api.json())
    assert by_page.status_code == 200 and "reconcile" in {p.field for p in by_page.context["problems"]}
    clearance.refresh_from_db()
    assert clearance.status == "submitted"


@pytest.mark.parametrize("who", ["approver", "imo", "admin"])
def test_the_review_page_offers_approval_exactly_when_the_api_takes_it(cast: Cast, who: str) -> None:
    user: User = getattr(cast, who)
    by_clerk = submitted(cast, "nts", cast.nts_payload(square(100)))
    by_imo = submitted(cast, "nts", cast.nts_payload(square(100, x=3000)), by=cast.imo)  # four eyes: not for imo

    for report in (by_clerk, by_imo):
        page = signed_in(user).get(f"/reports/{report.pk}/review/")
        taken = api(user).post(f"/api/v1/reports/{report.pk}/approve/", {}, format="json")

        assert page.context["may_approve"] is (taken.status_code == 200), (report.created_by, taken.json())
        assert ('value="approve"' in page.content.decode()) is page.context["may_approve"]


def test_approving_without_a_choice_makes_the_default_the_page_preselected(cast: Cast) -> None:
    survey = _reports(cast)["new survey"]
    preselected = signed_in(cast.imo).get(f"/reports/{survey.pk}/review/").context["reconcile"]

    approved = actions.approve_report(survey, acting_user=cast.imo)

    assert approved.reconcile == preselected == "new" and approved.hazard is not None


# Imports: one service function per step, the same refusals from the page and the API.


def _uploaded(cast: Cast, tmp_path: Path, user: User) -> Import:
    features = [{"type": "Feature", "properties": {"ref": "P-1", "name": "North field"}, "geometry": square(100)}]
    path = tmp_path / "partner.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with path.open("rb") as fh:
        data = {"file": fh, "kind": "nts", "mapping": json.dumps(NAMED_SHA_MAPPING)}
        response = api(user).post("/api/v1/imports/", data, format="multipart")
    assert response.status_code == 201, response.json()
    return Import.objects.get(pk=response.json()["id"])


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_running_an_import_twice_is_refused_by_the_page_and_the_api_alike(cast: Cast, tmp_path: Path) -> None:
    import_ = _uploaded(cast, tmp_path, cast.clerk)
    assert signed_in(cast.clerk).post(f"/imports/{import_.pk}/run/").status_code == 302  # queued

    by_api = api(cast.clerk).post(f"/api/v1/imports/{import_.pk}/run/", {}, format="json")
    by_page = signed_in(cast.clerk).post(f"/imports/{import_.pk}/run/", follow=True)

    assert by_api.status_code == 409
    assert "This import is already queued or running." in _messages(by_page)
    assert service.latest_jobs([import_.pk])[import_.pk].args == {"import_id": import_.pk, "approve": False}


@pytest.mark.parametrize("who", ["clerk", "approver", "imo", "admin", "qa", "viewer"])
def test_the_page_offers_run_and_approve_exactly_when_the_api_takes_them(cast: Cast, tmp_path: Path, who: str) -> None:
    user: User = getattr(cast, who)
    import_ = service.run_import(_uploaded(cast, tmp_path, cast.clerk), acting_user=cast.clerk)
    fresh = _uploaded(cast, tmp_path, cast.approver)

    page = signed_in(user).get(f"/imports/{fresh.pk}/").context
    done_page = signed_in(user).get(f"/imports/{import_.pk}/").context
    preview = api(user).get(f"/api/v1/imports/{fresh.pk}/preview/")
    approve = api(user).post(f"/api/v1/imports/{import_.pk}/approve/")

    assert page["may_run"] is access.may_run_import(user, fresh) is (preview.status_code == 200)
    assert done_page["may_approve"] is (approve.status_code == 200), approve.json()


def test_approving_as_the_uploader_is_refused_by_the_page_and_the_api_alike(cast: Cast, tmp_path: Path) -> None:
    own = _uploaded(cast, tmp_path, cast.imo)
    service.run_import(own, acting_user=cast.admin)

    by_api = api(cast.imo).post(f"/api/v1/imports/{own.pk}/approve/")
    page = signed_in(cast.imo).get(f"/imports/{own.pk}/")
    by_page = signed_in(cast.imo).post(f"/imports/{own.pk}/approve/", follow=True)

    refusal = service.approval_refusal(own, acting_user=cast.imo)
    assert refusal is not None and "four eyes" in refusal
    assert by_api.status_code == 403 and refusal in json.dumps(by_api.json())
    assert page.context["may_approve"] is False
    assert refusal in _messages(by_page)
    own.refresh_from_db()
    assert own.status == Import.Status.DONE
