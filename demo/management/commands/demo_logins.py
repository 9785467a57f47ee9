"""`clearground demo_logins`: where to open Clearground and which demo logins exist."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand

from demo.people import DEMO_PASSWORD, existing_logins


class Command(BaseCommand):
    help = "Print the local URL and the demo logins that exist in the database."

    def handle(self, *args: Any, **options: Any) -> None:
        # The port command 1 serves on (scripts/run.sh reads the same PORT).
        self.stdout.write(f"Clearground: http://127.0.0.1:{os.environ.get('PORT', '8000')}/")
        rows = existing_logins()
        if not rows:
            self.stdout.write("No demo logins yet: run `clearground demo`.")
            return
        table = [("username", "role", "organisation", "password", "what they do"),
                 *[(*row[:3], DEMO_PASSWORD, row[3]) for row in rows]]  # fmt: skip
        widths = [max(len(r[i]) for r in table) for i in range(5)]
        for n, row in enumerate(table):
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write("These are demo logins with a published password: never use them on a real register.")
