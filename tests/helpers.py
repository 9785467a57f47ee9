"""Small steps that many tests take, always through the public actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from clearground.test import DAY0, Cast, square
from hazards.models import HazardousArea
from reports.actions import approve_report, create_report
from reports.kinds import KINDS
from reports.models import Report


def submitted(
    cast: Cast,
    kind: str,
    payload: dict[str, Any],
    *,
    hazard: HazardousArea | None = None,
    on: dt.date = DAY0,
    by: Any = None,
) -> Report:
    """A report created and submitted by operator Alpha's clerk."""
    return create_report(
        acting_user=by or cast.clerk,
        organisation=cast.alpha,
        kind=kind,
        date_of_information=on,
        payload=payload,
        hazard=hazard,
        submit=True,
    )


def approved(
    cast: Cast, kind: str, payload: dict[str, Any], *, reliability: str = "", overlap: str = "", **kwargs: Any
) -> Report:
    """A report submitted by Alpha's clerk and approved by the authority's IM officer.

    A kind its approver rates (a minefield record, decision 0049) is rated `reliability`, "high" unless given;
    `overlap` resolves a new hazard's overlap with registered ones (decision 0048).
    """
    if KINDS[kind].rated_by_approver:
        reliability = reliability or "high"
    report = submitted(cast, kind, payload, **kwargs)
    return approve_report(report, acting_user=cast.imo, reliability=reliability, overlap=overlap)


def register_hazard(
    cast: Cast, size_m: float = 100.0, on: dt.date = DAY0, *, overlap: str = "link", **hazard: Any
) -> HazardousArea:
    """A new SHA of size_m × size_m metres registered through an approved NTS report.

    Every one is drawn at the origin, so a second overlaps the first: its approver links them (both kept,
    the shared land counted once in national totals, decision 0048) unless `overlap` says otherwise.
    """
    report = approved(cast, "nts", cast.nts_payload(square(size_m), **hazard), on=on, overlap=overlap)
    assert report.hazard is not None
    return HazardousArea.objects.get(pk=report.hazard.pk)


def activity(start: str = "2024-02-01", **extra: Any) -> dict[str, Any]:
    return {"method": "manual", "start_date": start, "person_days": 4, **extra}
