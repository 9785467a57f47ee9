"""`clearground demo_gpkg --count 100000 --out FILE`: a dirty GeoPackage of hazard polygons for imports.

The file and its defects are described in demo/gpkg.py; the account an import must give is written
beside it as FILE.expected.json. With --save-profile, the import profile that maps its columns is saved
too, for `clearground import FILE --kind nts --profile clearground-demo-nts --approve`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.gpkg import PROFILE, expected_path, write_gpkg


class Command(BaseCommand):
    help = "Write a synthetic GeoPackage of NTS hazard polygons with known defects (and its expected import account)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=100_000, help="number of features (default 100000)")
        parser.add_argument("--out", required=True, help="the GeoPackage to write (replaced if it exists)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed writes the same file")
        parser.add_argument(
            "--save-profile",
            action="store_true",
            help=f"also save the import profile '{PROFILE['name']}' that maps the file's columns (needs the database)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 1:
            raise CommandError("--count must be 1 or more")
        out = Path(options["out"])
        if out.suffix.lower() != ".gpkg":
            raise CommandError(f"--out must name a .gpkg file, not '{out.name}'")
        started = time.monotonic()
        account = write_gpkg(out, options["count"], seed=options["seed"])
        self.stdout.write(
            f"{account['read']} features written to {out} in {time.monotonic() - started:.1f} s: "
            f"{account['clean']} clean, {account['repaired']} to repair, {account['rejected']} to reject, "
            f"{account['duplicates']} duplicates; expected account in {expected_path(out)}"
        )
        if options["save_profile"]:
            from interop.models import ImportProfile

            # As the import service keeps its shipped profiles: created once, an edited one left as it is.
            _, created = ImportProfile.objects.get_or_create(
                name=PROFILE["name"],
                defaults={
                    "kind": PROFILE["kind"],
                    "description": PROFILE["description"],
                    "mapping": PROFILE["mapping"],
                },
            )
            self.stdout.write(
                f"import profile {PROFILE['name']} {'saved' if created else 'already saved'}: "
                f"clearground import {out} --kind nts --profile {PROFILE['name']} [--approve]"
            )
