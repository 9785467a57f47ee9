"""Vector tiles (/tiles/{collection}/{z}/{x}/{y}) and TileJSON: what a map client gets, decoded with GDAL.

Tiles are decoded with pyogrio's MVT driver (GDAL), which georeferences a single tile stored as
z/x/y.pbf; a tile's features must be the view's rows in that tile by SQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyogrio.raw
import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.test import Client

from clearground.test import LAT0, LON0, Cast, point, square
from hazards.models import HazardousArea
from interop.collections import COLLECTIONS
from interop.tiles.queries import attributes, lonlat_to_tile
from reports.actions import approve_report, create_report
from tests.helpers import approved

MVT = "application/vnd.mapbox-vector-tile"


def register_hazard(cast: Cast, geometry: dict[str, Any], **hazard: Any) -> HazardousArea:
    report = approved(cast, "nts", cast.nts_payload(geometry, **hazard))
    assert report.hazard is not None
    return HazardousArea.objects.get(pk=report.hazard.pk)


def decode(content: bytes, z: int, x: int, y: int, layer: str, tmp_path: Path) -> list[dict[str, Any]]:
    """The features of one tile: their attributes and their geometry (shapely, EPSG:3857)."""
    path = tmp_path / f"t{len(list(tmp_path.iterdir()))}" / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    # CLIP=NO: keep what the tile draws in its buffer beyond the edges, as MapLibre does.
    meta, _fids, geometries, values = pyogrio.raw.read(path, layer=layer, CLIP="NO")
    names = list(meta["fields"])
    return [
        {"geometry": GEOSGeometry(memoryview(bytes(g))), **{n: values[k][i] for k, n in enumerate(names)}}
        for i, g in enumerate(geometries)
    ]


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    x, y = lonlat_to_tile(lon, lat, z)
    return z, x, y


def ids_in_tile_by_sql(view: str, z: int, x: int, y: int) -> set[int]:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id FROM publish.{view} WHERE ST_Intersects(geom, ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326))",
            [z, x, y],
        )
        return {r[0] for r in cur.fetchall()}


def get(client: Client, z: int, x: int, y: int, collection: str = "hazardous_areas", **headers: Any) -> Any:
    return client.get(f"/tiles/{collection}/{z}/{x}/{y}", headers=headers)


def member() -> Client:
    """A client signed in as a user of no organisation: the register's tiles are for signed-in users (0037)."""
    client = Client()
    client.force_login(User.objects.get_or_create(username="member")[0])
    return client


# Hazard warnings, published to anonymous callers: the tiles shared caches may keep (decision 0037).
WARNINGS = "hazard_warnings"


@pytest.fixture(autouse=True)
def warnings_published(settings: Any) -> None:
    settings.CLEARGROUND_PUBLISHED = {WARNINGS: ["classification", "status", "admin_pcode", "admin_area"]}


@pytest.fixture
def three(cast: Cast) -> list[HazardousArea]:
    """Two 100 m hazards at the test origin, side by side; one 30 km east; a 3 km one 5 km south-west."""
    return [
        register_hazard(cast, square(100), name="School field"),
        register_hazard(cast, square(100, x=200), name="Orchard"),
        register_hazard(cast, square(100, x=30_000), name="Far field"),
        register_hazard(cast, square(3000, x=-5000, y=-5000), name="Forest"),
    ]


def unit(z: int) -> float:
    """One tile unit at zoom z, in Web Mercator metres."""
    return 40075016.68557849 / 2**z / 4096


