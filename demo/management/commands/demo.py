"""`clearground demo --scale 2000`: a national demo register, every fact filed and approved as a report."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from demo.build import build
from demo.people import DEMO_PASSWORD, ensure_people
from hazards.models import Find, HazardousArea, LandReleaseProduct
from places.loaders import has_admin_areas, load_admin_areas
from reports.models import Report

COUNTED: dict[str, type[HazardousArea | Report | LandReleaseProduct | Find]] = {
    "hazards": HazardousArea,
    "reports": Report,
    "products": LandReleaseProduct,
    "finds": Find,
}


class Command(BaseCommand):
    help = "Build a realistic demo register through the report actions (deterministic for a seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=2000, help="number of hazards (default 2000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed tells the same stories")
        parser.add_argument("--if-empty", action="store_true", help="add no data when hazards already exist")
        parser.add_argument("--country", default="UKR", help="ISO 3166-1 alpha-3 (default UKR)")
        parser.add_argument(
            "--workers",
            type=int,
            default=min(4, os.cpu_count() or 1),
            help="processes writing in parallel (default: CPU count, at most 4); 1 inside a test's transaction",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        country, quiet = options["country"].upper(), options["verbosity"] == 0
        if options["scale"] < 0:
            raise CommandError("--scale must be 0 or more")
        if not has_admin_areas(country):
            try:
                with tqdm(desc="admin areas", unit="area", disable=quiet) as bar:
                    load_admin_areas([country], progress=lambda total: _reset(bar, total))
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
        ensure_people(country)
        self.stdout.write(
            f"demo logins ready (password for all: {DEMO_PASSWORD}); list them with `clearground demo_logins`"
        )
        if options["if_empty"] and HazardousArea.objects.exists():
            self.stdout.write("hazards already exist: no demo data added")
            return
        before = {name: model.objects.count() for name, model in COUNTED.items()}
        # Products reprojected to EPSG:4326 are checked and mended with MakeValid; GEOS logs a notice
        # for each such check, which would only clutter the console of someone waiting for the demo.
        logging.getLogger("django.contrib.gis").setLevel(logging.ERROR)
        with tqdm(total=options["scale"], desc="demo hazards", unit="hazard", disable=quiet) as bar:
            build(
                scale=options["scale"],
                seed=options["seed"],
                country_iso3=country,
                workers=options["workers"],
                tick=bar.update,
            )
        elapsed = time.monotonic() - started
        created = {name: model.objects.count() - before[name] for name, model in COUNTED.items()}
        self.stdout.write(
            ", ".join(f"{n} {name}" for name, n in created.items())
            + f" created in {elapsed:.1f} s ({created['reports'] / elapsed:.1f} reports/s)"
        )


def _reset(bar: tqdm, total: int) -> Any:
    bar.reset(total=total)
    return bar.update
