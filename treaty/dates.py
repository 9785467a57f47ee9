"""Calendar arithmetic the articles need, and a reader for the facts' vague dates. Standard library only."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass


def last_day_of_month(year: int, month: int) -> int:
    """28, 29, 30 or 31."""
    return calendar.monthrange(year, month)[1]


def shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    """(year, month) moved by a number of months, either way."""
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month, `months` later; a day the target month lacks becomes its last day.

    2025-08-31 + 6 months = 2026-02-28 (the month-end clamp; see docs/decisions/0006-treaty-engine.md).
    """
    year, month = shift_month(day.year, day.month, months)
    return dt.date(year, month, min(day.day, last_day_of_month(year, month)))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day, `years` later; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def first_of_month_after(day: dt.date, months: int) -> dt.date:
    """The first day of the `months`-th month after the month of `day` (Art. 17: months=6)."""
    year, month = shift_month(day.year, day.month, months)
    return dt.date(year, month, 1)


@dataclass(frozen=True)
class VagueDate:
    """A date as a source gave it ('2012', 'before 2019-11 (...)', '2004-12/2005-11'), with its bounds.

    `earliest`/`latest` bound the day (None: unbounded on that side, or unreadable); `exact` only
    when the text is one plain ISO day. The text is always kept: it is the fact, the bounds are ours.
    """

    text: str
    earliest: dt.date | None
    latest: dt.date | None
    exact: bool

    @property
    def readable(self) -> bool:
        """Whether at least one bound could be read from the text."""
        return self.earliest is not None or self.latest is not None

    def as_dict(self) -> dict[str, object]:
        """JSON shape: the text, both bounds, and whether it is approximate."""
        return {
            "text": self.text,
            "earliest": self.earliest.isoformat() if self.earliest else None,
            "latest": self.latest.isoformat() if self.latest else None,
            "approximate": not self.exact,
        }


_TOKEN = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def _bounds(token: re.Match[str]) -> tuple[dt.date, dt.date] | None:
    """First and last day that a YYYY, YYYY-MM or YYYY-MM-DD token can mean (None: not a real date)."""
    year, month, day = token.group(1), token.group(2), token.group(3)
    try:
        if day:
            exact = dt.date(int(year), int(month), int(day))
            return exact, exact
        if month:
            y, m = int(year), int(month)
            return dt.date(y, m, 1), dt.date(y, m, last_day_of_month(y, m))
        return dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
    except ValueError:
        return None


def parse_vague_date(text: str) -> VagueDate:
    """Read a source's date text into bounds; never raises.

    Parenthesised remarks are ignored for the bounds ("2009-03 (late March 2009)" is March 2009).
    "before X" ends the day before X starts; "A/B" runs from A's start to B's end; several dates
    ("2007-10 (Monitor) / 2006 (ISU)", sources disagreeing) give the envelope of all of them.
    """
    stripped = text.strip()
    core = re.sub(r"\([^)]*\)", " ", stripped).strip()
    spans = [b for b in (_bounds(m) for m in _TOKEN.finditer(core)) if b is not None]
    if not spans:
        return VagueDate(stripped, None, None, False)
    exact = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped)) and spans[0][0] == spans[0][1]
    if core.lower().startswith("before"):
        return VagueDate(stripped, None, spans[0][0] - dt.timedelta(days=1), False)
    earliest = min(start for start, _ in spans)
    latest = max(end for _, end in spans)
    return VagueDate(stripped, earliest, latest, exact)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_day(text: str) -> dt.date:
    """Strictly YYYY-MM-DD (Python also takes 20260220 or 2026-W08; our users' input should not); ValueError else."""
    if not _ISO_DAY.fullmatch(text.strip()):
        raise ValueError(text)
    return dt.date.fromisoformat(text.strip())
