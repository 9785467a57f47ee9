"""What the treaty pages read: statuses on a day from the treaty engine, and the map's country codes.

Everything here is a thin reading of `treaty.engine` / `treaty.report` (the same answers the REST API
under /api/v1/treaty/ gives), so a page and the API cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from treaty import engine
from treaty.engine import Register, default_register

#: The first day a state could sign (Ottawa, 3 December 1997): the slider's start.
OPENED_FOR_SIGNATURE = dt.date(1997, 12, 3)
#: A map country whose code the register does not have (a territory, Taiwan, Western Sahara...).
NO_RECORD = "no_record"

#: The engine's statuses in the order the legend shows them, with their words and map colours.
#: Colours are Okabe–Ito (colour-blind safe) so "party" and "not party" never rely on red/green.
STATUS_LABELS: dict[str, Any] = {
    engine.PARTY: _("State Party (in force)"),
    engine.CONSENTED: _("Ratified or acceded, not yet in force"),
    engine.SIGNATORY: _("Signed, not ratified"),
    engine.WITHDRAWAL_PENDING: _("Withdrawal notified (still bound)"),
    engine.WITHDRAWN: _("Withdrawn"),
    engine.NON_PARTY: _("Not party"),
    NO_RECORD: _("Not in the register"),
}
STATUS_COLORS = {
    engine.PARTY: "#0072B2",
    engine.CONSENTED: "#56B4E9",
    engine.SIGNATORY: "#F0E442",
    engine.WITHDRAWAL_PENDING: "#E69F00",
    engine.WITHDRAWN: "#D55E00",
    engine.NON_PARTY: "#bdbdbd",
    NO_RECORD: "#ece9e0",
}


def statuses_on(day: dt.date, register: Register | None = None) -> dict[str, str]:
    """Every state's status on `day`, ISO3 → engine status (the `status` of treaty.report.status)."""
    register = register or default_register()
    return {iso3: record.status_on(day) for iso3, record in register.states.items()}


def status_payload(day: dt.date) -> dict[str, Any]:
    """The map's JSON for a day: the statuses and the count of States Parties (treaty.report.parties)."""
    statuses = statuses_on(day)
    return {
        "on": day.isoformat(),
        "count": sum(1 for s in statuses.values() if s in engine.BOUND),
        "statuses": statuses,
    }


@cache
def numeric_to_iso3() -> dict[str, str]:
    """ISO 3166-1 numeric (the world-atlas feature id, e.g. "804") → alpha-3 ("UKR"); see data/iso_numeric.json."""
    path = Path(__file__).parent / "data" / "iso_numeric.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))["numeric_to_iso3"]
    return data


def state_choices(register: Register | None = None) -> list[tuple[str, str]]:
    """(ISO3, name) for every state in the register, by name."""
    register = register or default_register()
    return sorted(((r.iso3, r.name) for r in register.states.values()), key=lambda c: c[1])
