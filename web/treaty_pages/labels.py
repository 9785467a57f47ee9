"""Words for the treaty engine's codes (timeline events, compliance verdicts), in the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import Any, overload

from django.utils.translation import gettext_lazy as _

EVENTS: dict[str, Any] = {
    "signature": _("Signed the Convention"),
    "consent_deposited": _("Instrument of consent deposited"),
    "entry_into_force": _("Entry into force for the state"),
    "art7_initial_report_due": _("Article 7 initial report due"),
    "art7_annual_report_due": _("Article 7 annual report due"),
    "art4_deadline": _("Article 4 deadline: stockpiles destroyed"),
    "art4_completed": _("Article 4 stockpile destruction completed"),
    "art5_original_deadline": _("Article 5 original deadline: mined areas cleared"),
    "art5_deadline_in_force": _("Article 5 deadline in force after extensions"),
    "art5_completed": _("Article 5 clearance completed"),
    "art20_six_months_end": _("Six months after the withdrawal notice (Article 20)"),
    "armed_conflict_end_recorded": _("End of armed conflict recorded"),
    "withdrawal_effective": _("Withdrawal takes effect"),
    "withdrawal_pending_art20_3": _("Withdrawal pending under Article 20(3)"),
    "notice_withdrawal": _("Withdrawal notice received"),
    "notice_suspension": _("Suspension notice received"),
}

COMPLIANCE: dict[str, Any] = {
    "on_time": _("Met on time"),
    "late": _("Met late"),
    "uncertain": _("Uncertain"),
    "outstanding": _("Outstanding: deadline passed"),
    "not_yet_due": _("Not yet due"),
    "not_recorded": _("Not recorded in the facts"),
    "not_applicable": _("Not applicable"),
}


CONSENT_TYPES: dict[str, Any] = {
    "ratification": _("ratification"),
    "acceptance": _("acceptance"),
    "approval": _("approval"),
    "accession": _("accession"),
    "succession": _("succession"),
}

EIF_RULES: dict[str, Any] = {
    "art17_1": _("Article 17(1): among the first 40 instruments"),
    "art17_2": _("Article 17(2): first day of the sixth month after the deposit"),
    "succession_recorded": _("succession: the effective day on record"),
}

#: Details the engine words only to say what the event's own label already says.
REDUNDANT_DETAILS = frozenset({"art4_deadline", "art5_original_deadline"})


def detail(event: dict[str, Any], ordinal: int | None) -> tuple[str, bool]:
    """An event's detail in the reader's language where the engine's words are fixed; else its English.

    Returns (text, is_english). The free texts (extension histories, notice effects, vague
    completion dates) come from the facts in English and are marked so (lang="en").
    """
    code, text = event["event"], event["detail"] or ""
    if code in REDUNDANT_DETAILS:
        return "", False
    if code == "consent_deposited" and text in CONSENT_TYPES:
        return str(CONSENT_TYPES[text]), False
    if code == "art7_annual_report_due" and event["date"]:
        return str(_("covering %(year)s")) % {"year": event["date"].year - 1}, False
    if code == "entry_into_force":
        rule, _sep, nth = text.partition("; ")
        parts = [str(EIF_RULES.get(rule, rule))] if rule else []
        if nth.startswith("State Party no.") and ordinal:
            parts.append(str(_("State Party no. %(ordinal)s")) % {"ordinal": ordinal})
        elif nth == "joins again":
            parts.append(str(_("joins again")))
        return "; ".join(parts), False
    return text, bool(text)


def event(code: str) -> Any:
    """The words for a timeline event code; an unknown notice kind reads as a notice."""
    if code in EVENTS:
        return EVENTS[code]
    return _("Notice received") if code.startswith("notice_") else code


DATE_KEYS = frozenset(
    {"deadline", "original_deadline", "deadline_in_force", "initial_report_due", "last_annual_report_due",
     "next_annual_report_due", "entry_into_force", "p10", "p50", "p90"}
)  # fmt: skip


@overload
def with_dates(row: dict[str, Any]) -> dict[str, Any]: ...
@overload
def with_dates(row: None) -> None: ...
@overload
def with_dates(row: dict[str, Any] | None) -> dict[str, Any] | None: ...
def with_dates(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """The dict with its ISO date strings (treaty.report's shape) as dates, so templates localise them."""
    if row is None:
        return None
    return {k: dt.date.fromisoformat(v) if k in DATE_KEYS and isinstance(v, str) else v for k, v in row.items()}


def obligation(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """An article's dict from treaty.report.status, with dates as dates and its compliance verdict in words."""
    row = with_dates(row)
    if row is None:
        return None
    return {**row, "compliance_label": COMPLIANCE.get(row.get("compliance", ""), row.get("compliance"))}
