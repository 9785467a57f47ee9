"""Who is bound by the Mine Ban Convention, from when and until when (Arts. 17 and 20).

Pure Python over `treaty.facts.Facts`: no database, no network, `datetime.date` only. Build a
`Register` once from facts (`default_register()` reads the shipped ones) and ask it about any day.
The rules and the choices the articles leave open are in docs/decisions/0006-treaty-engine.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from treaty.dates import add_months, first_of_month_after
from treaty.facts import (
    SUSPENSION,
    WITHDRAWAL,
    Article4Record,
    Article5Record,
    Facts,
    Instrument,
    Notice,
    load_facts,
)

FIRST_INSTRUMENTS = 40  # Art. 17(1)
ENTRY_DELAY_MONTHS = 6  # Art. 17: "the first day of the sixth month after the month ..."
WITHDRAWAL_DELAY_MONTHS = 6  # Art. 20(3): "six months after the receipt of the instrument"
SUCCESSION = "succession"

NON_PARTY = "non_party"
SIGNATORY = "signatory"
CONSENTED = "consented"
PARTY = "party"
WITHDRAWAL_PENDING = "withdrawal_pending"
WITHDRAWN = "withdrawn"
STATUSES = (NON_PARTY, SIGNATORY, CONSENTED, PARTY, WITHDRAWAL_PENDING, WITHDRAWN)
BOUND = frozenset({PARTY, WITHDRAWAL_PENDING})  # a State Party on that day

EIF_FIRST_40 = "art17_1"
EIF_LATER_DEPOSIT = "art17_2"
EIF_SUCCESSION = "succession_recorded"


class UnknownState(KeyError):
    """No state with that ISO3 code in the facts."""


def fortieth_deposit(instruments: tuple[Instrument, ...]) -> dt.date | None:
    """The day the 40th instrument of ratification, acceptance, approval or accession was deposited.

    Successions are not counted: a successor state takes over its predecessor's consent.
    """
    deposits = sorted(i.consent_date for i in instruments if i.consent_date and i.consent_type != SUCCESSION)
    return deposits[FIRST_INSTRUMENTS - 1] if len(deposits) >= FIRST_INSTRUMENTS else None


def entry_into_force(instrument: Instrument, fortieth: dt.date | None) -> tuple[dt.date | None, str]:
    """Art. 17: the day the Convention entered (or enters) into force for this instrument, and the rule used.

    Deposits up to the 40th count from the 40th's month (1998-09 → 1999-03-01); later ones from
    their own month. A succession takes the effective day the record states; without one, it is
    treated as a later deposit. None while fewer than 40 instruments are deposited.
    """
    deposit = instrument.consent_date
    if deposit is None:
        return None, ""
    if instrument.consent_type == SUCCESSION and instrument.succession_effective_date:
        return instrument.succession_effective_date, EIF_SUCCESSION
    if fortieth is None:
        return None, ""
    if deposit <= fortieth:
        return first_of_month_after(fortieth, ENTRY_DELAY_MONTHS), EIF_FIRST_40
    return first_of_month_after(deposit, ENTRY_DELAY_MONTHS), EIF_LATER_DEPOSIT


@dataclass(frozen=True)
class Withdrawal:
    """An Art. 20 withdrawal: six months after receipt, or later if the state is then in an armed conflict.

    `effective` is None while Art. 20(3) holds it pending (armed conflict at term, no end recorded).
    """

    notice: Notice
    six_months_end: dt.date
    effective: dt.date | None

    @property
    def pending_under_art20_3(self) -> bool:
        """Whether the withdrawal waits for the end of an armed conflict that is not recorded as ended."""
        return self.effective is None


def withdrawal_effect(notice: Notice) -> Withdrawal:
    """Art. 20(3) applied to one withdrawal notice.

    Receipt + 6 calendar months, month-end clamped (2025-08-31 → 2026-02-28). If the state was
    engaged in an armed conflict when those months ran out, the withdrawal takes effect on the
    recorded end of that conflict (or at the six months, if the conflict ended before then).
    """
    term_end = add_months(notice.date_received, WITHDRAWAL_DELAY_MONTHS)
    if not notice.engaged_in_armed_conflict_at_term:
        return Withdrawal(notice, term_end, term_end)
    end = notice.armed_conflict_end_date
    return Withdrawal(notice, term_end, max(term_end, end) if end else None)


@dataclass(frozen=True)
class Term:
    """One membership of one state: an instrument of consent, its entry into force, and its withdrawal if any."""

    instrument: Instrument
    entry_into_force: dt.date | None
    eif_rule: str
    withdrawal: Withdrawal | None = None

    @property
    def start(self) -> dt.date:
        """The first day this term says anything: the deposit, or a succession's earlier effective day."""
        assert self.instrument.consent_date is not None
        if self.entry_into_force and self.entry_into_force < self.instrument.consent_date:
            return self.entry_into_force
        return self.instrument.consent_date

    @property
    def end(self) -> dt.date | None:
        """The day the state stopped being a party (withdrawal effective), or None."""
        return self.withdrawal.effective if self.withdrawal else None

    def status_on(self, day: dt.date) -> str:
        """Status on a day on or after `start`: consented, party, withdrawal pending or withdrawn."""
        if self.entry_into_force is None or day < self.entry_into_force:
            return CONSENTED
        if self.withdrawal is None or day < self.withdrawal.notice.date_received:
            return PARTY
        if self.withdrawal.effective is not None and day >= self.withdrawal.effective:
            return WITHDRAWN
        return WITHDRAWAL_PENDING


