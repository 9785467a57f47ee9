"""Build the national demo scenario: where hazards are, who works on them, and their stories."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from demo.people import OPERATORS, People
from demo.scenario import LIGHT, START, Mix, Story, StoryWriter, eod_spot, play
from demo.shapes import Region, point_in
from hazards.models import HazardousArea
from places.models import AdminArea

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
EOD_EVERY = 20  # one EOD spot task per this many hazards
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


def build(*, scale: int, seed: int, country_iso3: str, people: People, tick: Callable[[], None] = lambda: None) -> None:
    """Write `scale` hazard stories (and EOD spot tasks) through the report actions; same seed, same stories."""
    where = places(country_iso3)
    weights = [p.weight for p in where]
    operators = {spec.code: spec for spec in OPERATORS}
    mix = LIGHT if scale > LIGHT_FROM else Mix()
    today = dt.date.today()
    with connection.cursor() as cur:
        # A demo can be rebuilt: don't wait for the disk on every commit (this session only).
        cur.execute("SET synchronous_commit TO off")
    for first in range(0, scale, BATCH):
        with transaction.atomic():
            for i in range(first, min(scale, first + BATCH)):
                # One generator per hazard: its story does not depend on the ones before it.
                rng = random.Random(f"{seed}:{i}")
                place = rng.choices(where, weights)[0]
                org = rng.choices(list(OPERATOR_WEIGHTS), list(OPERATOR_WEIGHTS.values()))[0]
                area_m2 = _hazard_area_m2(rng)
                frame = place.region.spot(rng, 1.3 * math.sqrt(area_m2))
                writer = StoryWriter(rng, frame=frame, area_m2=area_m2, org=org, scopes=operators[org].scopes, mix=mix)
                story = Story(writer.write(_story_start(rng, today)))
                hazard = play(story, people, rng)
                if i % EOD_EVERY == EOD_EVERY - 1:
                    _eod_task(rng, writer, story, hazard, people, today)
                tick()


def _eod_task(
    rng: random.Random, writer: StoryWriter, story: Story, hazard: HazardousArea | None, people: People, today: dt.date
) -> None:
    """An EOD spot task on an item reported inside the hazard, a few days after the story's last report.

    Always on a hazard: an EOD task outside any hazard cannot be submitted yet (the submit dry run
    treats it as a new hazard without a polygon; see the note in the final report of this work).
    """
    on = story.steps[-1].on + dt.timedelta(days=rng.randint(1, 30))
    if hazard is None or on > today:
        return
    org = rng.choice(["alpha", "ses"])
    location = writer.place(point_in(rng, writer.local))
    play(Story([eod_spot(rng, location=location, on=on, org=org)]), people, rng, hazard=hazard)
