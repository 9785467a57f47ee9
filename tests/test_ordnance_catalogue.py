"""Issue 15 point 13: the explosive ordnance catalogue, importable, used by finds, minefield records and Art. 7.

Public reference facts only (model, category, country of origin). A model is kept as written and
matched ignoring case, spaces and hyphens; a match decides the category it counts as (decision 0049).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from clearground.test import Cast, point, rect
from hazards.models import Find, HazardousArea
from obligations.article7 import items_destroyed, mined_areas
from ordnance.catalogue import NOT_IN_CATALOGUE, match, normalise
from ordnance.models import OrdnanceModel
from tests.helpers import activity, approved, register_hazard

SEEDED = {
    "PMN-2": "ap_mine", "PFM-1": "ap_mine", "POM-2": "ap_mine", "MON-50": "ap_mine", "TM-62M": "at_mine",
    "OZM-72": "ap_mine", "M14": "ap_mine", "VS-50": "ap_mine",
}  # fmt: skip


def test_the_seed_holds_well_known_models_with_their_public_categories(db: Any) -> None:
    seeded = dict(OrdnanceModel.objects.filter(name__in=SEEDED).values_list("name", "category"))
    assert seeded == SEEDED
    assert OrdnanceModel.objects.get(name="VS-50").country_of_origin == "Italy"


def test_models_match_whatever_their_case_spaces_and_hyphens(db: Any) -> None:
    assert normalise(" Pmn – 2 ") == normalise("PMN-2") == "pmn2"
    written = ["pmn 2", "PMN2", "m-14", "pfm-1s", "Homemade pressure plate", ""]
    found = {w: e.name for w, e in match(written).items()}
    assert found == {"pmn 2": "PMN-2", "PMN2": "PMN-2", "m-14": "M14", "pfm-1s": "PFM-1"}


def test_the_authoritys_csv_adds_and_updates_models_and_loading_again_changes_nothing(db: Any, tmp_path: Path) -> None:
    csv = tmp_path / "catalogue.csv"
    csv.write_text(
        "model,category,country_of_origin,aliases\n"
        "PMA-3,AP,Yugoslavia,\n"
        "Pressure-plate IED,improvised_ap,,PPIED|pressure plate\n"
        "pmn 2,ap,Soviet Union,PMN-2 mine\n",
        encoding="utf-8",
    )
    out = _run("load_ordnance", str(csv), "--source", "NMAA 2024 catalogue")
    assert "2 models added, 1 updated" in out
    assert OrdnanceModel.objects.get(key="pma3").category == "ap_mine"
    assert match(["ppied"])["ppied"].category == "ap_improvised"
    assert OrdnanceModel.objects.filter(key="pmn2").count() == 1
    assert match(["PMN-2 mine"])["PMN-2 mine"].source == "NMAA 2024 catalogue"
    changes = AuditEntry.objects.filter(action="ordnance.load")
    assert changes.count() == 3  # two new models, and PMN-2 gaining an alias and a new source
    assert changes.get(object_id=str(OrdnanceModel.objects.get(key="pmn2").pk)).old["aliases"] == []
    assert "0 models added, 3 updated" in _run("load_ordnance", str(csv))
    assert changes.count() == 3  # the same file again changes nothing, so nothing new is audited


def test_a_json_catalogue_loads_as_the_csv_does(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps([{"model": "BLU-97/B", "category": "submunition", "aliases": ["BLU 97"]},
                                {"model": "Type 69", "category": "AP", "country_of_origin": "China"}]))  # fmt: skip
    assert "1 models added, 1 updated" in _run("load_ordnance", str(path))
    assert match(["blu 97"])["blu 97"].name == "BLU-97/B"


def test_a_bad_catalogue_names_every_bad_row_and_stores_nothing(db: Any, tmp_path: Path) -> None:
    before = OrdnanceModel.objects.count()
    csv = tmp_path / "bad.csv"
    csv.write_text("model,category\nPMA-3,AP\n,AP\nXYZ-1,rocket\npma 3,AT\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        _run("load_ordnance", str(csv))
    message = str(exc.value)
    assert "row 2.model: is required" in message
    assert "row 3.category: 'rocket' is not one of" in message
    assert "row 4.model: 'pma 3' is the same model as row 1" in message
    assert OrdnanceModel.objects.count() == before and not OrdnanceModel.objects.filter(key="pma3").exists()
    (tmp_path / "cat.xlsx").write_text("x")
    with pytest.raises(CommandError, match="is not .csv or .json"):
        _run("load_ordnance", str(tmp_path / "cat.xlsx"))


def test_a_find_keeps_its_model_as_written_with_its_catalogue_match(cast: Cast) -> None:
    hazard = register_hazard(cast)
    approved(
        cast,
        "clearance_progress",
        {
            "activity": activity(),
            "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}],
            "finds": [
                {
                    "category": "uxo",
                    "model": "pmn 2",
                    "quantity": 2,
                    "location": point(10, 10),
                    "disposal": "destroyed_in_situ",
                },
                {"category": "ied", "model": "Homemade pressure plate", "quantity": 1, "disposal": "destroyed_in_situ"},
            ],
        },  # fmt: skip
        hazard=hazard,
    )
    matched, unmatched = Find.objects.filter(hazard=hazard).order_by("id")
    assert (matched.model, matched.category, matched.catalogue_entry.name) == ("pmn 2", "uxo", "PMN-2")
    assert matched.catalogue_note == "catalogue: PMN-2 (ap_mine)" and matched.counted_category() == "ap_mine"
    assert unmatched.catalogue_entry is None and unmatched.catalogue_note == NOT_IN_CATALOGUE
    assert unmatched.model == "Homemade pressure plate" and unmatched.counted_category() == "ied"


def test_article_7_counts_a_catalogued_ap_mine_as_one_whatever_category_or_spelling_it_was_reported_with(
    cast: Cast,
) -> None:
    hazard = register_hazard(cast)
    approved(
        cast,
        "clearance_progress",
        {
            "activity": activity(),
            "cleared": [{"geometry": rect(0, 0, 50, 100), "depth_cm": 20}],
            "finds": [
                {"category": "uxo", "model": "pmn 2", "quantity": 2, "disposal": "destroyed_in_situ"},
                {"category": "ap_mine", "model": "PMN-2", "quantity": 3, "disposal": "destroyed_in_situ"},
                {"category": "ap_mine", "model": "TM62M", "quantity": 1, "disposal": "destroyed_in_situ"},
            ],
        },
        hazard=hazard,
        on=dt.date(2024, 2, 1),
    )
    g = items_destroyed("UKR", 2024, timezone.now())
    assert [(r["category"], r["model"], r["quantity"]) for r in g["ap_mines_destroyed"]["rows"]] == [
        ("ap_mine", "PMN-2", 5)
    ]
    assert [(r["category"], r["quantity"]) for r in g["other_items_destroyed"]["rows"]] == [("at_mine", 1)]


def test_a_minefield_record_of_catalogued_ap_mines_is_a_mined_area_whatever_category_it_was_filed_under(
    cast: Cast,
) -> None:
    report = approved(
        cast,
        "minefield_record",
        {
            "received_from": "Ministry of Defence of a neighbouring state",
            "received_from_kind": "state",
            "received_on": "2023-06-01",
            "document_reference": "Note verbale 12/2023",
            "name": "Recorded minefield at the border crossing",
            "perimeter": rect(0, 0, 200, 50),
            "reference_points": [point(0, 0)],
            "laying_party": "Border guard unit",
            "date_laid": "2022-01-10",
            "devices": [
                {"category": "unknown", "model": "PFM 1", "quantity": 500},
                {"category": "unknown", "model": "XM-999", "quantity": 5},
            ],
        },  # fmt: skip
    )
    hazard = HazardousArea.objects.get(pk=report.hazard_id)
    assert hazard.devices_confirmed == ["ap_mine", "unknown"] and hazard.is_mined_area()
    notes = [d["catalogue_note"] for d in hazard.minefield_record.devices]
    assert notes == ["catalogue: PFM-1 (ap_mine)", NOT_IN_CATALOGUE]
    form_c = mined_areas("UKR", dt.date(2024, 12, 31), timezone.now())
    assert form_c["totals"]["cha_areas"] == 1 and form_c["other_hazardous_areas"]["areas"] == 0


def test_any_signed_in_user_reads_the_catalogue_and_anonymous_does_not(cast: Cast) -> None:
    client = APIClient()
    assert client.get("/api/v1/ordnance-models/").status_code in (401, 403)
    client.force_authenticate(cast.outsider)
    found = client.get("/api/v1/ordnance-models/", {"match": "ozm 72"}).json()
    assert [(m["name"], m["category"]) for m in found] == [("OZM-72", "ap_mine")]
    assert client.get("/api/v1/ordnance-models/", {"match": "nothing like it"}).json() == []
    at = client.get("/api/v1/ordnance-models/", {"category": "at_mine"}).json()
    assert {"TM-62M"} <= {m["name"] for m in at} and all(m["category"] == "at_mine" for m in at)


def _run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
