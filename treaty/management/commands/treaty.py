"""`clearground treaty status|parties|timeline|table`: the engine on the command line, with no database.

The command reads only the shipped facts (treaty/facts/), so it runs on a fresh clone with no
PostgreSQL anywhere: system checks are off and nothing here opens a connection.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.spreadsheet import csv_text
from treaty import report
from treaty.dates import parse_iso_day
from treaty.engine import UnknownState, default_register


def iso_date(text: str) -> dt.date:
    """argparse type: a YYYY-MM-DD day, or an error naming the bad value."""
    try:
        return parse_iso_day(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; use YYYY-MM-DD, e.g. 2026-02-20") from None


def today() -> dt.date:
    """Today in UTC, the default for --on."""
    return dt.datetime.now(dt.UTC).date()


class Command(BaseCommand):
    help = "Mine Ban Convention status, States Parties, timelines and the whole register, from the shipped facts."
    requires_system_checks: list[str] = []  # checks would open a database connection; this needs none
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{status,parties,timeline,table}")
        status = sub.add_parser("status", help="one state's status on a day, with every derived date")
        status.add_argument("iso3")
        status.add_argument("--on", type=iso_date, default=None, help="YYYY-MM-DD (default: today)")
        status.add_argument("--json", action="store_true")
        parties = sub.add_parser("parties", help="count and ISO3 list of States Parties on a day")
        parties.add_argument("--on", type=iso_date, default=None, help="YYYY-MM-DD (default: today)")
        parties.add_argument("--json", action="store_true")
        timeline = sub.add_parser("timeline", help="every dated event and deadline of one state, in order")
        timeline.add_argument("iso3")
        timeline.add_argument("--until", type=iso_date, default=None, help="last day of annual report dates")
        timeline.add_argument("--json", action="store_true")
        table = sub.add_parser("table", help="one row per state with every computed date and its status")
        table.add_argument("--on", type=iso_date, default=None, help="YYYY-MM-DD (default: today)")
        formats = table.add_mutually_exclusive_group()
        formats.add_argument("--json", action="store_true")
        formats.add_argument("--csv", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        register = default_register()
        on: dt.date = options.get("on") or today()
        command = options["subcommand"]
        try:
            if command == "status":
                self.emit(report.status(register, options["iso3"], on), options["json"], render_status)
            elif command == "parties":
                self.emit(report.parties(register, on), options["json"], render_parties)
            elif command == "timeline":
                until = options.get("until") or dt.date(today().year + 1, 12, 31)
                self.emit(report.timeline(register, options["iso3"], until), options["json"], render_timeline)
            else:
                self.table(report.table(register, on), options)
        except UnknownState as exc:
            raise CommandError(f"unknown ISO3 code '{exc.args[0]}': no such state in the treaty facts") from None

    def emit(self, data: dict[str, Any], as_json: bool, render: Any) -> None:
        """Print JSON or the human-readable rendering."""
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) if as_json else render(data))

    def table(self, rows: list[dict[str, Any]], options: dict[str, Any]) -> None:
        """The register as JSON, CSV or aligned text."""
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
        elif options["csv"]:
            writer = csv.DictWriter(self.stdout, fieldnames=report.TABLE_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: csv_text(v) for k, v in r.items()} for r in rows)
        else:
            self.stdout.write(f"{'ISO3':5} {'status':19} {'no.':>4} {'in force':10} {'withdrawal':10}  state")
            for r in rows:
                self.stdout.write(
                    f"{r['iso3']:5} {r['status']:19} {r['ordinal'] or '':>4} {r['entry_into_force'] or '':10} "
                    f"{r['withdrawal_effective'] or '':10}  {r['state']}"
                )


def _line(label: str, value: Any) -> str:
    return f"  {label:28} {value if value not in (None, '') else '-'}"


def render_status(s: dict[str, Any]) -> str:
    """Human-readable status."""
    lines = [f"{s['state']} ({s['iso3']}) on {s['on']}: {s['status']}"]
    consent = f"{s['consent_date'] or '-'} ({s['consent_type'] or 'never joined'})"
    force = f"{s['entry_into_force'] or '-'} ({s['entry_into_force_rule'] or '-'})"
    lines += [_line("State Party no.", s["ordinal"]), _line("signed", s["signature_date"]),
              _line("consent deposited", consent), _line("entry into force", force)]  # fmt: skip
    if w := s["withdrawal"]:
        lines += [_line("withdrawal received", w["received"]), _line("six months end", w["six_months_end"]),
                  _line("withdrawal effective", w["effective"] or "pending (Art. 20(3))")]  # fmt: skip
    if a4 := s["article4"]:
        done = (a4["completed"] or {}).get("text")
        lines += [_line("Art. 4 deadline", a4["deadline"]), _line("Art. 4 completed", done),
                  _line("Art. 4 compliance", f"{a4['compliance']}: {a4['compliance_reason']}")]  # fmt: skip
    if a5 := s["article5"]:
        done = (a5["completed"] or {}).get("text")
        lines += [_line("Art. 5 original deadline", a5["original_deadline"]),
                  _line("Art. 5 deadline in force", a5["deadline_in_force"]), _line("Art. 5 completed", done),
                  _line("Art. 5 compliance", f"{a5['compliance']}: {a5['compliance_reason']}")]  # fmt: skip
    if a7 := s["article7"]:
        lines += [_line("Art. 7 initial report due", a7["initial_report_due"]),
                  _line("Art. 7 last annual due", a7["last_annual_report_due"]),
                  _line("Art. 7 next annual due", a7["next_annual_report_due"])]  # fmt: skip
    lines += [_line(f"notice {n['received']}", f"{n['kind']}: {n['effect']}") for n in s["notices"]]
    lines += [_line("flag", f) for f in s["flags"]]
    return "\n".join(lines)


def render_parties(p: dict[str, Any]) -> str:
    """Human-readable count and list."""
    return f"{p['count']} States Parties on {p['on']}:\n" + " ".join(p["parties"])


def render_timeline(t: dict[str, Any]) -> str:
    """Human-readable timeline, one event a line."""
    lines = [f"{t['state']} ({t['iso3']}), annual reports up to {t['until']}:"]
    for e in t["events"]:
        day = e["date_text"] if e["approximate"] and e["date_text"] else e["date"]
        lines.append(f"  {day or '?':12} {e['event']:30} {e['detail']}".rstrip())
    return "\n".join(lines)
