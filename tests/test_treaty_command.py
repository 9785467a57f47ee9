"""`clearground treaty ...` on the command line: works with no database, prints text, JSON or CSV, names bad input."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parent.parent
NO_DATABASE = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing"}  # nothing listens on port 1


def clearground(*args: str) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("clearground")
    return subprocess.run(
        [str(command), "treaty", *args], cwd=ROOT, env=NO_DATABASE, capture_output=True, text=True, timeout=60
    )


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("treaty", *args, stdout=out)
    return out.getvalue()


def test_parties_on_20_february_2026_works_with_no_database_running():
    result = clearground("parties", "--on", "2026-02-20", "--json")

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["count"] == 161 == len(data["parties"])
    assert "POL" not in data["parties"] and "UKR" in data["parties"]


def test_status_of_poland_on_1_march_2026_works_with_no_database_running():
    result = clearground("status", "POL", "--on", "2026-03-01", "--json")

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "withdrawn"
    assert data["withdrawal"]["effective"] == "2026-02-20"
    assert data["entry_into_force"] == "2013-06-01" and data["ordinal"] == 161


def test_an_unknown_iso3_code_exits_non_zero_and_names_the_code():
    result = clearground("status", "XYZ", "--on", "2026-01-01")

    assert result.returncode != 0
    assert "unknown ISO3 code 'XYZ'" in result.stderr


def test_a_bad_date_exits_non_zero_and_names_the_value():
    result = clearground("parties", "--on", "2026-02-30")

    assert result.returncode != 0
    assert "'2026-02-30' is not a date" in result.stderr


def test_status_reads_as_text_by_default():
    text = run("status", "UKR", "--on", "2026-06-01")

    assert text.startswith("Ukraine (UKR) on 2026-06-01: party")
    assert "suspension_notice" in text and "remains bound" in text


def test_parties_as_text_gives_the_count_and_the_codes():
    text = run("parties", "--on", "2024-01-01")

    assert text.startswith("164 States Parties on 2024-01-01:")


def test_the_timeline_lists_every_event_in_date_order():
    data = json.loads(run("timeline", "POL", "--until", "2027-12-31", "--json"))
    dated = [e["date"] for e in data["events"] if e["date"]]
    kinds = [e["event"] for e in data["events"]]

    assert dated == sorted(dated)
    # Poland destroyed its stockpile before ratifying, so that completion sits before the deposit.
    assert kinds[:4] == ["signature", "art4_completed", "consent_deposited", "entry_into_force"]
    assert {
        "art4_deadline",
        "art5_original_deadline",
        "art7_initial_report_due",
        "notice_withdrawal_art20",
        "art20_six_months_end",
        "withdrawal_effective",
    } <= set(kinds)
    assert kinds[-1] == "withdrawal_effective"  # no annual reports after Poland left


def test_the_table_has_one_row_per_state_as_json_and_as_csv():
    rows = json.loads(run("table", "--on", "2026-01-01", "--json"))
    table = list(csv.DictReader(io.StringIO(run("table", "--on", "2026-01-01", "--csv"))))

    assert len(rows) == len(table) == 197
    assert sum(1 for r in rows if r["is_party"]) == 163  # Finland leaves on 10 January
    finland = next(r for r in table if r["iso3"] == "FIN")
    assert finland["status"] == "withdrawal_pending" and finland["withdrawal_effective"] == "2026-01-10"
    belarus = next(r for r in table if r["iso3"] == "BLR")
    assert belarus["art4_completed"] == "before 2019-11 (exact date not retrieved)"
    assert belarus["art4_compliance"] == "uncertain"


def test_the_table_as_text_has_a_header_and_197_lines():
    assert len(run("table", "--on", "2026-01-01").splitlines()) == 198


def test_call_command_raises_a_command_error_for_an_unknown_state():
    with pytest.raises(CommandError, match="XYZ"):
        run("timeline", "XYZ")
