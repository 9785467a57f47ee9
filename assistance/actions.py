"""The write path of victim-assistance referrals: one action per event, atomic, audited.

Every problem is listed at once with its field; bad input changes nothing. Audit rows keep the
casualty, the dates and the outcome, and withhold the person's needs, service, provider and notes
(`{"restricted": "true"}`), since the audit log is read more widely than the referral.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import access, audit
from accounts.access import AnyUser, signed_in
from accounts.personal import RESTRICTED
from assistance.models import CLOSING, Need, Referral, ReferralOutcome, ReferralUpdate
from casualties.models import Casualty
from core.errors import Conflict, NotFoundOrNoAccess, Problem, ValidationFailed

# What a person's referral says about their health and circumstances: never in an audit row's values.
PERSONAL_FIELDS = ("needs", "service", "provider", "notes")


def audit_values(referral: Referral) -> dict[str, Any]:
    """A referral's state as an audit row stores it: personal fields replaced by the restricted marker."""
    return {
        "casualty": referral.casualty_id,
        "referred_on": _iso(referral.referred_on),
        "service_started_on": _iso(referral.service_started_on),
        "closed_on": _iso(referral.closed_on),
        "outcome": referral.outcome,
        **{f: RESTRICTED for f in PERSONAL_FIELDS if getattr(referral, f)},
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _text(problems: list[Problem], name: str, value: Any, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append(Problem(name, "must be text"))
        return ""
    text: str = value.strip()
    if required and not text:
        problems.append(Problem(name, "say what it is"))
    elif len(text) > 200 and name != "notes":
        problems.append(Problem(name, "must be at most 200 characters"))
    return text


def _date(problems: list[Problem], name: str, value: Any, *, required: bool) -> dt.date | None:
    if value in (None, ""):
        if required:
            problems.append(Problem(name, "give the date (YYYY-MM-DD)"))
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            problems.append(Problem(name, f"'{value}' is not a date (YYYY-MM-DD)"))
            return None
    if not isinstance(value, dt.date):
        problems.append(Problem(name, "must be a date (YYYY-MM-DD)"))
        return None
    if value > timezone.localdate():
        problems.append(Problem(name, "is in the future"))
    return value


def _needs(problems: list[Problem], value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not value:
        problems.append(Problem("needs", f"list at least one need: {', '.join(Need.values)}"))
        return []
    unknown = [str(v) for v in value if v not in Need.values]
    for v in unknown:
        problems.append(Problem("needs", f"'{v}' is not one of {', '.join(Need.values)}"))
    return list(dict.fromkeys(str(v) for v in value))  # in the order given, each once


def _visible_casualty(user: AnyUser, casualty_id: Any) -> Casualty | None:
    # access_casualty asks may_see_casualty_records: referring needs the single record.
    try:
        casualty: Casualty = access.access_casualty(user, casualty_id)
    except NotFoundOrNoAccess:
        return None
    return casualty


def refer_casualty(
    *,
    acting_user: AnyUser,
    casualty: Any,
    needs: Iterable[str],
    service: str,
    provider: str,
    referred_on: dt.date | str,
    notes: str = "",
    problems: list[Problem] | None = None,
) -> Referral:
    """Refer a casualty to a service for the needs identified; the referral starts `pending`.

    The caller needs single casualty records (accounts.access.may_see_casualty_records: the authority's
    IM officers and admins, decision 0037); a casualty that is missing or out of reach is one problem
    like any other, worded alike.
    `problems` are the caller's (unknown request fields), listed with these.
    """
    problems = list(problems or [])
    found = _visible_casualty(acting_user, casualty.pk if isinstance(casualty, Casualty) else casualty)
    if found is None:
        problems.append(Problem("casualty", "no such casualty (or not one whose personal data you may record)"))
    need_list = _needs(problems, list(needs) if not isinstance(needs, str) else needs)
    fields = {
        "service": _text(problems, "service", service, required=True),
        "provider": _text(problems, "provider", provider, required=True),
        "notes": _text(problems, "notes", notes, required=False),
    }
    day = _date(problems, "referred_on", referred_on, required=True)
    if found is not None and day is not None and day < found.accident.occurred_at.date():
        problems.append(Problem("referred_on", "is before the accident"))
    if problems:
        raise ValidationFailed(problems)
    assert found is not None and day is not None
    with transaction.atomic():
        referral = Referral.objects.create(
            casualty=found, needs=need_list, referred_on=day, created_by=signed_in(acting_user), **fields
        )
        ReferralUpdate.objects.create(referral=referral, from_outcome="", to_outcome=ReferralOutcome.PENDING, on=day,
                                      by=signed_in(acting_user), note="referred")  # fmt: skip
        audit.record(acting_user, "referral.create", referral, new=audit_values(referral))
    return referral


def record_referral_outcome(
    referral: Referral,
    *,
    acting_user: AnyUser,
    outcome: str,
    on: dt.date | str,
    note: str = "",
    service_started_on: dt.date | str | None = None,
    problems: list[Problem] | None = None,
) -> Referral:
    """Record a follow-up: the outcome on a day (the same outcome again is a follow-up contact).

    `receiving_services` sets when the service started (the day given, or `on`); a closing outcome
    (completed, declined, lost to follow-up, deceased) sets `closed_on = on`, after which the referral
    takes no more follow-ups (a new need is a new referral). `problems` are the caller's, listed with these.
    """
    problems = list(problems or [])
    if outcome not in ReferralOutcome.values:
        problems.append(Problem("outcome", f"'{outcome}' is not one of {', '.join(ReferralOutcome.values)}"))
    day = _date(problems, "on", on, required=True)
    started = _date(problems, "service_started_on", service_started_on, required=False)
    note = _text(problems, "note", note, required=False)
    with transaction.atomic():
        try:
            referral = access.referrals_for(acting_user).select_for_update(of=("self",)).get(pk=referral.pk)
        except Referral.DoesNotExist:
            raise NotFoundOrNoAccess("No such referral.") from None
        if referral.is_closed:
            raise Conflict(f"The referral was closed on {referral.closed_on} ({referral.outcome}); refer again.")
        last = referral.updates.order_by("-on", "-id").values_list("on", flat=True).first() or referral.referred_on
        if day is not None and day < last:
            problems.append(Problem("on", f"is before the last follow-up ({last})"))
        if started is not None:
            if started < referral.referred_on:
                problems.append(Problem("service_started_on", "is before the referral"))
            if day is not None and started > day:
                problems.append(Problem("service_started_on", "is after the follow-up's date"))
            if outcome == ReferralOutcome.PENDING:
                problems.append(Problem("service_started_on", "a pending referral has no service yet"))
        if outcome == ReferralOutcome.PENDING and referral.outcome != ReferralOutcome.PENDING:
            problems.append(Problem("outcome", f"the referral is already {referral.outcome}; it cannot be pending"))
        if problems:
            raise ValidationFailed(problems)
        assert day is not None
        old = audit_values(referral)
        if outcome == ReferralOutcome.RECEIVING and referral.service_started_on is None:
            referral.service_started_on = started or day
        elif started is not None:
            referral.service_started_on = started
        if outcome in CLOSING:
            referral.closed_on = day
        ReferralUpdate.objects.create(referral=referral, from_outcome=referral.outcome, to_outcome=outcome, on=day,
                                      by=signed_in(acting_user), note=note)  # fmt: skip
        referral.outcome = outcome
        referral.save()
        new = audit_values(referral)
        audit.record(acting_user, "referral.outcome", referral, old=old,
                     new={**new, "note": RESTRICTED} if note else new)  # fmt: skip
    return referral
