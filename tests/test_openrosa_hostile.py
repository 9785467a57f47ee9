"""/openrosa/ against an attacker: entities, oversized bodies, paths in file names, files that lie about
their type, other organisations' hazards and reports, roles that may not write, plain HTTP, a cookie
in place of credentials. Each is refused with a reason, and nothing is stored (decision 0051).
"""

from __future__ import annotations

import uuid
from xml.etree.ElementTree import fromstring

import pytest
from django.test import Client

from clearground.test import square
from reports.models import Report, ReportAttachment
from tests.helpers import register_hazard
from tests.openrosa_helpers import JPEG, device, https, instance, post

RESPONSE = "{http://openrosa.org/http/response}"
EOD = {"location": {"type": "Point", "coordinates": [36.2, 49.95]},
       "finds": [{"category": "uxo", "quantity": 2, "disposal": "destroyed_in_situ"}],
       "activity": {"start_date": "2024-01-12"}}  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _message(response) -> str:
    return fromstring(response.content).find(f"{RESPONSE}message").text or ""


def _nothing_stored(tmp_path) -> None:
    assert Report.objects.count() == 0
    assert ReportAttachment.objects.count() == 0
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<data id="clearground_nts"><hazard><name>&secret;</name></hazard>
<meta><instanceID>uuid:0b8f8c3e-1111-4111-8111-111111111111</instanceID></meta></data>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<data id="clearground_nts"><hazard><name>&lol3;</name></hazard>
<meta><instanceID>uuid:0b8f8c3e-2222-4222-8222-222222222222</instanceID></meta></data>"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["external-entity", "billion-laughs"])
def test_a_submission_with_a_dtd_is_refused_unread(cast, tmp_path, xml):
    response = post(device("clerk"), xml)

    assert response.status_code == 400
    assert "DTD" in _message(response)
    _nothing_stored(tmp_path)


def test_a_submission_that_is_not_xml_is_refused(cast, tmp_path):
    response = post(device("clerk"), b"<data id='clearground_nts'><unclosed>")

    assert response.status_code == 400 and "not readable XML" in _message(response)
    _nothing_stored(tmp_path)


def test_a_submission_of_a_form_that_is_not_ours_is_refused(cast, tmp_path):
    xml = instance("nts", cast.nts_payload(square(100))).replace(b"clearground_nts", b"someone_elses_form")

    response = post(device("clerk"), xml)

    assert response.status_code == 400 and "someone_elses_form" in _message(response)
    _nothing_stored(tmp_path)


def test_a_submission_without_an_instance_id_is_refused(cast, tmp_path):
    xml = instance("nts", cast.nts_payload(square(100)), instance_id="uuid:x").replace(b"uuid:x", b"")

    response = post(device("clerk"), xml)

    assert response.status_code == 400 and "instanceID" in _message(response)
    _nothing_stored(tmp_path)


def test_a_post_without_the_submission_part_is_refused(cast, tmp_path):
    response = device("clerk").post("/openrosa/submission", {"note": "hello"})

    assert response.status_code == 400 and "xml_submission_file" in _message(response)


def test_a_body_over_the_announced_limit_is_refused_before_it_is_read(cast, tmp_path, settings):
    settings.CLEARGROUND_OPENROSA_MAX_BYTES = 1000
    xml = instance("nts", cast.nts_payload(square(100)), photos=("1.jpg",))

    response = post(device("clerk"), xml, {"1.jpg": JPEG + b"\0" * 200_000})

    assert response.status_code == 413
    _nothing_stored(tmp_path)


def test_an_attachment_over_the_limit_is_refused(cast, tmp_path, settings):
    settings.CLEARGROUND_ATTACHMENT_MAX_BYTES = 1000
    xml = instance("nts", cast.nts_payload(square(100)), photos=("1.jpg",))

    response = post(device("clerk"), xml, {"1.jpg": JPEG + b"\0" * 2000})

    assert response.status_code == 413 and "1.jpg" in _message(response)
    _nothing_stored(tmp_path)


@pytest.mark.parametrize("name", ["../../etc/cron.d/x.jpg", "..\\..\\boot.ini.jpg", "/etc/passwd.jpg", ".hidden.jpg"])
def test_an_instance_naming_a_path_as_its_photo_is_refused(cast, tmp_path, name):
    xml = instance("nts", cast.nts_payload(square(100)), photos=(name,))

    response = post(device("clerk"), xml, {"x.jpg": JPEG})

    assert response.status_code == 400 and "plain file name" in _message(response)
    _nothing_stored(tmp_path)