@pytest.mark.parametrize("z", [14, 13, 12, 10, 6])
def test_a_tile_holds_the_hazards_that_fall_in_it_drawn_where_they_are(
    three: list[HazardousArea], tmp_path: Path, z: int
) -> None:
    z, x, y = tile_of(LON0 + 0.0005, LAT0 + 0.0005, z)
    response = get(member(), z, x, y)

    assert response.status_code == 200 and response["Content-Type"] == MVT
    features = {f["id"]: f for f in decode(response.content, z, x, y, "hazardous_areas", tmp_path)}
    in_tile = ids_in_tile_by_sql("hazardous_areas", z, x, y)
    if z >= 10:
        assert set(features) == in_tile
    else:
        # At z6 a unit is 150 m: a 100 m hazard is an eighth of a pixel, which draws nothing, so it is
        # left out of the tile (tipg sends it: ~1 MB a tile at national scale); the 3 km forest shows.
        assert set(features) == {three[3].pk} and three[3].pk in in_tile
    assert (three[2].pk in in_tile) == (z == 6)  # 30 km east: another tile at z10 and z14
    for pk, feature in features.items():
        with connection.cursor() as cur:
            cur.execute("SELECT ST_AsBinary(ST_Transform(geom, 3857)) FROM publish.hazardous_areas WHERE id = %s", [pk])
            original = GEOSGeometry(memoryview(bytes(cur.fetchone()[0])))
        clipped = original.intersection(GEOSGeometry(_tile_envelope(z, x, y, margin=64 / 4096)))
        # Drawn to within a unit or two of where it is (snapped to the 4096 grid, simplified below z13).
        assert feature["geometry"].intersects(original)
        assert clipped.envelope.buffer(2 * unit(z)).contains(feature["geometry"])
        assert feature["geometry"].area == pytest.approx(clipped.area, rel=0.05)
    if z == 14:
        school = features[three[0].pk]
        assert school["name"] == "School field" and school["code"] == three[0].code
        assert school["status"] == "open"
        assert school["remaining_area_m2"] == pytest.approx(three[0].remaining_area_m2)
        assert school["date_of_information"] == three[0].date_of_information.isoformat()


def _tile_envelope(z: int, x: int, y: int, margin: float = 0.0) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT ST_AsEWKT(ST_TileEnvelope(%s, %s, %s, margin => %s))", [z, x, y, margin])
        return cur.fetchone()[0]


@pytest.mark.parametrize("lat", [0.0, 49.95, 70.0, 84.9])
@pytest.mark.parametrize("z", [13, 14, 18])
def test_from_z13_drawing_lon_lat_straight_onto_the_tile_is_within_a_unit_of_projecting(
    db: None, z: int, lat: float
) -> None:
    # The shortcut of interop/tiles/queries.py (LINEAR_FROM_ZOOM), checked against ST_Transform for
    # a star of lines across the whole tile, at the equator, here, in the Arctic and near the pole.
    x, y = lonlat_to_tile(36.2, lat, z)
    with connection.cursor() as cur:
        cur.execute(
            """WITH tile AS (SELECT ST_TileEnvelope(%s, %s, %s) AS env),
                    star AS (SELECT ST_Transform(ST_Segmentize(ST_Collect(ARRAY[
                               ST_MakeLine(ST_PointN(ST_ExteriorRing(env), 1), ST_PointN(ST_ExteriorRing(env), 3)),
                               ST_MakeLine(ST_PointN(ST_ExteriorRing(env), 2), ST_PointN(ST_ExteriorRing(env), 4))]),
                               1), 4326) AS g, env FROM tile)
               SELECT ST_HausdorffDistance(
                        ST_AsMVTGeom(ST_Transform(g, 3857), env, 4096, 64),
                        ST_AsMVTGeom(g, ST_Transform(env, 4326)::box2d, 4096, 64))
               FROM star""",
            [z, x, y],
        )
        assert cur.fetchone()[0] <= 1.0


@pytest.mark.parametrize("z", [14, 10])
def test_a_point_collection_draws_each_point_inside_its_hazard(
    three: list[HazardousArea], tmp_path: Path, z: int
) -> None:
    z, x, y = tile_of(LON0 + 0.0005, LAT0 + 0.0005, z)
    response = get(member(), z, x, y, "activities")
    features = decode(response.content, z, x, y, "activities", tmp_path)
    assert {f["id"] for f in features} == ids_in_tile_by_sql("activities", z, x, y) != set()
    for feature in features:
        hazard = next(h for h in three if h.pk == feature["hazard_id"])
        with connection.cursor() as cur:
            cur.execute(
                "SELECT ST_AsBinary(ST_Transform(geom, 3857)) FROM publish.hazardous_areas WHERE id = %s", [hazard.pk]
            )
            outline = GEOSGeometry(memoryview(bytes(cur.fetchone()[0])))
        assert feature["geometry"].geom_type == "Point"
        assert outline.buffer(unit(z)).contains(feature["geometry"])


