"""`clearground tasks overdue [--on YYYY-MM-DD] [--enqueue]`: notify each overdue task once (decision 0053)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jobs.actions import enqueue
from operations.notifications import send_overdue


def iso_date(raw: str) -> dt.date:
    """A YYYY-MM-DD argument."""
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{raw}' is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Task orders across the programme: notify the overdue ones (once per task and person)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{overdue}")
        overdue = sub.add_parser("overdue", help="notify tasks whose due date has passed and that are not over; "
                                 "safe to run as often as you like (cron: daily)")  # fmt: skip
        overdue.add_argument("--on", type=iso_date, default=None, help="the day to check (default: today)")
        overdue.add_argument("--enqueue", action="store_true", help="queue it for the worker instead of running it")

    def handle(self, *args: Any, **options: Any) -> None:
        on: dt.date | None = options["on"]
        if options["enqueue"]:
            job = enqueue("tasks.overdue", {"on": on.isoformat() if on else None}, acting_user=None)
            self.stderr.write(f"queued job {job.pk}")
            return
        written = send_overdue(on)
        self.stdout.write(f"{written} overdue notification(s) written\n")
