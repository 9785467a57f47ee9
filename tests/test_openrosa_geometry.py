"""Positions from the field read exactly as the API's and the web form's (decision 0060).

ODK writes a geopoint as `lat lon altitude accuracy` and a geoshape as such points joined by `;`
(Collect closes the ring itself since v2022; older versions and Enketo may not). These tests send the
strings Collect writes and compare the outcome with the same geometry sent as GeoJSON to the API:
the same polygon stored, the same problems with the same codes at the same field. No kind declares a
line (lanes, fences), so no form asks a geotrace.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from clearground.test import BOWTIE, LAT0, LON0, Cast, square
from field.forms import xform
from reports.kinds import KINDS
from reports.models import Report, ReportStatus, ReviewFlag
from tests.openrosa_helpers import device, instance, post

ON = "2024-01-15"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def odk(ring: list[list[float]], *, close: bool = True) -> str:
    """A geoshape as Collect writes it: `lat lon altitude accuracy` per vertex, `;` between them."""
    vertices = ring if close else ring[:-1]
    return ";".join(f"{lat} {lon} 152.4 4.9" for lon, lat in vertices)


def _via_api(cast: Cast, payload: dict[str, Any]) -> Any:
    client = APIClient()
    client.force_authenticate(cast.clerk)
    body = {"kind": "nts", "date_of_information": ON, "payload": payload, "submit": True}
    return client.post("/api/v1/reports/", body, format="json")


def _note_problems(report: Report) -> set[tuple[str, str, str]]:
    """The review note's problems as (field, code, message): `field [code]: message` a line."""
    out = set()
    for line in report.review_note.splitlines():
        head, _, message = line.partition(": ")
        field, _, code = head.partition(" [")
        out.add((field, code.rstrip("]"), message))
    return out


def test_no_kind_declares_a_line_so_every_position_is_a_geopoint_or_a_geoshape(cast: Cast) -> None:
    for kind in KINDS:
        xml = xform(kind).xml
        assert b"geotrace" not in xml
    assert b'type="geoshape"' in xform("nts").xml and b'type="geopoint"' in xform("nts").xml


@pytest.mark.parametrize("close", [True, False], ids=["closed by Collect", "left open"])
def test_a_collect_geoshape_is_stored_as_the_polygon_the_api_stores(cast: Cast, close: bool) -> None:
    polygon = square(100)
    benchmark = f"{LAT0 + 0.0001} {LON0 + 0.0001} 151.0 3.2"

    response = post(device("clerk"), instance("nts", cast.nts_payload(odk(polygon["coordinates"][0], close=close),
                                                                      benchmark=benchmark)))  # fmt: skip

    assert response.status_code == 201, response.content
    field = Report.objects.get()
    assert field.status == ReportStatus.SUBMITTED, field.review_note
    assert field.payload["hazard"]["geometry"] == polygon  # longitude first, altitude and accuracy dropped
    assert field.payload["hazard"]["benchmark"] == {"type": "Point", "coordinates": [LON0 + 0.0001, LAT0 + 0.0001]}
    api = _via_api(cast, cast.nts_payload(polygon, benchmark=field.payload["hazard"]["benchmark"]))
    assert api.status_code == 201
    assert Report.objects.get(pk=api.json()["id"]).payload["hazard"]["geometry"] == field.payload["hazard"]["geometry"]


def test_a_self_crossing_geoshape_is_repaired_as_the_api_repairs_it(cast: Cast) -> None:
    response = post(device("clerk"), instance("nts", cast.nts_payload(odk(BOWTIE["coordinates"][0]))))

    assert response.status_code == 201
    report = Report.objects.get()
    assert report.status == ReportStatus.SUBMITTED
    assert report.payload["hazard"]["geometry"] == BOWTIE
    assert _via_api(cast, cast.nts_payload(BOWTIE)).status_code == 201


TOO_FEW = [[LON0, LAT0], [LON0 + 0.001, LAT0], [LON0, LAT0]]
OUT_OF_RANGE = [[LON0, 95.0], [LON0 + 0.001, 95.0], [LON0 + 0.001, 95.001], [LON0, 95.0]]


@pytest.mark.parametrize("ring", [TOO_FEW, OUT_OF_RANGE], ids=["two vertices", "latitude 95"])
def test_a_geoshape_the_kind_refuses_has_the_apis_problems_at_the_field(cast: Cast, ring: list[list[float]]) -> None:
    response = post(device("clerk"), instance("nts", cast.nts_payload(odk(ring))))

    assert response.status_code == 201
    report = Report.objects.get()
    assert (report.status, report.review_flag) == (ReportStatus.DRAFT, ReviewFlag.PROBLEMS)
    api = _via_api(cast, cast.nts_payload({"type": "Polygon", "coordinates": [ring]}))
    assert api.status_code == 400
    expected = {(e["field"], e["code"], e["message"]) for e in api.json()["errors"]}
    assert _note_problems(report) == expected
    assert {f for f, _, _ in expected} == {"payload.hazard.geometry"}
    assert "invalid" not in {c for _, c, _ in expected}


@pytest.mark.parametrize(
    "text", ["49.95 36.2 0 5;49.951;49.951 36.201 0 5", "49.95 abc 0 5;49.951 36.2 0 5;49.95 36.2"]
)
def test_an_unreadable_geoshape_is_refused_at_its_field_with_a_code(cast: Cast, text: str) -> None:
    post(device("clerk"), instance("nts", cast.nts_payload(text)))

    report = Report.objects.get()
    assert report.review_flag == ReviewFlag.PROBLEMS
    ((field, code, _),) = _note_problems(report)
    assert (field, code) == ("payload.hazard.geometry", "not_a_geometry")


def test_an_unreadable_geopoint_is_refused_at_its_field_with_a_code(cast: Cast) -> None:
    post(device("clerk"), instance("nts", cast.nts_payload(benchmark="49.95")))

    report = Report.objects.get()
    ((field, code, _),) = _note_problems(report)
    assert (field, code) == ("payload.hazard.benchmark", "not_a_geometry")
