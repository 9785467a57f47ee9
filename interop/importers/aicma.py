"""Load Colombia's AICMA victims register through the report pipeline: one accident report per victim.

Each accepted row (clean or repaired) that is not yet stored becomes an `accident` report with one
casualty (the public register has no names, so no identity), written by the import's data clerk,
submitted, and approved by its IM officer through reports.actions. `ImportedRecord` keeps the row's
key (fingerprint:occurrence) so a re-import, or a later snapshot, adds only what is new; what a later
snapshot changed is listed for review and what it dropped is listed as gone, never deleted. One load
is one transaction. Decisions: docs/decisions/0007-aicma-victims-format.md and 0010-aicma-loader.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import unicodedata
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.access import may_approve_kind
from accounts.models import Membership, Organisation
from casualties.choices import AccidentKind, ActivityAtTime, AgeBand, CasualtyCategory, DatePrecision
from core.errors import NotAllowed
from interop.formats.aicma import VictimRow, account, diff, diff_counts, read_victims
from interop.formats.aicma.matching import EVENT_DEVICE, EventAccident, VictimsAccident, match
from interop.formats.aicma.victims import COORD_DECIMALS
from interop.models import ImportedRecord
from reports import actions
from reports.models import Report
from vocab.choices import OrganisationKind, Role

SOURCE = "aicma-victims"
EVENTS_SOURCE = "aicma-events"

# Colombia keeps one time zone (UTC-5, no daylight saving); the register gives year and month only, so an
# accident is dated the first of its month at local midnight (decision 0010).
COLOMBIA_OFFSET = "-05:00"

DEVICE = {"ap_mine": "ap_mine", "uxo": "uxo", "unknown": "unknown"}
AGE_BAND = {"adult": AgeBand.ADULT, "minor": AgeBand.MINOR}

# The register's `Actividad` (folded: lower case, no accents) → what the casualty was doing (IMAS 13.10).
ACTIVITY = {
    "fuerza publica": ActivityAtTime.MILITARY_DUTY,
    "actividades fuerza publica": ActivityAtTime.MILITARY_DUTY,
    "pasando, estando cerca": ActivityAtTime.TRAVELLING,
    "transito por via usual": ActivityAtTime.TRAVELLING,
    "transito por trocha atajo": ActivityAtTime.TRAVELLING,
    "viajando": ActivityAtTime.TRAVELLING,
    "agricultura": ActivityAtTime.AGRICULTURE,
    "manipulacion": ActivityAtTime.HANDLING,
    "recogiendo comida, agua o madera": ActivityAtTime.COLLECTING,
    "caza, pesca": ActivityAtTime.COLLECTING,
    "jugando": ActivityAtTime.PLAYING,
    "cuidado de animales": ActivityAtTime.HERDING,
    "trabajos de casa": ActivityAtTime.HOUSEHOLD,
    "labores de desminado": ActivityAtTime.DEMINING,
    # Manual eradication of illicit crops, infrastructure upkeep, rescue: no closer IMAS activity.
    "erradicador manual - pci": ActivityAtTime.OTHER,
    "erradicacion de cultivos ilicitos": ActivityAtTime.OTHER,
    "erradicacion - ponal": ActivityAtTime.OTHER,
    "mantenimiento de infraestructura": ActivityAtTime.OTHER,
    "labores de rescate": ActivityAtTime.OTHER,
    "otra": ActivityAtTime.OTHER,
}

Progress = Callable[[int], None]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split()).casefold()


def activity(value: str | None) -> str:
    """The IMAS activity of a register `Actividad`; an unknown wording is 'other', a missing one 'unknown'."""
    if value is None:
        return ActivityAtTime.UNKNOWN
    return ACTIVITY.get(_fold(value), ActivityAtTime.OTHER)


def _category(row: VictimRow, doing: str) -> str:
    """Military for the security forces, deminer for demining work, civilian otherwise; unknown if not stated."""
    if row.condition == "security_forces":
        return CasualtyCategory.MILITARY
    if doing == ActivityAtTime.DEMINING:
        return CasualtyCategory.DEMINER
    return CasualtyCategory.CIVILIAN if row.condition == "civilian" else CasualtyCategory.UNKNOWN


def _place_of(row: VictimRow) -> str:
    return ", ".join(
        part
        for part in (
            f"{row.municipality} (DANE {row.municipality_code})",
            f"{row.department} (DANE {row.department_code})",
            row.area_type,
            row.site,
            row.place_type and f"place type {row.place_type}",
        )
        if part
    )


def group_key(row: VictimRow) -> str:
    """The accident of a victim row (decision 0041, rule 1): same municipality, month, point, site, condition."""
    parts = (row.municipality_code, row.year, row.month, f"{row.lat:.{COORD_DECIMALS}f}",
             f"{row.lon:.{COORD_DECIMALS}f}", row.area_type, _fold(row.site or ""), row.condition)  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def payload_for_accident(rows: list[VictimRow], snapshot: str, *, event: EventAccident | None = None) -> dict[str, Any]:
    """The accident report of one accident's victim rows (one casualty each), and the event it matched, if any.

    The victims give the month, so the accident is dated to the month (the event knows only the year);
    the place is the victims' point. A device the rows disagree on, or do not state, is unknown.
    """
    rows = sorted(rows, key=lambda r: (r.row_number, r.occurrence))
    first = rows[0]
    assert first.year is not None and first.month is not None and first.lat is not None and first.lon is not None
    doings = [activity(r.activity) for r in rows]
    demining = ActivityAtTime.DEMINING in doings
    devices = {r.event_type for r in rows}
    device = DEVICE[devices.pop()] if len(devices) == 1 else "unknown"
    if device == "unknown" and event is not None:
        device = EVENT_DEVICE.get(event.event_type, "unknown")  # the 2024/2025 exports lost MAP/MUSE; the event has it
    notes = sorted({r.note for row in rows for r in row.repairs})
    numbers = ", ".join(str(r.row_number) for r in rows)
    description = f"AICMA victims register {snapshot}, row{'s' if len(rows) > 1 else ''} {numbers}: {_place_of(first)}."
    if event is not None:
        description += f" The same accident as AICMA event feature {event.feature} ({event.year})."
    if notes:
        description += f" Repaired on import: {'; '.join(notes)}."
    return {
        # The register's victims are of accidents outside demining operations, except "Labores de desminado".
        "accident_kind": AccidentKind.DEMINING_ACCIDENT if demining else AccidentKind.CIVILIAN_ACCIDENT,
        "occurred_at": f"{first.year:04d}-{first.month:02d}-01T00:00:00{COLOMBIA_OFFSET}",
        "date_precision": DatePrecision.MONTH,
        "location": {"type": "Point", "coordinates": [first.lon, first.lat]},
        "device_category": device,
        "activity": doings[0],
        **({"asset": "not stated in the AICMA register"} if demining else {}),
        "description": description,
        "casualties": [
            {
                "sex": row.sex,
                "outcome": row.outcome,
                "category": _category(row, doing),
                "age_band": AGE_BAND.get(row.age_band or "", AgeBand.UNKNOWN),
                "activity": doing,
            }
            for row, doing in zip(rows, doings, strict=True)
        ],
    }


def payload_for(row: VictimRow, snapshot: str) -> dict[str, Any]:
    """The accident report of one victim row alone."""
    return payload_for_accident([row], snapshot)


def victims_accident(ref: Any, rows: list[VictimRow]) -> VictimsAccident:
    """The matching view of one accident's victim rows (interop.formats.aicma.matching)."""
    first = min(rows, key=lambda r: r.row_number)
    devices = {r.event_type for r in rows}
    assert first.year is not None and first.month is not None and first.lat is not None and first.lon is not None
    return VictimsAccident(ref=ref, rows=sorted(r.row_number for r in rows), year=first.year, month=first.month,
                           department=first.department, municipality=first.municipality,
                           municipality_code=first.municipality_code or "", area_type=first.area_type,
                           device=devices.pop() if len(devices) == 1 else "unknown",
                           lon=first.lon, lat=first.lat)  # fmt: skip


