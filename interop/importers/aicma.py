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
from casualties.choices import AccidentKind, ActivityAtTime, AgeBand, CasualtyCategory
from core.errors import NotAllowed
from interop.formats.aicma import VictimRow, account, diff, diff_counts, read_victims
from interop.models import ImportedRecord
from reports import actions
from reports.models import Report
from vocab.choices import OrganisationKind, Role

SOURCE = "aicma-victims"

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


def payload_for(row: VictimRow, snapshot: str) -> dict[str, Any]:
    """The accident report of one accepted victim row: the accident, and the victim as its one casualty."""
    assert row.year is not None and row.month is not None and row.lat is not None and row.lon is not None
    doing = activity(row.activity)
    demining = doing == ActivityAtTime.DEMINING
    if row.condition == "security_forces":
        category = CasualtyCategory.MILITARY
    else:
        category = CasualtyCategory.DEMINER if demining else CasualtyCategory.CIVILIAN
    place = ", ".join(
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
    notes = "; ".join(r.note for r in row.repairs)
    return {
        # The register's victims are of accidents outside demining operations, except "Labores de desminado".
        "accident_kind": AccidentKind.DEMINING_ACCIDENT if demining else AccidentKind.CIVILIAN_ACCIDENT,
        "occurred_at": f"{row.year:04d}-{row.month:02d}-01T00:00:00{COLOMBIA_OFFSET}",
        "location": {"type": "Point", "coordinates": [row.lon, row.lat]},
        "device_category": DEVICE[row.event_type],
        "activity": doing,
        **({"asset": "not stated in the AICMA register"} if demining else {}),
        "description": (
            f"AICMA victims register {snapshot}, row {row.row_number}: {place}."
            + (f" Repaired on import: {notes}." if notes else "")
        ),
        "casualties": [
            {
                "sex": row.sex,
                "outcome": row.outcome,
                "category": category,
                "age_band": AGE_BAND.get(row.age_band or "", AgeBand.UNKNOWN),
                "activity": doing,
            }
        ],
    }


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
    importer: Importer, payload: dict[str, Any], *, source: str, key: str, row: dict[str, Any], snapshot: str, on: Any
) -> Report:
    """One source record as an approved accident report, with its import key.

    The importer's IM officer approves record by record: the same checks as any accident report.
    """
    report = actions.create_report(acting_user=importer.clerk, organisation=importer.organisation, kind="accident",
                                   date_of_information=on, payload=payload, submit=True)  # fmt: skip
    actions.approve_report(report, acting_user=importer.officer)
    ImportedRecord.objects.create(source=source, key=key, report=report, row=row, snapshot=snapshot,
                                  imported_at=timezone.now())  # fmt: skip
    return report


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

    The account: rows read, imported (clean), repaired, rejected (with row, field and reason),
    duplicates flagged; against what is stored: new (entered now), unchanged (already present),
    changed (listed for review, not applied), gone (listed, never deleted). All or nothing.
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
    stored = {rec.key: rec for rec in ImportedRecord.objects.filter(source=SOURCE)}
    compared = diff([_stored_row(rec.row) for rec in stored.values()], snapshot)
    result["against_stored"] = diff_counts(compared)
    result["changed_rows"] = [
        {"row": c["new"].row_number, "line": c["new"].line_number, "aspects": c["aspects"],
         "report": stored[key_of(c["old"])].report_id}
        for c in compared["changed"]
    ]  # fmt: skip
    result["gone_reports"] = [stored[key_of(r)].report_id for r in compared["gone"]]
    new_rows = compared["new"]
    if on_total:
        on_total(len(new_rows))
    result["reports_created"] = 0
    if dry_run:
        return result
    today = timezone.localdate()
    with transaction.atomic():
        importer = importer_for(organisation)
        for row in new_rows:
            enter_accident(importer, payload_for(row, path.name), source=SOURCE, key=key_of(row),
                           row=_row_data(row), snapshot=path.name, on=today)  # fmt: skip
            result["reports_created"] += 1
            if progress:
                progress(1)
        record_single_actor_load(importer, source=SOURCE, file_name=path.name, reports=result["reports_created"])
    return result
