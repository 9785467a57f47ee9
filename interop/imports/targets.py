"""What an imported row becomes: one plug-in per `--kind`, in the TARGETS registry.

A target gives the payload a row starts from, puts the row's geometry into it, says which rows are
already stored (by import key), and enters the accepted rows. `enter_many` is the replaceable
strategy: the default goes row by row through the report pipeline (create → submit → approve), each
row in a savepoint so a row the pipeline refuses is rejected with its reasons, not the whole import.
A faster, set-based strategy for a kind (interop/imports/bulk.py) overrides it. To add a target see
docs/howto/add-an-import-format.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation
from core.errors import CleargroundError, Problem
from hazards.indications import Indication, record_hazard_indications
from hazards.models import HazardIndication, HazardousArea
from interop.models import Import, ImportedRecord
from reports import actions
from reports.models import Report, ReportStatus


@dataclass
class Row:
    """An accepted source row, ready to enter."""

    number: int  # 1-based position in the layer (a CSV's row N is its line N + 1)
    key: str  # the import key: the source's ID, or "fp:<fingerprint>"
    payload: dict[str, Any]
    attributes: dict[str, Any]  # the source row as read (JSON-safe), kept with the record
    repairs: list[Problem] = field(default_factory=list)
    wkt: str = ""  # the geometry in EPSG:4326, full precision ("" for a target without geometry)


@dataclass
class Outcome:
    """What entering one row did: nothing wrong (entered as `record`), or the problems that rejected it."""

    number: int
    problems: list[Problem] = field(default_factory=list)
    record: str = ""  # "report 12", "hazard indication 7"


@dataclass
class EntryContext:
    """Who enters the rows and for whom; progress(n) counts rows done."""

    import_: Import
    organisation: Organisation
    author: User  # the organisation's import clerk: authors every report (four eyes: never its approver)
    approver: User | None  # approves in the same run when given (only in a command's single-person mode)
    date_of_information: dt.date
    progress: Callable[[int], None] = lambda n: None
    sole_approval: str = ""  # why the runner may also approve (service.check_approval; decision 0036)


def _chunks(keys: Iterable[str], size: int = 10_000) -> Iterator[list[str]]:
    """Keys in lists of `size`: one IN list per query stays well below PostgreSQL's 65,535 parameters."""
    chunk: list[str] = []
    for key in keys:
        chunk.append(key)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Target:
    """Base of every import target: one mapped row → one report (or another record)."""

    kind: ClassVar[str]
    label: ClassVar[str]
    geometry: ClassVar[str]  # "polygon", "point", or "none" (a table without geometry): what a row's must be
    geometry_path: ClassVar[str]  # where the row's geometry goes in the payload
    default_mapping: ClassVar[dict[str, Any]] = {}

    @property
    def source(self) -> str:
        """The ImportedRecord / HazardIndication source of this target's rows."""
        return f"import:{self.kind}"

    def base_payload(self, *, file_name: str, on: dt.date) -> dict[str, Any]:
        """The payload every row starts from, before the profile's fields."""
        return {}

    def prepare(self, payload: dict[str, Any]) -> tuple[list[Problem], list[Problem]]:
        """Complete a mapped payload before the row is keyed and counted: (problems that reject it, repairs)."""
        return [], []

    def key(self, payload: dict[str, Any]) -> str | None:
        """The row's import key from its payload, or None for the engine's (the ID column, else a fingerprint)."""
        return None

    def finish(self, row: Row, geom: Any, *, file_name: str) -> None:
        """Put the geometry (shapely, EPSG:4326; its WKT is row.wkt) into the payload; fill what is left empty."""

    def check(self, row: Row) -> list[Problem]:
        """Problems found by `finish` that reject the row (none by default)."""
        return []

    def progress_steps(self, rows: int) -> int:
        """How many progress steps entering `rows` rows takes (one per row; more for several passes)."""
        return rows

    def stored(self, keys: Iterable[str]) -> dict[str, str]:
        """Import keys already stored by an earlier import, with what each became."""
        out: dict[str, str] = {}
        for chunk in _chunks(keys):
            found = ImportedRecord.objects.filter(source=self.source, key__in=chunk).values_list("key", "report_id")
            out.update((k, f"report {pk}") for k, pk in found)
        return out

    def enter_many(self, rows: list[Row], ctx: EntryContext) -> Iterator[Outcome]:
        """Enter rows through the report pipeline, one savepoint each; yield one Outcome per row."""
        now = timezone.now()
        for row in rows:
            try:
                with transaction.atomic():
                    report = actions.create_report(acting_user=ctx.author, organisation=ctx.organisation,
                                                   kind=self.kind, date_of_information=ctx.date_of_information,
                                                   payload=row.payload, submit=True)  # fmt: skip
                    if ctx.approver is not None:
                        actions.approve_report(report, acting_user=ctx.approver, sole_approval=ctx.sole_approval)
                    ImportedRecord.objects.create(source=self.source, key=row.key, report=report, row=row.attributes,
                                                  snapshot=ctx.import_.original_name[:200], imported_at=now,
                                                  import_run=ctx.import_)  # fmt: skip
            except CleargroundError as exc:
                yield Outcome(row.number, exc.problems or [Problem("report", exc.message)])
            else:
                yield Outcome(row.number, record=f"report {report.pk}")
            ctx.progress(1)

    def approve(self, import_: Import, *, acting_user: User) -> int:
        """Approve every still-unapproved report the import entered; the number approved."""
        # distinct: several import keys may name one report (decision 0041), which is approved once.
        reports = (
            Report.objects.filter(
                import_key__import_run=import_, status__in=(ReportStatus.SUBMITTED, ReportStatus.VALIDATED)
            )
            .distinct()
            .order_by("id")
        )
        n = 0
        for report in reports:
            actions.approve_report(report, acting_user=acting_user)
            n += 1
        return n


