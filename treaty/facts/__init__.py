"""The depositary facts Clearground ships, and the one reader of them.

The JSON tables next to this file were built once from ../shared/data/apmbc by `build.py`; the
engine reads only these at run time. A `Facts` can also be built in code (tests construct
synthetic ones: a re-accession, an Art. 20(3) withdrawal whose conflict ends), so the engine takes
facts as an argument and `load_facts()` is merely the default.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FACTS_DIR = Path(__file__).resolve().parent
WITHDRAWAL = "withdrawal_art20"
SUSPENSION = "suspension_notice"


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Instrument:
    """One state's row in the depositary table: its signature and (if any) one instrument of consent.

    A state that withdrew and later joined again has a second row with the new consent.
    """

    iso3: str
    state: str
    signature_date: dt.date | None = None
    consent_date: dt.date | None = None
    consent_type: str | None = None
    succession_effective_date: dt.date | None = None
    source_url: str | None = None
    verification: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Notice:
    """A notice the depositary received: an Art. 20 withdrawal, or one the Convention does not provide for."""

    iso3: str
    state: str
    kind: str
    date_received: dt.date
    engaged_in_armed_conflict_at_term: bool | None = None
    armed_conflict_end_date: dt.date | None = None
    source_url: str | None = None


@dataclass(frozen=True)
class Article5Record:
    """What is known of a state's mine-clearance deadline: extensions, the deadline in force, completion."""

    iso3: str
    state: str
    current_deadline: dt.date | None = None
    number_of_extensions: str | None = None
    completed_date: str | None = None
    extension_history: str | None = None
    source_url: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Article4Record:
    """What is known of a state's stockpile destruction; `completed_date` is the source's text."""

    iso3: str
    state: str
    completed_date: str | None = None
    stockpile_note: str | None = None
    source_url: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the engine reads. `sources` names each table's origin (file, SHA-256, build day)."""

    instruments: tuple[Instrument, ...]
    notices: tuple[Notice, ...] = ()
    article5: tuple[Article5Record, ...] = ()
    article4: tuple[Article4Record, ...] = ()
    sources: dict[str, dict[str, str]] = field(default_factory=dict)


def _rows(name: str, directory: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    document = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    header = {k: document[k] for k in ("source", "source_sha256", "built_on") if k in document}
    return document["rows"], header


def _typed(row: dict[str, Any], dated: tuple[str, ...]) -> dict[str, Any]:
    """A JSON row with its date columns as `datetime.date`."""
    return {k: _date(v) if k in dated else v for k, v in row.items()}


def load_facts(directory: Path = FACTS_DIR) -> Facts:
    """Read the shipped JSON tables (no database, no network)."""
    instruments, h1 = _rows("instruments", directory)
    notices, h2 = _rows("notices", directory)
    article5, h3 = _rows("article5", directory)
    article4, h4 = _rows("article4", directory)
    return Facts(
        instruments=tuple(
            Instrument(**_typed(r, ("signature_date", "consent_date", "succession_effective_date")))
            for r in instruments
        ),
        notices=tuple(Notice(**_typed(r, ("date_received", "armed_conflict_end_date"))) for r in notices),
        article5=tuple(Article5Record(**_typed(r, ("current_deadline",))) for r in article5),
        article4=tuple(Article4Record(**r) for r in article4),
        sources={"instruments": h1, "notices": h2, "article5": h3, "article4": h4},
    )
