"""The demo's stories: the life of one hazard as a dated series of field reports.

A story is plain data (kind, date, payload, operator), built from a seeded random generator so that
a seed always tells the same stories; `play` files each report as the operator's clerk and has an
IM officer approve it, through reports/actions.py like any other door.

The lifecycle follows IMAS 07.11: NTS registers an SHA (or a CHA on direct evidence) → NTS may cancel
it all → TS reduces land and, on a find, confirms the hazard → clearance clears the rest to a depth
→ completion closes it → handover returns it to its users. Stories stop at any stage, or are
suspended, as real work does; a few start from a laying party's minefield record.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, Point

from demo.people import People
from demo.shapes import Frame, geojson, point_in, quadrilateral, strips
from demo.tasking import Tasking
from hazards.models import HazardousArea
from reports.actions import approve_report, create_report, validate_report
from reports.kinds import KINDS
from vocab.choices import ActivityKind as A
from vocab.choices import OverlapResolution

START = dt.date(2022, 6, 1)

FEATURES = {
    "agriculture": ["Wheat field", "Sunflower field", "Orchard", "Farm track", "Garden plots", "Maize field"],
    "grazing": ["Pasture", "Meadow", "Grazing land"],
    "forest": ["Tree line", "Forest edge", "Wind-break belt", "Woodland"],
    "infrastructure": ["Road verge", "Power line corridor", "Railway embankment", "Bridge approach"],
    "residential": ["Backyards", "School grounds", "Village outskirts"],
    "water": ["Riverbank", "Pond shore", "Irrigation canal"],
}
LANDMARKS = ["the village", "the farm", "the grain silo", "the school", "the crossroads", "the cemetery", "the dam"]
DIRECTIONS = ["north", "south", "east", "west", "north-east", "south-west"]
# What is found in the eastern and southern oblasts: (category, model, usual depth in cm).
ORDNANCE = [
    ("at_mine", "TM-62M", 15),
    ("at_mine", "TM-72", 15),
    ("ap_mine", "PFM-1", 0),
    ("ap_mine", "POM-2", 0),
    ("ap_mine", "OZM-72", 10),
    ("ap_mine", "MON-50", 0),
    ("uxo", "122 mm HE projectile", 40),
    ("uxo", "152 mm HE projectile", 60),
    ("uxo", "120 mm mortar bomb", 30),
    ("uxo", "VOG-17 grenade", 5),
    ("submunition", "9N210", 10),
    ("submunition", "9N235", 10),
    ("booby_trap", "Tripwire with F-1 grenade", 0),
]
SUSPEND_REASONS = [
    "Access restricted: shelling in the area",
    "Ground frozen; work resumes in spring",
    "Team redeployed to a priority task",
    "Flooding after heavy rain",
    "Landowner dispute over access",
]
HANDED_TO = ["Village council", "Hromada administration", "Agricultural enterprise (landowner)", "Forestry department"]
INFORMANTS = ["Olena K.", "Mykola P.", "Hanna S.", "Petro V.", "Iryna D.", "Vasyl H.", "Tetiana M."]
INDIRECT = [
    ("verbal", "Farmer reports a cow killed by an explosion"),
    ("verbal", "Residents saw military positions here in 2022"),
    ("observed", "Abandoned trenches and firing positions"),
    ("records", "Shelling reported in this area by the local administration"),
    ("observed", "Craters and fragments visible from the road"),
]
DIRECT = [
    ("observed", "Anti-vehicle mine visible on the surface"),
    ("observed", "Tripwire seen across the track"),
    ("verbal", "Tractor driver injured by a mine in this field"),
    ("observed", "Scatterable mines seen on the verge"),
]


@dataclass
class Step:
    """One field report of a story."""

    kind: str
    on: dt.date
    payload: dict[str, Any]
    org: str


@dataclass
class Story:
    """The reports of one hazard, in the order of their dates."""

    steps: list[Step] = field(default_factory=list)


@dataclass
class Mix:
    """How far stories go: chances at each stage. The light mix keeps very large scenarios quick."""

    stop_after_nts: float = 0.18
    cancel_all: float = 0.10
    cancel_part: float = 0.08
    stop_after_ts: float = 0.10
    suspend: float = 0.05
    stop_in_clearance: float = 0.08
    handover: float = 0.7
    minefield_record: float = 0.03
    max_clearance_reports: int = 3


LIGHT = Mix(stop_after_nts=0.45, cancel_all=0.15, cancel_part=0.03, max_clearance_reports=1)


def _iso(d: dt.date) -> str:
    return d.isoformat()


class StoryWriter:
    """Writes one hazard's story in its local frame; dates advance and the story ends at today."""

    def __init__(
        self, rng: random.Random, *, frame: Frame, area_m2: float, org: str, scopes: tuple[str, ...], mix: Mix
    ) -> None:
        self.rng, self.frame, self.org, self.scopes, self.mix = rng, frame, org, scopes, mix
        self.local = quadrilateral(rng, area_m2)
        n = max(3, min(10, round(math.sqrt(area_m2) / 40)))
        self.strips = strips(self.local, n)  # released front to back, one lane after another
        self.steps: list[Step] = []
        self.today = dt.date.today()
        self.on = START
        self.classification = "SHA"
        self.devices: list[str] = []

    # Small pieces -------------------------------------------------------------------------

    def later(self, lo: int = 5, hi: int = 40) -> bool:
        """Advance the story's date; False when that would pass today (the story stops there)."""
        self.on = self.on + dt.timedelta(days=self.rng.randint(lo, hi))
        return self.on <= self.today

    def add(self, kind: str, payload: dict[str, Any]) -> None:
        self.steps.append(Step(kind, self.on, payload, self.org))

    def place(self, local: GEOSGeometry) -> dict[str, Any]:
        return geojson(self.frame.place(local))

    def activity(self, *, method: str | None, status: str = "ongoing", days: int = 10) -> dict[str, Any]:
        start = self.on - dt.timedelta(days=self.rng.randint(1, days))
        out: dict[str, Any] = {"start_date": _iso(start), "status": status}
        if method:
            out["method"] = method
        if status == "completed":
            out["end_date"] = _iso(self.on)
        out["person_days"] = self.rng.randint(2, 60)
        if method in ("mechanical", "combined"):
            out["machine_hours"] = self.rng.randint(4, 120)
        return out

    def evidence(self, direct: bool) -> dict[str, Any]:
        source, text = self.rng.choice(DIRECT if direct else INDIRECT)
        entry: dict[str, Any] = {
            "kind": "direct" if direct else "indirect",
            "source": source,
            "reliability": self.rng.choice(["high", "medium"] if direct else ["medium", "low"]),
            "description": text,
            "date": _iso(self.on - dt.timedelta(days=self.rng.randint(0, 30))),
        }
        if source == "verbal" and self.rng.random() < 0.6:
            # Fictional informants: personal data that only some roles may see.
            entry["informant"] = {
                "name": self.rng.choice(INFORMANTS),
                "contact": f"+380 00 {self.rng.randint(100, 999)} {self.rng.randint(1000, 9999)}",
            }
        return entry

    def finds(self, where: list[GEOSGeometry], *, at_least: int = 1) -> list[dict[str, Any]]:
        out = []
        for _ in range(self.rng.randint(at_least, 3)):
            category, model, depth = self.rng.choice(ORDNANCE)
            if category not in self.devices:
                self.devices.append(category)
            out.append(
                {
                    "category": category,
                    "model": model,
                    "quantity": self.rng.choice([1, 1, 1, 2, 3, 5]),
                    "condition": self.rng.choice(["intact", "intact", "damaged", "armed", "unknown"]),
                    "depth_cm": max(0, depth + self.rng.randint(-5, 10)),
                    "location": self.place(point_in(self.rng, self.rng.choice(where))),
                    "disposal": self.rng.choice(["destroyed_in_situ", "destroyed_in_situ", "removed"]),
                }
            )
        return out

    def take(self, n: int) -> list[GEOSGeometry]:
        """The next `n` unreleased strips."""
        taken, self.strips = self.strips[:n], self.strips[n:]
        return taken

    # Stages -------------------------------------------------------------------------------

    def open_hazard(self) -> None:
        land_use = self.rng.choice(list(FEATURES))
        name = f"{self.rng.choice(FEATURES[land_use])} {self.rng.choice(DIRECTIONS)} of {self.rng.choice(LANDMARKS)}"
        direct = self.rng.random() < 0.25
        self.classification = "CHA" if direct else "SHA"
        suspected = sorted({c for c, _, _ in self.rng.sample(ORDNANCE, self.rng.randint(1, 3))})
        evidence = [self.evidence(direct=False) for _ in range(self.rng.randint(0 if direct else 1, 2))]
        if direct:
            evidence.insert(0, self.evidence(direct=True))
        hazard: dict[str, Any] = {
            "name": name,
            "classification": self.classification,
            "geometry": self.place(self.local),
            "devices_suspected": suspected,
            "land_use": [land_use],
            "beneficiaries": self.rng.randint(10, 3000),
            "marking_status": self.rng.choice(["unmarked", "unmarked", "partial", "marked"]),
            "evidence_summary": "; ".join(e["description"] for e in evidence),
        }
        if self.rng.random() < 0.2:
            hazard["blockages"] = self.rng.choice(["Blocks access to farmland", "Blocks the road to the school"])
        self.add(
            "nts", {"hazard": hazard, "evidence": evidence, "activity": self.activity(method=None, status="completed")}
        )

    def minefield_record(self) -> None:
        devices = [("at_mine", "TM-62M"), ("ap_mine", "PMN-2"), ("ap_mine", "OZM-72")]
        laid = self.rng.sample(devices, self.rng.randint(1, 2))
        self.devices = sorted({c for c, _ in laid})
        ring = list(self.local.exterior_ring.coords)
        self.add(
            "minefield_record",
            {
                "name": f"Recorded minefield {self.rng.choice(DIRECTIONS)} of {self.rng.choice(LANDMARKS)}",
                "perimeter": self.place(self.local),
                "reference_points": [self.place(Point(*ring[0])), self.place(Point(*ring[2]))],
                "devices": [{"category": c, "model": m, "quantity": self.rng.randint(10, 200)} for c, m in laid],
                "laying_party": "Engineering unit (record handed over to the authority)",
                "date_laid": _iso(self.on - dt.timedelta(days=self.rng.randint(30, 300))),
                "fenced": self.rng.random() < 0.3,
                "monitored": self.rng.random() < 0.5,
                "marking_status": "marked",
                "received_from": "Engineering unit that laid it",
                "received_from_kind": "military_unit",
                "received_on": _iso(self.on),
                "document_reference": f"MR-{self.on:%Y%m%d}",
            },
        )
        self.classification = "CHA"
        # Its marking and monitoring inspected the day it was received, and the record passed to the operator
        # that will clear it (decision 0049); no draw of the story's random numbers, so stories stay as they were.
        self.add(
            "minefield_inspection",
            {
                "checks": [{"element": "marking", "condition": "good"}, {"element": "monitoring", "condition": "good"}],
                "next_due": _iso(self.on + dt.timedelta(days=90)),
            },
        )
        self.add(
            "minefield_handover",
            {
                "handed_from": "National Mine Action Authority",
                "handed_to": f"Operator {self.org.title()}",
                "document_reference": f"HO-{self.on:%Y%m%d}",
            },
        )

    def cancel(self, *, everything: bool) -> None:
        payload: dict[str, Any] = {
            "reason": "No evidence of explosive ordnance found on re-survey and community liaison",
            "activity": self.activity(method=None, status="completed", days=5),
        }
        if everything:
            payload["cancel_remaining"] = True
            self.strips = []
        else:
            payload["cancelled"] = [{"geometry": self.place(s)} for s in self.take(1)]
        self.add("cancellation", payload)

    def survey(self, *, lanes: int, finds: bool, status: str = "ongoing") -> None:
        method = self.rng.choice(["manual", "mechanical", "combined"])
        reduced = self.take(lanes)
        payload: dict[str, Any] = {"activity": self.activity(method=method, status=status)}
        payload["activity"]["search_depth_cm"] = 13
        if reduced:
            payload["reduced"] = [{"geometry": self.place(s)} for s in reduced]
        if finds and self.strips:
            # Items are found in the land that stays hazardous, which TS then confirms (SHA → CHA).
            payload["finds"] = self.finds(self.strips)
            payload["devices_confirmed"] = sorted(self.devices)
            if self.classification == "SHA":
                payload["classification"] = "CHA"
                payload["evidence"] = [
                    {
                        "kind": "direct",
                        "source": "observed",
                        "reliability": "high",
                        "description": f"Found during technical survey: {payload['finds'][0]['model']}",
                    }
                ]
                self.classification = "CHA"
        if status == "suspended":
            payload["suspend_reason"] = self.rng.choice(SUSPEND_REASONS)
        self.add("ts_progress", payload)

    def clear(self, *, lanes: int, status: str = "ongoing") -> None:
        method = self.rng.choice(["manual", "mechanical", "combined", "animal"])
        depth = self.rng.choice([13, 20, 25, 30, 50])
        cleared = self.take(lanes)
        payload: dict[str, Any] = {"activity": self.activity(method=method, status=status, days=30)}
        payload["activity"]["search_depth_cm"] = depth
        if cleared:
            payload["cleared"] = [{"geometry": self.place(s), "depth_cm": depth} for s in cleared]
            if self.rng.random() < 0.6:
                payload["finds"] = self.finds(cleared)
                payload["devices_confirmed"] = sorted(self.devices)
        if status == "suspended":
            payload["suspend_reason"] = self.rng.choice(SUSPEND_REASONS)
        self.add("clearance_progress", payload)

    def complete(self, kind: str) -> None:
        activity = self.activity(method="manual" if kind in (A.TS, A.CLEARANCE) else None, status="completed")
        self.add("completion", {"activity_kind": kind, "activity": activity, "remarks": "All land released"})

    def hand_over(self) -> None:
        self.add(
            "handover",
            {
                "handed_to": self.rng.choice(HANDED_TO),
                "certificate": f"HO-{self.on.year}-{self.rng.randint(1, 999999):06d}",
            },
        )

    # The story ----------------------------------------------------------------------------

    def write(self, start: dt.date) -> list[Step]:
        """The whole story from `start`; it ends early when its next date would pass today."""
        self.on = start
        self._write()
        return self.steps

    def _write(self) -> None:
        rng, mix = self.rng, self.mix
        if rng.random() < mix.minefield_record:
            self.minefield_record()
        else:
            self.open_hazard()
        roll = rng.random()
        if roll < mix.stop_after_nts or not self.later():
            return
        if self.classification == "SHA" and roll < mix.stop_after_nts + mix.cancel_all:
            self.cancel(everything=True)
            if rng.random() < mix.handover and self.later(3, 20):
                self.hand_over()
            return
        if self.classification == "SHA" and rng.random() < mix.cancel_part and len(self.strips) > 3:
            self.cancel(everything=False)
            if not self.later():
                return
        # Technical survey: reduce lanes; a find confirms the hazard.
        finds = self.classification == "CHA" or rng.random() < 0.75
        if rng.random() < mix.suspend:
            self.survey(lanes=1, finds=finds, status="suspended")
            return
        self.survey(lanes=rng.randint(1, max(1, len(self.strips) // 3)), finds=finds)
        if not finds:
            # Nothing found anywhere: TS reduces the rest and the hazard closes without clearance.
            if not self.later():
                return
            self.survey(lanes=len(self.strips), finds=False, status="completed")
            if self.later(1, 10):
                self.complete(A.TS)
                if rng.random() < mix.handover and self.later(3, 30):
                    self.hand_over()
            return
        if A.CLEARANCE not in self.scopes or rng.random() < mix.stop_after_ts or not self.later():
            return
        # Clearance, lane by lane, to a stated depth.
        reports = rng.randint(1, mix.max_clearance_reports)
        for i in range(reports):
            last = i == reports - 1
            if not last and rng.random() < mix.stop_in_clearance:
                return
            if not last and rng.random() < mix.suspend:
                self.clear(lanes=1, status="suspended")
                return
            lanes = len(self.strips) if last else max(1, len(self.strips) // (reports - i))
            self.clear(lanes=lanes, status="completed" if last else "ongoing")
            if not self.later():
                return
        self.complete(A.CLEARANCE)
        if rng.random() < mix.handover and self.later(3, 30):
            self.hand_over()


def eod_spot(rng: random.Random, *, location: dict[str, Any], on: dt.date, org: str) -> Step:
    """An EOD spot task: one or two items found and destroyed at a point."""
    category, model, depth = rng.choice(ORDNANCE)
    return Step(
        "eod_spot",
        on,
        {
            "activity": {"start_date": _iso(on), "status": "completed", "person_days": 1},
            "location": location,
            "finds": [
                {
                    "category": category,
                    "model": model,
                    "quantity": rng.randint(1, 2),
                    "condition": "intact",
                    "depth_cm": depth,
                    "location": location,
                    "disposal": "destroyed_in_situ",
                }
            ],
        },
        org,
    )


def _moment(rng: random.Random, on: dt.date, after: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """A working-hours timestamp a few days after `on`, after `after`, never in the future."""
    at = dt.datetime.combine(on, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(
        days=rng.randint(0, 4), minutes=rng.randint(0, 9 * 60)
    )
    if after is not None and at <= after:
        at = after + dt.timedelta(minutes=rng.randint(5, 180))
    return min(at, now)


def play(story: Story, people: People, rng: random.Random, hazard: HazardousArea | None = None) -> HazardousArea | None:
    """File each report as the operator's clerk; the authority's IM officer approves it (after Alpha's own IM
    officer validated some of Alpha's), or Alpha's approves a kind delegated to it. Returns the hazard as left."""
    now = dt.datetime.now(dt.UTC)
    last: dt.datetime | None = None
    # Every report of work is filed under a task the authority issued (decision 0050); EOD spots outside a
    # hazard are call-outs that make their own.
    tasking = Tasking(imo=people.imo, clerks=people.clerks)
    for step in story.steps:
        organisation = people.operators[step.org]
        submitted_at = _moment(rng, step.on, last, now)
        task = tasking.task_for(step.kind, organisation, hazard, step.payload, step.on)
        report = create_report(
            acting_user=people.clerks[step.org],
            organisation=organisation,
            kind=step.kind,
            date_of_information=step.on,
            payload=step.payload,
            hazard=hazard,
            task=task,
            submit=True,
            at=submitted_at,
        )
        tasking.after(step.kind, task, step.payload, step.on)
        # Alpha's own IM officer validates half of Alpha's reports, and approves the kinds the authority delegated
        # to Alpha; the authority's IM officer approves the rest into the register (decision 0036).
        alpha_checks = step.org == "alpha" and rng.random() < 0.5
        last = min(submitted_at + dt.timedelta(days=rng.randint(0, 5), minutes=rng.randint(10, 600)), now)
        if (step.org, step.kind) in people.delegated:
            approver = people.approver
        else:
            approver = people.imo
            if alpha_checks:
                report = validate_report(
                    report, acting_user=people.approver, at=submitted_at + (last - submitted_at) / 2
                )
        # A minefield record is rated by its approver (decision 0049): the demo's approver rates them medium.
        rating = "medium" if KINDS[step.kind].rated_by_approver else ""
        # Hazards are placed at random: one that overlaps a registered hazard is linked (decision 0048), as an
        # approver does for two surveys of neighbouring land; the shared land is counted once.
        report = approve_report(
            report, acting_user=approver, at=last, reliability=rating, overlap=OverlapResolution.LINK
        )
        hazard = report.hazard  # as this approval left it
    return hazard
