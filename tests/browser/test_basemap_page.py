"""The map page draws the offline basemap from its tile door /basemaps/<name>/{z}/{x}/{y}.mvt (decision 0066), and the
switcher hides it."""

import pytest
from django.core.management import call_command

from clearground.test import LAT0, LON0
from places.models import Place
from tests.browser.conftest import sign_in
from tests.browser.test_atlas import READY, wait_idle
from tests.helpers import register_hazard

pytestmark = pytest.mark.django_db(transaction=True)

RENDERED = "(layer) => window.cgMap.queryRenderedFeatures({layers: [layer]}).map((f) => f.properties.name)"


def test_the_map_draws_provinces_and_towns_from_the_offline_basemap(page, live_server, live_cast, settings, tmp_path):
    Place.objects.create(geonameid=1, name="Big Town", country_iso3="UKR", population=1_400_000,
                         location=f"SRID=4326;POINT({LON0 + 0.01} {LAT0 + 0.01})", search_names="big town")  # fmt: skip
    register_hazard(live_cast, 200)
    archive = tmp_path / "demo.pmtiles"
    call_command("basemap", "build", "--out", str(archive), "--max-zoom", "12")
    settings.CLEARGROUND_BASEMAPS = [{"name": "demo", "type": "pmtiles", "file": str(archive)}]
    asked: list[tuple[str, str]] = []
    page.on("request", lambda r: asked.append((r.url, r.headers.get("range", ""))) if "/basemaps/" in r.url else None)
    sign_in(page, live_server, live_cast.clerk.username)
    page.goto(live_server.url + f"/map/#11/{LAT0}/{LON0}")
    page.wait_for_function(READY)
    wait_idle(page)
    assert "Test Oblast" in page.evaluate(RENDERED, "basemap-demo-provinces")
    assert page.evaluate(RENDERED, "basemap-demo-places") == ["Big Town"]
    # One request a tile from MapLibre's worker, no header or directory range requests before it.
    assert asked and all(url.endswith(".mvt") and "/basemaps/demo/" in url and not rng for url, rng in asked)
    # "Country outlines only" hides the basemap's layers.
    page.get_by_label("Country outlines only").check()
    wait_idle(page)
    assert page.evaluate(RENDERED, "basemap-demo-places") == []
