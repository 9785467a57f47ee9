"""Publication is a choice, and safe by default (decision 0037): what an anonymous caller gets, at every door.

The attacks of issue 13 are replayed as written: the whole finds collection in one anonymous page
(`limit=10000`), and a CQL2 filter listing the armed anti-personnel mines. Both must fail; the public
gets the released-land summary, and what the authority publishes (hazard warnings without device
details), nothing else.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from clearground.test import Cast, point, rect
from core.errors import ValidationFailed
from interop.exports import exporter_for, parse_request
from interop.exports.query import exportable
from interop.ogc import core
from interop.publish_access import publication_problems, published
from interop.tiles.queries import lonlat_to_tile
from tests.helpers import activity, approved, register_hazard
from tests.test_casualties_recording import accident_payload
from tests.test_tiles import decode

ARMED_AP = "category = 'ap_mine' AND condition = 'armed'"
DEFAULT_PUBLIC = ["released_land"]
NEVER_PUBLIC = ["hazardous_areas", "land_release_products", "activities", "finds", "risk_education_sessions",
                "accidents"]  # fmt: skip
WARNING_FIELDS = ["classification", "status", "admin_pcode", "admin_area", "date_of_information"]


@pytest.fixture
def minefield(cast: Cast) -> Cast:
    """A hazard with armed PFM-1 and POM-2 mines found at exact points, partly cleared, and an accident."""
    hazard = register_hazard(cast, 100, devices_suspected=["ap_mine"])
    approved(cast, "clearance_progress", {
        "activity": activity(),
        "cleared": [{"geometry": rect(0, 0, 40, 100), "depth_cm": 20}],
        "finds": [
            {"category": "ap_mine", "model": "PFM-1", "quantity": 3, "condition": "armed", "location": point(10, 10)},
            {"category": "ap_mine", "model": "POM-2", "quantity": 1, "condition": "armed", "location": point(20, 30)},
            {"category": "uxo", "model": "MON-50", "quantity": 1, "condition": "intact", "location": point(30, 30)},
        ],
    }, hazard=hazard)  # fmt: skip
    approved(cast, "accident", accident_payload())
    return cast


def anonymous(path: str, **params: Any) -> Any:
    return Client().get(path, params)


def collection_ids(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.content
    return [c["id"] for c in answer.json()["collections"]]


# ---- the attacks, replayed


def test_the_anonymous_finds_dump_with_limit_10000_finds_nothing(minefield: Cast) -> None:
    answer = anonymous("/ogc/collections/finds/items", limit=10000)
    assert answer.status_code == 404
    for model in (b"PFM-1", b"POM-2", b"MON-50", b"armed"):
        assert model not in answer.content


def test_the_anonymous_cql2_filter_for_armed_anti_personnel_mines_finds_nothing(minefield: Cast) -> None:
    answer = anonymous("/ogc/collections/finds/items", filter=ARMED_AP, limit=10000)
    assert answer.status_code == 404
    assert b"PFM-1" not in answer.content and b"armed" not in answer.content


def test_a_signed_in_member_still_reads_the_finds_as_their_role_allows(minefield: Cast) -> None:
    client = Client()
    client.force_login(minefield.viewer)
    answer = client.get("/ogc/collections/finds/items", {"filter": ARMED_AP, "limit": 10000})
    assert answer.status_code == 200
    assert sorted(f["properties"]["model"] for f in answer.json()["features"]) == ["PFM-1", "POM-2"]


def test_no_setting_can_publish_the_finds_the_accidents_or_the_hazards_device_details(
    minefield: Cast, settings: Any
) -> None:
    settings.CLEARGROUND_PUBLISHED = {
        "finds": ["model", "condition", "depth_cm"],
        "accidents": ["killed"],
        "hazardous_areas": ["devices_suspected"],
        "hazard_warnings": ["classification", "devices_suspected", "marking_status"],
    }
    assert set(published()) == {"hazard_warnings"}
    assert published()["hazard_warnings"] == ("classification",)
    for cid in ("finds", "accidents", "hazardous_areas"):
        assert anonymous(f"/ogc/collections/{cid}/items", limit=10000).status_code == 404
    assert collection_ids(anonymous("/ogc/collections")) == ["hazard_warnings"]
    problems = publication_problems()
    assert any("'finds' may never be published" in p for p in problems)
    assert any("'devices_suspected' may not be published" in p for p in problems)


# ---- the defaults, pinned


def test_by_default_the_public_gets_the_released_land_summary_and_nothing_else(minefield: Cast) -> None:
    assert collection_ids(anonymous("/ogc/collections")) == DEFAULT_PUBLIC
    for cid in NEVER_PUBLIC + ["hazard_warnings"]:
        ogc = f"/ogc/collections/{cid}"
        for path in (ogc, f"{ogc}/items", f"{ogc}/queryables", f"{ogc}/items/1", f"/tiles/{cid}/tilejson.json",
                     f"/tiles/{cid}/0/0/0"):  # fmt: skip
            assert anonymous(path).status_code == 404, path
    summary = anonymous("/api/v1/public/land-release/")
    assert summary.status_code == 200 and summary.json()["areas"][0]["admin_area"] == "UA63"


def test_the_released_land_summary_is_published_with_its_figures_and_the_area_outline_only(minefield: Cast) -> None:
    answer = anonymous("/ogc/collections/released_land/items")
    assert answer.status_code == 200
    (feature,) = answer.json()["features"]
    props = feature["properties"]
    assert props["admin_pcode"] == "UA63" and props["hazards"] == 1 and props["cleared_m2"] > 0
    assert set(props) == {"admin_pcode", "admin_area", "hazards", "open_hazards", "original_m2", "cancelled_m2",
                          "reduced_m2", "cleared_m2", "remaining_m2", "latest_information"}  # fmt: skip
    queryables = anonymous("/ogc/collections/released_land/queryables").json()["properties"]
    assert set(queryables) == {"id", "geom", *props}


def test_the_default_conformance_and_landing_page_are_open_to_anyone(db: None) -> None:
    assert anonymous("/ogc/conformance").json()["conformsTo"] == core.CONFORMANCE
    rels = {link["rel"] for link in anonymous("/ogc/").json()["links"]}
    assert {"conformance", "data", "service-desc"} <= rels


def test_casualties_and_accidents_are_absent_for_the_public_at_every_door(minefield: Cast) -> None:
    assert anonymous("/ogc/collections/accidents/items").status_code == 404
    assert anonymous("/tiles/accidents/tilejson.json").status_code == 404
    for path in ("/api/v1/accidents/", "/api/v1/casualties/", "/api/v1/casualty-statistics/"):
        assert anonymous(path).status_code in (401, 403), path


# ---- what the authority publishes


def test_an_authority_published_warning_layer_shows_hazard_outlines_without_devices_or_condition(
    minefield: Cast, settings: Any
) -> None:
    settings.CLEARGROUND_PUBLISHED = {"hazard_warnings": WARNING_FIELDS}
    answer = anonymous("/ogc/collections/hazard_warnings/items", limit=10000)
    assert answer.status_code == 200
    (feature,) = answer.json()["features"]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert set(feature["properties"]) == set(WARNING_FIELDS)
    for withheld in (b"ap_mine", b"PFM-1", b"armed", b"devices", b"marking", b"Operator Alpha"):
        assert withheld not in answer.content
    assert collection_ids(anonymous("/ogc/collections")) == ["hazard_warnings"]


def test_a_filter_on_an_unpublished_field_is_refused_not_answered(minefield: Cast, settings: Any) -> None:
    settings.CLEARGROUND_PUBLISHED = {"hazard_warnings": ["classification"]}
    base = "/ogc/collections/hazard_warnings/items"
    assert anonymous(base, filter="classification = 'SHA'").status_code == 200
    for oracle in ("status = 'open'", "devices_suspected LIKE '%ap_mine%'", "marking_status = 'none'"):
        answer = anonymous(base, filter=oracle)
        assert answer.status_code == 400, oracle
        assert "unknown property" in answer.json()["description"]
    assert anonymous(base, status="open").status_code == 400  # the property-equality door too
    assert anonymous(base, datetime="2024-01-01/..").status_code == 400  # its date is not published either
    queryables = anonymous("/ogc/collections/hazard_warnings/queryables").json()["properties"]
    assert set(queryables) == {"id", "geom", "classification"}


def test_published_tiles_carry_only_the_published_fields_and_may_be_cached_by_anyone(
    minefield: Cast, settings: Any, tmp_path: Path
) -> None:
    settings.CLEARGROUND_PUBLISHED = {"hazard_warnings": ["classification"]}
    tilejson = anonymous("/tiles/hazard_warnings/tilejson.json")
    assert tilejson.status_code == 200
    assert tilejson.json()["vector_layers"][0]["fields"] == {"id": "Number", "classification": "String"}
    lon, lat = point(50, 50)["coordinates"]
    x, y = lonlat_to_tile(lon, lat, 14)
    answer = anonymous(f"/tiles/hazard_warnings/14/{x}/{y}")
    assert answer.status_code == 200 and answer["Cache-Control"] == "public, no-cache"
    (feature,) = decode(answer.content, 14, x, y, "hazard_warnings", tmp_path)
    assert set(feature) - {"geometry", "mvt_id"} == {"id", "classification"}  # mvt_id: GDAL's own
    # A member's tile of the same address holds more: it is theirs alone, and its ETag differs.
    member = Client()
    member.force_login(minefield.viewer)
    theirs = member.get(f"/tiles/hazard_warnings/14/{x}/{y}")
    assert theirs["Cache-Control"] == "private, no-cache" and theirs["ETag"] != answer["ETag"]


def test_exports_without_a_user_hold_only_what_is_published(minefield: Cast, tmp_path: Path) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert [c.id for c in exportable(AnonymousUser())] == DEFAULT_PUBLIC
    out = tmp_path / "public.geojson.zip"
    call_command("export", "--format", "geojson", "--out", str(out))
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == ["released_land.geojson"]
        body = z.read("released_land.geojson")
    assert b"PFM-1" not in body and b"Operator Alpha" not in body
    assert json.loads(body)["features"][0]["properties"]["admin_pcode"] == "UA63"
    assert parse_request(AnonymousUser()).collections[0].fields is not None
    assert exporter_for("gpkg") is not None


def test_signed_in_members_keep_every_collection_they_read_before(minefield: Cast) -> None:
    client = Client()
    client.force_login(minefield.clerk)
    listed = collection_ids(client.get("/ogc/collections"))
    assert listed == ["hazardous_areas", "land_release_products", "activities", "finds", "risk_education_sessions",
                      "released_land", "hazard_warnings", "hazard_indications", "accidents"]  # fmt: skip
    hazard = client.get("/ogc/collections/hazardous_areas/items").json()["features"][0]["properties"]
    assert hazard["devices_suspected"] == "ap_mine"


def test_an_export_by_organisation_leaves_out_what_has_no_organisation_to_filter_on(
    minefield: Cast, settings: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser

    member = parse_request(minefield.viewer, organisation="alpha")
    assert "released_land" not in [c.id for c in member.collections]
    assert "hazardous_areas" in [c.id for c in member.collections]
    settings.CLEARGROUND_PUBLISHED = {"land_release_products": ["kind", "area_m2"]}
    # To the public the organisation is not published: no filter on it, named or not.
    assert parse_request(AnonymousUser(), organisation="alpha").collections == ()
    with pytest.raises(ValidationFailed) as refused:
        parse_request(AnonymousUser(), collections="land_release_products", organisation="alpha")
    assert refused.value.problems[0].field == "organisation"


def test_the_system_check_names_a_setting_that_would_publish_what_may_never_be(db: None, settings: Any) -> None:
    from django.core.checks import run_checks

    assert [e.id for e in run_checks() if e.id.startswith("interop.")] == []
    settings.CLEARGROUND_PUBLISHED = {"finds": ["model"], "released_land": ["cleared_m2", "secret"]}
    found = [e for e in run_checks() if e.id == "interop.E001"]
    assert len(found) == 2
    assert "'finds' may never be published" in found[0].msg and "'secret'" in found[1].msg
