"""The engine's answers as plain dicts: the one shape the command line and the REST API both print.

Dates are ISO strings, absent ones null; vague dates keep their text (see treaty.dates.VagueDate).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from treaty import obligations as ob
from treaty.dates import VagueDate
from treaty.engine import Register, StateRecord, Term

Row = dict[str, Any]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _term_for(record: StateRecord, on: dt.date) -> Term | None:
    """The membership that speaks for `on`: the one begun by then, else the first (its dates still inform)."""
    return record.term_on(on) or (record.terms[0] if record.terms else None)


def _withdrawal(term: Term | None) -> Row | None:
    if term is None or term.withdrawal is None:
        return None
    w = term.withdrawal
    return {
        "received": _iso(w.notice.date_received),
        "six_months_end": _iso(w.six_months_end),
        "effective": _iso(w.effective),
        "pending_under_art20_3": w.pending_under_art20_3,
        "engaged_in_armed_conflict_at_term": w.notice.engaged_in_armed_conflict_at_term,
        "armed_conflict_end_date": _iso(w.notice.armed_conflict_end_date),
        "source_url": w.notice.source_url,
    }


def _article4(record: StateRecord, term: Term | None, on: dt.date) -> Row | None:
    a4 = ob.article4(term, record.article4) if term else None
    if a4 is None:
        return None
    verdict = a4.compliance(on)
    return {
        "deadline": _iso(a4.deadline),
        "completed": a4.completed.as_dict() if a4.completed else None,
        "compliance": verdict.value,
        "compliance_reason": verdict.reason,
        "stockpile_note": a4.record.stockpile_note if a4.record else None,
        "source_url": a4.record.source_url if a4.record else None,
    }


def _article5(record: StateRecord, term: Term | None, on: dt.date) -> Row | None:
    a5 = ob.article5(term, record.article5) if term else None
    if a5 is None:
        return None
    verdict = a5.compliance(on)
    return {
        "original_deadline": _iso(a5.original_deadline),
        "deadline_in_force": _iso(a5.deadline_in_force),
        "extensions": a5.record.number_of_extensions if a5.record else None,
        "extension_history": a5.record.extension_history if a5.record else None,
        "completed": a5.completed.as_dict() if a5.completed else None,
        "compliance": verdict.value,
        "compliance_reason": verdict.reason,
        "source_url": a5.record.source_url if a5.record else None,
    }


def _article7(record: StateRecord, term: Term | None, on: dt.date) -> Row | None:
    initial = ob.initial_report_due(term) if term else None
    if term is None or initial is None:
        return None
    due = ob.annual_reports_due(record, term, dt.date(on.year + 1, 12, 31))
    return {
        "initial_report_due": _iso(initial),
        "last_annual_report_due": _iso(max((d for d in due if d <= on), default=None)),
        "next_annual_report_due": _iso(min((d for d in due if d > on), default=None)),
    }


def status(register: Register, iso3: str, on: dt.date) -> Row:
    """One state's status on a day, with every date the articles derive for it. Raises UnknownState."""
    record = register.state(iso3)
    term = _term_for(record, on)
    instrument = term.instrument if term else record.instruments[0]
    return {
        "iso3": record.iso3,
        "state": record.name,
        "on": on.isoformat(),
        "status": record.status_on(on),
        "is_party": record.is_party_on(on),
        "ordinal": record.ordinal,
        "signature_date": _iso(record.signature_date),
        "consent_date": _iso(instrument.consent_date),
        "consent_type": instrument.consent_type,
        "entry_into_force": _iso(term.entry_into_force) if term else None,
        "entry_into_force_rule": term.eif_rule if term else None,
        "withdrawal": _withdrawal(term),
        "article4": _article4(record, term, on),
        "article5": _article5(record, term, on),
        "article7": _article7(record, term, on),
        "notices": [
            {
                "kind": n.notice.kind,
                "received": _iso(n.notice.date_received),
                "effect": n.effect,
                "flagged": n.flagged,
                "source_url": n.notice.source_url,
            }
            for n in record.notices
        ],  # fmt: skip
        "terms": [
            {
                "consent_date": _iso(t.instrument.consent_date),
                "consent_type": t.instrument.consent_type,
                "entry_into_force": _iso(t.entry_into_force),
                "withdrawal_effective": _iso(t.end),
            }
            for t in record.terms
        ],  # fmt: skip
        "flags": record.flags,
        "verification": instrument.verification,
        "source_url": instrument.source_url,
    }


def parties(register: Register, on: dt.date) -> Row:
    """The States Parties on a day: count and ISO3 codes."""
    codes = register.parties_on(on)
    return {"on": on.isoformat(), "count": len(codes), "parties": codes}


TABLE_COLUMNS = [
    "iso3", "state", "on", "status", "is_party", "ordinal", "signature_date", "consent_date", "consent_type",
    "entry_into_force", "entry_into_force_rule", "withdrawal_received", "withdrawal_six_months_end",
    "withdrawal_effective", "withdrawal_pending_art20_3", "art4_deadline", "art4_completed", "art4_compliance",
    "art5_original_deadline", "art5_deadline_in_force", "art5_completed", "art5_compliance",
    "art7_initial_report_due", "art7_last_annual_report_due", "art7_next_annual_report_due", "notices", "flags",
    "verification", "source_url",
]  # fmt: skip