def group_note(rows: list[VictimRow]) -> str:
    """Why these rows are one accident (rule 1); empty for a single row."""
    if len(rows) < 2:
        return ""
    r = rows[0]
    return (f"one accident with rows {', '.join(str(x.row_number) for x in sorted(rows, key=lambda x: x.row_number))}: "
            f"same municipality {r.municipality_code}, {r.year}-{r.month:02d}, point ({r.lat:.5f}, {r.lon:.5f}), "
            f"area {r.area_type}, site {r.site or 'not stated'}, condition {r.condition}")  # fmt: skip


def key_of(row: VictimRow) -> str:
    """The import key of a row: fingerprint:occurrence (decision 0007)."""
    return f"{row.fingerprint}:{row.occurrence}"


def _stored_row(data: dict[str, Any]) -> VictimRow:
    return VictimRow(**data)


def _row_data(row: VictimRow) -> dict[str, Any]:
    data = dataclasses.asdict(row)
    for name in ("raw", "repairs", "problems"):
        data.pop(name)
    return data


@dataclasses.dataclass
class Importer:
    """The organisation a load writes as, its data clerk (author) and IM officer (approver)."""

    organisation: Organisation
    clerk: User
    officer: User


def importer_for(code: str) -> Importer:
    """The importing organisation (created as the national authority if missing) and its two import users.

    Two users because an author never approves their own report (four eyes, reports.actions).
    """
    organisation, _ = Organisation.objects.get_or_create(
        code=code,
        defaults={"name": "National mine action authority", "kind": OrganisationKind.NATIONAL_AUTHORITY,
                  "country_iso3": "COL"},
    )  # fmt: skip

    def member(name: str, role: str) -> User:
        user, created = User.objects.get_or_create(username=f"{code}-{name}")
        if created:
            user.set_unusable_password()
            user.save()
        Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
        return user

    importer = Importer(organisation, member("importer", Role.DATA_CLERK), member("import-approver", Role.IM_OFFICER))
    if not may_approve_kind(importer.officer, organisation.pk, "accident"):
        raise NotAllowed(f"{organisation} may not approve accident reports into the register: load as the national "
                         "authority, or have it delegate accident reports to this organisation.")  # fmt: skip
    return importer


