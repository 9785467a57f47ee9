"""Prioritisation for tasking (IMAS 07.10/07.11, decision 0054): open hazards ranked by the authority's weights.

A score is a sum of points, one term per criterion, each shown with its input and its weight, so the
person reading the ranking can redo it by hand:

- land use: the sum of the weights of the hazard's land uses;
- beneficiaries: `beneficiaries_per_100` × beneficiaries / 100;
- blockages: `blockages` when the hazard records any;
- accidents nearby: `accident` × the accidents (casualties.Accident) that occurred, by the end of the
  day ranked, within `accident_distance_m` of the hazard;
- settlements: `settlement` × (1 − d / `settlement_distance_m`), d the distance to the nearest place of
  the gazetteer (none within the distance: 0); with no gazetteer loaded, `settlement` ×
  min(1, population / `settlement_population`) of the hazard's admin area;
- devices: `ap_mines` for a mined area (hazards.models.is_mined_area), else `other_devices` if any
  device is suspected or confirmed.

The ranking on a date reads each hazard's version in force that day (hazards.HazardVersion) and the
weights in force that day (operations.PriorityWeights), so it can be reproduced later.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from django.db import connection

from core.errors import Problem, ValidationFailed
from hazards.models import is_mined_area
from operations.models import PriorityWeights
from vocab.choices import LandUse

#: The weights in force before the authority sets any: "version 0". Changing them changes every past
#: ranking computed with them, so they change only with a decision of their own.
DEFAULT_WEIGHTS: dict[str, Any] = {
    "land_use": {
        "residential": 30,
        "agriculture": 20,
        "water": 20,
        "infrastructure": 20,
        "grazing": 10,
        "forest": 5,
        "other": 0,
    },  # fmt: skip
    "beneficiaries_per_100": 2,
    "blockages": 15,
    "accident": 10,
    "accident_distance_m": 2000,
    "settlement": 20,
    "settlement_distance_m": 5000,
    "settlement_population": 50000,
    "ap_mines": 20,
    "other_devices": 5,
}

# The numeric weights besides land use, and whether each must be above zero (a distance or a divisor).
_NUMBERS: dict[str, bool] = {
    "beneficiaries_per_100": False,
    "blockages": False,
    "accident": False,
    "accident_distance_m": True,
    "settlement": False,
    "settlement_distance_m": True,
    "settlement_population": True,
    "ap_mines": False,
    "other_devices": False,
}
MAX_WEIGHT = 1_000_000


@dataclass(frozen=True)
class Weights:
    """The weights of one version, checked: every criterion present, numbers ≥ 0, distances > 0."""

    land_use: dict[str, float]
    beneficiaries_per_100: float
    blockages: float
    accident: float
    accident_distance_m: float
    settlement: float
    settlement_distance_m: float
    settlement_population: float
    ap_mines: float
    other_devices: float

    @classmethod
    def parse(cls, raw: Any) -> Weights:
        """Read weights from JSON; every problem at once, named by its field (`weights.land_use.forest`)."""
        if not isinstance(raw, dict):
            raise ValidationFailed([Problem("weights", "must be an object of criterion → weight")])
        problems: list[Problem] = []
        unknown = sorted(set(raw) - set(_NUMBERS) - {"land_use"})
        if unknown:
            problems.append(Problem("weights", f"unknown criteria: {', '.join(unknown)}"))
        values: dict[str, Any] = {}
        land_use = raw.get("land_use")
        if not isinstance(land_use, dict):
            problems.append(Problem("weights.land_use", "must be an object of land use → weight"))
        else:
            bad = sorted(set(land_use) - set(LandUse.values))
            if bad:
                problems.append(Problem("weights.land_use", f"{', '.join(bad)} not in {', '.join(LandUse.values)}"))
            values["land_use"] = {}
            for use in LandUse.values:
                number = _number(land_use.get(use, 0), f"weights.land_use.{use}", False, problems)
                values["land_use"][use] = number
        for name, positive in _NUMBERS.items():
            if name not in raw:
                problems.append(Problem(f"weights.{name}", "missing"))
            else:
                values[name] = _number(raw[name], f"weights.{name}", positive, problems)
        if problems:
            raise ValidationFailed(problems)
        return cls(**values)

    def as_json(self) -> dict[str, Any]:
        """The weights as stored and shown."""
        return asdict(self)


def _number(value: Any, name: str, positive: bool, problems: list[Problem]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(Problem(name, f"{value!r} is not a number"))
        return 0.0
    if value < 0 or (positive and value == 0) or value > MAX_WEIGHT:
        problems.append(Problem(name, f"{value} must be {'above' if positive else 'at least'} 0 and at most "
                                      f"{MAX_WEIGHT}"))  # fmt: skip
        return 0.0
    return float(value)


class _Inputs(NamedTuple):
    """What one hazard's score is computed from: the weights, its state and the register's facts about it."""

    w: Weights
    state: dict[str, Any]
    accidents: int
    gazetteer: bool
    place: str | None
    distance_m: float | None
    population: int | None


@dataclass(frozen=True)
class WeightsInForce:
    """The weights in force on a date and which version they are (0: the defaults, before any was set)."""

    version: int
    in_force_from: dt.date | None
    weights: Weights


def weights_in_force(on: dt.date) -> WeightsInForce:
    """The latest weights version in force on `on` (the defaults before the first)."""
    row = PriorityWeights.objects.filter(in_force_from__lte=on).order_by("-in_force_from", "-version").first()
    if row is None:
        return WeightsInForce(0, None, Weights.parse(DEFAULT_WEIGHTS))
    return WeightsInForce(row.version, row.in_force_from, Weights.parse(row.weights))


@dataclass
class Term:
    """One criterion's part of a score: what the hazard showed, the weight applied, the points it gave."""

    criterion: str
    input: Any
    weight: Any
    points: float


