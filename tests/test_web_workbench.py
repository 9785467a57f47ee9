"""The report forms and the approval workbench, through the Django test client on real PostGIS."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clearground.test import DAY0, Cast, square
from hazards.models import HazardousArea
from reports.kinds import KINDS
from reports.models import Report, ReportStatus
from tests.helpers import register_hazard, submitted
from web.workbench.spec import FORMS, TYPES, Group


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def form_data(payload: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A payload as the form posts it: one input per payload path."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        path = f"{prefix}{key}"
        if key in ("geometry", "benchmark", "perimeter", "sample", "location"):
            out[path] = json.dumps(value)
        elif isinstance(value, dict):
            out.update(form_data(value, path + "."))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, row in enumerate(value):
                out.update(form_data(row, f"{path}.{i}."))
        else:
            out[path] = value
    return out


@pytest.fixture
def clerk(cast: Cast) -> Client:
    return client_for(cast.clerk)


def test_every_report_kind_has_a_form_and_every_field_a_known_type():
    assert set(FORMS) == set(KINDS)
    for form in FORMS.values():
        for section in form.sections:
            for item in section.items:
                for f in item.fields if isinstance(item, Group) else (item,):
                    assert f.type in TYPES, (form.kind, f.path)
                    assert (f.vocab is not None) == (f.type in ("choice", "multi")), (form.kind, f.path)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_writer_sees_the_form_of_every_report_kind_they_may_submit(cast, kind):
    # The authority's own kinds (QA visits, QC inspections) open for its IM officer; an operator's clerk gets
    # 404 for them since decision 0064 (tests/test_report_kinds_offered.py).
    response = client_for(cast.imo if KINDS[kind].authority_only else cast.clerk).get(f"/reports/new/{kind}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="date_of_information"' in html
    assert 'name="submit"' in html


def test_the_nts_form_names_its_inputs_by_payload_path_and_offers_a_drawing_map(clerk):
    html = clerk.get("/reports/new/nts/").content.decode()
    for name in ("hazard.name", "hazard.classification", "hazard.geometry", "evidence.0.kind", "hazard.geometry__file"):
        assert f'name="{name}"' in html
    assert 'data-draw-for="f-hazard-geometry"' in html
    assert "Suspected hazardous area" in html  # the vocabulary's labels, not its codes


def test_the_report_list_offers_every_kind_the_clerk_may_write(clerk):
    html = clerk.get("/reports/").content.decode()
    for kind, spec in KINDS.items():  # not the authority's own kinds (decision 0064)
        assert (f"/reports/new/{kind}/" in html) is not spec.authority_only


def test_a_viewer_is_offered_no_new_report_and_may_not_open_a_form(cast):
    c = client_for(cast.viewer)
    assert "/reports/new/" not in c.get("/reports/").content.decode()
    assert c.get("/reports/new/nts/").status_code == 403


def test_a_bad_nts_submission_shows_every_problem_next_to_its_field_keeps_the_values_and_creates_nothing(cast, clerk):
    data = {
        "organisation": cast.alpha.pk,
        "date_of_information": DAY0.isoformat(),
        "hazard.name": "",  # required
        "hazard.classification": "",  # required
        "hazard.beneficiaries": "many",  # not a number
        "hazard.blockages": "The road to the well",
        "hazard.geometry": "",  # required for a new hazard
        "evidence.0.kind": "",
        "evidence.0.source": "verbal",
        "evidence.0.description": "Farmer saw a tripwire",
        "activity.start_date": "2024-13-40",
        "submit": "1",
    }
    response = clerk.post("/reports/new/nts/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert Report.objects.count() == 0
    for field_id in (
        "f-hazard-name",
        "f-hazard-classification",
        "f-hazard-beneficiaries",
        "f-hazard-geometry",
        "f-evidence-0-kind",
        "f-activity-start_date",
    ):
        assert f'id="{field_id}-error"' in html, field_id
        assert f'href="#{field_id}"' in html, field_id  # the summary links to the field
    assert 'aria-describedby="f-hazard-name-error"' in html
    assert 'aria-invalid="true"' in html
    # What was typed is shown back, good and bad alike.
    assert 'value="many"' in html
    assert "The road to the well" in html
    assert "Farmer saw a tripwire" in html
    assert 'value="2024-13-40"' in html
    assert '<option value="verbal" selected>' in html


def test_a_good_nts_submission_creates_and_submits_the_report(cast, clerk):
    data = {
        "organisation": cast.alpha.pk,
        "date_of_information": DAY0.isoformat(),
        **form_data(cast.nts_payload()),
        "submit": "1",
    }
    data["hazard.devices_suspected"] = ["ap_mine"]
    data["hazard.land_use"] = ["agriculture"]
    response = clerk.post("/reports/new/nts/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    report = Report.objects.get()
    assert report.status == ReportStatus.SUBMITTED
    assert report.payload["hazard"]["name"] == "Field north of the school"
    assert report.payload["hazard"]["beneficiaries"] == 120
    assert report.payload["evidence"][0]["informant"]["name"] == "Olena K."
    assert response["Location"] == f"/reports/{report.pk}/"


def test_blank_rows_are_left_out_of_the_payload(cast, clerk):
    data = {
        "organisation": cast.alpha.pk,
        "date_of_information": DAY0.isoformat(),
        "hazard.name": "Orchard",
        "evidence.0.kind": "",
        "evidence.0.description": "",
        "evidence.1.kind": "direct",
        "evidence.1.source": "observed",
        "save": "1",
    }
    assert clerk.post("/reports/new/nts/", data).status_code == 302
    assert Report.objects.get().payload == {
        "hazard": {"name": "Orchard"},
        "evidence": [{"kind": "direct", "source": "observed"}],
    }


def test_add_another_gives_one_more_row_and_saves_nothing(cast, clerk):
    data = {"organisation": cast.alpha.pk, "date_of_information": DAY0.isoformat(), "evidence.0.kind": "direct"}
    response = clerk.post("/reports/new/nts/", {**data, "add_row": "evidence"})
    assert response.status_code == 200
    assert 'name="evidence.1.kind"' in response.content.decode()
    assert Report.objects.count() == 0


def test_a_draft_is_saved_edited_and_then_submitted(cast, clerk):
    data = {"organisation": cast.alpha.pk, "date_of_information": DAY0.isoformat(), "hazard.name": "Orchard"}
    clerk.post("/reports/new/nts/", {**data, "save": "1"})
    report = Report.objects.get()
    assert report.status == ReportStatus.DRAFT
    page = clerk.get(f"/reports/{report.pk}/edit/").content.decode()
    assert 'value="Orchard"' in page
    full = {"date_of_information": DAY0.isoformat(), **form_data(cast.nts_payload()), "submit": "1"}
    response = clerk.post(f"/reports/{report.pk}/edit/", full)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_an_edit_that_cannot_be_submitted_changes_nothing(cast, clerk):
    clerk.post(
        "/reports/new/nts/",
        {"organisation": cast.alpha.pk, "date_of_information": DAY0.isoformat(), "hazard.name": "Orchard", "save": "1"},
    )
    report = Report.objects.get()
    response = clerk.post(
        f"/reports/{report.pk}/edit/",
        {"date_of_information": DAY0.isoformat(), "hazard.name": "Renamed", "submit": "1"},
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.payload == {"hazard": {"name": "Orchard"}}
    assert report.status == ReportStatus.DRAFT


def test_a_polygon_file_is_converted_into_the_field(cast, clerk):
    feature = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": square(80)}]}
    upload = SimpleUploadedFile("area.geojson", json.dumps(feature).encode(), content_type="application/geo+json")
    data = {"organisation": cast.alpha.pk, "date_of_information": DAY0.isoformat(), "hazard.name": "Orchard"}
    response = clerk.post("/reports/new/nts/", {**data, "hazard.geometry__file": upload, "save": "1"})
    assert response.status_code == 302
    geometry = Report.objects.get().payload["hazard"]["geometry"]
    assert geometry["type"] == "Polygon"
    assert geometry["coordinates"][0][0] == pytest.approx(square(80)["coordinates"][0][0])


def test_a_zipped_shapefile_is_converted_into_the_field(cast, clerk, tmp_path):
    import numpy as np
    import pyogrio
    from django.contrib.gis.geos import GEOSGeometry
    from pyogrio.raw import write

    shp = tmp_path / "area.shp"
    wkb = np.array([bytes(GEOSGeometry(json.dumps(square(60))).wkb)], dtype=object)
    write(str(shp), wkb, [], [], geometry_type="Polygon", crs="EPSG:4326", driver="ESRI Shapefile")
    assert pyogrio.list_layers(str(shp)).size
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in tmp_path.glob("area.*"):
            archive.write(part, part.name)
    upload = SimpleUploadedFile("area.zip", buffer.getvalue(), content_type="application/zip")
    data = {"organisation": cast.alpha.pk, "date_of_information": DAY0.isoformat(), "hazard.name": "Orchard"}
    response = clerk.post("/reports/new/nts/", {**data, "hazard.geometry__file": upload, "save": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Report.objects.get().payload["hazard"]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_a_bad_polygon_file_is_a_problem_at_its_field_and_saves_nothing(cast, clerk):
    upload = SimpleUploadedFile("area.geojson", b"this is not geojson", content_type="application/geo+json")
    data = {"organisation": cast.alpha.pk, "date_of_information": DAY0.isoformat(), "hazard.name": "Orchard"}
    response = clerk.post("/reports/new/nts/", {**data, "hazard.geometry__file": upload, "save": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="f-hazard-geometry-error"' in html
    assert "area.geojson" in html
    assert Report.objects.count() == 0


def test_the_outsider_can_neither_see_nor_act_on_alphas_reports(cast):
    report = submitted(cast, "nts", cast.nts_payload())
    c = client_for(cast.outsider)
    assert str(report.pk) not in c.get("/reports/").content.decode().split("<tbody>")[1]
    for url in (f"/reports/{report.pk}/", f"/reports/{report.pk}/edit/", f"/reports/{report.pk}/review/"):
        assert c.get(url).status_code == 404, url
    assert c.post(f"/reports/{report.pk}/review/", {"decision": "approve"}).status_code == 404
    assert c.post(f"/reports/{report.pk}/submit/").status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_the_clerk_may_not_review(cast, clerk):
    report = submitted(cast, "nts", cast.nts_payload())
    assert clerk.get(f"/reports/{report.pk}/review/").status_code == 403


def test_the_queue_lists_what_the_im_officer_may_decide_oldest_first(cast):
    first = submitted(cast, "nts", cast.nts_payload())
    second = submitted(cast, "nts", cast.nts_payload(square(50, x=500)))
    html = client_for(cast.imo).get("/reports/queue/").content.decode()
    assert html.index(f"/reports/{first.pk}/review/") < html.index(f"/reports/{second.pk}/review/")
    assert f"/reports/{first.pk}/review/" not in client_for(cast.outsider).get("/reports/queue/").content.decode()


def test_the_review_shows_the_change_on_a_map_and_as_a_table(cast):
    hazard = register_hazard(cast)
    report = submitted(
        cast,
        "ts_progress",
        {
            "activity": {"method": "manual", "start_date": "2024-02-01"},
            "reduced": [{"geometry": square(40)}],
            "classification": "CHA",
        },
        hazard=hazard,
        on=DAY0.replace(month=3),
    )
    html = client_for(cast.imo).get(f"/reports/{report.pk}/review/").content.decode()
    assert 'id="review-map"' in html and 'id="review-data"' in html
    data = json.loads(html.split('id="review-data" type="application/json">')[1].split("</script>")[0])
    assert len(data["current"]["features"]) == 1 and len(data["products"]["features"]) == 1
    assert "Suspected hazardous area" in html and "Confirmed hazardous area" in html  # current → proposed
    assert 'name="reconcile"' in html
    assert 'value="validate"' in html


def test_return_requires_a_comment(cast):
    report = submitted(cast, "nts", cast.nts_payload())
    c = client_for(cast.imo)
    response = c.post(f"/reports/{report.pk}/review/", {"decision": "return", "reason": "  "})
    assert response.status_code == 200
    assert 'id="return-reason-error"' in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    response = c.post(f"/reports/{report.pk}/review/", {"decision": "return", "reason": "Add the benchmark"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert report.transitions.last().reason == "Add the benchmark"


def test_validate_moves_the_report_on(cast):
    report = submitted(cast, "nts", cast.nts_payload())
    client_for(cast.imo).post(f"/reports/{report.pk}/review/", {"decision": "validate"})
    report.refresh_from_db()
    assert report.status == ReportStatus.VALIDATED


def test_approve_applies_the_report_and_goes_back_to_the_queue(cast):
    report = submitted(cast, "nts", cast.nts_payload())
    assert not HazardousArea.objects.exists()
    response = client_for(cast.imo).post(f"/reports/{report.pk}/review/", {"decision": "approve", "reconcile": "new"})
    assert response.status_code == 302
    assert response["Location"] == "/reports/queue/"
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert HazardousArea.objects.get().name == "Field north of the school"


def test_the_author_cannot_approve_their_own_report_and_is_told_why(cast):
    report = submitted(cast, "nts", cast.nts_payload(), by=cast.imo)
    response = client_for(cast.imo).post(f"/reports/{report.pk}/review/", {"decision": "approve"})
    assert response.status_code == 200
    assert "someone other than whoever wrote, edited or imported it" in response.content.decode()
    assert not HazardousArea.objects.exists()


def test_the_detail_page_shows_the_payload_readably_and_withholds_informants(cast, clerk):
    report = submitted(cast, "nts", cast.nts_payload())
    html = clerk.get(f"/reports/{report.pk}/").content.decode()
    assert "Field north of the school" in html
    assert "Suspected hazardous area" in html
    assert "Olena K." not in html
    assert "Submitted" in html  # the history


def test_an_eod_spot_task_is_reported_with_a_typed_point_and_its_finds(cast, clerk):
    data = {
        "organisation": cast.alpha.pk,
        "date_of_information": DAY0.isoformat(),
        "location": "36.201, 49.951",
        "finds.0.category": "uxo",
        "finds.0.quantity": "2",
        "finds.0.disposal": "destroyed_in_situ",
        "activity.start_date": "2024-01-12",
        "submit": "1",
    }
    response = clerk.post("/reports/new/eod_spot/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get()
    assert report.status == ReportStatus.SUBMITTED
    assert report.payload["location"] == {"type": "Point", "coordinates": [36.201, 49.951]}
    assert report.payload["finds"] == [{"category": "uxo", "quantity": 2, "disposal": "destroyed_in_situ"}]


def test_the_author_edits_the_informant_and_a_colleague_who_may_not_see_it_cannot_lose_it(cast, clerk):
    from django.contrib.auth.models import User

    from accounts.models import Membership

    draft = create_draft(cast)
    assert "Olena K." in clerk.get(f"/reports/{draft.pk}/edit/").content.decode()
    colleague = User.objects.create_user("colleague", password="test-password-1")
    Membership.objects.create(user=colleague, organisation=cast.alpha, role="data_clerk")
    c = client_for(colleague)
    page = c.get(f"/reports/{draft.pk}/edit/").content.decode()
    assert "Olena K." not in page
    data = {"date_of_information": DAY0.isoformat(), **form_data(cast.nts_payload()), "save": "1"}
    del data["evidence.0.informant.name"], data["evidence.0.informant.contact"]
    data["hazard.name"] = "Renamed by a colleague"
    assert c.post(f"/reports/{draft.pk}/edit/", data).status_code == 302
    draft.refresh_from_db()
    assert draft.payload["hazard"]["name"] == "Renamed by a colleague"
    assert draft.payload["evidence"][0]["informant"] == {"name": "Olena K.", "contact": "+380 00 000"}


def test_a_saved_draft_is_submitted_from_its_page(cast, clerk):
    draft = create_draft(cast)
    assert clerk.post(f"/reports/{draft.pk}/submit/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == ReportStatus.SUBMITTED


def create_draft(cast: Cast) -> Report:
    from reports.actions import create_report

    return create_report(
        acting_user=cast.clerk,
        organisation=cast.alpha,
        kind="nts",
        date_of_information=DAY0,
        payload=cast.nts_payload(),
    )


@pytest.mark.parametrize(
    "code, label, vocabulary",
    [
        ("uk", "Назва небезпечної території", "Підозріла небезпечна територія"),
        ("es", "Nombre del área peligrosa", "Área peligrosa sospechosa"),
        ("ar", "اسم المنطقة الخطرة", "منطقة خطرة مشتبه بها"),
    ],
)
def test_the_form_and_its_vocabularies_are_translated(clerk, code, label, vocabulary):
    from django.conf import settings

    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    html = clerk.get("/reports/new/nts/").content.decode()
    assert label in html
    assert vocabulary in html


def test_an_approval_is_taken_back_with_a_reason_from_the_report_page(cast):
    report = submitted(cast, "nts", cast.nts_payload())
    c = client_for(cast.imo)
    c.post(f"/reports/{report.pk}/review/", {"decision": "approve", "reconcile": "new"})
    assert f'action="/reports/{report.pk}/unapprove/"' in c.get(f"/reports/{report.pk}/").content.decode()
    c.post(f"/reports/{report.pk}/unapprove/", {"reason": ""})
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    c.post(f"/reports/{report.pk}/unapprove/", {"reason": "Wrong field"})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert not HazardousArea.objects.exists()


def test_a_decided_report_offers_no_decision(cast):
    report = submitted(cast, "nts", cast.nts_payload())
    c = client_for(cast.imo)
    c.post(f"/reports/{report.pk}/review/", {"decision": "approve", "reconcile": "new"})
    html = c.get(f"/reports/{report.pk}/review/").content.decode()
    assert 'value="approve"' not in html


def test_the_list_and_the_queue_take_the_same_number_of_queries_for_one_report_or_five(cast, django_assert_num_queries):
    submitted(cast, "nts", cast.nts_payload())
    c = client_for(cast.imo)
    counts = {}
    for url in ("/reports/", "/reports/queue/"):
        with CaptureQueriesContext(connection) as one:
            c.get(url)
        counts[url] = len(one)
    for i in range(4):
        submitted(cast, "nts", cast.nts_payload(square(50, x=300 * (i + 1))))
    for url, expected in counts.items():
        with django_assert_num_queries(expected):
            c.get(url)


def _sample(f: Any) -> Any:
    from clearground.test import point

    return {
        "number": 1,
        "integer": 1,
        "date": "2024-01-01",
        "datetime": "2024-01-01T10:00",
        "boolean": True,
        "polygon": square(50),
        "point": point(),
        "points": [point()],
        "choice": f.options()[0][0] if f.options() else "",
        "multi": [f.options()[0][0]] if f.options() else [],
    }.get(f.type, "x")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_field_of_a_form_is_a_field_its_kind_reads(db, kind):
    from web.workbench.binding import _set

    form = FORMS[kind]
    payload: dict[str, Any] = {}
    for section in form.sections:
        for item in section.items:
            if isinstance(item, Group):
                row: dict[str, Any] = {}
                for f in item.fields:
                    _set(row, f.path, _sample(f))
                _set(payload, item.path, [row])
            else:
                _set(payload, item.path, _sample(item))
    if "activity" in payload and isinstance(payload["activity"], dict) and "status" in payload["activity"]:
        payload["activity"]["status"] = "suspended"  # suspend_reason is read only for a suspended activity
    problems = KINDS[kind].read(payload, on=DAY0, has_hazard=False)[1]
    assert [p for p in problems if "is not a field" in p.message] == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_field_a_kind_reads_has_an_input_in_its_form(db, kind):
    import re

    from reports.kinds.base import Checker
    from web.workbench.binding import _set

    form = FORMS[kind]
    payload: dict[str, Any] = {}
    inputs = set()
    for section in form.sections:
        for item in section.items:
            if isinstance(item, Group):
                row: dict[str, Any] = {}
                for f in item.fields:
                    _set(row, f.path, _sample(f))
                    inputs.add(f"{item.path}.N.{f.path}")
                _set(payload, item.path, [row])
                inputs.add(item.path)
            else:
                _set(payload, item.path, _sample(item))
                inputs.add(item.path)
    if isinstance(payload.get("activity"), dict) and "status" in payload["activity"]:
        payload["activity"]["status"] = "suspended"
    checker = Checker(payload)
    KINDS[kind].parse(checker, on=DAY0, has_hazard=False)
    read = {re.sub(r"\.\d+(?=\.|$)", ".N", p) for p in checker.read}
    # A list of points (minefield reference points) is one input.
    read = {p.removesuffix(".N") if p.removesuffix(".N") in inputs else p for p in read}
    parents = {p.rsplit(".", 1)[0] for p in inputs if "." in p}  # "activity" is read to see if it is given
    assert read - inputs - parents == set()


def test_the_drawing_map_shows_the_hazards_in_scope_and_not_others(cast, clerk):
    hazard = register_hazard(cast)
    html = clerk.get("/reports/new/nts/").content.decode()
    data = json.loads(html.split('id="scope-hazards" type="application/json">')[1].split("</script>")[0])
    assert [f["properties"]["code"] for f in data["features"]] == [hazard.code]
    outsider = client_for(cast.outsider).get("/reports/new/nts/").content.decode()
    assert hazard.code not in outsider


def test_a_problem_of_an_object_without_its_own_input_is_shown_on_the_fieldset_of_its_fields(cast, clerk):
    data = {"organisation": cast.alpha.pk, "date_of_information": DAY0.isoformat(), "submit": "1"}
    html = clerk.post("/reports/new/nts/", data).content.decode()
    # "activity is required": the activity is its fields (method, start date ...), which share a fieldset.
    assert 'id="section-3-error">is required' in html
    assert '<a href="#section-3">Activity</a>' in html


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(cast):
    for url in ("/reports/", "/reports/new/nts/", "/reports/queue/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
