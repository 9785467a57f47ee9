"""/openrosa/ as the OpenRosa specification asks (https://docs.getodk.org/openrosa/), as ODK Collect uses it.

Form list API: an xformsList of formID, name, version, hash, downloadUrl, manifestUrl. Manifest API:
mediaFile entries with a hash that changes with the file. Submission API: HEAD answers 204 with
X-OpenRosa-Version and X-OpenRosa-Accept-Content-Length; a POST is multipart with an
xml_submission_file; 201 when stored, 202 when it was already there; OpenRosaResponse messages; a
401 challenge without credentials. Attachments larger than the limit come over several POSTs of the
same instance. Plus Clearground's own promises: nothing twice, nothing lost (decision 0051).
"""

from __future__ import annotations

import hashlib
import uuid
from xml.etree.ElementTree import fromstring

import pytest
from django.test import Client

from clearground.test import DAY0, square
from field.forms import forget_forms, form_id
from reports.actions import approve_report
from reports.kinds import KINDS
from reports.models import Report, ReportAttachment, ReportStatus, ReviewFlag
from tests.helpers import register_hazard
from tests.openrosa_helpers import JPEG, PNG, device, form_paths, https, instance, post
from tests.test_translations import compiled  # noqa: F401 (the fixture that compiles the catalogues)

LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE = "{http://openrosa.org/http/response}"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _message(response) -> str:
    root = fromstring(response.content)
    assert root.tag == f"{RESPONSE}OpenRosaResponse"
    return root.find(f"{RESPONSE}message").text or ""


