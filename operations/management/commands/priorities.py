"""`clearground priorities [--on 2025-06-01] [--csv]`: the ranking of open hazards for tasking (decision 0054)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from operations.priorities import ranking


class Command(BaseCommand):
    help = (
        "Rank the open hazards for tasking as known on a date, with the weights in force that day; "
        "each score with its inputs and weights."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
        parser.add_argument("--csv", action="store_true", help="one row per hazard, a column per criterion")

    def handle(self, *args: Any, **options: Any) -> None:
        on = options["on"] or dt.date.today()
        force, rows = ranking(on)
        if options["csv"]:
            criteria = [t.criterion for t in rows[0].terms] if rows else []
            out = csv.writer(self.stdout)
            out.writerow(["rank", "hazard", "code", "score", "weights_version", "on"]
                         + [f"{c}_points" for c in criteria] + [f"{c}_input" for c in criteria])  # fmt: skip
            for p in rows:
                out.writerow([p.rank, p.hazard, p.code, p.score, force.version, on.isoformat()]
                             + [t.points for t in p.terms]
                             + [json.dumps(t.input, ensure_ascii=False) for t in p.terms])  # fmt: skip
            return
        self.stdout.write(f"Priorities on {on}, weights version {force.version}: {len(rows)} open hazards")
        for p in rows:
            parts = ", ".join(f"{t.criterion} {t.points:g}" for t in p.terms if t.points)
            self.stdout.write(f"{p.rank:>4}. {p.code}  {p.score:g}  ({parts or '—'})")