class NtsTarget(Target):
    """Each polygon row registers a new SHA/CHA through an NTS report (docs/reports.md, `nts`)."""

    kind = "nts"
    label = "NTS report: a new suspected or confirmed hazardous area per polygon"
    geometry = "polygon"
    geometry_path = "hazard.geometry"
    default_mapping = {"notes_field": "evidence.0.description"}

    def base_payload(self, *, file_name: str, on: dt.date) -> dict[str, Any]:
        # The partner's file is the evidence: a record (documentary, indirect) unless the profile says otherwise.
        # The NTS activity is the desk assessment this import is, dated the day of information (decision 0014).
        return {
            "hazard": {"classification": "SHA"},
            "evidence": [{"kind": "indirect", "source": "records", "description": ""}],
            "activity": {"start_date": on.isoformat(), "end_date": on.isoformat()},
        }

    def stored(self, keys: Iterable[str]) -> dict[str, str]:
        """Earlier imports' keys, and keys that are the code of a hazard already in the register.

        A file exported from Clearground (interop/exports/gpkg.py) carries each hazard's national code as
        its ID: re-importing it must find every hazard it holds and enter nothing (decision 0020).
        """
        keys = list(keys)
        out = super().stored(keys)
        for chunk in _chunks([k for k in keys if k not in out]):
            found = HazardousArea.objects.filter(code__in=chunk).values_list("code", "pk")
            out.update((code, f"hazard {code} (id {pk}) in the register") for code, pk in found)
        return out

    def finish(self, row: Row, geom: Any, *, file_name: str) -> None:
        hazard = row.payload.setdefault("hazard", {})
        hazard["geometry"] = row.wkt
        hazard.setdefault("name", f"{file_name} row {row.number}")
        evidence = row.payload.get("evidence") or []
        if evidence and isinstance(evidence[0], dict):
            text = evidence[0].get("description") or ""
            lead = f"Imported from {file_name}, row {row.number}"
            notes = "; ".join(f"{p.field}: {p.message}" for p in row.repairs)
            evidence[0]["description"] = (f"{lead}. {text}" if text else lead) + (
                f". Repaired on import: {notes}" if notes else ""
            )