def test_a_tile_with_nothing_in_it_is_an_empty_200_as_tipg_answers(three: Any) -> None:
    z, x, y = tile_of(LON0 - 5, LAT0 - 5, 12)
    response = get(member(), z, x, y)
    assert response.status_code == 200 and response["Content-Type"] == MVT
    assert response.content == b""


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/tiles/hazardous_areas/3/8/0", 404),  # x beyond 2³ - 1
        ("/tiles/hazardous_areas/3/0/8", 404),
        ("/tiles/hazardous_areas/23/0/0", 404),  # beyond maxzoom 22
        ("/tiles/hazardous_areas/-1/0/0", 404),  # not a tile path at all
        ("/tiles/hazardous_areas/a/b/c", 404),
        ("/tiles/no_such_layer/0/0/0", 404),
        ("/tiles/no_such_layer/tilejson.json", 404),
    ],
)
def test_a_tile_outside_the_matrix_or_of_an_unknown_collection_is_a_404(db: None, path: str, status: int) -> None:
    response = Client().get(path)
    assert response.status_code == status


def test_the_404_for_a_tile_outside_the_matrix_says_which_tiles_exist(db: None) -> None:
    response = Client().get("/tiles/hazardous_areas/3/8/0")
    assert response.json() == {"detail": "No tile 3/8/0: x and y run from 0 to 7 at zoom 3."}


def test_only_get_and_head_are_allowed(db: None) -> None:
    assert Client().post("/tiles/hazardous_areas/0/0/0").status_code == 405


def accident(cast: Cast, by: User, org: Any, x: float) -> int:
    report = create_report(
        acting_user=by,
        organisation=org,
        kind="accident",
        date_of_information=dt.date(2024, 1, 15),
        payload={
            "accident_kind": "civilian_accident",
            "occurred_at": "2024-01-12T10:30:00+02:00",
            "location": point(x, 300),
            "device_category": "at_mine",
            "activity": "agriculture",
            "description": "A tractor hit a mine while ploughing",
            "evidence": [{"kind": "witness", "description": "A neighbour saw the explosion"}],
            "casualties_not_stated": True,  # who was hurt never reaches a tile anyway
        },
        submit=True,
    )
    approve_report(report, acting_user=cast.imo)
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM publish.accidents WHERE report_id = %s", [report.pk])
        return cur.fetchone()[0]


def test_accidents_are_hidden_from_anonymous_callers_and_scoped_by_organisation(cast: Cast, tmp_path: Path) -> None:
    alphas = accident(cast, cast.clerk, cast.alpha, 200)
    bravos = accident(cast, cast.outsider, cast.bravo, 400)
    z, x, y = tile_of(LON0, LAT0 + 0.0027, 14)
    assert ids_in_tile_by_sql("accidents", z, x, y) == {alphas, bravos}

    assert get(Client(), z, x, y, "accidents").status_code == 404
    assert Client().get("/tiles/accidents/tilejson.json").status_code == 404

    etags: dict[str, str] = {}

    # Members who may not read single casualty records see the point snapped to 0.1° (decision 0037).
    snapped = tile_of(36.2, 50.0, 14)

    def seen_by(user: User, tile: tuple[int, int, int] = (z, x, y)) -> set[int]:
        client = Client()
        client.force_login(user)
        response = get(client, *tile, "accidents")
        assert response.status_code == 200 and response["Cache-Control"] == "private, no-cache"
        assert "Cookie" in response["Vary"]
        etags[user.username] = response["ETag"]
        return {f["id"] for f in decode(response.content, *tile, "accidents", tmp_path)}

    assert seen_by(cast.imo) == {alphas, bravos}  # the national authority sees every accident
    assert seen_by(cast.viewer, snapped) == {alphas, bravos}
    assert seen_by(cast.clerk, snapped) == {alphas}
    assert seen_by(cast.outsider, snapped) == {bravos}
    # Different rows or views, different ETags: one caller's copy never revalidates as another's.
    assert len(set(etags.values())) == 4
    # Killed and injured counts travel; who they were does not.
    assert "name" not in attributes(COLLECTIONS["accidents"]) and "injured" in attributes(COLLECTIONS["accidents"])


