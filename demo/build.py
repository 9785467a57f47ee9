"""Build the national demo scenario: where hazards are, who works on them, and their stories."""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import Point
from django.db import connection, connections, transaction

from demo.people import OPERATORS, People, load_people
from demo.scenario import LIGHT, START, Mix, Story, StoryWriter, eod_spot, play
from demo.shapes import Region, geojson, point_in
from hazards.models import HazardousArea
from places.models import AdminArea
from vocab.choices import HazardStatus

# Ukraine: weight the oblasts where contamination is heaviest (east and south, and the north of 2022).
OBLAST_WEIGHTS = {
    "UA63": 20,  # Kharkiv
    "UA14": 14,  # Donetsk
    "UA65": 16,  # Kherson
    "UA23": 12,  # Zaporizhzhia
    "UA48": 10,  # Mykolaiv
    "UA09": 6,  # Luhansk
    "UA74": 7,  # Chernihiv
    "UA59": 6,  # Sumy
    "UA32": 5,  # Kyiv region
    "UA12": 4,  # Dnipropetrovsk
    "UA51": 2,  # Odesa
    "UA18": 1,  # Zhytomyr
    "UA53": 1,  # Poltava
}
OTHER_OBLAST_WEIGHT = 0.2
OPERATOR_WEIGHTS = {"alpha": 40, "bravo": 25, "ses": 25, "unmap": 10}
# Above this many hazards, stories are shorter (more stop after NTS) so that 100 000 stays feasible.
LIGHT_FROM = 20_000
EOD_EVERY = 8  # an EOD spot task on one in this many hazards (if still open by then)
BATCH = 20  # hazards per transaction: fewer commits, and an interrupted run keeps whole stories


@dataclass
class Place:
    area: AdminArea
    region: Region
    weight: float


def places(country_iso3: str) -> list[Place]:
    """The country's provinces with their weights (Ukraine's by contamination, others equal)."""
    areas = AdminArea.objects.filter(country_iso3=country_iso3, level=1).order_by("pcode")
    weights = OBLAST_WEIGHTS if country_iso3 == "UKR" else {}
    out = [Place(a, Region(a.geom), weights.get(a.pcode, OTHER_OBLAST_WEIGHT if weights else 1.0)) for a in areas]
    if not out:
        raise LookupError(f"no provinces of {country_iso3} loaded")
    return out


def _story_start(rng: random.Random, today: dt.date) -> dt.date:
    return START + dt.timedelta(days=rng.randint(0, max(0, (today - START).days - 1)))


def _hazard_area_m2(rng: random.Random) -> float:
    # 0.5–30 ha, log-uniform: many small areas, a few large ones.
    return math.exp(rng.uniform(math.log(5_000), math.log(300_000)))


# EOD call-outs on a hazard: its operator if accredited for EOD, else a partner that is.
EOD_RESPONDER = {"alpha": "alpha", "bravo": "ses", "ses": "ses", "unmap": "alpha"}


class Builder:
    """Writes and plays hazard stories; one process holds one Builder, for some operators or all."""

    def __init__(self, *, scale: int, seed: int, country_iso3: str, operators: frozenset[str] | None = None) -> None:
        self.seed = seed
        self.where = places(country_iso3)
        self.weights = [p.weight for p in self.where]
        self.people = load_people()
        self.scopes = {spec.code: spec.scopes for spec in OPERATORS}
        self.operators = operators
        self.mix = LIGHT if scale > LIGHT_FROM else Mix()
        self.today = dt.date.today()

    def batch(self, first: int, last: int) -> int:
        """Hazards first … last-1 (of this Builder's operators) in one transaction; returns how many."""
        with connection.cursor() as cur:
            # A demo can be rebuilt: don't wait for the disk on every commit (this session only).
            cur.execute("SET synchronous_commit TO off")
        with transaction.atomic():
            return sum(self.hazard(i) for i in range(first, last))

    def hazard(self, i: int) -> bool:
        """The story of hazard number i (and, for some, an EOD spot task on it); False if not ours."""
        # One generator per hazard: its story depends on the seed and i only, not on the order of work.
        rng = random.Random(f"{self.seed}:{i}")
        place = rng.choices(self.where, self.weights)[0]
        org = rng.choices(list(OPERATOR_WEIGHTS), list(OPERATOR_WEIGHTS.values()))[0]
        if self.operators is not None and org not in self.operators:
            return False
        area_m2 = _hazard_area_m2(rng)
        frame = place.region.spot(rng, 1.3 * math.sqrt(area_m2))
        writer = StoryWriter(rng, frame=frame, area_m2=area_m2, org=org, scopes=self.scopes[org], mix=self.mix)
        story = Story(writer.write(_story_start(rng, self.today)))
        hazard = play(story, self.people, rng)
        if i % EOD_EVERY == EOD_EVERY - 1:
            _eod_task(rng, writer, story, hazard, self.people, self.today, place.region)
        return True