def _upload(xml: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("submission.xml", xml, "text/xml")


def _openrosa_headers(response) -> None:
    assert response["X-OpenRosa-Version"] == "1.0"
    assert response["Date"]


# Form list and forms ---------------------------------------------------------------------------


def test_the_form_list_names_every_kind_the_user_may_submit_with_its_hash_and_urls(cast):
    # Until decision 0064 an operator's clerk was listed every kind; the authority's own (QA visits, QC
    # inspections) are now listed to the authority's writers only (tests/test_report_kinds_offered.py).
    response = device("clerk").get("/openrosa/formList")

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    _openrosa_headers(response)
    forms = {x.find(f"{LIST}formID").text: x for x in fromstring(response.content).findall(f"{LIST}xform")}
    assert set(forms) == {form_id(k) for k, spec in KINDS.items() if not spec.authority_only}
    nts = forms["clearground_nts"]
    assert nts.find(f"{LIST}name").text == "Non-technical survey report"
    assert nts.find(f"{LIST}version").text == "1"
    assert nts.find(f"{LIST}downloadUrl").text == "https://testserver/openrosa/forms/nts.xml"
    assert nts.find(f"{LIST}manifestUrl").text == "https://testserver/openrosa/forms/nts/manifest"
    form = device("clerk").get("/openrosa/forms/nts.xml")
    _openrosa_headers(form)
    assert nts.find(f"{LIST}hash").text == "md5:" + hashlib.md5(form.content).hexdigest()


def test_the_form_list_narrows_to_one_form_id(cast):
    response = device("clerk").get("/openrosa/formList", {"formID": "clearground_eod_spot"})

    ids = [x.text for x in fromstring(response.content).iter(f"{LIST}formID")]
    assert ids == ["clearground_eod_spot"]


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_form_is_an_xform_with_the_report_header_geometry_and_attachments(cast, kind):
    # The authority's own kinds are fetched by its IM officer: an operator's clerk gets 404 (decision 0064).
    response = device("imo" if KINDS[kind].authority_only else "clerk").get(f"/openrosa/forms/{kind}.xml")

    assert response.status_code == 200
    xml = response.content.decode()
    assert f'id="{form_id(kind)}"' in xml
    paths = form_paths(kind)
    assert {"/report/date_of_information", "/report/sketch_map", "/report/photos/photo", "/meta/instanceID"} <= paths
    assert 'type="binary"' in xml  # photos and the sketch map are attachments
    if KINDS[kind].form_hazard:
        assert "/report/hazard" in paths and 'src="jr://file-csv/hazards.csv"' in xml
    else:
        assert "/report/hazard" not in paths


def test_the_forms_carry_labels_in_english_ukrainian_spanish_and_arabic(cast):
    xml = device("clerk").get("/openrosa/forms/nts.xml").content.decode()

    for lang in ("English (en)", "Українська (uk)", "Español (es)", "العربية (ar)"):
        assert f'lang="{lang}"' in xml


def test_geometry_is_asked_as_geopoint_and_geoshape_and_ranges_as_constraints(cast):
    eod = device("clerk").get("/openrosa/forms/eod_spot.xml").content.decode()
    nts = device("clerk").get("/openrosa/forms/nts.xml").content.decode()

    assert 'nodeset="/data/location" type="geopoint"' in eod
    assert 'nodeset="/data/hazard/geometry" type="geoshape"' in nts
    assert 'constraint=". &gt;= 0"' in nts  # beneficiaries: at least 0, as the kind checks


def test_the_xlsform_is_downloadable(cast):
    response = device("clerk").get("/openrosa/forms/nts.xlsx")

    assert response.status_code == 200
    assert response.content[:2] == b"PK"
    assert 'filename="clearground_nts.xlsx"' in response["Content-Disposition"]


def test_an_unknown_form_is_not_found(cast):
    assert device("clerk").get("/openrosa/forms/nope.xml").status_code == 404


# Manifest and media ------------------------------------------------------------------------------


def _media(client: Client, kind: str = "ts_progress") -> tuple[str, str]:
    root = fromstring(client.get(f"/openrosa/forms/{kind}/manifest").content)
    entry = root.find(f"{MANIFEST}mediaFile")
    assert entry.find(f"{MANIFEST}filename").text == "hazards.csv"
    return entry.find(f"{MANIFEST}hash").text, entry.find(f"{MANIFEST}downloadUrl").text


def test_the_manifest_lists_the_hazards_csv_whose_hash_changes_when_the_list_does(cast):
    clerk = device("clerk")
    before, url = _media(clerk)
    assert url == "https://testserver/openrosa/forms/ts_progress/media/hazards.csv"

    hazard = register_hazard(cast)
    after, _ = _media(clerk)
    csv = clerk.get("/openrosa/forms/ts_progress/media/hazards.csv")

    assert before != after
    assert after == "md5:" + hashlib.md5(csv.content).hexdigest()
    lines = csv.content.decode().splitlines()
    assert lines[0] == "name,label,code,status"
    assert lines[1].startswith(f"{hazard.pk},{hazard.code} ")


def test_the_hazards_csv_holds_only_the_hazards_the_user_may_report_on(cast):
    hazard = register_hazard(cast)  # Alpha's

    theirs = device("outsider").get("/openrosa/forms/ts_progress/media/hazards.csv").content.decode()
    ours = device("clerk").get("/openrosa/forms/ts_progress/media/hazards.csv").content.decode()

    assert hazard.code not in theirs
    assert hazard.code in ours


# Submission: HEAD, authentication ------------------------------------------------------------------


def test_head_of_submission_answers_204_with_the_openrosa_headers(cast, settings):
    response = device("clerk").head("/openrosa/submission")

    assert response.status_code == 204
    _openrosa_headers(response)
    assert response["X-OpenRosa-Accept-Content-Length"] == str(settings.CLEARGROUND_OPENROSA_MAX_BYTES)


@pytest.mark.parametrize("url", ["/openrosa/formList", "/openrosa/submission", "/openrosa/forms/nts.xml"])
def test_without_credentials_the_server_challenges_with_basic(cast, url):
    response = https().head(url) if url.endswith("submission") else https().get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Basic realm="Clearground"')
    _openrosa_headers(response)


def test_a_wrong_password_is_challenged_again(cast):
    assert device("clerk", "wrong").head("/openrosa/submission").status_code == 401


def test_an_api_token_is_taken_too(cast):
    token = Client().post("/api/v1/auth/token/", {"username": "clerk", "password": "test-password-1"}).json()
    client = https(HTTP_AUTHORIZATION=f"Token {token['token']}")

    assert client.head("/openrosa/submission").status_code == 204


# Submission: into the report pipeline --------------------------------------------------------------


def test_a_submission_becomes_a_submitted_report_by_the_device_user(cast):
    xml = instance("nts", cast.nts_payload(square(100)))

    response = post(device("clerk"), xml)

    assert response.status_code == 201, response.content
    _openrosa_headers(response)
    assert response["X-OpenRosa-Accept-Content-Length"]
    report = Report.objects.get()
    assert "submitted for approval" in _message(response)
    assert (report.kind, report.status, report.created_by, report.organisation) == (
        "nts", ReportStatus.SUBMITTED, cast.clerk, cast.alpha)  # fmt: skip
    assert report.date_of_information == DAY0
    assert report.payload["hazard"]["devices_suspected"] == ["ap_mine"]
    assert report.payload["hazard"]["beneficiaries"] == 120
    assert report.payload["hazard"]["geometry"]["type"] == "Polygon"
    assert report.payload["evidence"][0]["informant"]["name"] == "Olena K."
    assert report.client_id.startswith("uuid:")


def test_a_submission_on_a_hazard_reports_on_that_hazard(cast):
    hazard = register_hazard(cast)
    payload = {"location": {"type": "Point", "coordinates": [36.2, 49.95]},
               "finds": [{"category": "uxo", "quantity": 2, "disposal": "destroyed_in_situ"}],
               "activity": {"start_date": "2024-01-12"}}  # fmt: skip

    response = post(device("clerk"), instance("eod_spot", payload, hazard=hazard))

    assert response.status_code == 201, _message(response)
    report = Report.objects.get(kind="eod_spot")
    assert report.hazard == hazard
    assert report.payload["location"] == {"type": "Point", "coordinates": [36.2, 49.95]}


def test_the_same_submission_sent_again_creates_nothing_and_answers_202(cast):
    xml = instance("nts", cast.nts_payload(square(100)))
    clerk = device("clerk")

    first, second = post(clerk, xml), post(clerk, xml)

    assert (first.status_code, second.status_code) == (201, 202)
    assert "already received" in _message(second)
    assert Report.objects.count() == 1


def test_the_same_instance_id_with_other_content_is_refused_and_kept_for_review(cast):
    iid = f"uuid:{uuid.uuid4()}"
    clerk = device("clerk")
    post(clerk, instance("nts", cast.nts_payload(square(100)), instance_id=iid))

    other = instance("nts", cast.nts_payload(square(120)), instance_id=iid)
    refused, again = post(clerk, other), post(clerk, other)

    assert (refused.status_code, again.status_code) == (409, 409)
    original = Report.objects.get(client_id=iid, review_flag="")
    copy = Report.objects.get(client_id=iid, review_flag=ReviewFlag.CONFLICT)
    assert copy.status == ReportStatus.DRAFT
    assert f"report #{original.pk}" in copy.review_note
    assert Report.objects.count() == 2  # the conflicting copy kept once, not once per resend


def test_an_edited_resubmission_is_a_new_version_flagged_to_the_reviewer(cast):
    first_id = f"uuid:{uuid.uuid4()}"
    clerk = device("clerk")
    post(clerk, instance("nts", cast.nts_payload(square(100)), instance_id=first_id))
    original = Report.objects.get()

    edited = instance("nts", cast.nts_payload(square(100), beneficiaries=80), deprecated_id=first_id)
    response = post(clerk, edited)

    assert response.status_code == 201
    new = Report.objects.exclude(pk=original.pk).get()
    assert new.review_flag == ReviewFlag.EDITED
    assert f"report #{original.pk}" in new.review_note
    assert new.payload["hazard"]["beneficiaries"] == 80
    assert Report.objects.get(pk=original.pk).status == ReportStatus.SUBMITTED  # untouched


def test_an_edit_of_an_approved_report_supersedes_it_when_approved(cast):
    hazard = register_hazard(cast)
    first_id = f"uuid:{uuid.uuid4()}"
    payload = {"location": {"type": "Point", "coordinates": [36.2, 49.95]},
               "finds": [{"category": "uxo", "quantity": 2, "disposal": "destroyed_in_situ"}],
               "activity": {"start_date": "2024-01-12"}}  # fmt: skip
    clerk = device("clerk")
    post(clerk, instance("eod_spot", payload, hazard=hazard, instance_id=first_id))
    original = Report.objects.get(client_id=first_id)
    approve_report(original, acting_user=cast.imo)

    payload["finds"][0]["quantity"] = 3
    response = post(clerk, instance("eod_spot", payload, hazard=hazard, deprecated_id=first_id))

    assert response.status_code == 201, _message(response)
    new = Report.objects.get(review_flag=ReviewFlag.EDITED)
    assert new.supersedes == original


def test_a_submission_its_kind_refuses_is_kept_as_a_draft_with_its_problems(cast):
    payload = cast.nts_payload(square(100))
    payload["hazard"]["beneficiaries"] = -5
    del payload["evidence"]

    response = post(device("clerk"), instance("nts", payload))

    assert response.status_code == 201  # received: the device must not resend it for ever
    assert "kept as a draft" in _message(response)
    report = Report.objects.get()
    assert report.status == ReportStatus.DRAFT and report.review_flag == ReviewFlag.PROBLEMS
    assert "hazard.beneficiaries" in report.review_note
    assert "evidence" in report.review_note
    assert report.created_by == cast.clerk


# Attachments -------------------------------------------------------------------------------------


def test_attachments_are_stored_with_their_hash_size_and_type(cast, tmp_path):
    xml = instance("nts", cast.nts_payload(square(100)), sketch="sketch.png", photos=("1.jpg",))

    response = post(device("clerk"), xml, {"sketch.png": PNG, "1.jpg": JPEG})

    assert response.status_code == 201
    rows = {a.name: a for a in ReportAttachment.objects.all()}
    assert set(rows) == {"sketch.png", "1.jpg"}
    photo = rows["1.jpg"]
    assert (photo.sha256, photo.size, photo.content_type) == (hashlib.sha256(JPEG).hexdigest(), len(JPEG), "image/jpeg")
    assert photo.path.read_bytes() == JPEG
    assert str(photo.path).startswith(str(tmp_path))


def test_attachments_split_over_several_posts_join_the_one_report(cast):
    xml = instance("nts", cast.nts_payload(square(100)), photos=("1.jpg", "2.jpg", "3.png"))
    clerk = device("clerk")

    first = post(clerk, xml, {"1.jpg": JPEG}, incomplete=True)
    second = post(clerk, xml, {"2.jpg": JPEG + b"2"}, incomplete=True)
    third = post(clerk, xml, {"3.png": PNG})
    retry = post(clerk, xml, {"3.png": PNG})

    assert [r.status_code for r in (first, second, third, retry)] == [201, 201, 201, 202]
    report = Report.objects.get()
    assert sorted(report.attachments.values_list("name", flat=True)) == ["1.jpg", "2.jpg", "3.png"]


def test_the_attachments_are_listed_on_the_report_in_the_api(cast):
    post(device("clerk"), instance("nts", cast.nts_payload(square(100)), photos=("1.jpg",)), {"1.jpg": JPEG})
    report = Report.objects.get()
    api = Client()
    api.force_login(cast.clerk)

    listed = api.get(f"/api/v1/reports/{report.pk}/attachments/").json()
    download = api.get(f"/api/v1/reports/{report.pk}/attachments/1.jpg")

    assert listed == [{"name": "1.jpg", "sha256": hashlib.sha256(JPEG).hexdigest(), "size": len(JPEG),
                       "content_type": "image/jpeg", "longitude": None, "latitude": None,
                       "url": f"http://testserver/api/v1/reports/{report.pk}/attachments/1.jpg"}]  # fmt: skip
    assert download.status_code == 200 and b"".join(download.streaming_content) == JPEG
    assert download["Content-Type"] == "image/jpeg"


def test_an_approved_report_from_the_field_reaches_the_register(cast):
    post(device("clerk"), instance("nts", cast.nts_payload(square(100))))

    done = approve_report(Report.objects.get(), acting_user=cast.imo)

    assert done.status == ReportStatus.APPROVED and done.hazard is not None


# The submission read back through the declaration -------------------------------------------------


def _payloads(cast):
    from tests.test_other_report_kinds import MINEFIELD
    from tests.test_risk_education import session_payload

    return {
        "nts": cast.nts_payload(square(100)),
        "minefield_record": MINEFIELD,
        "risk_education": session_payload(),
    }


@pytest.mark.parametrize("kind", ["nts", "minefield_record", "risk_education"])
def test_a_submission_reads_back_as_the_payload_the_api_takes(cast, kind):
    payload = _payloads(cast)[kind]  # groups, repeats, lists, booleans, numbers, points, polygons

    response = post(device("clerk"), instance(kind, payload))

    assert response.status_code == 201, _message(response)
    report = Report.objects.get(kind=kind)
    assert report.payload == payload
    assert report.status == ReportStatus.SUBMITTED, report.review_note


@pytest.mark.usefixtures("compiled")
def test_the_device_reads_the_form_and_the_answers_in_its_language(cast):
    forget_forms()  # forms converted before the catalogues were compiled would be English
    clerk = device("clerk")

    form = clerk.get("/openrosa/forms/nts.xml").content.decode()
    answer = clerk.post(
        "/openrosa/submission",
        {"xml_submission_file": _upload(instance("nts", cast.nts_payload(square(100))))},
        HTTP_ACCEPT_LANGUAGE="uk",
    )

    assert "<value>Схематична карта</value>" in form and "<value>Croquis</value>" in form
    assert _message(answer).startswith("Отримано: звіт №")
    assert Report.objects.get().review_note == ""  # what is stored stays in one language


# Split submissions (decision 0060) -------------------------------------------------------------------


def test_a_split_submission_is_submitted_only_when_its_last_part_arrives(cast):
    xml = instance("nts", cast.nts_payload(square(100)), photos=("1.jpg", "2.jpg", "3.png"))
    clerk = device("clerk")

    first = post(clerk, xml, {"1.jpg": JPEG}, incomplete=True)
    report = Report.objects.get()
    assert (first.status_code, report.status, report.review_flag) == (201, ReportStatus.DRAFT, "")
    assert "more parts" in _message(first)
    assert not report.transitions.filter(to_status=ReportStatus.SUBMITTED).exists()  # in no reviewer's queue yet

    second = post(clerk, xml, {"2.jpg": JPEG + b"2"}, incomplete=True)
    assert (second.status_code, Report.objects.get().status) == (201, ReportStatus.DRAFT)

    last = post(clerk, xml, {"3.png": PNG})
    report = Report.objects.get()
    assert last.status_code == 201 and "submitted for approval" in _message(last)
    assert report.status == ReportStatus.SUBMITTED
    assert report.attachments.count() == 3


def test_a_retry_of_any_part_of_a_split_submission_creates_nothing_twice(cast):
    xml = instance("nts", cast.nts_payload(square(100)), photos=("1.jpg", "2.png"))
    clerk = device("clerk")

    answers = [
        post(clerk, xml, {"1.jpg": JPEG}, incomplete=True),
        post(clerk, xml, {"1.jpg": JPEG}, incomplete=True),  # the answer to the first part was lost
        post(clerk, xml, {"2.png": PNG}),
        post(clerk, xml, {"2.png": PNG}),  # the answer to the last part was lost
        post(clerk, xml, {"1.jpg": JPEG}, incomplete=True),  # a late duplicate of the first
    ]

    assert [a.status_code for a in answers] == [201, 202, 201, 202, 202]
    report = Report.objects.get()
    assert report.status == ReportStatus.SUBMITTED
    assert report.transitions.filter(to_status=ReportStatus.SUBMITTED).count() == 1
    assert sorted(report.attachments.values_list("name", flat=True)) == ["1.jpg", "2.png"]


def test_a_split_submission_its_kind_refuses_is_kept_as_a_draft_when_whole(cast):
    payload = cast.nts_payload(square(100))
    payload["hazard"]["beneficiaries"] = -5
    xml = instance("nts", payload, photos=("1.jpg", "2.png"))
    clerk = device("clerk")

    post(clerk, xml, {"1.jpg": JPEG}, incomplete=True)
    last = post(clerk, xml, {"2.png": PNG})

    assert last.status_code == 201 and "kept as a draft: 1 problem" in _message(last)
    report = Report.objects.get()
    assert (report.status, report.review_flag) == (ReportStatus.DRAFT, ReviewFlag.PROBLEMS)
    assert "hazard.beneficiaries [" in report.review_note
    assert report.attachments.count() == 2
