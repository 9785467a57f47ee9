"""`clearground minefields overdue [--on DATE] [--organisation CODE] [--json]`: recorded minefields to inspect.

Lists the records whose perimeter marking, fence and monitoring inspection is overdue (due before the
day, or never scheduled), most overdue first (decision 0049). A console command acts for the whole
register, as the authority does; its output holds no personal data.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hazards.minefields import overdue_inspections, overdue_row
from hazards.models import MinefieldRecord


class Command(BaseCommand):
    help = "Minefield records: `overdue` lists those whose marking, fence and monitoring inspection is overdue."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        overdue = sub.add_parser("overdue", help="records whose inspection is overdue")
        overdue.add_argument("--on", help="the day to judge by, YYYY-MM-DD (default: today)")
        overdue.add_argument("--organisation", help="only hazards of this organisation (code)")
        overdue.add_argument("--json", action="store_true", help="JSON instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = dt.date.fromisoformat(options["on"]) if options["on"] else dt.date.today()
        except ValueError:
            raise CommandError(f"--on: '{options['on']}' is not a date (YYYY-MM-DD)") from None
        records = MinefieldRecord.objects.all()
        if options["organisation"]:
            records = records.filter(hazard__organisation__code=options["organisation"])
        rows = [overdue_row(r, on) for r in overdue_inspections(records, on)]
        if options["json"]:
            self.stdout.write(json.dumps({"on": on.isoformat(), "count": len(rows), "records": rows}, indent=2))
            return
        self.stdout.write(f"{len(rows)} minefield record(s) overdue for inspection on {on}")
        for r in rows:
            due = f"due {r['next_inspection_due']} ({r['days_overdue']} days overdue)" if r["next_inspection_due"] \
                else "no inspection scheduled"  # fmt: skip
            self.stdout.write(f"  {r['hazard_code']}  {r['hazard_name']}  [{r['organisation']}]  {due}  "
                              f"last inspected {r['last_inspected_on'] or 'never'}")  # fmt: skip
