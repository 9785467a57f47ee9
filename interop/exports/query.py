"""The core every export door calls: which collections the caller may export, and one SQL per collection.

Reads only the `publish` views (interop/collections.py). Public collections go to any signed-in
user in full, as the OGC API shows them; a restricted collection (accidents) only to members with
a working role, scoped like accounts/access.py: the authority's reach everything, an operator's
only its own organisation's rows (decision 0020), generalised for members who may not read single
casualty records; anonymous callers what the authority publishes (decision 0037).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import connection
from psycopg import sql

from accounts.models import Organisation
from core.errors import NotFoundOrNoAccess, Problem, ValidationFailed
from interop.collections import Collection
from interop.exports.base import BOOL, DATE, DATETIME, FLOAT, INT, TEXT, Layer
from interop.exports.columns import columns
from interop.publish_access import Reader, SignInRequired, readable_org_ids, visible_collections

# PostgreSQL type OIDs → column kinds (everything else is text).
_KINDS = {20: INT, 21: INT, 23: INT, 16: BOOL, 700: FLOAT, 701: FLOAT, 1700: FLOAT, 1082: DATE, 1114: DATETIME,
          1184: DATETIME}  # fmt: skip


@dataclass(frozen=True)
class ExportRequest:
    """A checked export request: the collections (in registry order), an optional bbox and organisations."""

    collections: tuple[Collection, ...]
    bbox: tuple[float, float, float, float] | None = None
    organisation_ids: tuple[int, ...] | None = None


def restricted_reach(user: Reader, collection: Collection) -> list[int] | None:
    """Organisations whose rows of a restricted collection the user may export: None = all, [] = none.

    The one rule of every door on the publish views (interop/publish_access.py): what the OGC API and
    the tiles show a user is what the user may export, no more and no less (decision 0020).
    """
    try:
        ids = readable_org_ids(user, collection)
    except (NotFoundOrNoAccess, SignInRequired):
        return []
    return None if ids is None else list(ids)


def exportable(user: Reader) -> list[Collection]:
    """The collections this user may export, in registry order, as they see them (interop.publish_access).

    The collections, rows, fields and generalised views are those the OGC API shows the same user;
    an anonymous user (the command without --as-user) gets what the authority publishes.
    """
    try:
        return [seen for seen, _ in visible_collections(user).values()]
    except SignInRequired:
        return []


def parse_request(
    user: Reader, *, collections: str | None = None, bbox: str | None = None, organisation: str | None = None
) -> ExportRequest:
    """Check the optional filters (comma-separated text, as a URL or a command line gives them).

    Every problem is listed at once. A collection the caller may not export is named as unknown,
    like one that does not exist, so the answer reveals nothing about restricted data.
    """
    problems: list[Problem] = []
    allowed = exportable(user)
    chosen: list[Collection] = allowed
    names = [n.strip() for n in (collections or "").split(",") if n.strip()]
    if names:  # none named (or only commas): every collection the caller may export
        by_id = {c.id: c for c in allowed}
        unknown = [n for n in names if n not in by_id]
        if unknown:
            problems.append(Problem("collections", f"{', '.join(unknown)}: not a collection you may export "
                                                   f"(you may export: {', '.join(by_id)})"))  # fmt: skip
        chosen = [c for c in allowed if c.id in names]
    box = _bbox(problems, bbox) if bbox else None
    org_ids: tuple[int, ...] | None = None
    if organisation:
        codes = [c.strip() for c in organisation.split(",") if c.strip()]
        found = dict(Organisation.objects.filter(code__in=codes).values_list("code", "id"))
        missing = [c for c in codes if c not in found]
        if missing:
            problems.append(Problem("organisation", f"{', '.join(missing)}: no organisation has this code"))
        org_ids = tuple(found[c] for c in codes if c in found)
        # The released-land summary has no organisation, and to an anonymous caller the organisation is
        # not published: filtering on it would be an oracle (decision 0037). Named: a problem; else left out.
        unfit = [c.id for c in chosen if not _by_organisation(c)]
        if names and unfit:
            problems.append(Problem("organisation", f"{', '.join(unfit)}: cannot be filtered by organisation"))
        chosen = [c for c in chosen if _by_organisation(c)]
    if problems:
        raise ValidationFailed(problems)
    return ExportRequest(tuple(chosen), box, org_ids)


def _by_organisation(collection: Collection) -> bool:
    """Can this collection, as the caller sees it, be filtered by organisation?"""
    shown = collection.fields is None or "organisation_id" in collection.fields
    return shown and "organisation_id" in columns(collection.view_name)


def _bbox(problems: list[Problem], raw: str) -> tuple[float, float, float, float] | None:
    parts = raw.split(",")
    try:
        a, b, c, d = (float(p) for p in parts)
    except ValueError:
        problems.append(Problem("bbox", f"must be 4 comma-separated numbers (west,south,east,north), not {raw!r}"))
        return None
    if not all(math.isfinite(v) for v in (a, b, c, d)) or not (-180 <= a <= c <= 180 and -90 <= b <= d <= 90):
        problems.append(
            Problem("bbox", "must be west,south,east,north in degrees (WGS 84), west ≤ east and south ≤ north")
        )
        return None
    return a, b, c, d


def fetch(
    collection: Collection,
    *,
    user: Reader,
    bbox: tuple[float, float, float, float] | None = None,
    organisation_ids: Sequence[int] | None = None,
    wkt: bool = False,
) -> Layer:
    """One collection's rows the user may export, in one SQL statement over its publish view (ordered by id)."""
    names = [n for n in columns(collection.view_name) if collection.fields is None or n in ("id", *collection.fields)]
    select = [sql.Identifier(n) for n in names] + [sql.SQL("ST_AsBinary(geom)")]
    if wkt:
        select.append(sql.SQL("ST_AsText(geom)"))
    where: list[sql.Composable] = []
    params: list[Any] = []
    if collection.restricted:
        reach = restricted_reach(user, collection)
        if reach is not None:
            where.append(sql.SQL("organisation_id = ANY(%s)"))
            params.append(reach)
    if organisation_ids is not None:
        where.append(sql.SQL("organisation_id = ANY(%s)"))
        params.append(list(organisation_ids))
    if bbox is not None:
        where.append(sql.SQL("ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"))
        params.extend(bbox)
    query = sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(select), sql.Identifier("publish", collection.view_name)
    )
    if where:
        query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where)
    query += sql.SQL(" ORDER BY id")
    connection.ensure_connection()
    # Binary results: psycopg reads numbers and timestamps from binary several times faster than from
    # text, which is most of an export's time at national scale (100,000 hazards).
    # (Django's own cursors bind client-side, which cannot ask for binary results.)
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(query, params, binary=True)
        assert cur.description is not None
        kinds = [_KINDS.get(d.type_code, TEXT) for d in cur.description[: len(names)]]
        rows = cur.fetchall()
    n = len(names)
    values = [list(col) for col in zip(*(r[:n] for r in rows), strict=True)] if rows else [[] for _ in names]
    wkb = [None if r[n] is None else bytes(r[n]) for r in rows]
    return Layer(collection, names, kinds, values, wkb, [r[n + 1] for r in rows] if wkt else None)


def layers_for(user: Reader, request: ExportRequest, *, wkt: bool = False) -> list[Layer]:
    """Every requested collection as a Layer: the data an Exporter writes."""
    return [
        fetch(c, user=user, bbox=request.bbox, organisation_ids=request.organisation_ids, wkt=wkt)
        for c in request.collections
    ]
