"""The SQL of OGC API – Features: PostGIS builds every GeoJSON document, Python only passes it on.

One statement per items page: the page, its GeoJSON, numberMatched, numberReturned, timeStamp and the
paging links come back as one text value, sent to the client as it is. Values are always bound
parameters; names (views, columns) are `sql.Identifier`s of our own registry and catalogue.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from psycopg import sql

from core.errors import Problem, ValidationFailed
from interop.collections import Collection
from interop.ogc import crs as crs_mod
from interop.ogc.params import Bbox, Interval

SCHEMA = "publish"
# PostgreSQL type names → the queryable types that cql2.to_sql and the property filters know.
TYPES = {
    "text": "text",
    "varchar": "text",
    "bpchar": "text",
    "int2": "integer",
    "int4": "integer",
    "int8": "integer",
    "float4": "number",
    "float8": "number",
    "numeric": "number",
    "date": "date",
    "timestamptz": "timestamp",
    "timestamp": "timestamp",
    "bool": "boolean",
    "geometry": "geometry",
}
CASTS = {"integer": "bigint", "number": "double precision", "date": "date", "timestamp": "timestamptz",
         "boolean": "boolean", "text": "text"}  # fmt: skip

_columns: dict[str, dict[str, str]] = {}


def columns(collection: Collection) -> dict[str, str]:
    """The columns the caller may see, in the view's order, name → queryable type.

    Every column of the view, or with `collection.fields` set (interop.publish_access.as_seen_by) only
    those besides id and geom: the one list the features, queryables, filters and tiles are built
    from, so an unpublished field can neither be read nor filtered on. The catalogue is read once
    per process: the views change only through migrations, which need a restart.
    """
    every = _view_columns(collection.view_name)
    if collection.fields is None:
        return every
    return {n: k for n, k in every.items() if n in ("id", "geom") or n in collection.fields}


def _view_columns(view: str) -> dict[str, str]:
    if not _columns:
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT c.relname, a.attname, t.typname
                   FROM pg_attribute a
                   JOIN pg_class c ON c.oid = a.attrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                   JOIN pg_type t ON t.oid = a.atttypid
                   WHERE n.nspname = %s AND a.attnum > 0 AND NOT a.attisdropped
                   ORDER BY c.relname, a.attnum""",
                [SCHEMA],
            )
            found: dict[str, dict[str, str]] = {}
            for relname, name, typname in cursor.fetchall():
                found.setdefault(relname, {})[name] = TYPES.get(typname, "text")
        _columns.update(found)
    return _columns[view]


@dataclass
class Where:
    """A WHERE clause built from parts, with its parameters in order."""

    parts: list[sql.Composable]
    params: list[Any]

    def add(self, part: sql.Composable, *params: Any) -> None:
        self.parts.append(part)
        self.params.extend(params)

    def composed(self) -> sql.Composable:
        return sql.SQL(" AND ").join(self.parts) if self.parts else sql.SQL("TRUE")


def where_for(
    collection: Collection,
    *,
    org_ids: Sequence[int] | None,
    bbox: Bbox | None = None,
    interval: Interval | None = None,
    properties: dict[str, str] | None = None,
    cql: sql.Composable | None = None,
) -> Where:
    """The rows a request may see and asked for: role scope, bbox, datetime, property equality, CQL2."""
    where = Where([], [])
    if org_ids is not None:
        where.add(sql.SQL("t.organisation_id = ANY(%s)"), list(org_ids))
    if bbox is not None:
        where.add(*_bbox(bbox))
    if interval is not None:
        _interval(where, collection, interval)
    cols = columns(collection)
    for name, value in (properties or {}).items():
        where.add(sql.SQL("t.{} = %s::{}").format(sql.Identifier(name), sql.SQL(CASTS[cols[name]])), value)
    if cql is not None:
        where.add(sql.SQL("({})").format(cql))
    return where


