"""Each kind's fields are declared once; its form, XLSForm, API schema and docs come from the declaration.

And a hazard's attributes are one table, from which its snapshot, the bulk import's staging columns,
the REST serializer and the NTS form's hazard fields come (decision 0042).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.utils import translation
from pyxform.xls2xform import convert

from clearground.test import DAY0, Cast
from hazards.attributes import ATTRIBUTES, NAMES
from hazards.models import HazardousArea
from hazards.projections import STATE_FIELDS
from hazards.serializers import HazardSerializer
from interop.imports import bulk
from reports import fields as f
from reports.describe import markdown
from reports.kinds import KINDS
from reports.models import Report
from reports.schema import payload_schema
from reports.xlsform import workbook, xlsform
from tests.test_casualties_recording import accident_payload
from tests.test_risk_education import session_payload
from tests.test_translations import compiled  # noqa: F401 (the fixture that compiles the catalogues)
from web.workbench.spec import FORMS, Group

ROOT = Path(__file__).resolve().parent.parent


def leaf_paths(field: f.Field, prefix: str = "") -> list[str]:
    """The declared fields a form asks for, as the form names them (a row's fields relative to its row)."""
    path = f"{prefix}{field.name}"
    if isinstance(field, f.Group):
        return [p for child in field.fields for p in leaf_paths(child, f"{path}.")]
    if isinstance(field, f.Rows):
        return [path] + [f"{path}.N.{p}" for child in field.fields for p in leaf_paths(child)]
    return [path]


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_web_form_asks_for_every_declared_field_and_no_other(kind: str) -> None:
    spec = KINDS[kind]
    declared = [p for top in spec.declaration.fields() for p in leaf_paths(top)]
    asked = []
    for section in FORMS[kind].sections:
        for item in section.items:
            asked.append(item.path)
            if isinstance(item, Group):
                asked += [f"{item.path}.N.{field.path}" for field in item.fields]
    assert asked == declared


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_kind_reads_only_the_fields_it_declares(kind: str) -> None:
    # Reading an undeclared field raises LookupError: an empty payload walks every kind's reading.
    for has_hazard in (False, True):
        KINDS[kind].read({}, on=DAY0, has_hazard=has_hazard)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kinds_xlsform_becomes_an_xform_without_a_warning(kind: str) -> None:
    warnings: list[str] = []
    result = convert(workbook(xlsform(KINDS[kind])), warnings=warnings, file_type=".xlsx")
    assert warnings == []
    assert f"clearground_{kind}" in result.xform


@pytest.mark.usefixtures("compiled")
def test_the_xlsform_labels_a_field_in_every_language_from_the_catalogues() -> None:
    survey = xlsform(KINDS["nts"])["survey"]
    name = next(row for row in survey if row.get("name") == "name")  # the hazard's, before the informant's
    labels = {column.split("(")[-1].rstrip(")"): label for column, label in name.items() if column.startswith("label")}
    assert labels["en"] == "Hazard name"
    for code in ("uk", "es", "ar"):
        with translation.override(code):
            assert labels[code] == str(translation.gettext("Hazard name"))
        assert labels[code] != "Hazard name"


def test_the_xlsform_asks_for_a_polygon_a_point_and_a_repeat_as_odk_does() -> None:
    types = {row["name"]: row["type"] for row in xlsform(KINDS["nts"])["survey"] if "type" in row}
    assert types["geometry"] == "geoshape"
    assert types["benchmark"] == "geopoint"
    assert types["evidence"] == "end_repeat"  # the last row named evidence closes its repeat
    assert types["classification"] == "select_one classification"
    assert types["devices_suspected"] == "select_multiple device_category"


def test_the_xlsform_states_a_numbers_range_as_a_constraint() -> None:
    survey = xlsform(KINDS["clearance_summary"])["survey"]
    (month,) = [row for row in survey if row.get("name") == "month"]
    assert month["constraint"] == ". >= 1 and . <= 12"
    (area,) = [row for row in survey if row.get("name") == "area_cleared_m2"]
    assert area["constraint"] == ". >= 0 and . <= 10000000000"


def payloads(cast: Cast) -> dict[str, dict[str, Any]]:
    return {
        "nts": cast.nts_payload(),
        "accident": accident_payload(),
        "risk_education": session_payload(),
        "handover": {"handed_to": "Village council", "date": "2024-01-10"},
    }


def test_the_payload_schema_accepts_the_payloads_the_kinds_accept(cast: Cast) -> None:
    for kind, payload in payloads(cast).items():
        _, problems = KINDS[kind].read(payload, on=DAY0, has_hazard=False)
        assert problems == [], kind
        jsonschema.validate(payload, payload_schema(KINDS[kind]))


def test_the_payload_schema_refuses_what_the_declaration_refuses(cast: Cast) -> None:
    schema = payload_schema(KINDS["nts"])
    for wrong in (
        {"classification": "maybe"},
        {"name": "x" * 201},
        {"beneficiaries": -1},
        {"colour": "red"},
    ):
        payload = cast.nts_payload(**wrong)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(payload, schema)


def test_a_sealed_identity_fits_the_accident_schema() -> None:
    payload = accident_payload()
    payload["casualties"][0]["identity"] = {"fernet": "gAAAA..."}
    payload["casualties"][0]["consent"] = True
    jsonschema.validate(payload, payload_schema(KINDS["accident"]))


def test_the_docs_hold_the_field_tables_the_declarations_give() -> None:
    docs = (ROOT / "docs" / "reports.md").read_text()
    assert markdown() in docs, "run `clearground describe_kinds --markdown` and paste it into docs/reports.md"


def test_the_kinds_of_a_report_are_the_registered_kinds() -> None:
    assert [code for code, _ in Report._meta.get_field("kind").choices or []] == list(KINDS)


def test_each_hazard_attribute_is_a_field_of_the_hazard_model() -> None:
    model_fields = {field.name for field in HazardousArea._meta.get_fields()}
    assert set(NAMES) <= model_fields


def test_the_hazard_attributes_give_the_snapshot_staging_serializer_and_form() -> None:
    assert STATE_FIELDS[: len(NAMES)] == NAMES
    staging = dict(bulk._STAGING)
    assert all(staging[a.name] == a.staging for a in ATTRIBUTES)
    assert set(NAMES) <= set(HazardSerializer.Meta.fields)
    nts_inputs = [item.path for section in FORMS["nts"].sections for item in section.items]
    assert [p for p in nts_inputs if p.removeprefix("hazard.") in NAMES] == [f"hazard.{n}" for n in NAMES]
