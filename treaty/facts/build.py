"""Rebuild treaty/facts/*.json from the depositary CSVs (run by hand, never at run time).

    .venv/bin/python -m treaty.facts.build [--source ../shared/data/apmbc]

Each CSV becomes one JSON table: a header naming the source file, its SHA-256 and the day it was
built, a description of every column, then the rows. Empty cells become null, yes/no become
true/false, and every row keeps its source_url (and verification, where the CSV has one) so a
reader can always ask "says who?". Vague completion dates stay text: the engine parses them.

Two columns exist only in our format, for facts the CSVs cannot hold yet:
- instruments: several rows may share an iso3 (a state that withdrew and later joined again);
- notices: `armed_conflict_end_date`, the recorded end of the armed conflict that keeps an
  Art. 20(3) withdrawal pending.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

FACTS_DIR = Path(__file__).resolve().parent
# ../shared/data/apmbc seen from the checkout's root (treaty/facts/ is two levels below it).
DEFAULT_SOURCE = FACTS_DIR.parents[2] / "shared" / "data" / "apmbc"

COMMON = {
    "iso3": "ISO 3166-1 alpha-3 code of the state",
    "state": "the state's name as the source spells it",
    "source_url": "where this row's facts were read",
}

TABLES: dict[str, dict[str, Any]] = {
    "instruments": {
        "dates": ["signature_date", "consent_date", "succession_effective_date"],
        "columns": {
            **COMMON,
            "signature_date": "day the state signed (null: never signed)",
            "consent_date": "day its instrument of consent was deposited (null: never joined)",
            "consent_type": "ratification, acceptance, approval, accession or succession (null: never joined)",
            "succession_effective_date": "for successions (and Montenegro) the effective day the record states",
            "verification": "how well the row was confirmed; 'unverified' rows rest on an unchecked reading",
            "notes": "the source's notes",
        },
    },
    "notices": {
        "dates": ["date_received"],
        "booleans": ["engaged_in_armed_conflict_at_term"],
        "extra": {"armed_conflict_end_date": None},
        "columns": {
            **COMMON,
            "kind": "withdrawal_art20 (Art. 20) or suspension_notice (not provided for by the Convention)",
            "date_received": "day the depositary received the notice",
            "engaged_in_armed_conflict_at_term": "was the state in an armed conflict when the six months ran out",
            "armed_conflict_end_date": "recorded end of that armed conflict (ours; null: none recorded)",
        },
    },
    "article5": {
        "dates": ["current_deadline"],
        "columns": {
            **COMMON,
            "current_deadline": "Art. 5 deadline in force after granted extensions (null: not retrieved)",
            "number_of_extensions": "as the source states it; text because some are '3+' or '>=1'",
            "completed_date": "declared completion; text because many are vague ('2012', '2009-03 (...)')",
            "extension_history": "granted extensions, as text",
            "notes": "the source's notes",
        },
    },
    "article4": {
        "dates": [],
        "columns": {
            **COMMON,
            "completed_date": "stockpile destruction completed; text, often vague ('before 2019-11 (...)')",
            "stockpile_note": "what the sources say about the stockpile",
            "notes": "the source's notes",
        },
    },
}


# Readings of a row that its own cells state in words but not in the date column. Each says where it
# comes from; the engine can then judge the row instead of calling a destroyed stockpile outstanding.
READINGS: dict[str, dict[str, dict[str, str]]] = {
    "article4": {
        "POL": {
            "completed_date": "before 2012-12-27 (destroyed before ratification, as the row's "
            "stockpile_note says, citing ICBL 2012)"
        },
    },
}


def convert_row(row: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    """One CSV row as a JSON object: nulls for empty cells, checked ISO dates, true/false for yes/no."""
    out: dict[str, Any] = {}
    for key in spec["columns"]:
        if key not in row:
            out[key] = spec.get("extra", {}).get(key)
            continue
        value = row[key].strip()
        if key in spec["dates"] and value:
            dt.date.fromisoformat(value)  # refuse to ship a malformed date
        if key in spec.get("booleans", []):
            out[key] = {"yes": True, "no": False}.get(value.lower())
        else:
            out[key] = value or None
    return out


def build_table(name: str, source: Path) -> dict[str, Any]:
    """The JSON document for one table."""
    path = source / f"{name}.csv"
    raw = path.read_bytes()
    spec = TABLES[name]
    rows = [convert_row(row, spec) for row in csv.DictReader(raw.decode("utf-8").splitlines())]
    for row in rows:
        row.update(READINGS.get(name, {}).get(row["iso3"], {}))
    return {
        "source": f"apmbc/{name}.csv (APMBC depositary facts; canonical record: UN Treaty Collection XXVI-5)",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "built_on": dt.date.today().isoformat(),
        "built_by": "treaty/facts/build.py",
        "columns": spec["columns"],
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> None:
    """Write one JSON file per table next to this script."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    for name in TABLES:
        document = build_table(name, args.source)
        target = FACTS_DIR / f"{name}.json"
        target.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{target.name}: {len(document['rows'])} rows")


if __name__ == "__main__":
    main()
