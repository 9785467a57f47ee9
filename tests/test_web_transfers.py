"""The import and export pages: upload, preview, run, report, approve; the export choices; who sees what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from clearground.test import Cast, square
from interop.models import Import
from jobs.models import Job
from reports.models import Report, ReportStatus
from tests.imports_helpers import NAMED_SHA_MAPPING

MAPPING = NAMED_SHA_MAPPING
BOTH = ["default", "progress"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def geojson(*names: str) -> bytes:
    """A GeoJSON of one 100 m square per name, side by side in the test province."""
    features = [
        {"type": "Feature", "properties": {"ref": f"P-{i}", "name": name}, "geometry": square(100, x=300 * i)}
        for i, name in enumerate(names)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def upload(client: Client, content: bytes, name: str = "partner.geojson", **fields: Any) -> Any:
    data = {"file": SimpleUploadedFile(name, content), "kind": "nts", "mapping": json.dumps(MAPPING), **fields}
    return client.post("/imports/", data)


def test_the_imports_page_offers_the_upload_form_to_a_clerk(cast: Cast) -> None:
    page = signed_in(cast.clerk).get("/imports/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="file"' in html and 'name="kind"' in html and 'name="crs"' in html
    assert "Operator Alpha" in html and "Operator Bravo" not in html  # only where the clerk may import


def test_an_uploaded_file_is_previewed_row_by_row_and_nothing_is_stored(cast: Cast) -> None:
    client = signed_in(cast.clerk)

    response = upload(client, geojson("North field", "South field"))

    assert response.status_code == 302
    import_ = Import.objects.get()
    assert response["Location"] == f"/imports/{import_.pk}/"
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "North field" in html and "South field" in html
    assert "Run import" in html
    assert preview.context["counts"]["read"] == 2 and preview.context["counts"]["imported"] == 2
    assert Report.objects.count() == 0


def test_a_bad_file_is_refused_with_a_clear_error_and_nothing_is_stored(cast: Cast) -> None:
    response = upload(signed_in(cast.clerk), b"this is not a map", name="notes.geojson")

    assert response.status_code == 200
    errors = response.context["errors"]
    assert list(errors) == ["file"], (errors, response.context.get("other_errors"))
    assert "The file was not stored" in response.content.decode()
    assert Import.objects.count() == 0


def test_an_unknown_crs_is_named_next_to_its_field(cast: Cast) -> None:
    response = upload(signed_in(cast.clerk), geojson("North field"), crs="EPSG:nonsense")

    assert response.status_code == 200 and "EPSG:nonsense" in response.context["errors"]["crs"][0]
    assert Import.objects.count() == 0


def test_an_upload_without_a_file_or_kind_names_both_problems_at_once(cast: Cast) -> None:
    response = signed_in(cast.clerk).post("/imports/", {"kind": "", "organisation": ""})

    assert response.status_code == 200
    errors = response.context["errors"]
    assert set(errors) >= {"file", "kind"}
    assert Import.objects.count() == 0


@pytest.mark.django_db(databases=BOTH)
def test_a_run_queued_from_the_page_ends_in_the_import_report(cast: Cast) -> None:
    client = signed_in(cast.clerk)
    pk = Import.objects.get(pk=int(upload(client, geojson("North field", "South field"))["Location"].split("/")[2])).pk

    queued = client.post(f"/imports/{pk}/run/")
    assert queued.status_code == 302
    assert Job.objects.filter(kind="import.run", args__import_id=pk).count() == 1
    running = client.get(f"/imports/{pk}/")
    assert running.context["running"] and f"/api/v1/jobs/{running.context['job'].pk}/" in running.content.decode()

    call_command("worker", "--burst", verbosity=0)

    report = client.get(f"/imports/{pk}/")
    html = report.content.decode()
    assert "Import report" in html
    assert report.context["counts"] == {"read": 2, "imported": 2, "repaired": 0, "rejected": 0, "duplicates": 0}
    assert f"/api/v1/imports/{pk}/report.csv" in html
    assert "Approve import" not in html  # a clerk does not approve
    assert Report.objects.filter(kind="nts", status=ReportStatus.SUBMITTED).count() == 2


@pytest.mark.django_db(databases=BOTH)
def test_the_authoritys_im_officer_approves_the_import_from_its_report(cast: Cast) -> None:
    clerk = signed_in(cast.clerk)
    pk = int(upload(clerk, geojson("North field"))["Location"].split("/")[2])
    clerk.post(f"/imports/{pk}/run/")
    call_command("worker", "--burst", verbosity=0)
    approver = signed_in(cast.imo)
    assert "Approve import" in approver.get(f"/imports/{pk}/").content.decode()
    # Alpha's own IM officer does not approve into the national register (decision 0036).
    assert "Approve import" not in signed_in(cast.approver).get(f"/imports/{pk}/").content.decode()

    assert clerk.post(f"/imports/{pk}/approve/").status_code == 403
    assert signed_in(cast.approver).post(f"/imports/{pk}/approve/").status_code == 403
    assert approver.post(f"/imports/{pk}/approve/").status_code == 302

    assert Import.objects.get(pk=pk).status == Import.Status.APPROVED
    assert Report.objects.filter(kind="nts", status=ReportStatus.APPROVED).count() == 1


def test_an_outsider_cannot_see_alphas_import(cast: Cast) -> None:
    pk = int(upload(signed_in(cast.clerk), geojson("North field"))["Location"].split("/")[2])
    outsider = signed_in(cast.outsider)

    assert outsider.get(f"/imports/{pk}/").status_code == 404
    assert outsider.post(f"/imports/{pk}/run/").status_code == 404
    assert outsider.post(f"/imports/{pk}/approve/").status_code == 404
    assert "partner.geojson" not in outsider.get("/imports/").content.decode()
    assert Job.objects.count() == 0


def test_a_viewer_sees_imports_but_is_offered_no_upload(cast: Cast) -> None:
    page = signed_in(cast.viewer).get("/imports/")

    assert page.status_code == 200 and 'name="file"' not in page.content.decode()
    assert signed_in(cast.viewer).post("/imports/", {"kind": "nts"}).status_code == 403


def test_the_pages_ask_a_stranger_to_sign_in(db: Any) -> None:
    for url in ("/imports/", "/exports/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_the_exports_page_lists_only_the_collections_the_user_may_export(cast: Cast) -> None:
    viewer_html = signed_in(cast.viewer).get("/exports/").content.decode()
    stranger_to_accidents = signed_in(cast.outsider).get("/exports/")

    assert 'value="hazardous_areas"' in viewer_html and 'value="accidents"' in viewer_html
    assert 'value="gpkg"' in viewer_html and 'value="xlsx"' in viewer_html
    ids = [c["id"] for c in stranger_to_accidents.context["collections"]]
    assert "hazardous_areas" in ids
    from interop.exports.query import exportable

    assert ids == [c.id for c in exportable(cast.outsider)]


def test_the_export_form_leads_to_the_export_endpoint_with_the_chosen_collections(cast: Cast) -> None:
    client = signed_in(cast.clerk)

    response = client.get("/exports/download/", {"format": "gpkg", "collections": ["hazardous_areas", "finds"]})

    assert response.status_code == 302
    assert response["Location"] == "/api/v1/exports/gpkg/?collections=hazardous_areas%2Cfinds"
    assert client.get("/exports/download/", {"format": "dwg"}).status_code == 404


@pytest.mark.parametrize(("code", "heading"), [("uk", "Імпорт"), ("es", "Importaciones"), ("ar", "الاستيراد")])
def test_the_imports_page_speaks_the_chosen_language(cast: Cast, code: str, heading: str) -> None:
    client = signed_in(cast.clerk)
    client.cookies["clearground_language"] = code

    html = client.get("/imports/").content.decode()

    assert f"<h1>{heading}</h1>" in html
