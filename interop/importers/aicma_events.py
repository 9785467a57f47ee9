"""`clearground load aicma-events FILE`: Colombia's AICMA events points into the register.

Accidents (types 1 and 2) become approved accident reports through reports.actions, with
`casualties_not_stated` (their victims are in the victims register, loaded on their own); suspected
minefields (type 8) become hazard indications for survey (hazards.indications); every other type is
counted and not stored. Events carry no ID, so each is keyed like a victim row: a fingerprint of its
values and its occurrence among identical ones (decision 0010). All or nothing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from casualties.choices import DatePrecision
from hazards.indications import Indication, record_hazard_indications
from hazards.models import HazardIndication
from interop.formats.aicma.events import EventRow, event_account, read_events
from interop.formats.aicma.matching import match
from interop.importers.aicma import (
    COLOMBIA_OFFSET,
    enter_accident,
    event_accident,
    importer_for,
    record_single_actor_load,
    unmatched_stored_accidents,
)
from interop.models import ImportedRecord

SOURCE = "aicma-events"
DEVICE = {1: "ap_mine", 2: "uxo"}


def keys_of(rows: list[EventRow]) -> list[str]:
    """fingerprint:occurrence of each row, in file order (identical events are numbered 1, 2, …)."""
    seen: Counter[str] = Counter()
    keys = []
    for row in rows:
        values = (row.event_type, row.year, row.department.casefold(), row.municipality.casefold(), row.area_type,
                  round(row.lon or 0, 5), round(row.lat or 0, 5))  # fmt: skip
        fingerprint = hashlib.sha256(repr(values).encode()).hexdigest()[:40]
        seen[fingerprint] += 1
        keys.append(f"{fingerprint}:{seen[fingerprint]}")
    return keys


def payload_for(row: EventRow, snapshot: str) -> dict[str, Any]:
    """The accident report of one accident event: when (the year only), where, which device."""
    place = ", ".join(p for p in (row.municipality, row.department, row.area_type) if p)
    return {
        "accident_kind": "civilian_accident",
        "occurred_at": f"{row.year:04d}-01-01T00:00:00{COLOMBIA_OFFSET}",
        "date_precision": DatePrecision.YEAR,
        "location": {"type": "Point", "coordinates": [row.lon, row.lat]},
        "device_category": DEVICE[row.event_type or 0],
        "description": f"AICMA events {snapshot}, feature {row.feature_number}: {row.event_type_meaning} in "
        f"{row.year} (the source gives the year only), {place}. Casualties in the AICMA victims register.",
        "casualties_not_stated": True,
    }


def stored_row(row: EventRow) -> dict[str, Any]:
    """What an event's import key keeps: enough to match it with victims loaded later (decision 0041)."""
    return {"feature": row.feature_number, "type": row.event_type, "year": row.year, "department": row.department,
            "municipality": row.municipality, "area_type": row.area_type, "lon": row.lon, "lat": row.lat}  # fmt: skip


def load_events(
    path: str | Path,
    *,
    organisation: str = "authority",
    dry_run: bool = False,
    progress: Callable[[int], object] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Enter the events' new accidents and hazard indications; return the account of every feature.

    read = accidents + hazard indications + other events; rows with a problem (no point, a point
    outside Colombia, no year) are rejected with the feature number and reason, never guessed. An
    accident event that describes an accident of the victims register already stored joins it (its
    import key points at that report, with the reason) instead of entering the accident a second time.
    """
    path = Path(path)
    rows = read_events(path)
    keys = keys_of(rows)
    result: dict[str, Any] = {"source": SOURCE, "file": path.name, "dry_run": dry_run, **event_account(rows)}
    rejected = [(r, k) for r, k in zip(rows, keys, strict=True) if r.kind != "other_event" and r.problems]
    result["rejected"] = len(rejected)
    result["rejected_rows"] = [
        {"feature": r.feature_number, "field": p.field, "reason": p.reason} for r, _ in rejected for p in r.problems
    ]
    accepted = [(r, k) for r, k in zip(rows, keys, strict=True) if r.kind != "other_event" and not r.problems]
    stored_accidents = set(ImportedRecord.objects.filter(source=SOURCE).values_list("key", flat=True))
    stored_indications = set(HazardIndication.objects.filter(source=SOURCE).values_list("source_key", flat=True))
    new_accidents = [(r, k) for r, k in accepted if r.kind == "accident" and k not in stored_accidents]
    new_indications = [(r, k) for r, k in accepted if r.kind == "hazard_indication" and k not in stored_indications]
    result["already_present"] = len(accepted) - len(new_accidents) - len(new_indications)
    result["other_events_not_stored"] = sum(r.kind == "other_event" for r in rows)
    events = [event_accident(k, stored_row(r)) for r, k in new_accidents]
    matches = match([e for e in events if e is not None], unmatched_stored_accidents())
    by_key = {m.event.ref: m for m in matches}
    result["accidents_matched_to_victims"] = len(by_key)
    result["matches"] = [m.note for m in matches]
    result["accident_reports_created"] = 0
    result["hazard_indications_created"] = 0
    if on_total:
        on_total(len(new_accidents))
    if dry_run:
        result["would_create"] = {"accident_reports": len(new_accidents) - len(by_key),
                                  "hazard_indications": len(new_indications)}  # fmt: skip
        return result
    today = timezone.localdate()
    with transaction.atomic():
        importer = importer_for(organisation)
        created = record_hazard_indications(
            [Indication(source_key=k, lon=r.lon or 0, lat=r.lat or 0, year=r.year,
                        place=", ".join(p for p in (r.municipality, r.department) if p))
             for r, k in new_indications],
            acting_user=importer.officer, organisation=importer.organisation, source=SOURCE,
        )  # fmt: skip
        result["hazard_indications_created"] = len(created)
        for row, key in new_accidents:
            found = by_key.get(key)
            if found is not None:
                # The victims' accident stands (it knows the month and its casualties); the event is recorded as
                # describing it, so the accident is counted once.
                ImportedRecord.objects.create(source=SOURCE, key=key, report_id=found.victims.ref,
                                              row=stored_row(row), snapshot=path.name, imported_at=timezone.now(),
                                              note=found.note)  # fmt: skip
            else:
                enter_accident(importer, payload_for(row, path.name), source=SOURCE, key=key, row=stored_row(row),
                               snapshot=path.name, on=today)  # fmt: skip
                result["accident_reports_created"] += 1
            if progress:
                progress(1)
        record_single_actor_load(importer, source=SOURCE, file_name=path.name,
                                 reports=result["accident_reports_created"])  # fmt: skip
    return result
