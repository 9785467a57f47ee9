"""`clearground import FILE --kind KIND [--profile NAME] [--dry-run] [--crs EPSG:n] [--layer L]
[--organisation CODE] [--approve --sole-approver REASON] [--json]`: a partner's file through the import service.

Shows a progress bar on stderr; --dry-run prints the preview (the first rows as they would be stored
and every problem) and stores nothing; a run prints the counts and where the per-row problem CSV is.
Reports are authored by the organisation's import clerk. Whoever runs the command both enters and, with
--approve, approves them: one person on both sides, so --approve needs --sole-approver "why" (four eyes,
decision 0036), written to the audit log. It approves as the organisation's import approver (an IM officer)
where the authority delegated the kind to it, else as the national authority's. See README ("Importing
files") and decisions 0014 and 0036.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from accounts.access import may_approve_kind
from accounts.models import Organisation
from core.errors import CleargroundError
from interop.imports import service
from interop.imports.targets import TARGETS
from interop.models import Import, ImportProfile
from vocab.choices import OrganisationKind


def _organisation(code: str | None) -> Organisation:
    if code:
        try:
            return Organisation.objects.get(code=code)
        except Organisation.DoesNotExist:
            raise CommandError(f"no organisation with code '{code}'") from None
    authorities = list(Organisation.objects.filter(kind=OrganisationKind.NATIONAL_AUTHORITY)[:2])
    if len(authorities) != 1:
        raise CommandError("name the importing organisation with --organisation CODE")
    return authorities[0]


def _officer(organisation: Organisation, kind: str, *, approve: bool) -> Any:
    """The account the command acts as: the organisation's import approver, or, to approve a kind the authority
    has not delegated to the organisation, the national authority's (who approves into the register)."""
    officer = service.import_approver(organisation)
    if approve and not may_approve_kind(officer, organisation.pk, kind):
        officer = service.import_approver(_organisation(None))
    return officer


class Command(BaseCommand):
    help = (
        "Import a GeoPackage, shapefile (zip), KML/KMZ, GeoJSON, FlatGeobuf, CSV or XLSX through the report pipeline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", required=True, choices=sorted(TARGETS), help="what each row becomes")
        parser.add_argument("--profile", default=None, help="a saved import profile (shipped ones load on first use)")
        parser.add_argument("--dry-run", action="store_true", help="print the preview and every problem; store nothing")
        parser.add_argument("--crs", default=None, help="the source CRS, overriding the file's (EPSG:28992)")
        parser.add_argument("--layer", default=None, help="the layer to read when the file has several")
        parser.add_argument("--organisation", default=None, help="code of the importing organisation")
        parser.add_argument("--approve", action="store_true", help="approve every entered report in the same run "
                            "(needs --sole-approver)")  # fmt: skip
        parser.add_argument("--sole-approver", default="", metavar="REASON",
                            help="why one person may enter and approve alone (audited; decision 0036)")  # fmt: skip
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
        parser.add_argument("--rows", type=int, default=10, help="rows shown in a dry run's preview")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        organisation = _organisation(options["organisation"])
        if options["approve"] and not options["sole_approver"].strip():
            raise CommandError(
                "--approve makes whoever runs this both the one who enters and the one who approves; say why that is "
                'right here with --sole-approver "REASON" (audited), or import without --approve and have '
                "another IM officer approve the import (four eyes, decision 0036)"
            )
        if options["sole_approver"].strip() and not options["approve"]:
            raise CommandError("--sole-approver goes with --approve")
        profile = None
        if options["profile"]:
            service.ensure_shipped_profiles()
            try:
                profile = ImportProfile.objects.get(name=options["profile"])
            except ImportProfile.DoesNotExist:
                names = ", ".join(ImportProfile.objects.order_by("name").values_list("name", flat=True))
                raise CommandError(f"no import profile '{options['profile']}' (there are: {names})") from None
        if options["dry_run"]:
            try:
                preview = _dry_run(organisation, path, profile, options)
            except CleargroundError as exc:
                raise CommandError(_problems(exc)) from None
            self.stdout.write(json.dumps(preview, ensure_ascii=False, indent=1) if options["json"]
                              else _preview_text(preview))  # fmt: skip
            return
        officer = _officer(organisation, options["kind"], approve=options["approve"])
        try:
            import_ = service.create_import(acting_user=officer, organisation=organisation, path=path,
                                            original_name=path.name, kind=options["kind"], profile=profile,
                                            crs=options["crs"], layer=options["layer"])  # fmt: skip
            # Steps, not rows: a large file is counted twice, once as its rows are checked, once as they are
            # written (interop/imports/bulk.py), so the bar also moves while PostgreSQL works.
            bar = tqdm(unit="step", file=sys.stderr, desc="importing", mininterval=0.2)

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            try:
                import_ = service.run_import(import_, acting_user=officer, approve=options["approve"],
                                             sole_approval=options["sole_approver"], progress=progress)  # fmt: skip
            finally:
                bar.close()
        except CleargroundError as exc:
            raise CommandError(_problems(exc)) from None
        csv_path = service.problem_csv_path(import_)
        result = {
            "import": import_.pk,
            "status": import_.status,
            "counts": import_.counts,
            "problems_csv": str(csv_path),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        c = import_.counts
        self.stdout.write(
            f"import {import_.pk} {import_.status}: read {c['read']}, imported {c['imported']}, "
            f"repaired {c['repaired']}, rejected {c['rejected']}, duplicates {c['duplicates']}"
        )
        self.stdout.write(f"per-row problems: {csv_path}")


def _problems(exc: CleargroundError) -> str:
    return "\n".join([exc.message, *(f"  {p.field}: {p.message}" for p in exc.problems)])


class _Rollback(Exception):
    pass


def _dry_run(organisation: Organisation, path: Path, profile: ImportProfile | None,
             options: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The preview with nothing left behind: the Import row and import users rolled back, the stored copy removed if
    new (the shipped profiles stay: they are configuration)."""
    preview: dict[str, Any] = {}
    stored: Path | None = None
    existed = True
    try:
        with transaction.atomic():
            officer = service.import_approver(organisation)
            import_ = service.create_import(acting_user=officer, organisation=organisation, path=path,
                                            original_name=path.name, kind=options["kind"], profile=profile,
                                            crs=options["crs"], layer=options["layer"])  # fmt: skip
            stored = service.stored_file(import_).parent
            existed = Import.objects.filter(sha256=import_.sha256).exclude(pk=import_.pk).exists()
            preview = service.preview_import(import_, rows=options["rows"])
            raise _Rollback
    except _Rollback:
        pass
    if stored is not None and not existed:
        shutil.rmtree(stored, ignore_errors=True)
    return preview


def _preview_text(preview: dict[str, Any]) -> str:
    c = preview["counts"]
    lines = [
        f"format {preview['format']}, layer {preview['layer']}, CRS {preview['crs'] or 'none'} ({preview['crs_note']})",
        f"columns: {', '.join(preview['columns'])}",
        f"dry run, nothing stored: read {c['read']}, imported {c['imported']}, repaired {c['repaired']}, "
        f"rejected {c['rejected']}, duplicates {c['duplicates']}",
        "first rows as they would be stored:",
    ]
    for r in preview["rows"]:
        payload = json.dumps(r["payload"], ensure_ascii=False)
        lines.append(f"  row {r['row']} {r['status']}: {payload[:300]}{'…' if len(payload) > 300 else ''}")
    lines.append(f"problems ({len(preview['problems'])}):")
    lines += [f"  row {p['row']} {p['status']} {p['field']}: {p['reason']}" for p in preview["problems"]]
    return "\n".join(lines)
