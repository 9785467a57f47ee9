"""`clearground article5_forecast --country UKR [--deadline 2033-12-01] [--json]`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from obligations.article5 import forecast
from obligations.deadlines import article5_deadline


class Command(BaseCommand):
    help = (
        "Project when the remaining mined area will be released (P10/P50/P90) against the Article 5 deadline, "
        "cancellation, reduction and clearance each at its own pace, and name the process that sets the date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", required=True)
        parser.add_argument("--deadline", type=dt.date.fromisoformat, help="default: the deadline in force")
        parser.add_argument("--runs", type=int, default=2000)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        iso3 = options["country"].upper()
        result = forecast(iso3, deadline=options["deadline"] or article5_deadline(iso3), runs=options["runs"])
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self.stdout.write(
            f"{iso3}: {result['remaining_m2']:,.0f} m² of mined area remaining "
            f"{result['remaining_by_classification_m2']}"
        )
        self.stdout.write(f"released per year, last three years (mean): {result['history']['annual_mean_m2']:,.0f} m²")
        for kind, process in result["processes"].items():
            self.stdout.write(
                f"  {kind:>9}: {process['demand_m2']:>12,.0f} m² to release at "
                f"{process['mean_monthly_m2']:,.0f} m²/month (mean); P50 {process.get('p50') or '—'}"
            )
        self.stdout.write(f"completion P10 {result['p10']}  P50 {result['p50']}  P90 {result['p90']}")
        if result.get("note"):
            self.stdout.write(result["note"])
        if result["driver"]:
            self.stdout.write(f"the date is set by: {result['driver']}")
        if result["deadline"]:
            chance = result["probability_on_time"]
            self.stdout.write(f"deadline in force {result['deadline']}: {chance:.0%} chance of meeting it")
