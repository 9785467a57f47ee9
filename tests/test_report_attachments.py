"""Files attached to any report, through the API and the workbench (issue 17, decision 0055).

A writer attaches photos, sketch maps and certificates to a draft or returned report; the files are
checked as the OpenRosa intake checks them (one function, reports.attachments), listed in the report
(name, sha256, size, type, url and a photo's EXIF position), downloadable by whoever may read the
report, and refused to outsiders, to readers and once the report is submitted.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from clearground.test import DAY0, Cast, square
from reports.actions import create_report, submit_report
from reports.models import Report, ReportAttachment


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def photo(lat: tuple[int, int, float] | None = (49, 59, 24.63), lon: tuple[int, int, float] = (36, 13, 3.0)) -> bytes:
    """A small JPEG, with GPS EXIF tags when `lat` is given (49°59'24.63" N 36°13'3" E: Kharkiv)."""
    exif = Image.Exif()
    if lat is not None:
        gps = exif.get_ifd(0x8825)
        gps.update({1: "N", 2: tuple(IFDRational(v) for v in lat), 3: "E", 4: tuple(IFDRational(v) for v in lon)})
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(name: str, data: bytes) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def draft(cast: Cast) -> Report:
    return create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=DAY0,
                         payload=cast.nts_payload(square(60)), submit=False)  # fmt: skip