def _bbox(bbox: Bbox) -> tuple[Any, ...]:
    # OGC asks for the features whose geometry intersects the box, so ST_Intersects (its && reaches the
    # base table's GiST index through the view: EXPLAIN in tests/test_ogc_items.py). It is as fast as a
    # bare && only because settings turn parallel query off: a parallel plan made it 10-50× slower.
    if bbox.crs.srid == crs_mod.STORAGE_SRID:
        return (
            sql.SQL("ST_Intersects(t.geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"),
            bbox.xmin, bbox.ymin, bbox.xmax, bbox.ymax,
        )  # fmt: skip
    # A projected box: its edges densified so that the transformed outline follows them.
    step = max(bbox.xmax - bbox.xmin, bbox.ymax - bbox.ymin, 1.0) / 32
    return (
        sql.SQL("ST_Intersects(t.geom, ST_Transform(ST_Segmentize(ST_MakeEnvelope(%s, %s, %s, %s, %s), %s), 4326))"),
        bbox.xmin, bbox.ymin, bbox.xmax, bbox.ymax, bbox.crs.srid, step,
    )  # fmt: skip


def _day_start(value: dt.datetime | dt.date) -> dt.datetime:
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)


def _interval(where: Where, collection: Collection, interval: Interval) -> None:
    if collection.datetime_column not in columns(collection):
        # Not published to this caller: filtering on it would tell its values one question at a time.
        raise ValidationFailed([Problem("datetime", "this collection has no date you may filter on")])
    column = sql.SQL("t.{}").format(sql.Identifier(collection.datetime_column))
    if columns(collection)[collection.datetime_column] == "date":
        # A day column: an instant falls on its (UTC) day; both ends are inclusive.
        def day(v: dt.datetime | dt.date) -> dt.date:
            return v.astimezone(dt.UTC).date() if isinstance(v, dt.datetime) else v

        if interval.start is not None:
            where.add(sql.SQL("{} >= %s").format(column), day(interval.start))
        if interval.end is not None:
            where.add(sql.SQL("{} <= %s").format(column), day(interval.end))
        return
    # A timestamp column: a day given as a date covers all of that day.
    if interval.start is not None:
        start = interval.start if isinstance(interval.start, dt.datetime) else _day_start(interval.start)
        where.add(sql.SQL("{} >= %s").format(column), start)
    if interval.end is not None:
        if isinstance(interval.end, dt.datetime):
            where.add(sql.SQL("{} <= %s").format(column), interval.end)
        else:
            where.add(sql.SQL("{} < %s").format(column), _day_start(interval.end) + dt.timedelta(days=1))


def _geometry(out: crs_mod.Crs) -> sql.Composable:
    geom: sql.Composable
    if out.srid == crs_mod.STORAGE_SRID:
        geom = sql.SQL("ST_FlipCoordinates(t.geom)") if out.lat_first else sql.SQL("t.geom")
    else:
        geom = sql.SQL("ST_Transform(t.geom, {})").format(sql.Literal(out.srid))
    return sql.SQL("ST_AsGeoJSON({}, {})::json").format(geom, sql.Literal(out.decimals))


def _feature(collection: Collection, out: crs_mod.Crs, links: bool = False) -> sql.Composable:
    """json_build_object of one feature: id at the top, every column but id and geom as properties.

    With `links`, a `links` member follows, from the next %s parameter.
    """
    names = [n for n in columns(collection) if n not in ("id", "geom")]
    # json_build_object takes at most 100 arguments; a view with more columns needs json_object.
    assert len(names) <= 50, f"{collection.id} has too many columns for json_build_object"
    properties = sql.SQL(", ").join(sql.SQL("{}, t.{}").format(sql.Literal(n), sql.Identifier(n)) for n in names)
    return sql.SQL(
        "json_build_object('type', 'Feature', 'id', t.id, 'geometry', {}, 'properties', json_build_object({}){})"
    ).format(_geometry(out), properties, sql.SQL(", 'links', %s::json") if links else sql.SQL(""))


def _view(collection: Collection) -> sql.Composable:
    return sql.Identifier(SCHEMA, collection.view_name)


TIMESTAMP = sql.SQL("""to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')""")