@dataclass(frozen=True)
class NoticeEffect:
    """A notice with what it does in law; `flagged` when it does not do what it says (e.g. a suspension)."""

    notice: Notice
    effect: str
    flagged: bool


@dataclass(frozen=True)
class StateRecord:
    """Everything the facts and Arts. 17 and 20 say about one state. Rules about the state live here."""

    iso3: str
    name: str
    signature_date: dt.date | None
    terms: tuple[Term, ...]
    notices: tuple[NoticeEffect, ...]
    instruments: tuple[Instrument, ...]
    article4: Article4Record | None
    article5: Article5Record | None
    ordinal: int | None = None

    def term_on(self, day: dt.date) -> Term | None:
        """The latest membership begun by `day`, or None."""
        begun = [t for t in self.terms if t.start <= day]
        return begun[-1] if begun else None

    def status_on(self, day: dt.date) -> str:
        """non_party, signatory, consented, party, withdrawal_pending or withdrawn on that day."""
        term = self.term_on(day)
        if term is not None:
            return term.status_on(day)
        if self.signature_date and self.signature_date <= day:
            return SIGNATORY
        return NON_PARTY

    def is_party_on(self, day: dt.date) -> bool:
        """Bound by the Convention on that day (a pending withdrawal still binds)."""
        return self.status_on(day) in BOUND

    @property
    def first_entry_into_force(self) -> dt.date | None:
        """The first day the state was ever bound, which fixes its ordinal."""
        dates = [t.entry_into_force for t in self.terms if t.entry_into_force]
        return min(dates) if dates else None

    @property
    def flags(self) -> list[str]:
        """What a reader must not miss: unverified facts, notices lacking the effect they claim, pending withdrawals."""
        out = []
        for instrument in self.instruments:
            if (instrument.verification or "").startswith("unverified"):
                out.append(f"facts unverified: {instrument.verification}")
        out.extend(f"{n.notice.kind} received {n.notice.date_received}: {n.effect}" for n in self.notices if n.flagged)
        for term in self.terms:
            if term.withdrawal and term.withdrawal.pending_under_art20_3:
                out.append("withdrawal pending under Art. 20(3): armed conflict at term, no end recorded")
        return out


def _notice_effects(notices: list[Notice], terms: list[Term]) -> tuple[list[Term], list[NoticeEffect]]:
    """Attach each state's first Art. 20 withdrawal per term; say what every notice does."""
    effects: list[NoticeEffect] = []
    for notice in sorted(notices, key=lambda n: n.date_received):
        index = max((i for i, t in enumerate(terms) if t.start <= notice.date_received), default=None)
        if index is None:
            effects.append(NoticeEffect(notice, "no effect: the state was not bound when it was received", True))
        elif notice.kind == WITHDRAWAL and terms[index].withdrawal is None:
            withdrawal = withdrawal_effect(notice)
            terms[index] = Term(terms[index].instrument, terms[index].entry_into_force, terms[index].eif_rule,
                                withdrawal)  # fmt: skip
            when = (
                withdrawal.effective.isoformat() if withdrawal.effective else "the recorded end of the armed conflict"
            )
            effects.append(NoticeEffect(notice, f"withdrawal under Art. 20; takes effect {when}", False))
        elif notice.kind == WITHDRAWAL:
            effects.append(NoticeEffect(notice, "no further effect: a withdrawal is already running", True))
        elif notice.kind == SUSPENSION:
            # Ukraine, 18 July 2025: the 22nd Meeting of States Parties found the Convention allows no suspension.
            effects.append(
                NoticeEffect(
                    notice, "not provided for by the Convention; the state remains bound (recorded only)", True
                )
            )
        else:
            effects.append(NoticeEffect(notice, "not provided for by the Convention; no effect on status", True))
    return terms, effects