def test_a_drf_token_reads_as_its_user_and_a_wrong_one_is_refused_even_for_public_tiles(cast: Cast) -> None:
    from accounts.tokens import issue_token

    accident(cast, cast.clerk, cast.alpha, 200)
    z, x, y = tile_of(LON0, LAT0 + 0.0027, 14)
    token = issue_token(cast.clerk)
    assert get(Client(), z, x, y, "accidents", Authorization=f"Token {token.key}").status_code == 200
    assert get(Client(), z, x, y, "accidents", Authorization="Token nonsense").status_code == 401
    assert get(Client(), z, x, y, Authorization="Token nonsense").status_code == 401


def test_a_head_request_gets_the_headers_without_the_tile(three: Any) -> None:
    z, x, y = tile_of(LON0, LAT0, 14)
    response = member().head(f"/tiles/hazardous_areas/{z}/{x}/{y}")
    assert response.status_code == 200 and response["ETag"].startswith('W/"v') and response.content == b""


def test_with_anonymous_publishing_off_a_tile_needs_a_signed_in_user(three: Any, settings: Any, cast: Cast) -> None:
    settings.CLEARGROUND_PUBLISH_ANONYMOUS = False
    assert get(Client(), 14, 0, 0).status_code == 401
    client = Client()
    client.force_login(cast.outsider)
    response = get(client, 14, 0, 0)
    # What a signed-in user sees must not be kept by a shared cache and handed to anonymous callers.
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-cache"