@dataclass
class Priority:
    """One hazard's place in the ranking on a date, with the terms of its score."""

    hazard: int
    code: str
    name: str
    organisation: int | None
    status: str
    version_sequence: int
    score: float = 0.0
    rank: int = 0
    # What the terms are read from. A ranking orders every open hazard (100,000 in the bench) by its score, but a
    # page shows a hundred of them: each row's six terms, with their inputs and weights, are built when first
    # read (decision 0065), from the same points the score was summed from.
    _inputs: _Inputs | tuple[()] = field(default=(), repr=False, compare=False)
    _built: list[Term] | None = field(default=None, repr=False, compare=False)

    @property
    def terms(self) -> list[Term]:
        if self._built is None:
            self._built = _terms(self._inputs) if self._inputs else []
        return self._built

    def as_json(self) -> dict[str, Any]:
        return {"hazard": self.hazard, "code": self.code, "name": self.name, "organisation": self.organisation,
                "status": self.status, "version_sequence": self.version_sequence, "score": self.score,
                "rank": self.rank, "terms": [asdict(t) for t in self.terms]}  # fmt: skip


# One statement for the whole ranking: each hazard's version in force on the date (the latest
# valid_from ≤ D, then the latest recorded), its accidents within the distance up to the end of that
# day, the nearest gazetteer place and its admin area's population. The geometry is the version's own,
# so a hazard since reduced is ranked on the shape it had then.
_RANKING_SQL = """
WITH latest AS (
    -- Only the ids are sorted: the states (a kilobyte each, geometry included) are read once, for the winners.
    SELECT DISTINCT ON (v.hazard_id) v.id
    FROM hazards_hazardversion v
    WHERE v.valid_from <= %(on)s
    ORDER BY v.hazard_id, v.valid_from DESC, v.sequence DESC
), candidate AS MATERIALIZED (
    -- Materialised so that each version's geometry is parsed from its GeoJSON once, not in every sub-query.
    SELECT v.hazard_id, v.sequence, h.code,
           jsonb_build_object('name', v.state->'name', 'organisation', v.state->'organisation',
                              'status', v.state->'status', 'land_use', v.state->'land_use',
                              'beneficiaries', v.state->'beneficiaries', 'blockages', v.state->'blockages',
                              'devices_suspected', v.state->'devices_suspected',
                              'devices_confirmed', v.state->'devices_confirmed') AS state,
           (v.state->>'admin_area')::bigint AS admin_area,
           ST_SetSRID(ST_GeomFromGeoJSON(v.state->>'geometry'), 4326) AS geom
    FROM latest
    JOIN hazards_hazardversion v ON v.id = latest.id
    JOIN hazards_hazardousarea h ON h.id = v.hazard_id
    WHERE v.state->>'status' <> 'closed'
)
SELECT candidate.hazard_id, candidate.code, candidate.sequence, candidate.state,
    (SELECT count(*) FROM casualties_accident a
     WHERE a.occurred_at < %(day_after)s
       -- The GiST index on location first: the box grown by the distance in degrees, generous (110 km a
       -- degree, the cosine of the polygon's farthest latitude, capped at 80°), then the exact metres.
       AND a.location && ST_Expand(candidate.geom, %(accident_m)s / (110000.0 * cos(radians(least(80.0,
           greatest(abs(ST_YMin(candidate.geom)), abs(ST_YMax(candidate.geom))))))))
       AND ST_DWithin(a.location::geography, candidate.geom::geography, %(accident_m)s)) AS accidents,
    nearest.name, nearest.distance_m,
    (SELECT population FROM places_adminarea WHERE id = candidate.admin_area) AS population
FROM candidate
LEFT JOIN LATERAL (
    SELECT p.name, ST_Distance(p.location::geography, candidate.geom::geography) AS distance_m
    FROM places_place p
    ORDER BY p.location <-> candidate.geom
    LIMIT 1
) nearest ON true
"""


