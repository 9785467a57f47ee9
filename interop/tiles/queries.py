"""The SQL of vector tiles: PostGIS clips, simplifies and encodes each tile in one statement.

Values (z, x, y, tolerance, cap, scope) are bound parameters; names (view, columns) are
`sql.Identifier`s of the collection registry and the catalogue (interop.ogc.queries.columns).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.db import connection
from psycopg import sql

from hazards.models import DataVersion
from interop.collections import Collection
from interop.ogc.queries import columns
from interop.publish_access import rows_filter

EXTENT = 4096  # tile units per side, the MVT default that MapLibre expects
BUFFER = 64  # tile units drawn beyond each edge, so lines and icons join seamlessly across tiles
MAX_ZOOM = 22
# tipg's default cap (TIPG_MAX_FEATURES_PER_TILE): beyond ~10,000 features a tile passes the ~500 KB
# that MapLibre handles smoothly, and at the zooms where that happens (a province on one tile) the
# map shows density, not individual hazards. Which features are kept is left to the scan order:
# sorting would cost every low-zoom tile a full sort for the rare tile that overflows.
MAX_FEATURES = 10_000
# Below this zoom polygons are simplified in Web Mercator by one tile unit before clipping; from z13
# a unit is ≤ 1.2 m, finer than hazard vertices are drawn, so simplifying would only cost time.
SIMPLIFY_BELOW_ZOOM = 13
WEB_MERCATOR_WIDTH = 2 * 20037508.342789244  # metres
# From this zoom a tile is drawn straight from longitude/latitude, mapped linearly onto the tile,
# without projecting each geometry to Web Mercator (ST_Transform, the costliest step per row).
# Longitude maps linearly onto Mercator x exactly; latitude onto y nearly: within one tile the
# linearised y is off by at most 2π·4096·sin φ / (8·2^z) units, ≤ 0.39 of a unit at z13 and ≤ 0.2
# from z14 anywhere on Earth — below the half-unit rounding onto the tile's integer grid — and
# exact on tile edges, so neighbouring tiles still meet.
LINEAR_FROM_ZOOM = 13
# A cluster tile (?geometry=cluster) groups the points falling in one square cell of this many tile
# units: 8 pixels on a 512-pixel tile, about the diameter of the map's hazard dot, so dots merged
# into one would have overlapped anyway. It divides the tile and equals the buffer, so cells line up
# with tile edges and the cells of the buffer are whole: a group drawn in two neighbouring tiles has
# the same members, count, place and id in both.
CLUSTER_CELL = 64
CLUSTER_COUNT = "count"  # the attribute holding how many hazards a cluster stands for

# How each queryable type travels in a tile: MVT values are strings, numbers and booleans only.
_CASTS = {"number": "::float8", "date": "::text", "timestamp": "::text"}
# TileJSON's vector_layers[].fields names these types.
FIELD_TYPES = {"text": "String", "number": "Number", "integer": "Number", "date": "String", "timestamp": "String"}
FIELD_TYPES["boolean"] = "Boolean"


def tolerance(z: int) -> float:
    """One tile unit at zoom z, in Web Mercator metres: detail finer than this is snapped away anyway."""
    return WEB_MERCATOR_WIDTH / (2.0**z) / EXTENT


def unit_degrees(z: int, y: int) -> tuple[float, float]:
    """One tile unit at zoom z in degrees of longitude and (at the tile's poleward edge) latitude."""
    n = 2**z
    dlon = 360.0 / n / EXTENT
    poleward = max(abs(math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * edge / n))))) for edge in (y, y + 1))
    return dlon, dlon * math.cos(math.radians(poleward))


def attributes(collection: Collection) -> dict[str, str]:
    """The non-geometry columns the caller may see, name → queryable type: every one becomes a feature attribute."""
    return {name: kind for name, kind in columns(collection).items() if kind != "geometry"}


