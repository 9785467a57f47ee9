"""`clearground load aicma-victims FILE [--dry-run] [--json]`: enter a source file through the report pipeline.

Prints the account of every row (read = imported + repaired + rejected, duplicates flagged) and what
the file adds to, changes in or no longer has of what is stored. See docs/howto/load-aicma.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from interop.formats.aicma import read_municipality_codes
from interop.importers import aicma


class Command(BaseCommand):
    help = "Load a source file through the report pipeline (aicma-victims)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="source", required=True, metavar="{aicma-victims}")
        victims = sub.add_parser("aicma-victims", help="a snapshot CSV of Colombia's AICMA victims register")
        victims.add_argument("file", type=Path)
        victims.add_argument("--organisation", default="authority",
                             help="code of the importing national authority (created if missing)")  # fmt: skip
        victims.add_argument("--divipola", type=Path, default=None,
                             help="DANE DIVIPOLA CSV: reject municipality codes unknown to DANE")  # fmt: skip
        victims.add_argument("--latest-year", type=int, default=None, help="last accident year (default: this year)")
        victims.add_argument("--dry-run", action="store_true", help="read and compare, write nothing")
        victims.add_argument("--json", action="store_true", help="print the account as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        codes = read_municipality_codes(options["divipola"]) if options["divipola"] else None
        bar = tqdm(unit="report", file=sys.stderr, disable=not sys.stderr.isatty(), desc="approving")
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
        f"  accident reports created and approved: {r['reports_created']}",
    ]
    lines += [f"  repaired ({kind}): {n}" for kind, n in r["repairs"].items()]
    lines += [f"  rejected row {x['row']} (line {x['line']}) {x['field']}: {x['reason']}" for x in r["rejected_rows"]]
    lines += [f"  changed row {c['row']} ({', '.join(c['aspects'])}): report #{c['report']}" for c in r["changed_rows"]]
    lines += [f"  gone: report #{pk}" for pk in r["gone_reports"]]
    return "\n".join(lines)