class HazardIndicationTarget(Target):
    """Each point row records a hazard indication "for survey" (hazards.indications), like the AICMA events."""

    kind = "hazard_indication"
    label = "Hazard indication: a suspected-contamination point for survey"
    geometry = "point"
    geometry_path = "location"
    default_mapping = {"notes_field": "place"}

    def base_payload(self, *, file_name: str, on: dt.date) -> dict[str, Any]:
        return {"year": None, "place": ""}

    def finish(self, row: Row, geom: Any, *, file_name: str) -> None:
        row.payload["location"] = {"type": "Point", "coordinates": [geom.x, geom.y]}
        notes = "; ".join(f"{p.field}: {p.message}" for p in row.repairs)
        if notes:
            row.payload["place"] = f"{row.payload.get('place') or ''} (repaired on import: {notes})".strip()

    def stored(self, keys: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in _chunks(keys):
            found = HazardIndication.objects.filter(source=self.source, source_key__in=chunk)
            out.update((k, f"hazard indication {pk}") for k, pk in found.values_list("source_key", "pk"))
        return out

    def enter_many(self, rows: list[Row], ctx: EntryContext) -> Iterator[Outcome]:
        problems: dict[int, list[Problem]] = {}
        good: list[tuple[Row, Indication]] = []
        for row in rows:
            p = row.payload
            year = p.get("year")
            if year is not None and not (isinstance(year, int) and 1800 <= year <= dt.date.today().year):
                problems[row.number] = [Problem("year", f"{year} is not a year between 1800 and now")]
                continue
            place = str(p.get("place") or "")
            if len(place) > 300:
                # HazardIndication.place holds 300 characters; the whole row is kept in the stored file.
                problems[row.number] = [Problem("place", f"is {len(place)} characters; at most 300 fit")]
                continue
            lon, lat = p["location"]["coordinates"][:2]
            good.append((row, Indication(row.key, lon, lat, year, place)))
        created = {h.source_key: h.pk for h in record_hazard_indications(
            [i for _, i in good], acting_user=ctx.approver or ctx.author, organisation=ctx.organisation,
            source=self.source)}  # fmt: skip
        for row in rows:
            if row.number in problems:
                yield Outcome(row.number, problems[row.number])
            else:
                yield Outcome(row.number, record=f"hazard indication {created.get(row.key, '')}".strip())
            ctx.progress(1)

    def approve(self, import_: Import, *, acting_user: User) -> int:
        return 0  # an indication is recorded for survey, not approved


class ReleasedAreaTarget(Target):
    """A partner's released (cleared or cancelled) polygon: never entered on its own (decision 0014).

    Land is released from a hazard in the register by a land-release report that states how (method,
    depth); a file of released polygons says neither in structured form. So each row is rejected with
    the reason an information officer acts on: no hazard contains it, or which hazard does and that a
    clearance or survey report on it is needed.
    """

    kind = "released_area"
    label = "Released area: checked against the register, listed for a land-release report"
    geometry = "polygon"
    geometry_path = "geometry"
    default_mapping = {"notes_field": "description"}

    def base_payload(self, *, file_name: str, on: dt.date) -> dict[str, Any]:
        return {"description": ""}

    def finish(self, row: Row, geom: Any, *, file_name: str) -> None:
        row.payload["geometry"] = row.wkt

    def enter_many(self, rows: list[Row], ctx: EntryContext) -> Iterator[Outcome]:
        from hazards.models import HazardousArea

        for row in rows:
            geom = GEOSGeometry(row.payload["geometry"], srid=4326)
            hazard = HazardousArea.objects.filter(geom__covers=geom).exclude(status="closed").first()
            if hazard is None:
                reason = "no hazard in the register contains this released area"
            else:
                reason = (
                    f"lies in hazard {hazard.code} ({hazard.name}): enter it as a clearance or technical "
                    "survey report on that hazard, stating method and depth (the file gives them as free text)"
                )
            yield Outcome(row.number, [Problem("geometry", reason)])
            ctx.progress(1)


TARGETS: dict[str, Target] = {
    NtsTarget.kind: NtsTarget(),
    HazardIndicationTarget.kind: HazardIndicationTarget(),
    ReleasedAreaTarget.kind: ReleasedAreaTarget(),
}


def register(target: Target) -> None:
    """Add a target to the registry (a plug-in module calls this at import time)."""
    TARGETS[target.kind] = target


# Plug-in targets in their own modules register themselves here (the Colombian clearance table).
try:  # pragma: no cover - present once the clearance helper's module lands
    from interop.imports import targets_clearance  # noqa: F401
except ModuleNotFoundError as exc:
    if exc.name != "interop.imports.targets_clearance":
        raise

# The set-based entry of large NTS files replaces the `nts` target (interop/imports/bulk.py, decision 0017).
from interop.imports import bulk  # noqa: E402, F401