# What a day's national ranking is computed from, in one cheap query: the register's data version (every
# approval), and the newest hazard version, accident, gazetteer place and admin area (append-only ids, which a
# rolled-back or unapproved write also moves: scripts and tests write without approving).
_INPUTS_SQL = """
SELECT (SELECT value FROM hazards_dataversion WHERE id = 1), (SELECT max(id) FROM hazards_hazardversion),
       (SELECT max(id) FROM casualties_accident), (SELECT max(id) FROM places_place),
       (SELECT max(id) FROM places_adminarea)
"""
# The last few rankings, per process: at 100,000 hazards one takes seconds (decision 0057), and the same day
# is read again and again (the page, its API, each operator) until one of its inputs changes.
_KEPT: OrderedDict[tuple[Any, ...], list[Priority]] = OrderedDict()
_KEEP = 4
_kept_lock = threading.Lock()


def ranking(on: dt.date, *, hazard_ids: set[int] | None = None) -> tuple[WeightsInForce, list[Priority]]:
    """Open hazards as known on `on`, scored with the weights in force that day, best first.

    Ranks are national: `hazard_ids` (the hazards a reader may see) narrows the list after ranking, so
    an operator sees where its hazards stand among all of them without seeing the others.
    """
    force = weights_in_force(on)
    with connection.cursor() as cur:
        cur.execute(_INPUTS_SQL)
        inputs = cur.fetchone()
    key = (on, force.version, force.in_force_from, *(inputs or ()))
    with _kept_lock:
        priorities = _KEPT.get(key)
        if priorities is not None:
            _KEPT.move_to_end(key)
    if priorities is None:
        priorities = _rank(on, force, gazetteer=bool(inputs and inputs[3] is not None))
        with _kept_lock:
            _KEPT[key] = priorities
            while len(_KEPT) > _KEEP:
                _KEPT.popitem(last=False)
    # Callers read the rows and never change them; the list itself is theirs.
    if hazard_ids is not None:
        return force, [p for p in priorities if p.hazard in hazard_ids]
    return force, list(priorities)


