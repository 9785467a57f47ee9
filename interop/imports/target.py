"""What an imported row becomes: the `Target` base class, one subclass per `--kind`.

A target gives the payload a row starts from, puts the row's geometry into it, says which rows are
already stored (by import key), and enters the accepted rows. `enter_many` is the replaceable
strategy: the default goes row by row through the report pipeline (create → submit → approve), each
row in a savepoint so a row the pipeline refuses is rejected with its reasons, not the whole import.
A faster, set-based strategy for a kind (interop/imports/bulk.py) overrides it. Which class serves
which kind is the literal TARGETS in interop/imports/targets.py; to add a target see
docs/howto/add-an-import-format.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation
from core.errors import CleargroundError, Problem, ValidationFailed
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
    unrepaired_wkt: str = ""  # when the engine repaired it: the polygon before the repair, in EPSG:4326


@dataclass
class Outcome:
    """What entering one row did: nothing wrong (entered as `record`), or the problems that rejected it."""

    number: int
    problems: list[Problem] = field(default_factory=list)
    record: str = ""  # "report 12", "hazard indication 7"
    notes: list[Problem] = field(default_factory=list)  # what the reviewer should know of an entered row
    duplicate: bool = False  # the row is already in the register (an identical hazard): not entered


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


def chunks(keys: Iterable[str], size: int = 10_000) -> Iterator[list[str]]:
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
        for chunk in chunks(keys):
            found = ImportedRecord.objects.filter(source=self.source, key__in=chunk).values_list("key", "report_id")
            out.update((k, f"report {pk}") for k, pk in found)
        return out

    def screen(self, row: Row) -> tuple[list[Problem], list[Problem]]:
        """Before a row enters: (why it is a duplicate of what the register holds, notes that leave it for review).

        A duplicate is not entered; a row with notes is entered but not approved in the run, so that a
        reviewer decides on it (an NTS polygon overlapping registered hazards, decision 0048).
        """
        return [], []

    def enter_many(self, rows: list[Row], ctx: EntryContext) -> Iterator[Outcome]:
        """Enter rows through the report pipeline, one savepoint each; yield one Outcome per row."""
        return self.enter_per_row(rows, ctx, {})

    def enter_per_row(
        self, rows: list[Row], ctx: EntryContext, screened: dict[int, tuple[list[Problem], list[Problem]]]
    ) -> Iterator[Outcome]:
        """The per-row path; `screened`: rows already screened set-wise (by number); the rest are screened here."""
        now = timezone.now()
        for row in rows:
            duplicate, notes = screened[row.number] if row.number in screened else self.screen(row)
            if duplicate:
                yield Outcome(row.number, duplicate, duplicate=True)
                ctx.progress(1)
                continue
            try:
                with transaction.atomic():
                    report = actions.create_report(acting_user=ctx.author, organisation=ctx.organisation,
                                                   kind=self.kind, date_of_information=ctx.date_of_information,
                                                   payload=row.payload, submit=True)  # fmt: skip
                    if ctx.approver is not None and not notes:
                        actions.approve_report(report, acting_user=ctx.approver, sole_approval=ctx.sole_approval)
                    ImportedRecord.objects.create(source=self.source, key=row.key, report=report, row=row.attributes,
                                                  snapshot=ctx.import_.original_name[:200], imported_at=now,
                                                  import_run=ctx.import_)  # fmt: skip
            except CleargroundError as exc:
                yield Outcome(row.number, exc.problems or [Problem("report", exc.message, "refused")])
            else:
                yield Outcome(row.number, record=f"report {report.pk}", notes=notes)
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
            try:
                actions.approve_report(report, acting_user=acting_user)
            except ValidationFailed as exc:
                if any(p.field != "overlap" for p in exc.problems):
                    raise
                continue  # overlaps registered hazards: the reviewer merges, links or clips it (decision 0048)
            n += 1
        return n