def tile(
    collection: Collection,
    z: int,
    x: int,
    y: int,
    org_ids: Sequence[int] | None,
    *,
    points: bool = False,
    properties: tuple[str, ...] | None = None,
    cluster: bool = False,
) -> tuple[int, bytes]:
    """The data version and the MVT of one tile (empty bytes when no feature falls in it): one statement.

    The version is read in the same statement, so the ETag names exactly the snapshot the tile shows.
    `points`: each polygon as one point on its surface (a hazard marker at small scales, where a
    200 m hazard is a few pixels and its outline, hatch and fill would cost the browser far more).
    `properties`: only these attributes (checked by the caller against `attributes()`), since at
    national scale the attributes, not the geometry, are most of a tile's bytes; the id is then the
    MVT feature id.
    `cluster` (with `properties`): one point per group of features whose point falls in the same
    CLUSTER_CELL cell and whose chosen properties are equal, with their number in `count` and the
    smallest member id as the feature id (the hazard's own id when it stands alone).
    """
    if cluster:
        return _cluster_tile(collection, z, x, y, org_ids, properties or ())
    linear = z >= LINEAR_FROM_ZOOM
    simplify = collection.geometry_type != "Point" and z < SIMPLIFY_BELOW_ZOOM and not points
    _scope, scope_params = rows_filter(org_ids)
    params: list[Any] = [z, x, y]
    if simplify:
        params.append(tolerance(z))
    # The search box includes the buffer, so a point just over the edge still draws its icon here.
    params += [z, x, y, BUFFER / EXTENT]
    if simplify:
        params += unit_degrees(z, y)
    params += [*scope_params, MAX_FEATURES, collection.id]
    with connection.cursor() as cursor:
        cursor.execute(_statement(collection, linear, simplify, org_ids is None, points, properties), params)
        row = cursor.fetchone()
    assert row is not None  # an aggregate without GROUP BY always returns one row
    return int(row[0] or 0), bytes(row[1]) if row[1] is not None else b""


# The text of each statement shape, composed once per process: only its parameters vary per tile.
_statements: dict[tuple[Any, ...], str] = {}


def _statement(
    collection: Collection,
    linear: bool,
    simplify: bool,
    everyone: bool,
    points: bool,
    properties: tuple[str, ...] | None,
) -> str:
    # The view and the fields shown are part of the shape: anonymous callers' tiles carry fewer columns.
    key = (collection.view_name, collection.fields, linear, simplify, everyone, points, properties)
    if key in _statements:
        return _statements[key]
    attrs = sql.SQL(", ").join(
        sql.SQL("t.{name}{cast} AS {name}").format(name=sql.Identifier(name), cast=sql.SQL(_CASTS.get(kind, "")))
        for name, kind in attributes(collection).items()
        if properties is None or name in properties or name == "id"
    )
    source: sql.Composable = sql.SQL("ST_PointOnSurface(t.geom)" if points else "t.geom")
    geom: sql.Composable = sql.SQL("ST_Transform({}, 3857)").format(source)
    bounds = sql.SQL("ST_TileEnvelope(%s, %s, %s)")
    if linear:
        geom, bounds = source, sql.SQL("ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326)::box2d")
    speck: sql.Composable = sql.SQL("TRUE")
    if simplify:
        # preserveCollapsed: a hazard of about a unit is left for ST_AsMVTGeom to snap, not dropped here.
        geom = sql.SQL("ST_Simplify({}, %s, true)").format(geom)
        # A polygon under one unit both ways (an eighth of a pixel on a 512-pixel tile) draws nothing,
        # and simplified it collapses anyway: skip it before projecting it, so that the feature cap
        # counts only what shows.
        speck = sql.SQL("(ST_XMax(t.geom) - ST_XMin(t.geom) >= %s OR ST_YMax(t.geom) - ST_YMin(t.geom) >= %s)")
    scope, _params = rows_filter(None if everyone else [0])  # the condition's shape; tile() binds the ids
    statement = sql.SQL(
        """WITH bounds AS (SELECT {bounds} AS geom),
           mvtgeom AS (
             SELECT ST_AsMVTGeom({geom}, bounds.geom, {extent}, {buffer}) AS geom, {attrs}
             FROM {view} t, bounds
             WHERE t.geom && ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => %s), 4326) AND {speck} AND {scope}
             LIMIT %s
           )
           SELECT ({version}), ST_AsMVT(mvtgeom.*, %s, {extent}, 'geom'{feature_id}) FROM mvtgeom"""
    ).format(
        geom=geom,
        bounds=bounds,
        extent=sql.Literal(EXTENT),
        buffer=sql.Literal(BUFFER),
        attrs=attrs,
        view=sql.Identifier("publish", collection.view_name),
        scope=scope,
        speck=speck,
        version=VERSION,
        # With a chosen set of properties the id travels as the MVT feature id, not as an attribute
        # (a unique value per feature is the dearest attribute there is).
        feature_id=sql.SQL(", 'id'" if properties is not None else ""),
    )
    connection.ensure_connection()
    _statements[key] = text = statement.as_string(connection.connection)
    return text