def operator_groups(n: int) -> list[frozenset[str]]:
    """Operators split into at most n groups of about equal weight, each with its EOD responders.

    Operators linked by an EOD call-out stay together (their reports lock each other's rows); the
    linked sets are then packed, heaviest first, into the lightest group.
    """
    linked: list[set[str]] = []
    for org, responder in EOD_RESPONDER.items():
        touching = [s for s in linked if org in s or responder in s]
        merged = {org, responder}.union(*touching)
        linked = [s for s in linked if s not in touching] + [merged]
    groups: list[tuple[float, set[str]]] = [(0.0, set()) for _ in range(min(n, len(linked)))]
    for orgs in sorted(linked, key=lambda s: -sum(OPERATOR_WEIGHTS[o] for o in s)):
        groups.sort(key=lambda g: g[0])
        groups[0] = (groups[0][0] + sum(OPERATOR_WEIGHTS[o] for o in orgs), groups[0][1] | orgs)
    return [frozenset(orgs) for _, orgs in groups]


def _work(spans: list[tuple[int, int]], operators: frozenset[str], done: Any, **options: Any) -> None:
    """A worker process: its operators' hazards, batch by batch, reporting each batch on `done`."""
    try:
        builder = Builder(operators=operators, **options)
        for span in spans:
            done.put(builder.batch(*span))
        done.put(None)
    except BaseException:
        done.put(traceback.format_exc())
        raise
    finally:
        connections.close_all()


def build(
    *, scale: int, seed: int, country_iso3: str, workers: int = 1, tick: Callable[[int], object] = lambda n: None
) -> None:
    """Write `scale` hazard stories (and EOD spot tasks) through the report actions; same seed, same stories.

    With workers > 1, forked processes each write the hazards of their own operators, in their own
    connections and transactions (so never inside a caller's transaction, such as a test's). Giving
    each process its own operators matters: submit and approve lock the organisation's row
    (select_for_update with select_related), so two processes writing for one operator deadlock.
    """
    options = {"scale": scale, "seed": seed, "country_iso3": country_iso3}
    spans = [(first, min(scale, first + BATCH)) for first in range(0, scale, BATCH)]
    # Inside a caller's transaction (a test's), other processes could neither see nor undo its work.
    if workers <= 1 or len(spans) < 2 or connection.in_atomic_block:
        builder = Builder(**options)  # type: ignore[arg-type]
        for span in spans:
            tick(builder.batch(*span))
        return
    # Children must not share the parent's socket; each opens its own connection.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    done = context.Queue()
    processes = [
        context.Process(target=_work, args=(spans, group, done), kwargs=options, daemon=True)
        for group in operator_groups(workers)
    ]
    for process in processes:
        process.start()
    try:
        running = len(processes)
        while running:
            message = done.get()
            if message is None:
                running -= 1
            elif isinstance(message, str):
                raise RuntimeError(f"a demo worker failed:\n{message}")
            else:
                tick(message)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()


def _eod_task(
    rng: random.Random,
    writer: StoryWriter,
    story: Story,
    hazard: HazardousArea | None,
    people: People,
    today: dt.date,
    region: Region,
) -> None:
    """An EOD spot task a few days after the story's last report.

    On the hazard while it is still open; otherwise on an item reported elsewhere in the province,
    outside any hazard.
    """
    on = story.steps[-1].on + dt.timedelta(days=rng.randint(1, 30))
    if on > today:
        return
    org = EOD_RESPONDER[story.steps[0].org]
    if hazard is not None and hazard.status != HazardStatus.CLOSED:
        location = writer.place(point_in(rng, writer.local))
    else:
        hazard, location = None, geojson(region.spot(rng, 10).place(Point(0, 0)))
    play(Story([eod_spot(rng, location=location, on=on, org=org)]), people, rng, hazard=hazard)
