"""The Article 5 deadline in force for a state, from the treaty engine."""

from __future__ import annotations

import datetime as dt

from treaty import engine


def article5_deadline(iso3: str) -> dt.date | None:
    """The clearance deadline in force after extensions, or None when the state has none on record."""
    return engine.article5_deadline_in_force(iso3)