def _cluster_tile(
    collection: Collection, z: int, x: int, y: int, org_ids: Sequence[int] | None, properties: tuple[str, ...]
) -> tuple[int, bytes]:
    _scope, scope_params = rows_filter(org_ids)
    cell = tolerance(z) * CLUSTER_CELL
    per_tile = EXTENT // CLUSTER_CELL
    # The cells of the tile and one cell of buffer on each side, in cell numbers counted from the
    # world's west and north edges: a point belongs to exactly one cell, so every feature of the tile
    # is counted once, in one group.
    first_col, first_row = x * per_tile - 1, y * per_tile - 1
    last_col, last_row = (x + 1) * per_tile, (y + 1) * per_tile
    params: list[Any] = [z, x, y, z, x, y, BUFFER / EXTENT, *scope_params]
    params += [cell, cell, first_col, last_col, first_row, last_row, MAX_FEATURES, collection.id]
    with connection.cursor() as cursor:
        cursor.execute(_cluster_statement(collection, org_ids is None, properties), params)
        row = cursor.fetchone()
    assert row is not None
    return int(row[0] or 0), bytes(row[1]) if row[1] is not None else b""


def _cluster_statement(collection: Collection, everyone: bool, properties: tuple[str, ...]) -> str:
    key = ("cluster", collection.view_name, collection.fields, everyone, properties)
    if key in _statements:
        return _statements[key]
    kinds = attributes(collection)
    grouped = [name for name in properties if name != "id"]
    chosen = sql.SQL("").join(
        sql.SQL(", t.{name}{cast} AS {name}").format(name=sql.Identifier(n), cast=sql.SQL(_CASTS.get(kinds[n], "")))
        for n in grouped
    )
    names = sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(n)) for n in grouped)
    scope, _params = rows_filter(None if everyone else [0])
    statement = sql.SQL(
        """WITH bounds AS (SELECT ST_TileEnvelope(%s, %s, %s) AS geom),
           points AS (
             SELECT t.id, ST_Transform(ST_PointOnSurface(t.geom), 3857) AS p{chosen}
             FROM {view} t
             WHERE t.geom && ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => %s), 4326) AND {scope}
           ),
           cells AS (
             SELECT floor((ST_X(p) + {half}) / %s)::bigint AS cell_col,
                    floor(({half} - ST_Y(p)) / %s)::bigint AS cell_row, *
             FROM points
           ),
           groups AS (
             SELECT min(id) AS id, count(*)::int AS {count}, ST_MakePoint(avg(ST_X(p)), avg(ST_Y(p))) AS p{names}
             FROM cells
             WHERE cell_col BETWEEN %s AND %s AND cell_row BETWEEN %s AND %s
             GROUP BY cell_col, cell_row{names}
           ),
           mvtgeom AS (
             SELECT ST_AsMVTGeom(ST_SetSRID(groups.p, 3857), bounds.geom, {extent}, {buffer}) AS geom,
                    groups.id, groups.{count}{names}
             FROM groups, bounds
             LIMIT %s
           )
           SELECT ({version}), ST_AsMVT(mvtgeom.*, %s, {extent}, 'geom', 'id') FROM mvtgeom"""
    ).format(
        chosen=chosen,
        names=names,
        view=sql.Identifier("publish", collection.view_name),
        scope=scope,
        half=sql.Literal(WEB_MERCATOR_WIDTH / 2),
        count=sql.Identifier(CLUSTER_COUNT),
        extent=sql.Literal(EXTENT),
        buffer=sql.Literal(BUFFER),
        version=VERSION,
    )
    connection.ensure_connection()
    _statements[key] = text = statement.as_string(connection.connection)
    return text


# The data version read in the tile's own statement, so the ETag and the bytes come from one snapshot.
VERSION = sql.SQL("SELECT value FROM {} WHERE id = 1").format(sql.Identifier(DataVersion._meta.db_table))


def tile_in_range(z: int, x: int, y: int) -> bool:
    """Is z/x/y a tile of the WebMercatorQuad matrix up to MAX_ZOOM?"""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The x, y of the tile at zoom z holding this longitude/latitude (the slippy-map formula)."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)
