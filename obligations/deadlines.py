"""The Article 5 deadline in force for a state, from the treaty engine (when it is installed)."""

from __future__ import annotations

import datetime as dt


def article5_deadline(iso3: str) -> dt.date | None:
    """The clearance deadline in force after extensions, or None when the state has none on record."""
    try:
        from treaty import engine  # type: ignore[attr-defined, unused-ignore]
    except ImportError:  # the treaty engine is a separate package that may not be there yet
        return None
    return engine.article5_deadline_in_force(iso3)  # type: ignore[no-any-return, unused-ignore]
