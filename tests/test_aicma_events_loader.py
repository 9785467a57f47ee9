"""`clearground load aicma-events`: accidents become approved accident reports, suspected minefields hazard
indications for survey, other events are counted; re-loading adds nothing; a failed load leaves nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from casualties.models import Accident
from hazards.models import HazardIndication
from interop.importers.aicma_events import load_events
from interop.models import ImportedRecord
from reports.models import Report, ReportStatus
from tests.imports_helpers import SHARED_DATA

EVENTS = SHARED_DATA / "colombia_aicma_events"


def feature(kind: int, lon: float = -75.5, lat: float = 6.2, year: Any = "2005", muni: str = "Yalí") -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"TIPO_EVENTO": str(kind), "AÑO": year, "DEPARTAMENTO": "Antioquia", "MUNICIPIO": muni,
                       "TIPO_AREA": "Rural"},
    }  # fmt: skip


def events_file(tmp_path: Path, features: list[dict[str, Any]]) -> Path:
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


SAMPLE = [
    feature(1),
    feature(1),  # the same point, year and type again: a second accident, not a duplicate to drop
    feature(2, lon=-74.1, lat=4.6, muni="Bogotá"),
    feature(8, lon=-73.0, lat=7.1),
    feature(4),  # military demining: counted, not stored
    feature(1, lon=74.23, lat=7.9),  # a lost minus sign: rejected with the reason, never flipped
]


def test_accidents_become_approved_reports_and_suspected_minefields_indications_for_survey(
    db: None, tmp_path: Path
) -> None:
    result = load_events(events_file(tmp_path, SAMPLE))

    assert (result["read"], result["rejected"], result["other_events_not_stored"]) == (6, 1, 1)
    assert (result["accident_reports_created"], result["hazard_indications_created"]) == (3, 1)
    assert result["rejected_rows"] == [
        {"feature": 6, "field": "geometry", "reason": "point (74.23, 7.9) is outside Colombia"}
    ]
    assert Report.objects.filter(kind="accident", status=ReportStatus.APPROVED).count() == 3
    accidents = Accident.objects.order_by("id")
    assert [(a.device_category, a.occurred_at.year, a.casualties.count()) for a in accidents] == [
        ("ap_mine", 2005, 0),
        ("ap_mine", 2005, 0),
        ("uxo", 2005, 0),
    ]
    indication = HazardIndication.objects.get()
    assert (indication.status, indication.location.x, indication.year) == ("for_survey", -73.0, 2005)


def test_loading_the_same_file_again_adds_nothing(db: None, tmp_path: Path) -> None:
    path = events_file(tmp_path, SAMPLE)
    load_events(path)

    again = load_events(path)

    assert (again["accident_reports_created"], again["hazard_indications_created"], again["already_present"]) == (
        0,
        0,
        4,
    )
    assert (Report.objects.count(), HazardIndication.objects.count(), ImportedRecord.objects.count()) == (3, 1, 3)


def test_a_dry_run_writes_nothing_and_says_what_it_would_create(db: None, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("load", "aicma-events", str(events_file(tmp_path, SAMPLE)), "--dry-run", "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert result["would_create"] == {"accident_reports": 3, "hazard_indications": 1}
    assert (Report.objects.count(), HazardIndication.objects.count()) == (0, 0)


def test_a_load_killed_in_the_middle_leaves_no_record_at_all(db: None, tmp_path: Path) -> None:
    def killed(n: int) -> None:
        if Report.objects.count() >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_events(events_file(tmp_path, SAMPLE), progress=killed)

    assert (Report.objects.count(), HazardIndication.objects.count(), ImportedRecord.objects.count()) == (0, 0, 0)


def test_the_command_prints_the_account_in_plain_words(db: None, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("load", "aicma-events", str(events_file(tmp_path, SAMPLE)), stdout=out)

    text = out.getvalue()
    assert "accident reports created and approved: 3" in text
    assert "hazard indications for survey created: 1" in text
    assert "rejected feature 6 geometry: point (74.23, 7.9) is outside Colombia" in text


def test_the_real_events_file_accounts_for_every_feature(db: None) -> None:
    path = EVENTS / "eventos_minas_1990_2019.geojson"
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (the tests read the real files in place)")

    result = load_events(path, dry_run=True)

    assert result["read"] == 36_527
    would = result["would_create"]
    assert would["accident_reports"] + would["hazard_indications"] + result["rejected"] == 6_909 + 1_908
    assert result["other_events_not_stored"] == 36_527 - 6_909 - 1_908
    assert Report.objects.count() == 0
