"""Overlaps of a new hazard with the hazards already registered (decision 0048).

A new SHA/CHA may describe land the register already holds: the same suspected area surveyed twice,
or drawn with another starting vertex. The overlap is measured here in PostGIS, at submission (shown
to the reviewer), at import (reported per row) and at approval (where it must be resolved: merge,
link or clip). A linked overlap stays in both hazards, so the national "remaining" totals subtract
what of it is still unreleased in both (`shared_remaining_m2`): the land is counted once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.geometry import local_srid
from hazards.models import HazardousArea, HazardOverlap
from vocab.choices import HazardStatus, OverlapResolution

#: Overlaps smaller than this are digitising slivers along a shared boundary, not land counted twice
#: (the product boundary tolerance of decision 0002 is 1 m; a 1 m² sliver is below any survey's precision).
MIN_OVERLAP_M2 = 1.0


@dataclass(frozen=True)
class Overlap:
    """One registered (not closed) hazard that a polygon overlaps, and by how much."""

    hazard_id: int
    code: str
    area_m2: float
    identical: bool  # ST_Equals: the same polygon, whatever its starting vertex or ring orientation

    def words(self) -> str:
        if self.identical:
            return _("identical to hazard %(code)s (a duplicate)") % {"code": self.code}
        return _("overlaps hazard %(code)s by %(area)s m²") % {"code": self.code, "area": f"{self.area_m2:,.0f}"}


# The overlap's area in the new polygon's own UTM zone (core.geometry.local_srid), as its hazard will be measured.
_FIND = """
    SELECT h.id, h.code, ST_Area(ST_Transform(ST_Intersection(h.geom, g.geom), %(srid)s)) AS area,
           ST_Equals(h.geom, g.geom) AS identical
    FROM hazards_hazardousarea h, (SELECT ST_Multi(ST_GeomFromEWKB(%(wkb)s)) AS geom) g
    WHERE h.geom && g.geom AND ST_Intersects(h.geom, g.geom) AND h.status <> %(closed)s
          AND NOT (h.id = ANY(%(exclude)s))
    ORDER BY area DESC, h.id
"""


def find_overlaps(geom: GEOSGeometry, *, exclude: Iterable[int] = ()) -> list[Overlap]:
    """Registered hazards, closed ones apart, that `geom` overlaps by at least MIN_OVERLAP_M2, largest first."""
    with connection.cursor() as cur:
        cur.execute(_FIND, {"srid": local_srid(geom), "wkb": bytes(geom.ewkb), "closed": HazardStatus.CLOSED,
                            "exclude": list(exclude)})  # fmt: skip
        rows = cur.fetchall()
    return [Overlap(pk, code, float(area), bool(same)) for pk, code, area, same in rows
            if same or area >= MIN_OVERLAP_M2]  # fmt: skip


def warnings_for(report: Any, user: Any = None) -> list[dict[str, Any]]:
    """The reviewer's warnings on a report that would register a new hazard: the registered hazards it overlaps.

    Codes of hazards the reader may not see are not named (a clerk learns that the land is registered,
    not by whom). Empty for a report that names its hazard or carries no readable polygon.
    """
    from accounts import access
    from core.geometry import parse_area
    from reports.kinds import KINDS

    spec = KINDS.get(report.kind)
    if spec is None or not spec.creates_hazard or report.hazard_id is not None or report.status == "approved":
        return []
    payload = report.payload if isinstance(report.payload, dict) else {}
    # Where each hazard-creating kind draws the new hazard: an NTS its polygon, a minefield record its perimeter.
    field = "payload.hazard.geometry" if report.kind == "nts" else "payload.perimeter"
    node: Any = payload
    for part in field.split(".")[1:]:
        node = node.get(part) if isinstance(node, dict) else None
    raw = node
    if not raw:
        return []
    area, _problems = parse_area(raw, "geometry")
    if area is None:
        return []
    found = find_overlaps(area.geom)
    if not found:
        return []
    visible = set(access.hazards_for(user).filter(pk__in=[o.hazard_id for o in found]).values_list("pk", flat=True)) \
        if user is not None else {o.hazard_id for o in found}  # fmt: skip
    items = [
        {"hazard": o.hazard_id if o.hazard_id in visible else None,
         "code": o.code if o.hazard_id in visible else "",
         "overlap_m2": round(o.area_m2, 1), "identical": o.identical}
        for o in found
    ]  # fmt: skip
    words = "; ".join(o.words() if o.hazard_id in visible else
                      _("overlaps a hazard of another organisation by %(area)s m²") % {"area": f"{o.area_m2:,.0f}"}
                      for o in found)  # fmt: skip
    return [{"field": field, "message": _("%(overlaps)s: the approver merges, links or clips it") % {"overlaps": words},
             "kind": "duplicate" if any(o.identical for o in found) else "overlap", "overlaps": items}]  # fmt: skip


def clip(geom: GEOSGeometry, overlaps: list[Overlap]) -> GEOSGeometry:
    """`geom` less every overlapped hazard's polygon (the "clip" resolution), in EPSG:4326."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_AsEWKB(ST_CollectionExtract(ST_MakeValid(ST_Difference(ST_GeomFromEWKB(%s), "
            "(SELECT ST_Union(geom) FROM hazards_hazardousarea WHERE id = ANY(%s)))), 3))",
            [bytes(geom.ewkb), [o.hazard_id for o in overlaps]],
        )
        (wkb,) = cur.fetchone()
    return GEOSGeometry(memoryview(wkb))