def test_a_clerk_attaches_a_photo_and_a_certificate_and_the_report_lists_them_with_the_photo_position(
    cast: Cast,
) -> None:
    report = draft(cast)
    jpeg, pdf = photo(), b"%PDF-1.4\n% handover certificate\n%%EOF\n"
    response = api(cast.clerk).post(f"/api/v1/reports/{report.pk}/attachments/",
                                    {"file": [upload("site.jpg", jpeg), upload("handover.pdf", pdf)]},
                                    format="multipart")  # fmt: skip
    assert response.status_code == 201, response.content
    assert [a["name"] for a in response.json()] == ["site.jpg", "handover.pdf"]

    shown = api(cast.imo).get(f"/api/v1/reports/{report.pk}/").json()["attachments"]
    by_name = {a["name"]: a for a in shown}
    assert by_name["site.jpg"]["sha256"] == hashlib.sha256(jpeg).hexdigest()
    assert by_name["site.jpg"]["size"] == len(jpeg) and by_name["site.jpg"]["content_type"] == "image/jpeg"
    assert by_name["site.jpg"]["latitude"] == pytest.approx(49.990175) and by_name["site.jpg"]["longitude"] == 36.2175
    assert by_name["handover.pdf"]["latitude"] is None and by_name["handover.pdf"]["content_type"] == "application/pdf"
    assert by_name["site.jpg"]["url"].endswith(f"/api/v1/reports/{report.pk}/attachments/site.jpg")

    download = api(cast.imo).get(by_name["site.jpg"]["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == jpeg  # type: ignore[attr-defined]
    audit = AuditEntry.objects.filter(action="report.attach", object_id=str(report.pk))
    assert sorted(e.new["name"] for e in audit) == ["handover.pdf", "site.jpg"]
    assert {e.actor_id for e in audit} == {cast.clerk.pk}


def test_one_bad_file_refuses_the_whole_upload_naming_it_with_a_code(cast: Cast, media: Path) -> None:
    report = draft(cast)
    png_named_jpeg = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
    response = api(cast.clerk).post(f"/api/v1/reports/{report.pk}/attachments/",
                                    {"file": [upload("good.jpg", photo()), upload("lying.jpg", png_named_jpeg),
                                              upload("notes.txt", b"hello")]}, format="multipart")  # fmt: skip
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("attachments.lying.jpg", "wrong_type"),
                                                         ("attachments.notes.txt", "unsupported_type")]  # fmt: skip
    assert not ReportAttachment.objects.exists() and not (media / "attachments").exists()


def test_a_path_as_name_and_a_missing_file_are_refused(cast: Cast) -> None:
    report = draft(cast)
    client = api(cast.clerk)
    traversal = client.post(f"/api/v1/reports/{report.pk}/attachments/",
                            {"file": [upload("..jpg", photo())]}, format="multipart")  # fmt: skip
    assert traversal.status_code == 400 and traversal.json()["errors"][0]["code"] == "bad_name"
    nothing = client.post(f"/api/v1/reports/{report.pk}/attachments/", {}, format="multipart")
    assert nothing.status_code == 400 and nothing.json()["errors"] == [
        {"field": "file", "code": "required", "message": "send one or more files in the multipart field 'file'"}
    ]
    assert not ReportAttachment.objects.exists()


def test_too_large_a_file_is_a_413_before_it_is_read(cast: Cast, settings: Any) -> None:
    settings.CLEARGROUND_ATTACHMENT_MAX_BYTES = 1000
    report = draft(cast)
    big = photo() + b"\0" * 2000
    response = api(cast.clerk).post(f"/api/v1/reports/{report.pk}/attachments/", {"file": [upload("big.jpg", big)]},
                                    format="multipart")  # fmt: skip
    assert response.status_code == 413 and response.json()["errors"][0]["code"] == "too_large"
    assert not ReportAttachment.objects.exists()


def test_outsiders_readers_and_a_submitted_report_may_not_take_files(cast: Cast) -> None:
    report = draft(cast)
    url = f"/api/v1/reports/{report.pk}/attachments/"

    def post(user: User) -> int:
        return int(api(user).post(url, {"file": [upload("p.jpg", photo())]}, format="multipart").status_code)

    assert post(cast.outsider) == 404  # another operator's clerk: the report does not exist for them
    assert post(cast.viewer) in (403, 404)  # reads, never writes
    assert post(cast.qa) in (403, 404)
    assert not ReportAttachment.objects.exists()
    anonymous = APIClient().post(url, {"file": [upload("p.jpg", photo())]}, format="multipart")
    assert anonymous.status_code in (401, 403)

    submit_report(report, acting_user=cast.clerk)
    assert post(cast.clerk) == 409
    assert not ReportAttachment.objects.exists()


def test_an_outsider_cannot_list_or_download_anothers_attachment(cast: Cast) -> None:
    report = draft(cast)
    api(cast.clerk).post(f"/api/v1/reports/{report.pk}/attachments/", {"file": [upload("p.jpg", photo())]},
                         format="multipart")  # fmt: skip
    outsider = api(cast.outsider)
    assert outsider.get(f"/api/v1/reports/{report.pk}/attachments/").status_code == 404
    assert outsider.get(f"/api/v1/reports/{report.pk}/attachments/p.jpg").status_code == 404
    page = Client()
    page.force_login(cast.outsider)
    assert page.get(f"/reports/{report.pk}/attachments/p.jpg").status_code == 404


def test_the_workbench_attaches_shows_the_position_and_downloads(cast: Cast) -> None:
    report = draft(cast)
    clerk = Client()
    clerk.force_login(cast.clerk)
    page = clerk.get(f"/reports/{report.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and "No files attached." in page

    jpeg = photo()
    posted = clerk.post(f"/reports/{report.pk}/attachments/", {"file": [upload("sketch map.jpg", jpeg)]})
    assert posted.status_code == 302
    page = clerk.get(f"/reports/{report.pk}/").content.decode()
    assert "Files attached: 1." in page and "sketch map.jpg" in page and "49.990175, 36.217500" in page
    assert f'href="/reports/{report.pk}/attachments/sketch%20map.jpg"' in page

    imo = Client()
    imo.force_login(cast.imo)
    download = imo.get(f"/reports/{report.pk}/attachments/sketch%20map.jpg")
    assert download.status_code == 200 and b"".join(download.streaming_content) == jpeg  # type: ignore[attr-defined]
    assert "attachment;" in download["Content-Disposition"]

    edit = clerk.get(f"/reports/{report.pk}/edit/").content.decode()
    assert "sketch map.jpg" in edit and 'name="back" value="edit"' in edit  # the report form takes files too
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 9
    again = clerk.post(f"/reports/{report.pk}/attachments/", {"file": [upload("cert.png", png)], "back": "edit"})
    assert again.status_code == 302 and again["Location"] == f"/reports/{report.pk}/edit/"

    refused = clerk.post(f"/reports/{report.pk}/attachments/", {"file": [upload("x.pdf", b"not a pdf")]})
    assert refused.status_code == 302
    assert "is named .pdf but is not a application/pdf file" in clerk.get(f"/reports/{report.pk}/").content.decode()
    assert ReportAttachment.objects.count() == 2


def test_a_photo_without_gps_or_with_broken_exif_is_kept_without_a_position(cast: Cast) -> None:
    report = draft(cast)
    broken = photo()[:200] + b"\xff\xd9"  # cut inside its EXIF block
    response = api(cast.clerk).post(f"/api/v1/reports/{report.pk}/attachments/",
                                    {"file": [upload("plain.jpg", photo(lat=None)), upload("cut.jpg", broken)]},
                                    format="multipart")  # fmt: skip
    assert response.status_code == 201
    assert [(a["latitude"], a["longitude"]) for a in response.json()] == [(None, None), (None, None)]
