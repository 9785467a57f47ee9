"""`clearground basemap build --out var/basemap/NAME.pmtiles [--from FILE ...]`: an offline basemap (decision 0056)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import CleargroundError
from interop.basemaps.build import MAX_ZOOM, build


class Command(BaseCommand):
    help = (
        "Build an offline basemap (PMTiles) with tippecanoe: from the programme's files (--from: boundaries, "
        "places, roads, rivers as GeoPackage, zipped shapefile or GeoJSON), or from the admin areas and places "
        "loaded in the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["build"])
        parser.add_argument("--out", required=True, type=Path, help="the .pmtiles file to write (replaced whole)")
        parser.add_argument("--from", dest="sources", nargs="+", type=Path, default=[], metavar="FILE",
                            help="files to build from, a vector layer per layer (default: the database)")  # fmt: skip
        parser.add_argument("--max-zoom", type=int, default=MAX_ZOOM, help=f"deepest zoom (default {MAX_ZOOM})")
        parser.add_argument("--if-missing", action="store_true", help="do nothing when --out exists (scripts/run.sh)")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if options["if_missing"] and out.exists():
            self.stdout.write(f"[basemap] {out} exists: not rebuilt")
            return
        if not 0 <= options["max_zoom"] <= 16:
            raise CommandError("--max-zoom: give 0 to 16.")
        try:
            result = build(out, options["sources"] or None, max_zoom=options["max_zoom"])
        except CleargroundError as e:
            raise CommandError("\n".join([e.message, *(f"  {p.field}: {p.message}" for p in e.problems)])) from e
        layers = ", ".join(f"{name} {count}" for name, count in result.layers.items())
        self.stdout.write(f"[basemap] wrote {out} ({result.size / 1e6:.1f} MB): {layers}")