def test_a_revalidation_with_the_current_etag_is_a_304_without_running_the_tile_query(
    three: Any, django_assert_num_queries: Any
) -> None:
    z, x, y = tile_of(LON0, LAT0, 14)
    first = get(Client(), z, x, y, WARNINGS)
    etag = first["ETag"]
    assert etag.startswith('W/"v') and first["Cache-Control"] == "public, no-cache"
    with django_assert_num_queries(1):  # the version read, nothing else
        again = get(Client(), z, x, y, WARNINGS, If_None_Match=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    assert get(Client(), z, x, y, WARNINGS, If_None_Match=etag.removeprefix("W/")).status_code == 304
    assert get(Client(), z, x, y, WARNINGS, If_None_Match=f'"other", {etag}').status_code == 304
    assert get(Client(), z, x, y, WARNINGS, If_None_Match='W/"v999-all"').status_code == 200


def test_approving_a_report_changes_the_etag_and_the_tile(
    cast: Cast, three: list[HazardousArea], tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    z, x, y = tile_of(LON0, LAT0, 14)
    before = get(Client(), z, x, y, WARNINGS)

    with django_capture_on_commit_callbacks(execute=True):
        new = register_hazard(cast, square(50, x=400), name="New find")

    after = get(Client(), z, x, y, WARNINGS, If_None_Match=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    ids_before = {f["id"] for f in decode(before.content, z, x, y, WARNINGS, tmp_path)}
    ids_after = {f["id"] for f in decode(after.content, z, x, y, WARNINGS, tmp_path)}
    assert ids_after == ids_before | {new.pk}


def test_a_tile_takes_one_statement_which_also_reads_the_version(three: Any, django_assert_num_queries: Any) -> None:
    z, x, y = tile_of(LON0, LAT0, 10)
    get(Client(), z, x, y, WARNINGS)  # the first request in a process reads the views' columns once
    with django_assert_num_queries(1) as captured:
        response = get(Client(), z, x, y, WARNINGS)
    assert response.status_code == 200
    [statement] = (q["sql"] for q in captured.captured_queries)
    assert statement.count("ST_AsMVT(") == 1 and "ST_TileEnvelope" in statement
    assert "hazards_dataversion" in statement
    # A revalidation with a stale ETag: the version read, then the tile statement.
    with django_assert_num_queries(2):
        assert get(Client(), z, x, y, WARNINGS, If_None_Match='W/"v999-all"').status_code == 200


def test_tilejson_names_the_tile_url_zooms_bounds_and_fields(three: list[HazardousArea]) -> None:
    response = member().get("/tiles/hazardous_areas/tilejson.json")
    assert response.status_code == 200 and response["ETag"].startswith('W/"v')
    doc = response.json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == ["http://testserver/tiles/hazardous_areas/{z}/{x}/{y}"]
    assert (doc["minzoom"], doc["maxzoom"]) == (0, 22)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(geom) AS e FROM publish.hazardous_areas) AS x"
        )
        assert doc["bounds"] == pytest.approx(list(cur.fetchone()))
    [layer] = doc["vector_layers"]
    assert layer["id"] == "hazardous_areas"
    assert layer["fields"]["name"] == "String" and layer["fields"]["remaining_area_m2"] == "Number"
    assert layer["fields"]["date_of_information"] == "String" and "geom" not in layer["fields"]
    assert (
        member().get("/tiles/hazardous_areas/tilejson.json", headers={"If-None-Match": response["ETag"]}).status_code
        == 304
    )


def test_tilejson_of_an_empty_collection_covers_the_world(db: None) -> None:
    doc = member().get("/tiles/finds/tilejson.json").json()
    assert doc["bounds"] == [-180.0, -85.0511287798066, 180.0, 85.0511287798066]


def test_as_points_every_hazard_is_one_point_inside_it_even_those_too_small_for_a_polygon(
    three: list[HazardousArea], tmp_path: Path
) -> None:
    # The map's dots at national scale: at z6 the 100 m hazards are dropped as polygons (above), but
    # as points each hazard in the tile is there once, on its own surface.
    z, x, y = tile_of(LON0 + 0.0005, LAT0 + 0.0005, 6)
    response = member().get(f"/tiles/hazardous_areas/{z}/{x}/{y}?geometry=point")
    assert response.status_code == 200
    features = decode(response.content, z, x, y, "hazardous_areas", tmp_path)
    assert sorted(f["id"] for f in features) == sorted(ids_in_tile_by_sql("hazardous_areas", z, x, y))
    for feature in features:
        assert feature["geometry"].geom_type == "Point"
        with connection.cursor() as cur:
            cur.execute(
                "SELECT ST_AsBinary(ST_Transform(geom, 3857)) FROM publish.hazardous_areas WHERE id = %s",
                [feature["id"]],
            )
            hazard = GEOSGeometry(memoryview(bytes(cur.fetchone()[0])))
        assert hazard.buffer(2 * unit(z)).contains(feature["geometry"])


def test_chosen_properties_leave_the_rest_out_and_carry_the_id_as_the_feature_id(
    three: list[HazardousArea], tmp_path: Path
) -> None:
    z, x, y = tile_of(LON0 + 0.0005, LAT0 + 0.0005, 14)
    full = member().get(f"/tiles/hazardous_areas/{z}/{x}/{y}")
    slim = member().get(f"/tiles/hazardous_areas/{z}/{x}/{y}?properties=status,classification")
    assert slim.status_code == 200 and len(slim.content) < len(full.content)
    features = decode(slim.content, z, x, y, "hazardous_areas", tmp_path)
    assert {name for f in features for name in f if name != "geometry"} == {"mvt_id", "status", "classification"}
    assert {int(f["mvt_id"]) for f in features} == {three[0].pk, three[1].pk}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("geometry=polygon", "geometry='polygon'"),
        ("properties=status,secret_name", "secret_name"),
        ("properties=", "none"),
    ],
)
def test_an_unknown_geometry_or_property_is_a_400_that_names_it(
    three: list[HazardousArea], query: str, named: str
) -> None:
    z, x, y = tile_of(LON0, LAT0, 14)
    response = member().get(f"/tiles/hazardous_areas/{z}/{x}/{y}?{query}")
    assert response.status_code == 400
    assert named in response.json()["detail"]