def items_document(
    collection: Collection,
    where: Where,
    *,
    limit: int,
    offset: int,
    out: crs_mod.Crs,
    links: list[dict[str, Any]],
    prev_link: dict[str, Any] | None,
    next_link: dict[str, Any],
) -> str:
    """The FeatureCollection of one items page, as GeoJSON text built by PostGIS in one statement.

    The page is cut in a subquery before any JSON is built: PostgreSQL computes the select list of
    rows that OFFSET skips, which made offset=50000 cost 2 s at 100,000 hazards.

    `next_link` is kept only when more rows match beyond this page (decided in SQL from numberMatched).
    """
    statement = sql.SQL(
        """WITH page AS (
             SELECT t.id, {feature} AS f
             FROM (SELECT * FROM {view} t WHERE {where} ORDER BY t.id LIMIT %s OFFSET %s) AS t
           ),
           matched AS (SELECT count(*) AS n FROM {view} t WHERE {where})
           SELECT json_build_object(
             'type', 'FeatureCollection',
             'numberMatched', matched.n,
             'numberReturned', returned.n,
             'timeStamp', {timestamp},
             'links', (SELECT json_agg(l.link ORDER BY l.i) FROM (
                         SELECT e.i, e.link FROM json_array_elements(%s::json) WITH ORDINALITY AS e(link, i)
                         UNION ALL SELECT 1000, %s::json WHERE %s
                         UNION ALL SELECT 1001, %s::json WHERE matched.n > %s) AS l),
             'features', returned.features
           )::text
           FROM (SELECT count(*) AS n, coalesce(json_agg(page.f ORDER BY page.id), '[]'::json) AS features
                 FROM page) AS returned, matched"""
    ).format(feature=_feature(collection, out), view=_view(collection), where=where.composed(), timestamp=TIMESTAMP)
    params = [
        *where.params, limit, offset,
        *where.params,
        json.dumps(links), json.dumps(prev_link), prev_link is not None, json.dumps(next_link), offset + limit,
    ]  # fmt: skip
    page = _one_text(statement, params)
    assert page is not None  # one row of aggregates: json_build_object is never NULL
    return page


def feature_document(
    collection: Collection, where: Where, pk: int, *, out: crs_mod.Crs, links: list[Any]
) -> str | None:
    """One Feature as GeoJSON text, or None when no visible row has this id."""
    statement = sql.SQL("SELECT {feature}::text FROM {view} t WHERE t.id = %s AND {where}").format(
        feature=_feature(collection, out, links=True), view=_view(collection), where=where.composed()
    )
    return _one_text(statement, [json.dumps(links), pk, *where.params])


def _one_text(statement: sql.Composable, params: list[Any]) -> str | None:
    """The statement's one text value, or None when it returns no row (or NULL)."""
    connection.ensure_connection()
    text = statement.as_string(connection.connection)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        row = cursor.fetchone()
    value: str | None = row[0] if row else None
    return value


@dataclass(frozen=True)
class Extent:
    bbox: tuple[float, float, float, float] | None
    start: dt.datetime | None
    end: dt.datetime | None


def extents(wanted: dict[str, tuple[Collection, Sequence[int] | None]]) -> dict[str, Extent]:
    """Spatial (ST_Extent) and temporal (min/max of the datetime column) extent of each collection,
    as the caller sees it and within their scope (`wanted` maps collection id → (collection, organisation
    ids, None = all)), as interop.publish_access.visible_collections gives them: one statement.
    A datetime column the caller may not see gives no temporal extent (it would tell its range).
    """
    if not wanted:
        return {}
    selects: list[sql.Composable] = []
    params: list[Any] = []
    for cid, (collection, org_ids) in wanted.items():
        where = where_for(collection, org_ids=org_ids)
        dated = collection.datetime_column in columns(collection)
        c = sql.SQL("t.{}").format(sql.Identifier(collection.datetime_column)) if dated else sql.SQL("NULL")
        selects.append(
            sql.SQL(
                "SELECT %s, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), lo, hi FROM "
                "(SELECT ST_Extent(t.geom) AS e, min({c})::timestamptz AS lo, max({c})::timestamptz AS hi "
                "FROM {view} t WHERE {where}) AS x"
            ).format(c=c, view=_view(collection), where=where.composed())
        )
        params += [cid, *where.params]
    connection.ensure_connection()
    text = sql.SQL(" UNION ALL ").join(selects).as_string(connection.connection)
    found: dict[str, Extent] = {}
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        for cid, xmin, ymin, xmax, ymax, lo, hi in cursor.fetchall():
            found[cid] = Extent(None if xmin is None else (xmin, ymin, xmax, ymax), lo, hi)
    return found


def render_cql(fragment: sql.Composable) -> sql.Composable:
    """A CQL2 fragment (values already merged as literals) made safe to sit beside %s placeholders."""
    connection.ensure_connection()
    return sql.SQL(fragment.as_string(connection.connection).replace("%", "%%"))