def record(hazard: HazardousArea, report: Any, geom: GEOSGeometry, overlaps: list[Overlap], resolution: str,
           at: Any) -> None:  # fmt: skip
    """Keep each resolved overlap (link or clip) with its piece of land (`geom` ∩ the other hazard) at approval."""
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO hazards_hazardoverlap (hazard_id, other_id, report_id, resolution, geom, area_m2, identical, at)
            SELECT %(hazard)s, o.id, %(report)s, %(resolution)s,
                   ST_Multi(ST_CollectionExtract(ST_Intersection(o.geom, ST_GeomFromEWKB(%(wkb)s)), 3)),
                   u.area, u.identical, %(at)s
            FROM unnest(%(ids)s::int[], %(areas)s::float8[], %(same)s::bool[]) AS u(id, area, identical)
            JOIN hazards_hazardousarea o ON o.id = u.id
            """,
            {"hazard": hazard.pk, "report": report.pk, "resolution": resolution, "at": at, "wkb": bytes(geom.ewkb),
             "ids": [o.hazard_id for o in overlaps], "areas": [o.area_m2 for o in overlaps],
             "same": [o.identical for o in overlaps]},
        )  # fmt: skip


def clipped_on_replay(report: Any, geom: GEOSGeometry) -> GEOSGeometry:
    """A replayed new hazard loses again the overlaps its approval clipped (as recorded, not recomputed)."""
    pieces = list(
        HazardOverlap.objects.filter(report=report, resolution=OverlapResolution.CLIP).values_list("geom", flat=True)
    )
    if not pieces:
        return geom
    return geom.difference(MultiPolygon(*[p for g in pieces for p in g], srid=4326).unary_union)


# What of a linked overlap is still unreleased in both hazards: its piece less both hazards' released land,
# measured in the newer hazard's UTM zone. Closed hazards have nothing remaining, so they share nothing.
_SHARED = """
    SELECT {by}, SUM(ST_Area(ST_Transform(
               CASE WHEN r.released IS NULL THEN o.geom ELSE ST_Difference(o.geom, r.released) END, h.utm_srid)))
    FROM hazards_hazardoverlap o
    JOIN hazards_hazardousarea h ON h.id = o.hazard_id
    JOIN hazards_hazardousarea x ON x.id = o.other_id
    LEFT JOIN LATERAL (SELECT ST_Union(p.geom) AS released FROM hazards_landreleaseproduct p
                       WHERE p.hazard_id IN (o.hazard_id, o.other_id)) r ON true
    WHERE o.resolution = %s AND h.status <> %s AND x.status <> %s AND o.at <= %s
          AND o.hazard_id IN ({ids}) AND o.other_id IN ({ids})
    GROUP BY 1
"""
# What the shared land may be grouped by: a column of the newer hazard (never text from a request).
_BY = {"hazard": "h.id", "admin_area": "h.admin_area_id", "classification": "h.classification"}


def shared_remaining_m2(
    hazards: QuerySet[HazardousArea], *, by: str = "hazard", recorded_by: dt.datetime | None = None
) -> dict[Any, float]:
    """m² counted twice when the remaining areas of `hazards` are summed, by the newer hazard of each linked pair
    (its id, admin area or classification, as `by` says).

    A linked overlap lies in both hazards; what of it neither has released yet is remaining land of both.
    Every national "remaining" total (dashboard, Article 5 forecast, Article 7, public figures) subtracts
    it from the newer hazard, so the land is counted once. `recorded_by`: only links approved by then.
    """
    try:
        ids_sql, ids_params = hazards.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:  # no hazard at all (pk__in=[]): nothing shared
        return {}
    params = [OverlapResolution.LINK.value, HazardStatus.CLOSED.value, HazardStatus.CLOSED.value,
              recorded_by or timezone.now(), *ids_params, *ids_params]  # fmt: skip
    with connection.cursor() as cur:
        cur.execute(_SHARED.replace("{by}", _BY[by]).replace("{ids}", ids_sql), params)
        return {key: float(m2 or 0.0) for key, m2 in cur.fetchall()}