# The loaders' documented single-actor mode (decision 0036): an administrator loads the government's
# published statistics, and the loader both enters (as the import clerk) and approves (as the import
# approver). Two accounts, one person: said so in the audit log, once per load that approved anything.
SINGLE_ACTOR_REASON = (
    "single-person approval: an administrator's load of published government statistics enters and approves alone"
)


def record_single_actor_load(importer: Importer, *, source: str, file_name: str, reports: int) -> None:
    """One audit row saying this load's approvals were one person's, and why (if it approved any)."""
    if reports:
        audit.record(importer.officer, "load.sole_approval", importer.organisation,
                     new={"source": source, "file": file_name, "reports_approved": reports},
                     reason=SINGLE_ACTOR_REASON)  # fmt: skip


def enter_accident(
    importer: Importer,
    payload: dict[str, Any],
    *,
    source: str,
    key: str,
    row: dict[str, Any],
    snapshot: str,
    on: Any,
    note: str = "",
    supersedes: Report | None = None,
) -> Report:
    """One source record as an approved accident report, with its import key.

    The importer's IM officer approves record by record: the same checks as any accident report. With
    `supersedes`, the report replaces an earlier one (a correction: more victims, or victims joining an
    event), and the import keys of the earlier report move to the new one.
    """
    report = actions.create_report(acting_user=importer.clerk, organisation=importer.organisation, kind="accident",
                                   date_of_information=on, payload=payload, submit=True,
                                   supersedes=supersedes)  # fmt: skip
    actions.approve_report(report, acting_user=importer.officer)
    if supersedes is not None:
        ImportedRecord.objects.filter(report=supersedes).update(report=report)
    if key:
        ImportedRecord.objects.create(source=source, key=key, report=report, row=row, snapshot=snapshot,
                                      imported_at=timezone.now(), note=note)  # fmt: skip
    return report


def stored_victims() -> dict[str, ImportedRecord]:
    """The victims' import keys already stored, by key."""
    return {rec.key: rec for rec in ImportedRecord.objects.filter(source=SOURCE)}


def reports_with_events() -> set[int]:
    """Reports that an AICMA event already joined."""
    return set(ImportedRecord.objects.filter(source=EVENTS_SOURCE).values_list("report_id", flat=True))


def event_accident(ref: Any, data: dict[str, Any]) -> EventAccident | None:
    """The matching view of a stored event record; None for one stored before events kept their place."""
    try:
        return EventAccident(ref=ref, feature=int(data["feature"]), year=int(data["year"]),
                             department=str(data["department"]), municipality=str(data["municipality"]),
                             area_type=data.get("area_type"), event_type=int(data["type"]), lon=float(data["lon"]),
                             lat=float(data["lat"]))  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None


def unmatched_stored_events() -> list[EventAccident]:
    """Stored event accidents that no victims joined yet (ref = their report's id)."""
    with_victims = ImportedRecord.objects.filter(source=SOURCE).values("report_id")
    records = ImportedRecord.objects.filter(source=EVENTS_SOURCE).exclude(report_id__in=with_victims)
    found = [event_accident(rec.report_id, rec.row) for rec in records.order_by("pk")]
    return [e for e in found if e is not None]


def unmatched_stored_accidents() -> list[VictimsAccident]:
    """Stored victims' accidents that no event joined yet (ref = their report's id)."""
    with_events = ImportedRecord.objects.filter(source=EVENTS_SOURCE).values("report_id")
    by_report: dict[int, list[VictimRow]] = {}
    for rec in ImportedRecord.objects.filter(source=SOURCE).exclude(report_id__in=with_events).order_by("pk"):
        by_report.setdefault(rec.report_id, []).append(_stored_row(rec.row))
    return [victims_accident(pk, rows) for pk, rows in by_report.items()]