def _rank(on: dt.date, force: WeightsInForce, *, gazetteer: bool) -> list[Priority]:
    w = force.weights
    # 100,000 rows make a million small objects, none of them garbage: the collector, run every few hundred
    # allocations, walked all those made before (and the rankings kept), again and again — about half the Python
    # time at that size (decision 0065). It is paused from the fetch to the ranks.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with connection.cursor() as cur:
            cur.execute(_RANKING_SQL, {"on": on, "day_after": on + dt.timedelta(days=1),
                                       "accident_m": w.accident_distance_m})  # fmt: skip
            rows = cur.fetchall()
        priorities = []
        for hazard_id, code, sequence, state, accidents, place, distance_m, population in rows:
            # Django's psycopg set-up hands jsonb back as text (its JSONField decodes it itself).
            state = json.loads(state) if isinstance(state, str) else state
            inputs = _Inputs(w, state, accidents, gazetteer, place, distance_m, population)
            p = Priority(hazard=hazard_id, code=code, name=state.get("name", ""),
                         organisation=state.get("organisation"), status=state.get("status", ""),
                         version_sequence=sequence, _inputs=inputs)  # fmt: skip
            p.score = round(sum(_points(inputs)), 2)
            priorities.append(p)
        # Ties: the older hazard first, so the order is the same every time it is computed.
        priorities.sort(key=lambda p: (-p.score, p.hazard))
        for i, p in enumerate(priorities, start=1):
            p.rank = i
    finally:
        if collecting:
            gc.enable()
    return priorities


def _read(w: Weights, state: dict[str, Any]) -> tuple[list[str], Any, str, list[str], list[str]]:
    """The hazard's land uses (those weighed), beneficiaries, blockages and devices, as the terms read them."""
    uses = [u for u in state.get("land_use") or [] if u in w.land_use]
    beneficiaries = state.get("beneficiaries") or 0
    blockages = (state.get("blockages") or "").strip()
    return uses, beneficiaries, blockages, state.get("devices_suspected") or [], state.get("devices_confirmed") or []


def _points(inputs: _Inputs) -> tuple[float, ...]:
    """Each criterion's points, rounded as shown, in the order of the terms: the one place the formulas live."""
    w, state, accidents, gazetteer, _place, distance_m, population = inputs
    uses, beneficiaries, blockages, suspected, confirmed = _read(w, state)
    if gazetteer:
        near = distance_m is not None and distance_m < w.settlement_distance_m
        share = 1 - distance_m / w.settlement_distance_m if near and distance_m is not None else 0.0
    else:
        # No gazetteer loaded (`clearground load_places`): the admin area's population stands in.
        share = min(1.0, (population or 0) / w.settlement_population)
    mined = is_mined_area(suspected, confirmed)
    return (
        round(sum(w.land_use[u] for u in uses), 2),
        round(w.beneficiaries_per_100 * beneficiaries / 100, 2),
        round(w.blockages if blockages else 0.0, 2),
        round(w.accident * accidents, 2),
        round(w.settlement * share, 2),
        round(w.ap_mines if mined else (w.other_devices if suspected or confirmed else 0.0), 2),
    )


def _terms(inputs: _Inputs) -> list[Term]:
    """The terms of one score: each criterion's input and weight as shown, with the points of `_points`."""
    w, state, accidents, gazetteer, place, distance_m, population = inputs
    uses, beneficiaries, blockages, suspected, confirmed = _read(w, state)
    points = _points(inputs)
    if gazetteer:
        settlement: dict[str, Any] = {"nearest": place, "distance_m": round(distance_m or 0.0, 1),
                                      "within_m": w.settlement_distance_m}  # fmt: skip
    else:
        settlement = {"admin_area_population": population, "full_at": w.settlement_population}
    mined = is_mined_area(suspected, confirmed)
    return [
        Term("land_use", uses, {u: w.land_use[u] for u in uses}, points[0]),
        Term("beneficiaries", beneficiaries, w.beneficiaries_per_100, points[1]),
        Term("blockages", blockages, w.blockages, points[2]),
        Term("accidents", {"count": accidents, "within_m": w.accident_distance_m}, w.accident, points[3]),
        Term("settlement", settlement, w.settlement, points[4]),
        Term("devices", {"devices": sorted({*suspected, *confirmed}), "ap_mines": mined},
             w.ap_mines if mined else w.other_devices, points[5]),
    ]  # fmt: skip


def ranking_for(user: Any, on: dt.date) -> tuple[WeightsInForce, list[Priority]]:
    """The ranking a user may read: all of it for the authority, an operator's visible hazards (national ranks)."""
    from accounts import access
    from core.errors import NotAllowed

    if not access.may_read_priorities(user):
        raise NotAllowed("Only the national authority and the operators read the priorities.")
    ids = None if access.scope_of(user).everything else set(access.hazards_for(user).values_list("pk", flat=True))
    return ranking(on, hazard_ids=ids)
