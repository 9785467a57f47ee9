"""Every CSV and XLSX Clearground writes shows text as text: a cell that would be a formula is neutralised.

Hazards named like spreadsheet formulas are exported through the API (CSV with HXL, XLSX) and the
Article 7 XLSX carries an admin area named so; each file is read back with the csv module or
openpyxl. In CSV such text starts with an apostrophe; in XLSX it is a string cell, never a formula;
numbers stay numbers (decision 0033).
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from clearground.test import Cast
from core.spreadsheet import csv_text
from tests.helpers import register_hazard

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "@SUM(A1)", "-2+3"]
CONTROL = ["\tTAB", "\r=1+1"]  # a stored name is stripped of these, but the helper covers them


@pytest.fixture
def named(cast: Cast) -> Cast:
    for i, name in enumerate(FORMULAS):
        register_hazard(cast, size_m=50 + 10 * i, name=name)
    return cast


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_helper_prefixes_text_that_starts_a_formula_and_leaves_numbers_alone() -> None:
    assert [csv_text(v) for v in FORMULAS + CONTROL] == ["'" + v for v in FORMULAS + CONTROL]
    assert csv_text(-2) == -2 and csv_text(-2.5) == -2.5 and csv_text("Orchard") == "Orchard"
    assert csv_text("a=b") == "a=b" and csv_text("") == ""


@pytest.mark.django_db
def test_the_csv_export_writes_formula_like_names_as_text(named: Cast) -> None:
    response = api(named.imo).get("/api/v1/exports/csv/", {"collections": "hazardous_areas"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read("hazardous_areas.csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[2:]
    names = sorted(r[header.index("name")] for r in body)
    assert names == sorted("'" + v for v in FORMULAS)
    numbers = [r[header.index("original_area_m2")] for r in body]
    assert all(not n.startswith("'") and float(n) > 0 for n in numbers)  # numbers stay numbers


@pytest.mark.django_db
def test_the_xlsx_export_writes_formula_like_names_as_string_cells(named: Cast) -> None:
    response = api(named.imo).get("/api/v1/exports/xlsx/", {"collections": "hazardous_areas"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book["hazardous_areas"]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("name")] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(FORMULAS)  # as written, no apostrophe
    assert {c.data_type for c in cells} == {"s"}
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    areas = [row[header.index("original_area_m2")] for row in sheet.iter_rows(min_row=2)]
    assert {c.data_type for c in areas} == {"n"}


@pytest.mark.django_db
def test_the_article7_xlsx_keeps_a_formula_like_admin_area_name_a_string(cast: Cast) -> None:
    cast.area.name = '=HYPERLINK("http://x","y")'
    cast.area.save()
    register_hazard(cast)
    client = api(cast.imo)
    created = client.post("/api/v1/article7-reports/", {"country_iso3": "UKR", "year": 2024}, format="json")
    assert created.status_code == 201, created.content[:300]

    xlsx = client.get(f"/api/v1/article7-reports/{created.json()['id']}/xlsx/")
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    named = [c for c in cells if c.value == cast.area.name]
    assert named and {c.data_type for c in named} == {"s"}
    assert not [c for c in cells if c.data_type == "f"]
