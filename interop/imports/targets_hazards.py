"""The import targets that write hazards: NTS polygons, hazard indications, released areas (decision 0014)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.utils.translation import gettext as _

from core.errors import Problem
from core.geometry import local_srid
from hazards.indications import Indication, record_hazard_indications
from hazards.models import HazardIndication, HazardousArea
from hazards.overlaps import Overlap, find_overlaps
from interop.imports.target import EntryContext, Outcome, Row, Target, chunks
from interop.models import Import
from vocab.choices import IndicationKind


class NtsTarget(Target):
    """Each polygon row registers a new SHA/CHA through an NTS report (docs/reports.md, `nts`)."""

    kind = "nts"
    label = "NTS report: a new suspected or confirmed hazardous area per polygon"
    geometry = "polygon"
    geometry_path = "hazard.geometry"
    default_mapping = {"notes_field": "evidence.0.description"}

    def base_payload(self, *, file_name: str, on: dt.date) -> dict[str, Any]:
        # The partner's file is the evidence: a record (documentary, indirect) unless the profile says otherwise.
        # The NTS activity is the desk assessment this import is, dated the day of information (decision 0014).
        return {
            "hazard": {"classification": "SHA"},
            "evidence": [{"kind": "indirect", "source": "records", "description": ""}],
            "activity": {"start_date": on.isoformat(), "end_date": on.isoformat()},
        }

    def stored(self, keys: Iterable[str]) -> dict[str, str]:
        """Earlier imports' keys, and keys that are the code of a hazard already in the register.

        A file exported from Clearground (interop/exports/gpkg.py) carries each hazard's national code as
        its ID: re-importing it must find every hazard it holds and enter nothing (decision 0020).
        """
        keys = list(keys)
        out = super().stored(keys)
        for chunk in chunks([k for k in keys if k not in out]):
            found = HazardousArea.objects.filter(code__in=chunk).values_list("code", "pk")
            out.update((code, f"hazard {code} (id {pk}) in the register") for code, pk in found)
        return out

    def screen(self, row: Row) -> tuple[list[Problem], list[Problem]]:
        """A polygon identical to a registered hazard is a duplicate; one overlapping any is left for review."""
        found = find_overlaps(GEOSGeometry(row.wkt, srid=4326))
        return overlap_screen(found, [])

    def finish(self, row: Row, geom: Any, *, file_name: str) -> None:
        hazard = row.payload.setdefault("hazard", {})
        # The report repairs an invalid polygon itself, as it would a typed-in one, and the hazard keeps the note.
        hazard["geometry"] = row.unrepaired_wkt or row.wkt
        hazard.setdefault("name", f"{file_name} row {row.number}")
        evidence = row.payload.get("evidence") or []
        if evidence and isinstance(evidence[0], dict):
            text = evidence[0].get("description") or ""
            lead = f"Imported from {file_name}, row {row.number}"
            notes = "; ".join(f"{p.field}: {p.message}" for p in row.repairs)
            evidence[0]["description"] = (f"{lead}. {text}" if text else lead) + (
                f". Repaired on import: {notes}" if notes else ""
            )


def overlap_screen(found: list[Overlap], rows: list[tuple[int, float, bool]]) -> tuple[list[Problem], list[Problem]]:
    """(duplicate, notes) of a polygon from the registered hazards it overlaps and the earlier rows of its file
    it overlaps (row number, m², identical) (decision 0048)."""
    same = [o.words() for o in found if o.identical] + [f"identical to row {n} of this file" for n, _a, i in rows if i]
    if same:
        return [Problem("geometry", "; ".join(same), "duplicate")], []
    words = [o.words() for o in found] + [f"overlaps row {n} of this file by {a:,.0f} m²" for n, a, _i in rows]
    if not words:
        return [], []
    message = _("%(overlaps)s: entered for review, not approved; the reviewer merges, links or clips it")
    return [], [Problem("geometry", message % {"overlaps": "; ".join(words)}, "overlaps_hazard")]


class HazardIndicationTarget(Target):
    """Each point row records a hazard indication "for survey" (hazards.indications), like the AICMA events.

    Its `kind` (a profile's fixed value or a column) says what the point is: suspected contamination (the
    default) or a lifted minefield, where a minefield was removed (vocab IndicationKind, decision 0048).
    """

    kind = "hazard_indication"
    label = "Hazard indication: a suspected-contamination point, or a lifted minefield, for survey"
    geometry = "point"
    geometry_path = "location"
    default_mapping = {"notes_field": "place"}

    def base_payload(self, *, file_name: str, on: dt.date) -> dict[str, Any]:
        return {"year": None, "place": "", "kind": IndicationKind.SUSPECTED.value}

    def finish(self, row: Row, geom: Any, *, file_name: str) -> None:
        row.payload["location"] = {"type": "Point", "coordinates": [geom.x, geom.y]}
        notes = "; ".join(f"{p.field}: {p.message}" for p in row.repairs)
        if notes:
            row.payload["place"] = f"{row.payload.get('place') or ''} (repaired on import: {notes})".strip()

    def stored(self, keys: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in chunks(keys):
            found = HazardIndication.objects.filter(source=self.source, source_key__in=chunk)
            out.update((k, f"hazard indication {pk}") for k, pk in found.values_list("source_key", "pk"))
        return out

    def enter_many(self, rows: list[Row], ctx: EntryContext) -> Iterator[Outcome]:
        problems: dict[int, list[Problem]] = {}
        good: list[tuple[Row, Indication]] = []
        for row in rows:
            p = row.payload
            year = p.get("year")
            if year is not None and not (isinstance(year, int) and 1800 <= year <= dt.date.today().year):
                problems[row.number] = [
                    Problem("year", _("%(year)s is not a year between 1800 and now") % {"year": year}, "out_of_range")
                ]
                continue
            kind = p.get("kind") or IndicationKind.SUSPECTED.value
            if kind not in IndicationKind.values:
                problems[row.number] = [
                    Problem(
                        "kind",
                        _("'%(value)s' is not one of %(allowed)s")
                        % {"value": kind, "allowed": ", ".join(IndicationKind.values)},
                        "not_a_choice",
                    )
                ]
                continue
            place = str(p.get("place") or "")
            if len(place) > 300:
                # HazardIndication.place holds 300 characters; the whole row is kept in the stored file.
                problems[row.number] = [
                    Problem("place", _("is %(n)s characters; at most 300 fit") % {"n": len(place)}, "too_long")
                ]
                continue
            lon, lat = p["location"]["coordinates"][:2]
            good.append((row, Indication(row.key, lon, lat, year, place, kind)))
        created = {h.source_key: h.pk for h in record_hazard_indications(
            [i for _, i in good], acting_user=ctx.approver or ctx.author, organisation=ctx.organisation,
            source=self.source)}  # fmt: skip
        for row in rows:
            if row.number in problems:
                yield Outcome(row.number, problems[row.number])
            else:
                yield Outcome(row.number, record=f"hazard indication {created.get(row.key, '')}".strip())
            ctx.progress(1)

    def approve(self, import_: Import, *, acting_user: User) -> int:
        return 0  # an indication is recorded for survey, not approved


class ReleasedAreaTarget(Target):
    """A partner's released (cleared or cancelled) polygon: never entered on its own (decision 0014).

    Land is released from a hazard in the register by a land-release report that states how (method,
    depth); a file of released polygons says neither in structured form. So each row is rejected with
    the reason an information officer acts on: no hazard contains it, or which hazard does and that a
    clearance or survey report on it is needed, or, for a polygon crossing hazard boundaries, how many m²
    lie in which hazard (proposed as its released land) and how many lie outside every hazard (0048).
    """

    kind = "released_area"
    label = "Released area: checked against the register, listed for a land-release report"
    geometry = "polygon"
    geometry_path = "geometry"
    default_mapping = {"notes_field": "description"}

    def base_payload(self, *, file_name: str, on: dt.date) -> dict[str, Any]:
        return {"description": ""}

    def finish(self, row: Row, geom: Any, *, file_name: str) -> None:
        row.payload["geometry"] = row.wkt

    def enter_many(self, rows: list[Row], ctx: EntryContext) -> Iterator[Outcome]:
        for row in rows:
            proposal = self.proposal(GEOSGeometry(row.payload["geometry"], srid=4326))
            yield Outcome(row.number, [Problem("geometry", proposal, "overlaps_hazard")])
            ctx.progress(1)

    @staticmethod
    def proposal(geom: GEOSGeometry) -> str:
        """Where the released area lies: in which open hazards (m² each), and how much of it lies in none.

        A polygon that crosses a hazard's boundary is not thrown away as "no hazard contains it": the part
        inside is proposed as released land of that hazard, and the part outside is stated (decision 0048).
        """
        with connection.cursor() as cur:
            cur.execute(_WHERE_RELEASED, {"wkb": bytes(geom.ewkb), "srid": local_srid(geom)})
            rows = cur.fetchall()
        if not rows:
            return "no hazard in the register contains this released area"
        if len(rows) == 1 and rows[0][4]:
            _pk, code, name, _inside, _covered, _outside = rows[0]
            return (
                f"lies in hazard {code} ({name}): enter it as a clearance or technical survey report on that "
                "hazard, stating method and depth (the file gives them as free text)"
            )
        parts = "; ".join(f"{inside:,.0f} m² lie in hazard {code} ({name})" for _pk, code, name, inside, _c, _o in rows)
        outside = rows[0][5]
        rest = f"; {outside:,.0f} m² lie outside every hazard in the register" if outside >= 1 else ""
        return (
            f"{parts}{rest}: propose the part inside as released land of that hazard, a clearance or technical "
            "survey report on it stating method and depth; the part outside is not hazardous land on record"
        )


# The open hazards a released polygon touches, the m² of it inside each, and the m² inside none, in its UTM zone.
_WHERE_RELEASED = """
    WITH g AS (SELECT ST_Multi(ST_GeomFromEWKB(%(wkb)s)) AS geom),
    h AS (SELECT h.id, h.code, h.name, h.geom FROM hazards_hazardousarea h, g
          WHERE h.geom && g.geom AND ST_Intersects(h.geom, g.geom) AND h.status <> 'closed')
    SELECT h.id, h.code, h.name, ST_Area(ST_Transform(ST_Intersection(h.geom, g.geom), %(srid)s)),
           ST_Covers(h.geom, g.geom),
           (SELECT ST_Area(ST_Transform(ST_Difference(g.geom, ST_Union(h2.geom)), %(srid)s)) FROM h h2)
    FROM h, g
    ORDER BY 4 DESC, h.id
"""