def table_row(register: Register, iso3: str, on: dt.date) -> Row:
    """One flat row of the register (the CSV's shape): the status dict with its parts spread into columns."""
    s = status(register, iso3, on)
    w, a4, a5, a7 = s["withdrawal"] or {}, s["article4"] or {}, s["article5"] or {}, s["article7"] or {}
    return {
        **{k: s[k] for k in ("iso3", "state", "on", "status", "is_party", "ordinal", "signature_date",
                             "consent_date", "consent_type", "entry_into_force", "entry_into_force_rule")},
        "withdrawal_received": w.get("received"),
        "withdrawal_six_months_end": w.get("six_months_end"),
        "withdrawal_effective": w.get("effective"),
        "withdrawal_pending_art20_3": w.get("pending_under_art20_3"),
        "art4_deadline": a4.get("deadline"),
        "art4_completed": (a4.get("completed") or {}).get("text"),
        "art4_compliance": a4.get("compliance", ob.NOT_APPLICABLE),
        "art5_original_deadline": a5.get("original_deadline"),
        "art5_deadline_in_force": a5.get("deadline_in_force"),
        "art5_completed": (a5.get("completed") or {}).get("text"),
        "art5_compliance": a5.get("compliance", ob.NOT_APPLICABLE),
        "art7_initial_report_due": a7.get("initial_report_due"),
        "art7_last_annual_report_due": a7.get("last_annual_report_due"),
        "art7_next_annual_report_due": a7.get("next_annual_report_due"),
        "notices": "; ".join(f"{n['kind']} {n['received']}" for n in s["notices"]) or None,
        "flags": " | ".join(s["flags"]) or None,
        "verification": s["verification"],
        "source_url": s["source_url"],
    }  # fmt: skip


def table(register: Register, on: dt.date) -> list[Row]:
    """Every state in the facts (all 197), one row each, by ISO3."""
    return [table_row(register, iso3, on) for iso3 in register.states]


def _event(day: dt.date | None, event: str, detail: str = "", *, approximate: bool = False,
           text: str | None = None, source_url: str | None = None) -> Row:  # fmt: skip
    return {"date": _iso(day), "event": event, "detail": detail, "approximate": approximate,
            "date_text": text, "source_url": source_url}  # fmt: skip


def _vague_event(completed: VagueDate | None, event: str, source_url: str | None) -> list[Row]:
    if completed is None:
        return []
    day = completed.earliest or completed.latest
    return [_event(day, event, completed.text, approximate=not completed.exact, text=completed.text,
                   source_url=source_url)]  # fmt: skip


def _term_events(record: StateRecord, term: Term, until: dt.date) -> list[Row]:
    i = term.instrument
    events = [_event(i.consent_date, "consent_deposited", i.consent_type or "", source_url=i.source_url)]
    if term.entry_into_force is None:
        return events
    nth = f"State Party no. {record.ordinal}" if term is record.terms[0] and record.ordinal else "joins again"
    events.append(_event(term.entry_into_force, "entry_into_force", f"{term.eif_rule}; {nth}"))
    events.append(_event(ob.initial_report_due(term), "art7_initial_report_due"))
    for due in ob.annual_reports_due(record, term, until):
        events.append(_event(due, "art7_annual_report_due", f"covering {due.year - 1}"))
    if a4 := ob.article4(term, record.article4):
        events.append(_event(a4.deadline, "art4_deadline", "stockpiles destroyed by"))
        events += _vague_event(a4.completed, "art4_completed", a4.record.source_url if a4.record else None)
    if a5 := ob.article5(term, record.article5):
        events.append(_event(a5.original_deadline, "art5_original_deadline", "mined areas cleared by"))
        if a5.deadline_in_force and a5.deadline_in_force != a5.original_deadline:
            history = a5.record.extension_history if a5.record else ""
            events.append(_event(a5.deadline_in_force, "art5_deadline_in_force", history or ""))
        events += _vague_event(a5.completed, "art5_completed", a5.record.source_url if a5.record else None)
    if w := term.withdrawal:
        events.append(_event(w.six_months_end, "art20_six_months_end"))
        if w.notice.armed_conflict_end_date:
            events.append(_event(w.notice.armed_conflict_end_date, "armed_conflict_end_recorded"))
        if w.effective:
            events.append(_event(w.effective, "withdrawal_effective", source_url=w.notice.source_url))
        else:
            events.append(_event(w.six_months_end, "withdrawal_pending_art20_3", "armed conflict at term"))
    return events


def timeline(register: Register, iso3: str, until: dt.date) -> Row:
    """Every dated event and deadline for one state, in order (annual reports up to `until`)."""
    record = register.state(iso3)
    events = [_event(record.signature_date, "signature")] if record.signature_date else []
    for term in record.terms:
        events += _term_events(record, term, until)
    for n in record.notices:
        events.append(
            _event(n.notice.date_received, f"notice_{n.notice.kind}", n.effect, source_url=n.notice.source_url)
        )
    events.sort(key=lambda e: (e["date"] is None, e["date"] or ""))  # stable: same-day events keep their order
    return {"iso3": record.iso3, "state": record.name, "until": until.isoformat(), "events": events}