class Register:
    """Every state's record, computed once from facts; answers questions about any day."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.fortieth_deposit = fortieth_deposit(facts.instruments)
        self.states: dict[str, StateRecord] = {}
        by_state: dict[str, list[Instrument]] = defaultdict(list)
        for instrument in facts.instruments:
            by_state[instrument.iso3].append(instrument)
        notices: dict[str, list[Notice]] = defaultdict(list)
        for notice in facts.notices:
            notices[notice.iso3].append(notice)
        art4 = {r.iso3: r for r in facts.article4}
        art5 = {r.iso3: r for r in facts.article5}
        records = []
        for iso3, rows in by_state.items():
            consents = sorted((i for i in rows if i.consent_date), key=lambda i: i.consent_date or dt.date.min)
            terms = [Term(i, *entry_into_force(i, self.fortieth_deposit)) for i in consents]
            terms, effects = _notice_effects(notices.get(iso3, []), terms)
            signatures = [i.signature_date for i in rows if i.signature_date]
            records.append(
                StateRecord(
                    iso3,
                    rows[0].state,
                    min(signatures) if signatures else None,
                    tuple(terms),
                    tuple(effects),
                    tuple(rows),
                    art4.get(iso3),
                    art5.get(iso3),
                )  # fmt: skip
            )
        for ordinal, record in enumerate(sorted((r for r in records if r.first_entry_into_force), key=_ordinal_key), 1):
            self.states[record.iso3] = _with_ordinal(record, ordinal)
        for record in records:
            self.states.setdefault(record.iso3, record)
        self.states = dict(sorted(self.states.items()))

    @property
    def convention_entry_into_force(self) -> dt.date | None:
        """Art. 17(1): the day the Convention itself entered into force."""
        return first_of_month_after(self.fortieth_deposit, ENTRY_DELAY_MONTHS) if self.fortieth_deposit else None

    def state(self, iso3: str) -> StateRecord:
        """One state's record by ISO3 code (any case); raises UnknownState."""
        try:
            return self.states[iso3.strip().upper()]
        except KeyError:
            raise UnknownState(iso3) from None

    def parties_on(self, day: dt.date) -> list[str]:
        """ISO3 codes of the States Parties on that day, alphabetically."""
        return [iso3 for iso3, record in self.states.items() if record.is_party_on(day)]


def _ordinal_key(record: StateRecord) -> tuple[dt.date, dt.date, str]:
    """Order as State Party: first entry into force, then deposit day, then ISO3 (the depositary's
    order within one day is not in the facts; see decision 0006)."""
    first = record.terms[0]
    assert record.first_entry_into_force and first.instrument.consent_date
    return record.first_entry_into_force, first.instrument.consent_date, record.iso3


def _with_ordinal(record: StateRecord, ordinal: int) -> StateRecord:
    return StateRecord(record.iso3, record.name, record.signature_date, record.terms, record.notices,
                       record.instruments, record.article4, record.article5, ordinal)  # fmt: skip


@cache
def default_register() -> Register:
    """The register over the shipped facts, built once per process."""
    return Register(load_facts())


def article5_deadline_in_force(iso3: str, facts: Facts | None = None) -> dt.date | None:
    """The Art. 5 deadline in force after extensions for a state's latest membership, per the facts.

    None when the facts have no Art. 5 row for it, its deadline in force was not retrieved, or the
    code is unknown. The contract obligations/deadlines.py calls (the Article 5 forecast's default).
    """
    from treaty.obligations import article5  # obligations builds on this module

    register = Register(facts) if facts is not None else default_register()
    try:
        record = register.state(iso3)
    except UnknownState:
        return None
    result = article5(record.terms[-1], record.article5) if record.terms else None
    return result.deadline_in_force if result else None
