"""Cluster tiles (?geometry=cluster, decision 0062): the map's dots below z10, grouped per dot-sized cell.

Every feature of a tile is in exactly one group, counted; groups keep the chosen properties exact (so the
map's filters still are); a group standing alone carries its own id; access rules are those of any tile.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import connection
from django.test import Client

from clearground.test import LAT0, LON0, Cast, m_to_deg, square
from hazards.models import HazardousArea
from interop.tiles.queries import CLUSTER_CELL
from reports.actions import create_report
from tests.helpers import approved
from tests.test_tiles import accident, decode, member, register_hazard, tile_of, unit

DOTS = "?geometry=cluster&properties=classification,organisation_id,status"


def clusters(client: Client, tile: tuple[int, int, int], tmp_path: Path, collection: str = "hazardous_areas",
             query: str = DOTS) -> list[dict[str, Any]]:  # fmt: skip
    z, x, y = tile
    response = client.get(f"/tiles/{collection}/{z}/{x}/{y}{query}")
    assert response.status_code == 200, response.content
    return decode(response.content, z, x, y, collection, tmp_path)


def inside(feature: dict[str, Any], tile: tuple[int, int, int]) -> bool:
    """Is the feature's point in the tile itself (not in the buffer that the neighbour also draws)?"""
    z, x, y = tile
    half = 40075016.68557849 / 2
    size = 2 * half / 2**z
    west, north = -half + x * size, half - y * size
    return bool(Polygon.from_bbox((west, north - size, west + size, north)).contains(feature["geometry"]))


