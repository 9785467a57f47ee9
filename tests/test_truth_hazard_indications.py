"""Issue 15 point 8: hazard indications are visible (REST, OGC, map, exports) with the access rules of hazards,
and a lifted minefield is its own kind of indication, not "for survey" like a suspicion (decision 0048)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from clearground.test import Cast, point
from hazards.models import HazardIndication
from interop.imports import service
from tests.imports_helpers import media_in_tmp

__all__ = ["media_in_tmp"]


def _import(cast: Cast, folder: Path, rows: list[tuple[str, str]]) -> Any:
    features = [{"type": "Feature", "properties": {"ref": ref, "what": what}, "geometry": point(100 * i, 50)}
                for i, (ref, what) in enumerate(rows)]  # fmt: skip
    path = folder / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    mapping = {"id_column": "ref", "fields": {"kind": {"column": "what"}, "place": {"template": "Near {ref}"}}}
    imp = service.create_import(acting_user=cast.imo, organisation=cast.alpha, path=path, original_name=path.name,
                                kind="hazard_indication", mapping=mapping)  # fmt: skip
    return service.run_import(imp, acting_user=cast.imo)


def api(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_lifted_minefield_is_recorded_as_its_own_kind_and_a_bad_kind_is_rejected_naming_it(cast, tmp_path):
    imp = _import(cast, tmp_path, [("P-1", "suspected"), ("P-2", "lifted_minefield"), ("P-3", "minefield-ish")])

    assert imp.counts["imported"] == 2 and imp.counts["rejected"] == 1
    (row,) = csv.DictReader(io.StringIO(imp.report_csv))
    assert (row["row"], row["status"], row["field"]) == ("3", "rejected", "kind")
    assert row["reason"] == "'minefield-ish' is not one of suspected, lifted_minefield"
    kinds = dict(HazardIndication.objects.values_list("source_key", "kind"))
    assert kinds == {"P-1": "suspected", "P-2": "lifted_minefield"}


def test_the_rest_api_lists_and_shows_indications_to_whom_sees_the_organisations_hazards(cast, tmp_path):
    _import(cast, tmp_path, [("P-1", "suspected"), ("P-2", "lifted_minefield")])
    lifted = HazardIndication.objects.get(source_key="P-2")

    assert "hazard-indications" in api(cast.imo).get("/api/v1/").json()
    listed = api(cast.imo).get("/api/v1/hazard-indications/").json()
    assert [f["properties"]["kind"] for f in listed["features"]] == ["suspected", "lifted_minefield"]
    only = api(cast.clerk).get("/api/v1/hazard-indications/", {"kind": "lifted_minefield"}).json()
    (feature,) = only["features"]
    assert feature["id"] == lifted.pk and feature["properties"]["organisation"] == "alpha"
    assert feature["geometry"]["type"] == "Point" and "source_key" not in feature["properties"]
    assert api(cast.clerk).get("/api/v1/hazard-indications/", {"kind": "nope"}).status_code == 400
    # Operator Bravo's clerk sees none of Alpha's, and one of them is a 404 like a missing one.
    assert api(cast.outsider).get("/api/v1/hazard-indications/").json()["features"] == []
    assert api(cast.outsider).get(f"/api/v1/hazard-indications/{lifted.pk}/").status_code == 404
    assert api(cast.outsider).get("/api/v1/hazard-indications/999999/").status_code == 404
    assert api().get("/api/v1/hazard-indications/").status_code in (401, 403)


def test_the_ogc_collection_is_for_signed_in_users_unless_the_authority_publishes_it(cast, tmp_path, settings):
    _import(cast, tmp_path, [("P-1", "suspected"), ("P-2", "lifted_minefield")])
    member = Client()
    member.force_login(cast.viewer)

    items = member.get("/ogc/collections/hazard_indications/items", {"f": "json"}).json()
    assert sorted(f["properties"]["kind"] for f in items["features"]) == ["lifted_minefield", "suspected"]
    assert Client().get("/ogc/collections/hazard_indications/items", {"f": "json"}).status_code == 404
    settings.CLEARGROUND_PUBLISHED = {"hazard_indications": ["kind", "place"]}  # place is never publishable
    public = Client().get("/ogc/collections/hazard_indications/items", {"f": "json"}).json()
    assert {tuple(sorted(f["properties"])) for f in public["features"]} == {("kind",)}


def test_the_map_draws_indications_for_members_and_exports_carry_them(cast, tmp_path):
    _import(cast, tmp_path, [("P-1", "suspected"), ("P-2", "lifted_minefield")])
    client = Client()
    client.force_login(cast.clerk)

    page = client.get("/map/").content.decode()
    config = json.loads(re.search(r'<script id="atlas-config" type="application/json">(.*?)</script>', page).group(1))
    assert "hazard_indications" in config["tiles"]
    assert config["labels"]["indication_kind"]["lifted_minefield"] == "Lifted minefield"
    assert 'value="indications"' in page
    tile = client.get(reverse("tiles:tile", args=["hazard_indications", 0, 0, 0]))
    assert tile.status_code == 200 and len(tile.content) > 0

    response = api(cast.clerk).get("/api/v1/exports/geojson/?collections=hazard_indications")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as z:
        data = json.loads(z.read("hazard_indications.geojson"))
    assert sorted(f["properties"]["kind"] for f in data["features"]) == ["lifted_minefield", "suspected"]
    # As the hazardous areas: any signed-in user reads the collection (decision 0018), nobody anonymous.
    assert api().get("/api/v1/exports/geojson/?collections=hazard_indications").status_code in (401, 403)
