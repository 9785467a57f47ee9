"""Four eyes everywhere, and the national register is the authority's (decision 0036, IMAS 05.10).

Whoever wrote, edited or imported a report never approves it, whichever door they use; an operator's IM
officer validates its own reports and the national authority approves them, unless it delegated the kind.
Each attack of the security issue is replayed through the real routes and must fail.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from clearground.test import Cast, square
from core.errors import NotAllowed
from interop.imports import service
from interop.models import Import
from reports.actions import (
    approve_report,
    create_report,
    return_report,
    submit_report,
    update_draft,
    validate_report,
)
from reports.delegations import grant_approval_delegation, revoke_approval_delegation
from reports.models import Report, ReportStatus
from tests.helpers import submitted
from tests.imports_helpers import NAMED_SHA_MAPPING, SOLE, media_in_tmp

__all__ = ["media_in_tmp"]


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def nts(cast: Cast, x: float = 0, by: Any = None) -> Report:
    return submitted(cast, "nts", cast.nts_payload(square(100, x=x)), by=by)


def eod_spot_payload() -> dict[str, Any]:
    from clearground.test import point

    return {
        "activity": {"start_date": "2024-01-12", "status": "completed", "person_days": 1},
        "location": point(2000, 2000),
        "finds": [{"category": "uxo", "model": "VOG-17", "quantity": 1, "condition": "intact",
                   "location": point(2000, 2000), "disposal": "destroyed_in_situ"}],
    }  # fmt: skip


def delegate(cast: Cast, kind: str) -> Any:
    return grant_approval_delegation(acting_user=cast.admin, organisation=cast.alpha, kind=kind,
                                     reason="accredited and trusted for this kind")  # fmt: skip


def geojson_file(tmp_path: Path, name: str = "partner.geojson") -> Path:
    features = [{"type": "Feature", "properties": {"ref": f"P-{i}", "name": f"Field {i}"},
                 "geometry": square(100, x=i * 400)} for i in range(2)]  # fmt: skip
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def uploaded(cast: Cast, tmp_path: Path, user: Any) -> int:
    with geojson_file(tmp_path).open("rb") as fh:
        data = {"file": fh, "kind": "nts", "mapping": json.dumps(NAMED_SHA_MAPPING)}
        response = api(user).post("/api/v1/imports/", data, format="multipart")
    assert response.status_code == 201, response.json()
    return int(response.json()["id"])


def run(import_id: int, user: Any) -> Import:
    """A run as the worker does it, for `user` (the runner); no approval."""
    return service.run_import(Import.objects.get(pk=import_id), acting_user=user)


# The two attacks, as reported.


def test_an_approver_who_edited_a_returned_report_cannot_approve_it(cast):
    report = nts(cast)
    delegate(cast, "nts")  # even where alpha's approver may approve, it may not approve its own edit
    approver = api(cast.approver)
    url = f"/api/v1/reports/{report.pk}/"
    assert approver.post(url + "return/", {"reason": "the polygon is wrong"}, format="json").status_code == 200
    version = Report.objects.get(pk=report.pk).version
    edited = approver.patch(url, {"payload": cast.nts_payload(square(120)), "version": version}, format="json")
    assert edited.status_code == 200, edited.json()
    assert approver.post(url + "submit/", {}, format="json").status_code == 200

    refused = approver.post(url + "approve/", {}, format="json")

    assert refused.status_code == 403, refused.json()
    assert "four eyes" in refused.json()["detail"]
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    assert api(cast.imo).post(url + "approve/", {}, format="json").status_code == 200  # someone else may


def test_the_authoritys_officer_who_edited_a_report_cannot_approve_it_either(cast):
    report = nts(cast)
    imo = api(cast.imo)
    url = f"/api/v1/reports/{report.pk}/"
    imo.post(url + "return/", {"reason": "the name is wrong"}, format="json")
    version = Report.objects.get(pk=report.pk).version
    assert (
        imo.patch(url, {"payload": cast.nts_payload(name="Renamed"), "version": version}, format="json").status_code
        == 200
    )
    imo.post(url + "submit/", {}, format="json")

    assert imo.post(url + "approve/", {}, format="json").status_code == 403
    assert api(cast.admin).post(url + "approve/", {}, format="json").status_code == 200
    assert Report.objects.get(pk=report.pk).content_changed_by == cast.imo


def test_an_imports_uploader_cannot_approve_its_reports(cast, tmp_path):
    # The replay: alpha's approver uploads, then runs with approve=true.
    import_id = uploaded(cast, tmp_path, cast.approver)
    refused = api(cast.approver).post(f"/api/v1/imports/{import_id}/run/", {"approve": True}, format="json")
    assert refused.status_code == 403
    # The authority's officer who uploaded is refused too: in the run, and afterwards.
    own = service.create_import(acting_user=cast.imo, organisation=cast.authority, kind="nts",
                                path=geojson_file(tmp_path, "b.geojson"), original_name="b.geojson",
                                mapping=NAMED_SHA_MAPPING)  # fmt: skip
    assert api(cast.imo).post(f"/api/v1/imports/{own.pk}/run/", {"approve": True}, format="json").status_code == 403
    run(own.pk, cast.admin)
    after = api(cast.imo).post(f"/api/v1/imports/{own.pk}/approve/")
    assert after.status_code == 403, after.json()
    assert not Report.objects.filter(status=ReportStatus.APPROVED).exists()


def test_an_imports_runner_cannot_approve_its_reports(cast, tmp_path):
    import_id = uploaded(cast, tmp_path, cast.clerk)
    run(import_id, cast.imo)
    reports = Report.objects.filter(import_key__import_run_id=import_id)
    assert reports.count() == 2

    assert api(cast.imo).post(f"/api/v1/imports/{import_id}/approve/").status_code == 403
    one = reports.first()
    assert one is not None
    assert api(cast.imo).post(f"/api/v1/reports/{one.pk}/approve/", {}, format="json").status_code == 403
    approved = api(cast.admin).post(f"/api/v1/imports/{import_id}/approve/")
    assert approved.status_code == 200, approved.json()
    assert set(reports.values_list("status", flat=True)) == {ReportStatus.APPROVED}


# The authority's register.


def test_an_operator_approver_validates_but_does_not_approve_by_default(cast):
    report = nts(cast)
    url = f"/api/v1/reports/{report.pk}/"

    validated = api(cast.approver).post(url + "validate/", {}, format="json")
    refused = api(cast.approver).post(url + "approve/", {}, format="json")
    approved = api(cast.imo).post(url + "approve/", {}, format="json")

    assert validated.status_code == 200 and validated.json()["status"] == "validated"
    assert refused.status_code == 403 and "national authority approves" in refused.json()["detail"]
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_a_delegated_operator_approves_its_kind_only(cast):
    granted = api(cast.admin).post("/api/v1/approval-delegations/",
                                   {"organisation": "alpha", "kind": "eod_spot", "reason": "accredited EOD operator"},
                                   format="json")  # fmt: skip
    assert granted.status_code == 201, granted.json()
    assert AuditEntry.objects.filter(action="approval_delegation.grant", object_id=str(granted.json()["id"])).exists()
    eod = submitted(cast, "eod_spot", eod_spot_payload())
    survey = nts(cast)

    assert api(cast.approver).post(f"/api/v1/reports/{eod.pk}/approve/", {}, format="json").status_code == 200
    assert api(cast.approver).post(f"/api/v1/reports/{survey.pk}/approve/", {}, format="json").status_code == 403


def test_only_the_authoritys_admin_grants_or_revokes_a_delegation(cast):
    body = {"organisation": "alpha", "kind": "nts", "reason": "why not"}
    for user in (cast.approver, cast.imo, cast.clerk):
        assert api(user).post("/api/v1/approval-delegations/", body, format="json").status_code == 403
    delegation = delegate(cast, "nts")
    revoke = f"/api/v1/approval-delegations/{delegation.pk}/revoke/"
    assert api(cast.approver).post(revoke, {"reason": "mine"}, format="json").status_code == 403
    assert api(cast.approver).get("/api/v1/approval-delegations/").json()["results"][0]["kind"] == "nts"
    assert api(cast.admin).post(revoke, {"reason": "accreditation suspended"}, format="json").status_code == 200
    assert AuditEntry.objects.filter(action="approval_delegation.revoke").exists()


def test_revoking_a_delegation_gives_approval_back_to_the_authority(cast):
    delegation = delegate(cast, "nts")
    revoke_approval_delegation(delegation, acting_user=cast.admin, reason="accreditation suspended")
    report = nts(cast)
    assert api(cast.approver).post(f"/api/v1/reports/{report.pk}/approve/", {}, format="json").status_code == 403


def test_an_operator_approver_may_unapprove_only_what_its_delegation_approved(cast):
    by_authority = approve_report(nts(cast), acting_user=cast.imo)
    delegate(cast, "nts")
    by_alpha = approve_report(nts(cast, x=500), acting_user=cast.approver)
    approver = api(cast.approver)

    refused = approver.post(f"/api/v1/reports/{by_authority.pk}/unapprove/", {"reason": "mine"}, format="json")
    taken_back = approver.post(f"/api/v1/reports/{by_alpha.pk}/unapprove/", {"reason": "wrong"}, format="json")

    assert refused.status_code == 403
    assert taken_back.status_code == 200, taken_back.json()
    assert (
        api(cast.imo).post(f"/api/v1/reports/{by_authority.pk}/unapprove/", {"reason": "x"}, format="json").status_code
        == 200
    )


def test_the_workbench_queue_shows_an_operator_what_to_validate_and_the_authority_what_to_approve(cast):
    waiting = nts(cast)
    checked = validate_report(nts(cast, x=500), acting_user=cast.approver)

    operator_queue = signed_in(cast.approver).get("/reports/queue/").content.decode()
    authority_queue = signed_in(cast.imo).get("/reports/queue/").content.decode()

    assert f"Review report #{waiting.pk}<" in operator_queue and f"Review report #{checked.pk}<" not in operator_queue
    assert f"Review report #{waiting.pk}<" in authority_queue and f"Review report #{checked.pk}<" in authority_queue
    review = signed_in(cast.approver).get(f"/reports/{waiting.pk}/review/").content.decode()
    assert 'value="validate"' in review and 'value="approve"' not in review


# Every door to approve_report, with one person on both sides.


def test_every_path_to_approval_refuses_the_same_person_on_both_sides(cast, tmp_path):
    # The action itself: the author, and whoever edited.
    own = create_report(acting_user=cast.imo, organisation=cast.alpha, kind="nts", date_of_information=cast_day(),
                        payload=cast.nts_payload(square(50, x=3000)), submit=True)  # fmt: skip
    with pytest.raises(NotAllowed):
        approve_report(own, acting_user=cast.imo)
    edited = return_report(nts(cast, x=6000), acting_user=cast.imo, reason="fix it")
    update_draft(edited, acting_user=cast.admin, payload=cast.nts_payload(square(80, x=6000)))
    edited = submit_report(edited, acting_user=cast.clerk)
    with pytest.raises(NotAllowed):
        approve_report(edited, acting_user=cast.admin)

    # The REST API: returned and edited by the authority's officer, who then approves.
    report = nts(cast, x=9000)
    imo = api(cast.imo)
    imo.post(f"/api/v1/reports/{report.pk}/return/", {"reason": "fix"}, format="json")
    version = Report.objects.get(pk=report.pk).version
    imo.patch(f"/api/v1/reports/{report.pk}/", {"payload": cast.nts_payload(square(90, x=9000)), "version": version},
              format="json")  # fmt: skip
    imo.post(f"/api/v1/reports/{report.pk}/submit/", {}, format="json")
    assert imo.post(f"/api/v1/reports/{report.pk}/approve/", {}, format="json").status_code == 403

    # The workbench review page: the same officer's decision is refused and nothing changes.
    page = signed_in(cast.imo).post(f"/reports/{report.pk}/review/", {"decision": "approve"})
    assert page.status_code == 200 and "four eyes" in page.content.decode()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED

    # The imports API: run with approve=true (the runner approves what it entered); approve by the uploader.
    import_id = uploaded(cast, tmp_path, cast.imo)
    assert imo.post(f"/api/v1/imports/{import_id}/run/", {"approve": True}, format="json").status_code == 403
    run(import_id, cast.imo)
    assert imo.post(f"/api/v1/imports/{import_id}/approve/").status_code == 403

    # The imports page: the runner's "Approve import" approves nothing.
    signed_in(cast.imo).post(f"/imports/{import_id}/approve/")
    assert Import.objects.get(pk=import_id).status == Import.Status.DONE
    assert not Report.objects.filter(import_key__import_run_id=import_id, status=ReportStatus.APPROVED).exists()

    # The service: a run that approves needs a stated reason for one person doing both.
    again = service.create_import(acting_user=cast.clerk, organisation=cast.alpha, kind="nts",
                                  path=geojson_file(tmp_path, "c.geojson"), original_name="c.geojson",
                                  mapping=NAMED_SHA_MAPPING)  # fmt: skip
    with pytest.raises(NotAllowed):
        service.run_import(again, acting_user=cast.imo, approve=True)
    with pytest.raises(NotAllowed):  # alpha's approver may not approve alpha's import at all (no delegation)
        service.run_import(again, acting_user=cast.approver, approve=True, sole_approval=SOLE)

    # `clearground import --approve`: one person at the shell both enters and approves; refused unless said so.
    with pytest.raises(CommandError, match="--sole-approver"):
        call_command("import", str(geojson_file(tmp_path, "d.geojson")), "--kind", "nts", "--organisation", "nmaa",
                     "--approve", stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip

    # The AICMA loaders approve as an organisation that may approve into the register, never an operator's.
    with pytest.raises(CommandError, match="may not approve accident reports"):
        call_command("load", "aicma-victims", str(aicma_file(tmp_path)), "--organisation", "alpha",
                     stdout=io.StringIO())  # fmt: skip


def test_clearground_import_approves_alone_only_when_told_why_and_audits_it(cast, tmp_path):
    out = io.StringIO()
    call_command("import", str(geojson_file(tmp_path)), "--kind", "nts", "--organisation", "nmaa", "--approve",
                 "--sole-approver", "a night-time restore of the authority's own survey file", "--json",
                 stdout=out, stderr=io.StringIO())  # fmt: skip

    result = json.loads(out.getvalue())
    assert result["status"] == "approved"
    entry = AuditEntry.objects.get(action="import.sole_approval", object_id=str(result["import"]))
    assert entry.reason == "single-person approval: a night-time restore of the authority's own survey file"
    assert Report.objects.filter(status=ReportStatus.APPROVED).count() == 2
    # One row for the import: its reports were entered by the import clerk's account and approved in the run.
    assert not AuditEntry.objects.filter(action="report.sole_approval").exists()


def test_approving_ones_own_report_for_a_stated_reason_is_audited_beside_the_approval(cast):
    own = nts(cast, by=cast.imo)
    approve_report(own, acting_user=cast.imo, sole_approval="the authority's own record, entered alone at night")

    entry = AuditEntry.objects.get(action="report.sole_approval", object_id=str(own.pk))
    assert entry.reason == "single-person approval: the authority's own record, entered alone at night"


def test_an_aicma_load_says_in_the_audit_log_that_one_person_entered_and_approved(cast, tmp_path):
    call_command("load", "aicma-victims", str(aicma_file(tmp_path)), stdout=io.StringIO())

    entry = AuditEntry.objects.get(action="load.sole_approval")
    assert entry.reason.startswith("single-person approval:")
    assert entry.new["reports_approved"] == Report.objects.filter(status=ReportStatus.APPROVED).count() == 1


def test_a_report_records_who_last_changed_its_content(cast):
    report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=cast_day(),
                           payload=cast.nts_payload())  # fmt: skip
    assert report.content_changed_by == cast.clerk
    update_draft(report, acting_user=cast.approver, payload=cast.nts_payload(name="Better"))
    report.refresh_from_db()
    assert (report.created_by, report.content_changed_by) == (cast.clerk, cast.approver)
    assert report.content_people() == {cast.clerk.pk, cast.approver.pk}


def cast_day() -> Any:
    from clearground.test import DAY0

    return DAY0


def aicma_file(tmp_path: Path) -> Path:
    from tests.test_aicma_loader import row, write

    return write(tmp_path / "victims.csv", [row()])