def points_in_tile_by_sql(view: str, tile: tuple[int, int, int], *, organisation_id: int | None = None) -> int:
    """How many rows' point on surface falls in the tile (half-open, as the cells count)."""
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT count(*) FROM publish.{view} t, ST_TileEnvelope(%s, %s, %s) e,
                ST_Transform(ST_PointOnSurface(t.geom), 3857) p
                WHERE ST_X(p) >= ST_XMin(e) AND ST_X(p) < ST_XMax(e) AND ST_Y(p) > ST_YMin(e) AND ST_Y(p) <= ST_YMax(e)
                AND (%s::int IS NULL OR t.organisation_id = %s)""",
            [*tile, organisation_id, organisation_id],
        )
        return int(cur.fetchone()[0])


def test_a_low_zoom_tile_carries_every_hazard_once_counted_and_grouped_by_what_the_map_filters_on(
    cast: Cast, tmp_path: Path
) -> None:
    school = register_hazard(cast, square(100), name="School field")
    orchard = register_hazard(cast, square(100, x=200), name="Orchard")
    confirmed = approved(
        cast,
        "nts",
        {
            **cast.nts_payload(
                square(100, x=400), name="Minefield", classification="CHA", devices_confirmed=["at_mine"]
            ),
            "evidence": [{"kind": "direct", "source": "observed", "reliability": "high"}],
        },
    ).hazard
    assert confirmed is not None
    far = register_hazard(cast, square(100, x=30_000), name="Far field")
    tile = tile_of(LON0 + 0.0005, LAT0 + 0.0005, 6)

    features = clusters(member(), tile, tmp_path)

    # At z6 a cell is ~10 km: the two SHAs are one dot of two, the CHA its own dot, the far one its own.
    assert sum(f["count"] for f in features if inside(f, tile)) == points_in_tile_by_sql("hazardous_areas", tile) == 4
    by_class = {(f["classification"], f["count"]) for f in features}
    assert ("SHA", 2) in by_class and ("CHA", 1) in by_class
    two = next(f for f in features if f["count"] == 2)
    assert int(two["mvt_id"]) == min(school.pk, orchard.pk)  # the smallest member's id
    alone = {int(f["mvt_id"]) for f in features if f["count"] == 1}
    assert alone == {confirmed.pk, far.pk}  # a hazard alone is its own id: a click opens it
    assert {name for f in features for name in f} == {
        "geometry", "mvt_id", "count", "classification", "organisation_id", "status"
    }  # fmt: skip
    # Each dot is drawn inside its cell, at its members' mean position.
    cell = unit(tile[0]) * CLUSTER_CELL
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_AsBinary(ST_Transform(ST_PointOnSurface(geom), 3857))"
            " FROM publish.hazardous_areas WHERE id = %s",
            [confirmed.pk],
        )
        own = GEOSGeometry(memoryview(bytes(cur.fetchone()[0])))
    (dot,) = [f for f in features if f["count"] == 1 and int(f["mvt_id"]) == confirmed.pk]
    assert dot["geometry"].distance(own) <= 2 * unit(tile[0]) and dot["geometry"].distance(own) < cell


def test_where_dots_no_longer_overlap_each_hazard_is_its_own_dot(cast: Cast, tmp_path: Path) -> None:
    hazards = [register_hazard(cast, square(100, x=x), name=f"Field {x}") for x in (0, 400)]
    tile = tile_of(LON0 + 0.0005, LAT0 + 0.0005, 13)  # a cell is ~300 m: 400 m apart is another cell
    features = clusters(member(), tile, tmp_path)
    assert sorted(int(f["mvt_id"]) for f in features) == sorted(h.pk for h in hazards)
    assert {f["count"] for f in features} == {1}


def test_a_cluster_on_a_tile_edge_is_the_same_in_both_tiles(cast: Cast, tmp_path: Path) -> None:
    # Two hazards either side of the edge between two z9 tiles (cells of ~1.2 km): the cells line up with
    # tile edges, so each is its own group, and both tiles draw both (one in its buffer) identically.
    z = 9
    _z, x, y = tile_of(LON0, LAT0, z)
    edge_lon = (x + 1) / 2**z * 360.0 - 180.0
    offset = (edge_lon - LON0) / m_to_deg(1, 0)[0]  # metres east of the origin
    west_side = register_hazard(cast, square(50, x=offset - 120), name="West of the edge")
    east_side = register_hazard(cast, square(50, x=offset + 70), name="East of the edge")
    west, east = (z, x, y), (z, x + 1, y)
    on_west = {int(f["mvt_id"]): f for f in clusters(member(), west, tmp_path)}
    on_east = {int(f["mvt_id"]): f for f in clusters(member(), east, tmp_path)}
    assert set(on_west) == set(on_east) == {west_side.pk, east_side.pk}
    for pk, f in on_west.items():
        assert f["count"] == on_east[pk]["count"] == 1
        assert f["geometry"].distance(on_east[pk]["geometry"]) <= 2 * unit(z)
    # Counted once: each in the tile it lies in.
    assert [pk for pk, f in on_west.items() if inside(f, west)] == [west_side.pk]
    assert [pk for pk, f in on_east.items() if inside(f, east)] == [east_side.pk]


def test_an_unpublished_hazard_is_in_no_cluster(cast: Cast, tmp_path: Path) -> None:
    register_hazard(cast, square(100), name="School field")
    # Operator Bravo's report is submitted, not approved: it is not in the register, so in no dot.
    create_report(
        acting_user=cast.outsider,
        organisation=cast.bravo,
        kind="nts",
        date_of_information=dt.date(2024, 1, 15),
        payload=cast.nts_payload(square(100, x=200), name="Bravo's field"),
        submit=True,
    )
    tile = tile_of(LON0 + 0.0005, LAT0 + 0.0005, 6)
    for user in (cast.imo, cast.clerk, cast.outsider):
        client = Client()
        client.force_login(user)
        features = clusters(client, tile, tmp_path)
        assert sum(f["count"] for f in features) == 1 == HazardousArea.objects.count()


def test_an_operators_cluster_counts_only_what_the_operator_may_see(cast: Cast, tmp_path: Path) -> None:
    for x in (200, 210):
        accident(cast, cast.clerk, cast.alpha, x)
    accident(cast, cast.outsider, cast.bravo, 220)
    tile = tile_of(LON0, LAT0, 8)
    query = "?geometry=cluster&properties=organisation_id"

    def seen_by(user: User) -> dict[int, int]:
        client = Client()
        client.force_login(user)
        return {int(f["organisation_id"]): f["count"] for f in clusters(client, tile, tmp_path, "accidents", query)}

    assert seen_by(cast.imo) == {cast.alpha.pk: 2, cast.bravo.pk: 1}
    assert seen_by(cast.clerk) == {cast.alpha.pk: 2}  # operator A's clerk: never Bravo's accident, not even as a count
    assert seen_by(cast.outsider) == {cast.bravo.pk: 1}
    assert Client().get(f"/tiles/accidents/{tile[0]}/{tile[1]}/{tile[2]}{query}").status_code == 404


def test_a_cluster_without_properties_or_with_an_unknown_one_is_a_400_that_says_so(cast: Cast) -> None:
    register_hazard(cast, square(100))
    z, x, y = tile_of(LON0, LAT0, 6)
    bare = member().get(f"/tiles/hazardous_areas/{z}/{x}/{y}?geometry=cluster")
    assert bare.status_code == 400 and "properties" in bare.json()["detail"]
    unknown = member().get(f"/tiles/hazardous_areas/{z}/{x}/{y}?geometry=cluster&properties=secret_name")
    assert unknown.status_code == 400 and "secret_name" in unknown.json()["detail"]