def _group(rows: list[VictimRow]) -> dict[str, list[VictimRow]]:
    groups: dict[str, list[VictimRow]] = {}
    for row in rows:
        groups.setdefault(group_key(row), []).append(row)
    return groups


def load_victims(
    path: str | Path,
    *,
    organisation: str = "authority",
    municipality_codes: Collection[str] | None = None,
    latest_year: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Enter a victims snapshot's new rows as approved accident reports; return the account of every row.

    Victims of one accident become one report (decision 0041, rule 1); an accident that an AICMA event
    already entered describes is corrected to carry its victims (rules 2-3), and a new victim of an
    accident already stored corrects that accident's report. The account: rows read, imported (clean),
    repaired, rejected (with row, field and reason), duplicates flagged; against what is stored: new,
    unchanged, changed (listed for review, not applied), gone (listed, never deleted); accidents created,
    joined to events, and extended. All or nothing.
    """
    path = Path(path)
    snapshot = read_victims(path, municipality_codes=municipality_codes, latest_year=latest_year)
    result: dict[str, Any] = {"source": SOURCE, "file": path.name, "dry_run": dry_run, **account(snapshot)}
    result["rejected_rows"] = [
        {"row": r.row_number, "line": r.line_number, "field": p.field, "reason": p.reason}
        for r in snapshot
        for p in r.problems
    ]
    result["file_notes"] = snapshot.notes
    stored = stored_victims()
    compared = diff([_stored_row(rec.row) for rec in stored.values()], snapshot)
    result["against_stored"] = diff_counts(compared)
    result["changed_rows"] = [
        {"row": c["new"].row_number, "line": c["new"].line_number, "aspects": c["aspects"],
         "report": stored[key_of(c["old"])].report_id}
        for c in compared["changed"]
    ]  # fmt: skip
    result["gone_reports"] = [stored[key_of(r)].report_id for r in compared["gone"]]
    new_groups = _group(compared["new"])
    stored_groups: dict[str, list[ImportedRecord]] = {}
    for rec in stored.values():
        stored_groups.setdefault(group_key(_stored_row(rec.row)), []).append(rec)
    # Accidents that are new here: are any of them described by an event already stored (and not yet matched)?
    fresh = {k: rows for k, rows in new_groups.items() if k not in stored_groups}
    matches = match(unmatched_stored_events(), [victims_accident(k, rows) for k, rows in fresh.items()])
    by_group = {m.victims.ref: m for m in matches}
    result["accidents"] = len(new_groups)
    result["accidents_created"] = sum(k not in stored_groups and k not in by_group for k in new_groups)
    result["accidents_joined_to_events"] = len(by_group)
    result["accidents_extended"] = sum(k in stored_groups for k in new_groups)
    result["matches"] = [m.note for m in matches]
    if on_total:
        on_total(len(new_groups))
    result["reports_created"] = 0
    if dry_run:
        return result
    today = timezone.localdate()
    with transaction.atomic():
        importer = importer_for(organisation)
        for key, rows in new_groups.items():
            # Registers loaded before decision 0041 hold one report per victim: only the first report's rows are
            # rewritten, the others keep their own accident (never counted twice).
            first_report = stored_groups[key][0].report_id if key in stored_groups else 0
            earlier = [_stored_row(r.row) for r in stored_groups.get(key, []) if r.report_id == first_report]
            found = by_group.get(key)
            supersedes, event = None, found.event if found else None
            if earlier:
                supersedes = Report.objects.get(pk=first_report)
                joined = ImportedRecord.objects.filter(source=EVENTS_SOURCE, report=supersedes).first()
                event = event_accident(supersedes.pk, joined.row) if joined else None
            elif found is not None:
                supersedes = Report.objects.get(pk=found.event.ref)
            payload = payload_for_accident(earlier + rows, path.name, event=event)
            note = "; ".join(filter(None, [group_note(earlier + rows), found.note if found else ""]))
            first, *others = rows
            report = enter_accident(importer, payload, source=SOURCE, key=key_of(first), row=_row_data(first),
                                    snapshot=path.name, on=today, note=note, supersedes=supersedes)  # fmt: skip
            for row in others:
                ImportedRecord.objects.create(source=SOURCE, key=key_of(row), report=report, row=_row_data(row),
                                              snapshot=path.name, imported_at=timezone.now(), note=note)  # fmt: skip
            # Every victim of the accident, earlier ones included, says why it is in this one accident.
            ImportedRecord.objects.filter(source=SOURCE, report=report).update(note=note)
            if found is not None:
                ImportedRecord.objects.filter(source=EVENTS_SOURCE, report=report).update(note=found.note)
            result["reports_created"] += 1
            if progress:
                progress(1)
        record_single_actor_load(importer, source=SOURCE, file_name=path.name, reports=result["reports_created"])
    return result
