"""docs/howto/add-a-report-kind.md, walked: a toy kind declared here gets its checks, form, XLSForm, schema, docs.

Each test registers the kind the way step 3 says (an entry in KINDS) and asks for one derived view;
nothing else is written for it anywhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from django.utils.translation import gettext_lazy as _
from pyxform.xls2xform import convert
from rest_framework.test import APIClient

from clearground.test import DAY0, Cast
from core.errors import ValidationFailed
from reports.describe import markdown
from reports.fields import Choice, Date, Number, Point, Rows, Section, Text, When
from reports.kinds import KINDS
from reports.kinds.base import Changes, Checker, ReportKindSpec
from reports.models import Report
from reports.schema import component_name, payload_schema
from reports.xlsform import workbook, xlsform
from tests.helpers import approved, submitted
from vocab.choices import MarkingStatus
from web.workbench.spec import FORMS

RECORDED: list[dict[str, Any]] = []


def record_check(report: Report, changes: Changes, *, checking: bool) -> None:
    """Step 4: the toy kind's facts belong to no hazard; this records them (here, in a list)."""
    if not checking:
        RECORDED.append(changes.values)


def clear_check(report: Report) -> None:
    RECORDED.clear()


class MarkingCheckReport(ReportKindSpec):
    """Step 1: a marking check of a place — its fields declared once."""

    kind = "marking_check"
    label = _("marking check")
    title = _("Marking check")
    hazard = "optional"
    records_with = ("tests.test_add_a_report_kind.record_check", "tests.test_add_a_report_kind.clear_check")
    fields = (
        Section(
            _("Check"),
            (
                Date(name="checked_on", label=_("Checked on"), required=True),
                Choice(name="marking_status", label=_("Marking status"), vocab=MarkingStatus, required=True),
                Number(
                    name="signs_missing",
                    label=_("Signs missing"),
                    integer=True,
                    maximum=500,
                    required_when=When("marking_status", ("partial",)),
                ),
                Point(name="location", label=_("Location")),
                Rows(
                    name="photos",
                    label=_("Photos"),
                    fields=(
                        Text(name="caption", label=_("Caption"), required=True, max_len=200),
                        Point(name="location", label=_("Location")),
                    ),
                ),
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        """Step 2: the default reading, and one rule between fields."""
        changes = super().changes(c, on=on, has_hazard=has_hazard)
        checked_on = changes.values["checked_on"]
        if checked_on and on and checked_on > on:
            c.problem("checked_on", f"{checked_on} is after the report's date of information {on}")
        return changes


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> ReportKindSpec:
    """Step 3: the kind registered in KINDS."""
    spec = MarkingCheckReport()
    monkeypatch.setitem(KINDS, spec.kind, spec)
    RECORDED.clear()
    return spec


def a_check(**extra: Any) -> dict[str, Any]:
    return {
        "checked_on": "2024-01-12",
        "marking_status": "partial",
        "signs_missing": 3,
        "photos": [{"caption": "North corner", "location": {"type": "Point", "coordinates": [36.2, 49.95]}}],
        **extra,
    }


def test_a_new_kind_is_a_choice_of_a_report_without_a_migration(registered: ReportKindSpec) -> None:
    choices = dict(Report._meta.get_field("kind").choices or [])
    assert str(choices["marking_check"]) == "Marking check"


def test_a_new_kind_checks_its_payload_by_its_declaration(cast: Cast, registered: ReportKindSpec) -> None:
    payload = {"marking_status": "partial", "photos": [{"location": None}], "colour": "red"}
    with pytest.raises(ValidationFailed) as failed:
        submitted(cast, "marking_check", payload)
    assert [(p.field, p.message) for p in failed.value.problems] == [
        ("payload.checked_on", "is required (a date, YYYY-MM-DD)"),
        ("payload.signs_missing", "is required"),
        ("payload.photos.0.caption", "is required"),
        ("payload.colour", "is not a field of a marking check"),
    ]


def test_a_new_kind_keeps_its_own_rules_between_fields(cast: Cast, registered: ReportKindSpec) -> None:
    with pytest.raises(ValidationFailed) as failed:
        submitted(cast, "marking_check", a_check(checked_on="2024-01-20"))
    assert [(p.field, p.message) for p in failed.value.problems] == [
        ("payload.checked_on", f"2024-01-20 is after the report's date of information {DAY0}")
    ]


def test_an_approved_report_of_a_new_kind_is_recorded_by_its_own_module(cast: Cast, registered: ReportKindSpec) -> None:
    approved(cast, "marking_check", a_check())
    assert RECORDED[0]["marking_status"] == "partial"
    assert RECORDED[0]["photos"][0]["caption"] == "North corner"


def test_a_new_kind_gets_its_web_form(registered: ReportKindSpec) -> None:
    form = FORMS["marking_check"]
    (section,) = form.sections
    assert [item.path for item in section.items] == [
        "checked_on",
        "marking_status",
        "signs_missing",
        "location",
        "photos",
    ]
    assert [(f.path, f.type, f.required) for f in form.groups()["photos"].fields] == [
        ("caption", "text", True),
        ("location", "point", False),
    ]
    assert form.hazard is None  # its facts belong to no hazard: the header asks for none


def test_a_new_kind_gets_its_xlsform(registered: ReportKindSpec) -> None:
    sheets = xlsform(registered)
    rows = {row["name"]: row for row in sheets["survey"] if "type" in row and not row["type"].startswith("end")}
    assert rows["marking_status"]["type"] == "select_one marking_status"
    assert rows["signs_missing"]["required"] == "../marking_status = 'partial'"
    assert rows["photos"]["type"] == "begin_repeat"
    warnings: list[str] = []
    xform = convert(workbook(sheets), warnings=warnings, file_type=".xlsx").xform
    assert warnings == []
    assert "<signs_missing" in xform and 'type="geopoint"' in xform


def test_a_new_kind_gets_its_api_schema(db: None, registered: ReportKindSpec) -> None:
    schema = payload_schema(registered)
    assert schema["required"] == ["checked_on", "marking_status"]
    assert schema["properties"]["marking_status"]["enum"] == list(MarkingStatus.values)
    document = yaml.safe_load(APIClient().get("/api/schema/").content)
    components = document["components"]["schemas"]
    assert components[component_name("marking_check")] == schema
    refs = [ref["$ref"] for ref in components["ReportCreate"]["properties"]["payload"]["anyOf"]]
    assert "#/components/schemas/ReportPayloadMarkingCheck" in refs


def test_a_new_kind_gets_its_table_in_the_docs(registered: ReportKindSpec) -> None:
    table = markdown()
    assert "### `marking_check` — marking check" in table
    assert "| `signs_missing` | whole number 0–500 | when marking_status | Signs missing." in table
