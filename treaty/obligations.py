"""The deadlines a State Party carries (Arts. 4, 5 and 7), and whether the facts show them met.

Each function takes one membership (`Term`) and, where the facts have one, the state's article
row. Compliance is judged as of a day, from the facts only; vague completion dates are kept as
text with bounds (treaty.dates.VagueDate), and a completion whose bounds straddle the deadline is
`uncertain`, never guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from treaty.dates import VagueDate, add_years, parse_vague_date
from treaty.engine import StateRecord, Term
from treaty.facts import Article4Record, Article5Record

STOCKPILE_YEARS = 4  # Art. 4
CLEARANCE_YEARS = 10  # Art. 5(1)
INITIAL_REPORT_DAYS = 180  # Art. 7(1)
ANNUAL_REPORT_DAY = (4, 30)  # Art. 7(2): by 30 April, covering the last calendar year

ON_TIME = "on_time"
LATE = "late"
UNCERTAIN = "uncertain"  # completion recorded, but its bounds straddle the deadline (or cannot be read)
OUTSTANDING = "outstanding"  # deadline passed, no completion recorded by that day
NOT_YET_DUE = "not_yet_due"  # deadline not reached, no completion recorded by that day
NOT_RECORDED = "not_recorded"  # deadline passed and the (partial) facts have no row for this state
NOT_APPLICABLE = "not_applicable"  # never bound, so no deadline
COMPLIANCE = (ON_TIME, LATE, UNCERTAIN, OUTSTANDING, NOT_YET_DUE, NOT_RECORDED, NOT_APPLICABLE)


@dataclass(frozen=True)
class Compliance:
    """A verdict on one obligation as of a day, with the reason in words."""

    value: str
    reason: str


def judge(deadline: dt.date | None, completed: VagueDate | None, *, recorded: bool, on: dt.date) -> Compliance:
    """Compare a (possibly vague) completion with a deadline, as known on `on`.

    Completing on the deadline day is on time. A completion only counts once its latest possible
    day has passed by `on`; one that may or may not have happened by then is uncertain.
    """
    if completed is not None and not completed.readable:
        return Compliance(UNCERTAIN, f"completion recorded as '{completed.text}', which gives no date")
    if completed is not None and completed.latest is not None and completed.latest <= on:
        if deadline is None:
            return Compliance(UNCERTAIN, "completed, but the deadline in force is not in the facts")
        if completed.latest <= deadline:
            return Compliance(ON_TIME, f"completed {completed.text}, deadline {deadline}")
        if completed.earliest is not None and completed.earliest > deadline:
            return Compliance(LATE, f"completed {completed.text}, after the deadline {deadline}")
        return Compliance(UNCERTAIN, f"completed {completed.text}: may be before or after the deadline {deadline}")
    if completed is not None and (completed.earliest is None or completed.earliest <= on):
        return Compliance(UNCERTAIN, f"completed {completed.text}: may not yet have happened on {on}")
    if deadline is None:
        return Compliance(UNCERTAIN, "the deadline in force is not in the facts")
    if on <= deadline:
        return Compliance(NOT_YET_DUE, f"deadline {deadline} not reached")
    if not recorded:
        return Compliance(NOT_RECORDED, f"deadline {deadline} passed; the facts have no completion record")
    return Compliance(OUTSTANDING, f"deadline {deadline} passed; no completion recorded")


@dataclass(frozen=True)
class Article4:
    """Stockpile destruction: deadline (entry into force + 4 years, no extensions) and completion."""

    deadline: dt.date
    completed: VagueDate | None
    record: Article4Record | None

    def compliance(self, on: dt.date) -> Compliance:
        """On time, late, uncertain, outstanding, not yet due or not recorded, as of `on`."""
        return judge(self.deadline, self.completed, recorded=self.record is not None, on=on)


@dataclass(frozen=True)
class Article5:
    """Mine clearance: original deadline (entry into force + 10 years), the one in force, completion."""

    original_deadline: dt.date
    deadline_in_force: dt.date | None
    completed: VagueDate | None
    record: Article5Record | None

    def compliance(self, on: dt.date) -> Compliance:
        """Judged against the deadline in force; states without a row are judged against the original."""
        deadline = self.deadline_in_force if self.record else self.original_deadline
        return judge(deadline, self.completed, recorded=self.record is not None, on=on)


def _completion(text: str | None) -> VagueDate | None:
    return parse_vague_date(text) if text and text.strip() else None


def article4(term: Term, record: Article4Record | None) -> Article4 | None:
    """Art. 4 for one membership; None before the Convention is in force for it."""
    if term.entry_into_force is None:
        return None
    completed = _completion(record.completed_date if record else None)
    return Article4(add_years(term.entry_into_force, STOCKPILE_YEARS), completed, record)


def article5(term: Term, record: Article5Record | None) -> Article5 | None:
    """Art. 5 for one membership. The deadline in force is the facts' current deadline; with zero
    extensions recorded it is the original; otherwise it is unknown (None): an empty extension count
    means "not retrieved", not "none" (Nicaragua's row says so)."""
    if term.entry_into_force is None:
        return None
    original = add_years(term.entry_into_force, CLEARANCE_YEARS)
    in_force: dt.date | None = None
    if record is not None:
        extensions = (record.number_of_extensions or "").strip()
        in_force = record.current_deadline or (original if extensions == "0" else None)
    return Article5(original, in_force, _completion(record.completed_date if record else None), record)


def initial_report_due(term: Term) -> dt.date | None:
    """Art. 7(1): 180 days after entry into force."""
    if term.entry_into_force is None:
        return None
    return term.entry_into_force + dt.timedelta(days=INITIAL_REPORT_DAYS)


def annual_reports_due(record: StateRecord, term: Term, until: dt.date) -> list[dt.date]:
    """Art. 7(2): every 30 April after the initial report is due, while the state is a party, up to `until`.

    Each covers the previous calendar year. A state bound on 30 April owes that year's report;
    one whose withdrawal took effect earlier does not.
    """
    initial = initial_report_due(term)
    if initial is None:
        return []
    month, day = ANNUAL_REPORT_DAY
    due = []
    for year in range(initial.year, until.year + 1):
        candidate = dt.date(year, month, day)
        if initial < candidate <= until and record.term_on(candidate) is term and record.is_party_on(candidate):
            due.append(candidate)
    return due
