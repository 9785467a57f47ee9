"""Writes accidents and casualties: from an approved accident report, and investigation steps.

`record_accident` and `clear_accident` are called by hazards.projections inside approve_report's
(or unapprove_report's) transaction; `advance_investigation` is the action for the later steps.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.access import AnyUser, signed_in
from casualties import crypto
from casualties.choices import STAGE_ORDER, DatePrecision, Stage, age_band
from casualties.models import Accident, AccidentStageChange, Casualty
from core.errors import Conflict, Problem, ValidationFailed
from places.models import admin_area_at
from reports.kinds.accident import AccidentChanges
from reports.kinds.base import Changes
from reports.models import Report


def record_accident(report: Report, changes: Changes, *, checking: bool = False) -> None:
    """Create the accident and its casualties of an approved report (identities encrypted)."""
    if not isinstance(changes, AccidentChanges):
        raise TypeError("an accident report's changes are AccidentChanges")
    if checking:
        crypto.encrypt({})  # a missing or malformed key is refused at submission, not only at approval
        return
    fields = dict(changes.accident)
    if fields.get("date_precision", DatePrecision.DAY) != DatePrecision.DAY:
        # Only the month or year is known: keep the date as written (the 1st) at 00:00 UTC, so that no time
        # zone moves it into the previous month when statistics group by month (decision 0041).
        written = fields["occurred_at"].date()
        fields["occurred_at"] = dt.datetime(written.year, written.month, written.day, tzinfo=dt.UTC)
    accident = Accident.objects.create(
        report=report,
        organisation=report.organisation,
        admin_area=admin_area_at(fields["location"]),
        **fields,
    )
    # The notification is the report itself: its author, when it was written.
    AccidentStageChange.objects.create(
        accident=accident,
        from_stage="",
        to_stage=Stage.NOTIFICATION,
        by=report.created_by,
        at=report.created_at,
        note=f"accident report #{report.pk}",
    )
    Casualty.objects.bulk_create(
        [
            Casualty(
                accident=accident,
                report=report,
                age_band=c.get("age_band") or age_band(c["age"]),
                identity_encrypted=crypto.encrypt(c["identity"]) if c["identity"] else "",
                **{k: v for k, v in c.items() if k not in ("identity", "age_band")},
            )
            for c in changes.casualties
        ]
    )


def clear_accident(report: Report) -> None:
    """Delete what an accident report's approval created (unapproval, supersession).

    A casualty already referred for assistance keeps its accident: the referral is a person's case
    history, and deleting it with the report would lose it, so the step is refused (409) instead.
    """
    from assistance.models import Referral

    referred = sorted(Referral.objects.filter(casualty__accident__report=report).values_list("pk", flat=True))
    if referred:
        ids = ", ".join(f"#{pk}" for pk in referred)
        raise Conflict(f"casualties of this report have victim-assistance referrals ({ids}); close or move them first")
    Accident.objects.filter(report=report).delete()


def advance_investigation(
    accident: Accident, *, acting_user: AnyUser, to: str, note: str = "", at: dt.datetime | None = None, **text: str
) -> Accident:
    """Move the investigation one step on (notification → investigation → findings → corrective actions → closed).

    Findings and corrective actions are written with their step (`findings=...`, `corrective_actions=...`).
    """
    problems = []
    if to not in STAGE_ORDER:
        problems.append(Problem("to", f"'{to}' is not one of {', '.join(STAGE_ORDER)}"))
    unknown = set(text) - {"findings", "corrective_actions"}
    problems += [Problem(k, "is not a field of an investigation step") for k in sorted(unknown)]
    if to == Stage.FINDINGS and not text.get("findings", "").strip():
        problems.append(Problem("findings", "say what the investigation found"))
    if to == Stage.CORRECTIVE_ACTIONS and not text.get("corrective_actions", "").strip():
        problems.append(Problem("corrective_actions", "say which corrective actions were decided"))
    if problems:
        raise ValidationFailed(problems)
    at = at or timezone.now()
    with transaction.atomic():
        accident = Accident.objects.select_for_update().get(pk=accident.pk)
        expected = STAGE_ORDER[STAGE_ORDER.index(accident.stage) + 1] if accident.stage != Stage.CLOSED else None
        if to != expected:
            raise Conflict(f"The investigation is at {accident.stage}; the next step is {expected or 'none'}.")
        old = {"stage": accident.stage}
        AccidentStageChange.objects.create(
            accident=accident, from_stage=accident.stage, to_stage=to, by=signed_in(acting_user), at=at, note=note
        )
        accident.stage = to
        for key, value in text.items():
            setattr(accident, key, value.strip())
        accident.save()
        audit.record(acting_user, "accident.stage", accident, old=old, new={"stage": to, **text}, reason=note)
    return accident
