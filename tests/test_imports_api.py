"""The imports API: upload, preview, run through the worker and poll, the problem CSV, approval, scoping.

The end-to-end test is transactional: the worker runs in its own thread (its own session), as it
does beside gunicorn, and sees only committed rows.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from clearground.test import Cast, square
from interop.models import Import, ImportProfile
from jobs.models import Job, JobStatus
from reports.models import Report, ReportStatus

BOTH = ["default", "progress"]
MAPPING = {
    "id_column": "ref",
    "fields": {
        "hazard.name": {"column": "name"},
        "hazard.classification": {"value": "SHA"},
        "hazard.devices_suspected": {"column": "devices", "type": "list", "split": ","},
        "hazard.land_use": {"value": ["agriculture"]},
    },
}


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def close_progress_connection() -> Any:
    # A mirror alias is not closed by the test teardown; left open, it blocks dropping the test database.
    yield
    connections["progress"].close()


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def two_polygons(tmp_path: Path) -> Path:
    """A GeoJSON of two 100 m squares in the test province, each with its own ID."""
    features = [
        {"type": "Feature", "properties": {"ref": "A-1", "name": "North field", "devices": "ap_mine"},
         "geometry": square(100)},
        {"type": "Feature", "properties": {"ref": "A-2", "name": "South field", "devices": "ap_mine,uxo"},
         "geometry": square(100, x=500)},
    ]  # fmt: skip
    path = tmp_path / "partner-areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def upload(user: Any, path: Path, **fields: Any) -> Any:
    with path.open("rb") as fh:
        data = {"file": fh, "kind": "nts", "mapping": json.dumps(MAPPING), **fields}
        return client(user).post("/api/v1/imports/", data, format="multipart")


def worker_in_a_thread() -> threading.Thread:
    def run() -> None:
        try:
            call_command("worker", "--burst", verbosity=0)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_clerk_uploads_previews_and_runs_an_import_that_an_im_officer_approves(cast: Cast, tmp_path: Path) -> None:
    created = upload(cast.clerk, two_polygons(tmp_path))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["organisation"], body["kind"]) == ("uploaded", "alpha", "nts")
    assert body["format"] == "GeoJSON"
    assert {"ref", "name", "devices"} <= set(body["columns"])
    links = body["links"]

    preview = client(cast.clerk).get(links["preview"])
    assert preview.status_code == 200, preview.json()
    assert preview.json()["counts"]["read"] == 2
    assert [r["status"] for r in preview.json()["rows"]] == ["imported", "imported"]
    assert Report.objects.count() == 0  # a preview stores nothing

    queued = client(cast.clerk).post(links["run"], {"approve": False}, format="json")
    assert queued.status_code == 202, queued.json()
    status_url = queued.json()["status_url"]
    assert queued["Location"] == status_url
    assert queued.json()["job"]["status"] == "queued"

    worker = worker_in_a_thread()
    deadline, seen = time.monotonic() + 60, []
    while time.monotonic() < deadline:
        job = client(cast.clerk).get(status_url).json()
        seen.append(job["status"])
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    worker.join(60)

    assert job["status"] == "done", job
    assert job["progress"] == {"done": 2, "total": 2, "percent": 100.0}
    detail = client(cast.clerk).get(links["self"]).json()
    assert detail["status"] == "done"
    assert (detail["counts"]["read"], detail["counts"]["imported"], detail["counts"]["rejected"]) == (2, 2, 0)
    assert detail["progress"]["percent"] == 100.0 and detail["job"]["id"] == job["id"]
    assert Report.objects.filter(kind="nts", status=ReportStatus.SUBMITTED, organisation=cast.alpha).count() == 2

    csv = client(cast.clerk).get(links["report_csv"])
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[0] == "row,status,field,reason"

    refused = client(cast.clerk).post(links["approve"])
    assert refused.status_code == 403
    approved = client(cast.imo).post(links["approve"])
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    assert Report.objects.filter(kind="nts", status=ReportStatus.APPROVED).count() == 2


@pytest.mark.django_db(databases=BOTH)
def test_running_the_same_file_again_enters_nothing_twice(cast: Cast, tmp_path: Path) -> None:
    path = two_polygons(tmp_path)
    for _ in range(2):
        import_id = upload(cast.clerk, path).json()["id"]
        assert client(cast.clerk).post(f"/api/v1/imports/{import_id}/run/", {}, format="json").status_code == 202
        call_command("worker", "--burst", verbosity=0)

    again = client(cast.clerk).get(f"/api/v1/imports/{import_id}/").json()
    assert (again["status"], again["counts"]["imported"], again["counts"]["duplicates"]) == ("done", 0, 2)
    assert Report.objects.filter(kind="nts").count() == 2
    lines = client(cast.clerk).get(f"/api/v1/imports/{import_id}/report.csv").content.decode().splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["duplicate", "duplicate"]


@pytest.mark.django_db(databases=BOTH)
def test_nobody_runs_with_approval_through_the_api_and_another_officer_approves_after(
    cast: Cast, tmp_path: Path
) -> None:
    # The runner would approve what they entered (four eyes, decision 0036): refused to every role.
    import_id = upload(cast.clerk, two_polygons(tmp_path)).json()["id"]
    run = f"/api/v1/imports/{import_id}/run/"

    for user in (cast.clerk, cast.approver, cast.imo):
        assert client(user).post(run, {"approve": True}, format="json").status_code == 403
    assert client(cast.approver).post(run, {"approve": False}, format="json").status_code == 202
    call_command("worker", "--burst", verbosity=0)
    assert client(cast.imo).post(f"/api/v1/imports/{import_id}/approve/").status_code == 200

    assert Import.objects.get(pk=import_id).status == Import.Status.APPROVED
    assert Report.objects.filter(kind="nts", status=ReportStatus.APPROVED).count() == 2


def test_a_second_run_while_one_is_queued_is_refused(cast: Cast, tmp_path: Path) -> None:
    import_id = upload(cast.clerk, two_polygons(tmp_path)).json()["id"]
    assert client(cast.clerk).post(f"/api/v1/imports/{import_id}/run/", {}, format="json").status_code == 202

    second = client(cast.clerk).post(f"/api/v1/imports/{import_id}/run/", {}, format="json")

    assert second.status_code == 409 and "already queued" in second.json()["detail"]
    assert Job.objects.count() == 1


def test_an_outsider_sees_none_of_alphas_imports_or_their_jobs(cast: Cast, tmp_path: Path) -> None:
    import_id = upload(cast.clerk, two_polygons(tmp_path)).json()["id"]
    job_url = client(cast.clerk).post(f"/api/v1/imports/{import_id}/run/", {}, format="json").json()["status_url"]
    outsider = client(cast.outsider)

    for url in (f"/api/v1/imports/{import_id}/", f"/api/v1/imports/{import_id}/preview/",
                f"/api/v1/imports/{import_id}/report.csv", job_url):  # fmt: skip
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/api/v1/imports/{import_id}/run/", {}, format="json").status_code == 404
    assert outsider.post(f"/api/v1/imports/{import_id}/approve/").status_code == 404
    assert outsider.get("/api/v1/imports/").json()["results"] == []
    assert [i["id"] for i in client(cast.clerk).get("/api/v1/imports/").json()["results"]] == [import_id]
    assert client(cast.imo).get(job_url).status_code == 200  # the authority sees every job


def test_a_bad_upload_is_refused_naming_every_problem(cast: Cast, tmp_path: Path) -> None:
    response = client(cast.clerk).post(
        "/api/v1/imports/",
        {"kind": "minefield", "organisation": "bravo", "profile": "nobody's", "mapping": "{not json"},
        format="multipart",
    )

    assert response.status_code == 400
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["file", "kind", "organisation", "profile", "mapping"]
    assert Import.objects.count() == 0


def test_a_file_the_reader_cannot_use_is_refused_with_the_reason(cast: Cast, tmp_path: Path) -> None:
    broken = tmp_path / "areas.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')

    response = upload(cast.clerk, broken)

    assert response.status_code == 400
    assert response.json()["errors"], response.json()
    assert Import.objects.count() == 0


def test_import_profiles_are_saved_listed_and_changed_with_every_problem_named(cast: Cast) -> None:
    clerk = client(cast.clerk)
    created = clerk.post("/api/v1/import-profiles/", {"name": "partner-x", "kind": "nts", "mapping": MAPPING},
                         format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    profile_id = created.json()["id"]

    bad = clerk.post("/api/v1/import-profiles/", {"name": "partner-x", "kind": ["nts"], "mapping": {"colour": 1}},
                     format="json")  # fmt: skip
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["name", "kind", "mapping.colour"]

    changed = clerk.patch(f"/api/v1/import-profiles/{profile_id}/", {"description": "their 2024 delivery"},
                          format="json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["description"] == "their 2024 delivery"
    assert changed.json()["mapping"] == MAPPING
    assert client(cast.outsider).get(f"/api/v1/import-profiles/{profile_id}/").status_code == 200
    assert client(cast.outsider).put(f"/api/v1/import-profiles/{profile_id}/", created.json(),
                                     format="json").status_code == 403  # fmt: skip
    assert [p["name"] for p in clerk.get("/api/v1/import-profiles/").json()["results"]] == ["partner-x"]


def test_an_upload_can_name_a_saved_profile(cast: Cast, tmp_path: Path) -> None:
    ImportProfile.objects.create(name="partner-x", kind="nts", mapping=MAPPING, created_by=cast.clerk)
    with two_polygons(tmp_path).open("rb") as fh:
        response = client(cast.clerk).post("/api/v1/imports/", {"file": fh, "kind": "nts", "profile": "partner-x"},
                                           format="multipart")  # fmt: skip

    assert response.status_code == 201, response.json()
    assert (response.json()["profile"], response.json()["mapping"]) == ("partner-x", MAPPING)


@pytest.mark.django_db(databases=BOTH)
def test_a_failed_run_shows_its_error_on_the_job(cast: Cast, tmp_path: Path) -> None:
    import_id = upload(cast.clerk, two_polygons(tmp_path)).json()["id"]
    Path(Import.objects.get(pk=import_id).stored_path).unlink()  # the stored file was lost
    job_url = client(cast.clerk).post(f"/api/v1/imports/{import_id}/run/", {}, format="json").json()["status_url"]

    call_command("worker", "--burst", verbosity=0)

    job = client(cast.clerk).get(job_url).json()
    assert job["status"] == JobStatus.FAILED and job["error"]
    assert client(cast.clerk).get(f"/api/v1/imports/{import_id}/").json()["status"] == "failed"


def test_the_import_endpoints_are_in_the_openapi_schema(db: None) -> None:
    paths = APIClient().get("/api/schema/?format=json").json()["paths"]

    assert {"get", "post"} <= set(paths["/api/v1/imports/"])
    assert "post" in paths["/api/v1/imports/{id}/run/"] and "post" in paths["/api/v1/imports/{id}/approve/"]
    assert "get" in paths["/api/v1/imports/{id}/preview/"] and "get" in paths["/api/v1/imports/{id}/report.csv"]
    assert "get" in paths["/api/v1/jobs/{id}/"]
    assert {"get", "put", "patch"} <= set(paths["/api/v1/import-profiles/{id}/"])


def test_the_import_list_costs_the_same_queries_for_one_import_or_three(cast: Cast, tmp_path: Path) -> None:
    def queries_to_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client(cast.clerk).get("/api/v1/imports/").status_code == 200
        return len(queries)

    path = two_polygons(tmp_path)
    first = upload(cast.clerk, path).json()["id"]
    client(cast.clerk).post(f"/api/v1/imports/{first}/run/", {}, format="json")
    one = queries_to_list()
    for _ in range(2):
        again = upload(cast.clerk, path).json()["id"]
        client(cast.clerk).post(f"/api/v1/imports/{again}/run/", {}, format="json")

    assert queries_to_list() == one
    assert len(client(cast.clerk).get("/api/v1/imports/").json()["results"]) == 3


def test_run_refuses_an_approve_that_is_not_true_or_false(cast: Cast, tmp_path: Path) -> None:
    import_id = upload(cast.clerk, two_polygons(tmp_path)).json()["id"]

    response = client(cast.clerk).post(f"/api/v1/imports/{import_id}/run/", {"approve": "maybe"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "approve", "code": "not_a_boolean", "message": "must be true or false"}
    ]
    assert Job.objects.count() == 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_large_files_preview_runs_in_the_background_and_is_the_jobs_result(cast: Cast, tmp_path: Path) -> None:
    links = upload(cast.clerk, two_polygons(tmp_path)).json()["links"]
    queued = client(cast.clerk).post(links["preview"], {"rows": 1}, format="json")
    assert queued.status_code == 202, queued.json()
    status_url = queued.json()["status_url"]
    assert client(cast.outsider).get(status_url).status_code == 404

    worker = worker_in_a_thread()
    worker.join(60)

    job = client(cast.clerk).get(status_url).json()
    assert job["status"] == "done", job
    assert job["progress"]["done"] == job["progress"]["total"] == 2
    assert job["result"]["counts"]["read"] == 2 and len(job["result"]["rows"]) == 1
    assert Report.objects.count() == 0  # a preview stores nothing
    bad = client(cast.clerk).post(links["preview"], {"rows": "all"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "rows"
