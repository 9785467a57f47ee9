"""`clearground load aicma-victims FILE [--dry-run] [--json]`: enter a source file through the report pipeline.

Prints the account of every row (read = imported + repaired + rejected, duplicates flagged) and what
the file adds to, changes in or no longer has of what is stored. See docs/howto/load-aicma.md.

Single-actor mode (decision 0036): whoever runs a load both enters and approves the government's published
statistics (as the organisation's import clerk and import approver); each load that approves anything writes
an audit row `load.sole_approval` saying so. The organisation must be one that approves accident reports
into the register: the national authority (the default), or an operator it delegated accident reports to.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from core.errors import CleargroundError
from interop.formats.aicma import read_municipality_codes
from interop.importers import aicma, aicma_events


class Command(BaseCommand):
    help = "Load a source file through the report pipeline (aicma-victims)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="source", required=True, metavar="{aicma-victims,aicma-events}")
        victims = sub.add_parser("aicma-victims", help="a snapshot CSV of Colombia's AICMA victims register")
        victims.add_argument("file", type=Path)
        victims.add_argument("--organisation", default="authority",
                             help="code of the importing national authority (created if missing)")  # fmt: skip
        victims.add_argument("--divipola", type=Path, default=None,
                             help="DANE DIVIPOLA CSV: reject municipality codes unknown to DANE")  # fmt: skip
        victims.add_argument("--latest-year", type=int, default=None, help="last accident year (default: this year)")
        victims.add_argument("--dry-run", action="store_true", help="read and compare, write nothing")
        victims.add_argument("--json", action="store_true", help="print the account as one JSON object")
        events = sub.add_parser("aicma-events", help="the AICMA events GeoJSON (accidents, suspected minefields)")
        events.add_argument("file", type=Path)
        events.add_argument("--organisation", default="authority",
                            help="code of the importing national authority (created if missing)")  # fmt: skip
        events.add_argument("--dry-run", action="store_true", help="read and compare, write nothing")
        events.add_argument("--json", action="store_true", help="print the account as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._load(options)
        except CleargroundError as exc:
            raise CommandError(exc.message) from None

    def _load(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        bar = tqdm(unit="report", file=sys.stderr, disable=not sys.stderr.isatty(), desc="approving")
        if options["source"] == "aicma-events":
            try:
                events = aicma_events.load_events(path, organisation=options["organisation"],
                                                  dry_run=options["dry_run"], progress=bar.update,
                                                  on_total=lambda n: setattr(bar, "total", n))  # fmt: skip
            finally:
                bar.close()
            self.stdout.write(json.dumps(events, ensure_ascii=False) if options["json"] else _events_summary(events))
            return
        codes = read_municipality_codes(options["divipola"]) if options["divipola"] else None
        try:
            result = aicma.load_victims(
                path,
                organisation=options["organisation"],
                municipality_codes=codes,
                latest_year=options["latest_year"],
                dry_run=options["dry_run"],
                progress=bar.update,
                on_total=lambda n: setattr(bar, "total", n),
            )
        finally:
            bar.close()
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(_summary(result))


def _summary(r: dict[str, Any]) -> str:
    s = r["against_stored"]
    lines = [
        f"{r['file']}{' (dry run: nothing written)' if r['dry_run'] else ''}",
        f"  rows read {r['read']}: imported {r['imported']}, repaired {r['repaired']}, rejected {r['rejected']}; "
        f"duplicates flagged {r['duplicates_flagged']}",
        f"  against stored records: new {s['new']}, unchanged {s['unchanged']}, changed {s['changed']} (for review), "
        f"gone {s['gone']} (kept)",
        f"  accident reports created and approved: {r['reports_created']} (accidents: {r.get('accidents', 0)} new "
        f"or extended; {r.get('accidents_created', 0)} created, {r.get('accidents_joined_to_events', 0)} joined to "
        f"an AICMA event already stored, {r.get('accidents_extended', 0)} stored ones given more victims)",
    ]
    lines += [f"  repaired ({kind}): {n}" for kind, n in r["repairs"].items()]
    lines += [f"  rejected row {x['row']} (line {x['line']}) {x['field']}: {x['reason']}" for x in r["rejected_rows"]]
    lines += [f"  changed row {c['row']} ({', '.join(c['aspects'])}): report #{c['report']}" for c in r["changed_rows"]]
    lines += [f"  gone: report #{pk}" for pk in r["gone_reports"]]
    return "\n".join(lines)


def _events_summary(r: dict[str, Any]) -> str:
    lines = [
        f"{r['file']}{' (dry run: nothing written)' if r['dry_run'] else ''}",
        f"  features read {r['read']}: {r['kinds']}; rejected {r['rejected']}; already present {r['already_present']}",
        f"  accident events matched to victims' accidents already stored: {r['accidents_matched_to_victims']} "
        "(not entered again)",
        f"  accident reports created and approved: {r['accident_reports_created']}; "
        f"hazard indications for survey created: {r['hazard_indications_created']}; "
        f"other events counted, not stored: {r['other_events_not_stored']}",
    ]
    lines += [f"  rejected feature {x['feature']} {x['field']}: {x['reason']}" for x in r["rejected_rows"]]
    return "\n".join(lines)