def test_a_part_named_with_a_path_is_stored_under_its_hash_inside_media_only(cast, tmp_path):
    xml = instance("nts", cast.nts_payload(square(100)), photos=("x.jpg",))
    client = device("clerk")
    data = {
        "xml_submission_file": _upload("submission.xml", xml),
        "x.jpg": _upload("../../../x.jpg", JPEG),  # Django keeps the last segment of a part's file name
    }

    response = client.post("/openrosa/submission", data)

    assert response.status_code == 201
    stored = ReportAttachment.objects.get()
    assert stored.name == "x.jpg"
    assert stored.path.is_relative_to(tmp_path / "media" / "attachments")
    assert not (tmp_path / "x.jpg").exists()


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, "application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("1.jpg", b"<html><script>alert(1)</script></html>", "is not a image/jpeg file"),
        ("1.pdf", JPEG, "is not a application/pdf file"),
        ("1.svg", b"<svg onload='alert(1)'/>", "is not a JPEG, PNG or PDF file"),
        ("1.html", b"<html></html>", "is not a JPEG, PNG or PDF file"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_or_not_allowed_is_refused(cast, tmp_path, name, content, reason):
    xml = instance("nts", cast.nts_payload(square(100)), photos=(name,))

    response = post(device("clerk"), xml, {name: content})

    assert response.status_code == 400 and reason in _message(response)
    _nothing_stored(tmp_path)


def test_a_submission_on_another_organisations_hazard_is_refused_as_the_api_refuses_it(cast, tmp_path):
    hazard = register_hazard(cast)  # Alpha's
    before = Report.objects.count()

    response = post(device("outsider"), instance("eod_spot", EOD, hazard=hazard))

    assert response.status_code == 404 and "No such hazard" in _message(response)
    assert Report.objects.count() == before


@pytest.mark.parametrize("who", ["viewer", "qa"])
def test_a_user_without_a_writer_role_may_not_submit_or_list_forms(cast, tmp_path, who):
    submitted = post(device(who), instance("nts", cast.nts_payload(square(100))))
    listed = device(who).get("/openrosa/formList")

    assert (submitted.status_code, listed.status_code) == (403, 403)
    _nothing_stored(tmp_path)


def test_another_organisations_instance_id_neither_reveals_nor_touches_its_report(cast, tmp_path):
    xml = instance("nts", cast.nts_payload(square(100)), photos=("1.jpg",))
    post(device("clerk"), xml)

    replay = post(device("outsider"), xml, {"1.jpg": JPEG})

    assert replay.status_code == 404
    assert Report.objects.count() == 1 and ReportAttachment.objects.count() == 0


def test_an_edit_naming_another_organisations_submission_supersedes_nothing_and_names_no_report(cast):
    theirs = f"uuid:{uuid.uuid4()}"
    post(device("clerk"), instance("nts", cast.nts_payload(square(100)), instance_id=theirs))

    response = post(device("outsider"), instance("nts", cast.nts_payload(square(90)), deprecated_id=theirs))

    assert response.status_code == 201
    mine = Report.objects.get(organisation=cast.bravo)
    assert mine.supersedes is None
    assert "report #" not in mine.review_note


def test_plain_http_is_refused_outside_debug(cast, tmp_path):
    from tests.openrosa_helpers import basic

    response = Client(**basic("clerk")).get("/openrosa/formList")
    head = Client(**basic("clerk")).head("/openrosa/submission")

    assert response.status_code == 403 and "HTTPS" in _message(response)
    assert head.status_code == 403


def test_plain_http_is_taken_in_debug(cast, settings):
    from tests.openrosa_helpers import basic

    settings.DEBUG = True

    assert Client(**basic("clerk")).head("/openrosa/submission").status_code == 204


def test_a_session_cookie_does_not_submit(cast, tmp_path):
    # A session submits only with Django's CSRF token, as the fill page sends it (decision 0058): the
    # cookie alone is what a forged cross-site POST carries. (The test client skips CSRF unless asked.)
    client = https(enforce_csrf_checks=True)
    client.force_login(cast.clerk)

    response = post(client, instance("nts", cast.nts_payload(square(100))))

    assert response.status_code == 403 and "CSRF" in _message(response)
    _nothing_stored(tmp_path)


def test_a_value_that_is_not_its_type_is_kept_as_a_draft_naming_the_field(cast):
    payload = cast.nts_payload(square(100))
    payload["hazard"]["beneficiaries"] = "many"

    response = post(device("clerk"), instance("nts", payload))

    assert response.status_code == 201
    report = Report.objects.get()
    assert report.status == "draft" and "hazard.beneficiaries" in report.review_note
