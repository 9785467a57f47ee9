"""Reads of minefield records through their life: overdue inspections and a record's history (decision 0049).

Shared by the API (hazards/api.py) and the `clearground minefields` command. Records are sensitive: every
door scopes them as it scopes their hazards (accounts.access), and none is ever published (decision 0037).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from hazards.models import MinefieldRecord
from vocab.choices import HazardStatus


def overdue_inspections(records: QuerySet[MinefieldRecord], on: dt.date) -> QuerySet[MinefieldRecord]:
    """Records of minefields still in the register whose inspection is overdue on `on`.

    Overdue: the next inspection was due before `on`, or none was ever scheduled (a minefield nobody has
    planned to look at is the most overdue of all). A closed hazard is released land: nothing to inspect.
    """
    return (
        records.exclude(hazard__status=HazardStatus.CLOSED)
        .filter(Q(next_inspection_due__lt=on) | Q(next_inspection_due__isnull=True))
        .select_related("hazard", "hazard__organisation")
        .order_by("next_inspection_due", "id")
    )


def overdue_row(record: MinefieldRecord, on: dt.date) -> dict[str, Any]:
    """One overdue record as the API and the command show it."""
    due = record.next_inspection_due
    return {
        "record": record.pk,
        "hazard": record.hazard_id,
        "hazard_code": record.hazard.code,
        "hazard_name": record.hazard.name,
        "organisation": record.hazard.organisation.code,
        "held_by": record.held_by,
        "last_inspected_on": record.last_inspected_on.isoformat() if record.last_inspected_on else None,
        "next_inspection_due": due.isoformat() if due else None,
        "days_overdue": (on - due).days if due else None,
        "marking_status": record.marking_status,
        "fenced": record.fenced,
        "monitored": record.monitored,
    }


def history(record: MinefieldRecord) -> list[dict[str, Any]]:
    """The record's life in date order: received, each inspection, each hand-over (with their reports)."""
    events: list[dict[str, Any]] = [
        {
            "on": (record.received_on or record.date_laid).isoformat(),
            "event": "received",
            "report": record.report_id,
            "from": record.received_from or record.laying_party,
            "from_kind": record.received_from_kind,
            "to": record.report.organisation.name,
            "document_reference": record.document_reference,
            "reliability": record.reliability,
        }
    ]
    for i in record.inspections.all():
        events.append({"on": i.on.isoformat(), "event": "inspection", "report": i.report_id, "element": i.element,
                       "condition": i.condition, "next_due": i.next_due.isoformat(), "notes": i.notes})  # fmt: skip
    for t in record.transfers.all():
        events.append({"on": t.on.isoformat(), "event": "handover", "report": t.report_id, "from": t.handed_from,
                       "to": t.handed_to, "document_reference": t.document_reference})  # fmt: skip
    order = {"received": 0, "inspection": 1, "handover": 2}
    return sorted(events, key=lambda e: (e["on"], order[e["event"]]))
