"""The import service: the one core every door calls (`clearground import`, the jobs queue, REST).

create_import → preview_import (stores nothing) → run_import (one transaction) → approve_import.
Contract: /tmp/importapi.md as agreed between the engine and the REST helpers; decision 0014.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.access import AnyUser, access_import, may_approve_import, may_write_for, signed_in
from accounts.models import Membership, Organisation
from core.errors import Conflict, NotAllowed, Problem, ValidationFailed
from interop.imports import engine, readers, uploads
from interop.imports import mapping as mapping_mod
from interop.imports.crs import Crs, identify, parse_override, resolve
from interop.imports.targets import TARGETS, EntryContext, Target
from interop.models import Import, ImportProfile
from jobs.actions import enqueue
from jobs.models import Job
from vocab.choices import Role

__all__ = ["access_import", "approve_import", "create_import", "preview_import", "queue_run", "run_import"]

RUN_KIND = "import.run"  # the worker's job for run_import (jobs.registry)

# A bare shapefile is several files; these sidecars travel with it into storage.
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qpj")


def _not_a_kind(kind: str) -> str:
    return _("'%(kind)s' is not an import kind (%(kinds)s)") % {"kind": kind, "kinds": ", ".join(TARGETS)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def storage_root() -> Path:
    """Where imported files are kept: MEDIA_ROOT/imports/<sha256>/<original name>."""
    return Path(settings.MEDIA_ROOT) / "imports"


def stored_file(import_: Import) -> Path:
    """The import's stored file under this instance's MEDIA_ROOT (a restore may have moved MEDIA_ROOT)."""
    stored = Path(import_.stored_path)
    return storage_root() / stored.parent.name / stored.name


def _store(path: Path, sha: str) -> Path:
    folder = storage_root() / sha
    folder.mkdir(parents=True, exist_ok=True)
    # The name the checks saw (uploads.safe_name), so the stored file declares the format that was checked.
    stored = folder / path.name
    if not stored.exists():
        shutil.copyfile(path, stored)
    if path.suffix.lower() == ".shp":
        for ext in SHAPEFILE_SIDECARS:
            for side in (path.with_suffix(ext), path.with_suffix(ext.upper())):
                if side.exists():
                    shutil.copyfile(side, stored.with_suffix(ext))
    return stored


def _target(kind: str) -> Target:
    if kind not in TARGETS:
        raise ValidationFailed([Problem("kind", _not_a_kind(kind), "not_a_choice")])
    return TARGETS[kind]


def _mapping_for(target: Target, profile: ImportProfile | None, mapping: dict[str, Any] | None) -> dict[str, Any]:
    if mapping is not None:
        return mapping
    if profile is not None:
        return dict(profile.mapping)
    return dict(target.default_mapping)


def create_import_from_upload(*, upload: Any, **import_args: Any) -> Import:
    """create_import for a file uploaded to a page or the API (Django's UploadedFile), under its own name."""
    with tempfile.TemporaryDirectory(prefix="clearground-upload-") as tmp:
        # The reader picks the driver by the file's extension: receive keeps the uploaded name.
        local = uploads.receive(upload, Path(tmp))
        return create_import(path=local, original_name=upload.name or "", **import_args)


def create_import(
    *,
    acting_user: User,
    organisation: Organisation,
    path: Path,
    original_name: str,
    kind: str,
    profile: ImportProfile | None = None,
    mapping: dict[str, Any] | None = None,
    crs: str | None = None,
    layer: str | None = None,
) -> Import:
    """Store a file and read its layer, CRS and columns; a ValidationFailed naming every problem if unusable."""
    problems: list[Problem] = []
    if not may_write_for(acting_user, organisation.pk):
        raise NotAllowed(f"You may not import for {organisation}.")
    if kind not in TARGETS:
        problems.append(Problem("kind", _not_a_kind(kind), "not_a_choice"))
    if profile is not None and profile.kind != kind:
        problems.append(
            Problem(
                "profile",
                _("profile '%(name)s' is for %(profile_kind)s, not %(kind)s")
                % {"name": profile.name, "profile_kind": profile.kind, "kind": kind},
                "wrong_profile",
            )
        )
    if crs:
        try:
            parse_override(crs)
        except ValidationFailed as exc:
            problems += exc.problems
    path = Path(path)
    if not path.is_file():
        problems.append(Problem("file", _("%(name)s is not a file") % {"name": original_name}, "not_a_file"))
    if problems:
        raise ValidationFailed(problems)
    uploads.check_file(path)  # a local file (clearground import) passes the checks an upload does
    used = _mapping_for(TARGETS[kind], profile, mapping)
    problems += mapping_mod.check(used)
    source = None
    try:
        source = readers.read_source(path, layer=layer, geometry=used.get("geometry") or {},
                                     needs_geometry=TARGETS[kind].geometry != "none")  # fmt: skip
    except ValidationFailed as exc:
        problems += exc.problems
    if source is not None:
        problems += [p for p in mapping_mod.check(used, source.columns) if "is not in the file" in p.message]
    if problems:
        raise ValidationFailed(problems)
    assert source is not None
    stated = identify(source.stated_crs).label[:2000] if source.stated_crs else ""
    sha = _sha256(path)
    stored = _store(path, sha)
    return Import.objects.create(
        organisation=organisation, created_by=acting_user, kind=kind, original_name=original_name[:255],
        stored_path=str(stored), sha256=sha, format=source.driver, layer=source.layer, crs=stated,
        crs_override=crs or "", columns=source.columns, profile=profile, mapping=used,
    )  # fmt: skip


def _read(import_: Import) -> tuple[readers.Source, Crs | None]:
    source = readers.read_source(stored_file(import_), layer=import_.layer or None,
                                 geometry=import_.mapping.get("geometry") or {},
                                 needs_geometry=_target(import_.kind).geometry != "none")  # fmt: skip
    crs = resolve(override=import_.crs_override or None, stated=source.stated_crs,
                  profile_default=import_.mapping.get("crs"))  # fmt: skip
    return source, crs


def _date_of_information() -> Any:
    return timezone.localdate()


def _service_account(organisation: Organisation, suffix: str, role: str) -> User:
    """A passwordless account of the organisation with one role, made on first use (nobody signs in as it)."""
    user, created = User.objects.get_or_create(username=f"{organisation.code}-{suffix}")
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    return user


def import_clerk(organisation: Organisation) -> User:
    """The organisation's import clerk: authors every imported report, so a person can approve it (four eyes)."""
    return _service_account(organisation, "importer", Role.DATA_CLERK)


def import_approver(organisation: Organisation) -> User:
    """The IM officer account `clearground import --approve` approves as (a command has no signed-in user)."""
    return _service_account(organisation, "import-approver", Role.IM_OFFICER)


def approval_refusal(
    import_: Import, *, acting_user: User, running: bool = False, sole_approval: str = ""
) -> str | None:
    """Why `acting_user` may not approve this import's reports, or None if they may (decision 0036).

    Who: the authority, or an operator it delegated the kind to (accounts.access.may_approve_import).
    Four eyes: the uploader and the runner shape the reports, so neither approves them; approving in the
    run (`running`) is therefore one person on both sides, allowed only to a command that says so
    (`sole_approval`, the reason, audited). The import page offers Approve exactly when this is None.
    """
    if not may_approve_import(acting_user, import_):
        return "The national authority approves an import's reports (or an operator delegated the kind)."
    if sole_approval.strip():
        return None
    if running or acting_user.pk in (import_.created_by_id, import_.run_by_id):
        return (
            "An import's reports are approved by someone other than whoever uploaded or ran it (four eyes): "
            "run it, then another IM officer approves it."
        )
    return None


def check_approval(import_: Import, *, acting_user: User, running: bool = False, sole_approval: str = "") -> None:
    """NotAllowed, saying why, unless `acting_user` may approve this import's reports (approval_refusal)."""
    refusal = approval_refusal(import_, acting_user=acting_user, running=running, sole_approval=sole_approval)
    if refusal is not None:
        raise NotAllowed(refusal)


class _Rollback(Exception):
    pass


def _ticker(total: int, progress: Callable[[int, int], None] | None) -> Callable[[int], None]:
    """EntryContext.progress for a run or a preview: adds up rows done and reports (done, total)."""
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    if progress:
        progress(0, total)
    return tick


def preview_import(
    import_: Import, *, rows: int = 20, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """What the import would do, row by row: entered through the pipeline and rolled back; stores nothing else.

    Only the Import's status and counts change. `progress(done, total)` as in run_import.
    """
    source, crs = _read(import_)
    target = _target(import_.kind)
    on = _date_of_information()
    evaluation = engine.evaluate(source, target=target, mapping=import_.mapping, crs=crs,
                                 file_name=import_.original_name, on=on)  # fmt: skip
    tick = _ticker(target.progress_steps(len(evaluation.accepted)), progress)
    try:
        with transaction.atomic():
            ctx = EntryContext(import_, import_.organisation, import_clerk(import_.organisation), None, on, tick)
            engine.enter(evaluation, target, ctx)
            raise _Rollback
    except _Rollback:
        pass
    counts = evaluation.counts()
    # Previewing a finished import again shows what a re-run would do; it does not take back its status.
    fresh = Import.objects.filter(pk=import_.pk, status__in=(Import.Status.UPLOADED, Import.Status.PREVIEWED))
    if fresh.update(status=Import.Status.PREVIEWED, counts=counts):
        import_.status, import_.counts = Import.Status.PREVIEWED, counts
    for r in evaluation.results:
        r.record = ""  # rolled back
    return {
        "format": source.driver,
        "layer": source.layer,
        "crs": crs.label if crs else None,
        "crs_note": crs.note if crs else "no CRS in the file: coordinates read as longitude/latitude (EPSG:4326)",
        "columns": source.columns,
        "counts": counts,
        "rows": [r.as_dict() for r in evaluation.results[:rows]],
        "problems": evaluation.problems(),
    }


def run_import(
    import_: Import,
    *,
    acting_user: User,
    approve: bool = False,
    sole_approval: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> Import:
    """Enter the import's accepted rows in one transaction; rows already stored are duplicates, not re-entered.

    With approve=True the acting user also approves every entered report in the same transaction: one person
    on both sides, so only with `sole_approval` (why; a command's explicit single-person mode, audited).
    If anything fails, nothing is stored and the Import is marked failed with the error.
    """
    if approve:
        check_approval(import_, acting_user=acting_user, running=True, sole_approval=sole_approval)
    target = _target(import_.kind)
    Import.objects.filter(pk=import_.pk).update(status=Import.Status.RUNNING, started_at=timezone.now(),
                                                run_by=acting_user)  # fmt: skip
    import_.run_by = acting_user
    try:
        source, crs = _read(import_)
        on = _date_of_information()
        with transaction.atomic():
            evaluation = engine.evaluate(source, target=target, mapping=import_.mapping, crs=crs,
                                         file_name=import_.original_name, on=on)  # fmt: skip
            tick = _ticker(target.progress_steps(len(evaluation.accepted)), progress)
            ctx = EntryContext(import_, import_.organisation, import_clerk(import_.organisation),
                               acting_user if approve else None, on, tick, sole_approval=sole_approval)  # fmt: skip
            engine.enter(evaluation, target, ctx)
            now = timezone.now()
            import_.counts, import_.report_csv = evaluation.counts(), evaluation.report_csv()
            import_.status = Import.Status.APPROVED if approve else Import.Status.DONE
            import_.finished_at, import_.error = now, ""
            if approve:
                import_.approved_at = now
            entered = import_.counts.get("imported", 0) + import_.counts.get("repaired", 0)
            if approve and entered:  # a re-run that enters nothing approves nothing: nothing to say
                audit.record(acting_user, "import.sole_approval", import_, new={"counts": import_.counts},
                             reason=f"single-person approval: {sole_approval.strip()}")  # fmt: skip
            import_.save(update_fields=["counts", "report_csv", "status", "finished_at", "error", "approved_at"])
    except Exception as exc:
        Import.objects.filter(pk=import_.pk).update(status=Import.Status.FAILED, error=str(exc)[:5000],
                                                    finished_at=timezone.now())  # fmt: skip
        import_.refresh_from_db()
        raise
    return import_


def latest_jobs(import_ids: list[int]) -> dict[int, Job]:
    """The newest run job of each import, in one query (the list shows each import's progress)."""
    found: dict[int, Job] = {}
    if not import_ids:
        return found
    jobs = Job.objects.filter(kind=RUN_KIND, args__import_id__in=import_ids).select_related("created_by")
    for job in jobs.order_by("id"):
        found[int(job.args["import_id"])] = job  # ordered by id: the last one wins
    return found


def queue_run(import_: Import, *, acting_user: User, approve: bool = False) -> Job:
    """Queue run_import for the worker: the one way the API and the import page start a run.

    Approving in the run is refused here, before queueing, by four eyes (check_approval). Two clicks on
    Run queue one job: the import is locked, and a job not yet finished answers Conflict. The job, not
    the import's status, says whether a run is under way: a worker killed mid-run leaves the import
    "running", and its job is queued again (or failed) by the stale sweep.
    """
    if approve:
        check_approval(import_, acting_user=acting_user, running=True)
    with transaction.atomic():
        Import.objects.select_for_update().filter(pk=import_.pk).first()
        pending = latest_jobs([import_.pk]).get(import_.pk)
        if pending is not None and not pending.finished:
            raise Conflict(f"This import is already {pending.status} as job {pending.pk}.")
        return enqueue(RUN_KIND, {"import_id": import_.pk, "approve": approve}, acting_user=acting_user)


def approve_import(import_: Import, *, acting_user: User) -> Import:
    """Approve every report the import entered, in one transaction (all or none): the authority (or a delegated
    operator's IM officer), never the import's uploader or runner (check_approval)."""
    check_approval(import_, acting_user=acting_user)
    if import_.status not in (Import.Status.DONE, Import.Status.APPROVED):
        raise ValidationFailed(
            [
                Problem(
                    "status",
                    _("only a finished import is approved; this one is %(status)s") % {"status": import_.status},
                    "not_finished",
                )
            ]
        )
    target = _target(import_.kind)
    with transaction.atomic():
        target.approve(import_, acting_user=acting_user)
        import_.status, import_.approved_at = Import.Status.APPROVED, timezone.now()
        import_.save(update_fields=["status", "approved_at"])
    return import_


def problem_csv_path(import_: Import) -> Path:
    """Write the import's per-row problem CSV beside its stored file; its path."""
    path = stored_file(import_).with_name(f"import-{import_.pk}-problems.csv")
    path.write_text(import_.report_csv, encoding="utf-8")
    return path


PROFILES_DIR = Path(__file__).resolve().parent / "profiles"


def shipped_profiles() -> list[dict[str, Any]]:
    """The profiles shipped as JSON in interop/imports/profiles/ (name, kind, description, mapping)."""
    import json

    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(PROFILES_DIR.glob("*.json"))]


def ensure_shipped_profiles() -> list[ImportProfile]:
    """Create the shipped profiles that are missing; one already saved (perhaps edited) is left as it is."""
    out = []
    for data in shipped_profiles():
        problems = mapping_mod.check(data["mapping"])
        if problems:
            raise ValidationFailed(problems, f"shipped profile {data['name']} is broken")
        profile, _ = ImportProfile.objects.get_or_create(
            name=data["name"],
            defaults={"kind": data["kind"], "description": data.get("description", ""), "mapping": data["mapping"]},
        )
        out.append(profile)
    return out


@transaction.atomic
def save_profile(
    *, acting_user: AnyUser, data: dict[str, Any], profile: ImportProfile | None = None, partial: bool = False
) -> ImportProfile:
    """Create or change an import profile: every problem (name taken, unknown kind, mapping) named at once."""
    problems: list[Problem] = []
    current = profile or ImportProfile()
    fields = ("name", "kind", "description", "mapping")
    values = {f: data[f] if f in data else getattr(current, f) for f in fields} if partial else dict(data)
    name = values.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem("name", _("is required"), "required"))
    elif ImportProfile.objects.filter(name=name.strip()).exclude(pk=current.pk).exists():
        problems.append(
            Problem("name", _("a profile named '%(name)s' already exists") % {"name": name.strip()}, "duplicate")
        )
    kind = values.get("kind")
    if not isinstance(kind, str) or kind not in TARGETS:
        problems.append(Problem("kind", _not_a_kind(kind or ""), "not_a_choice"))
    mapping = values.get("mapping", {})
    problems += mapping_mod.check(mapping)
    description = values.get("description") or ""
    if not isinstance(description, str):
        problems.append(Problem("description", _("must be text"), "not_text"))
    if problems:
        raise ValidationFailed(problems)
    assert isinstance(name, str) and isinstance(kind, str)  # for the type checker: problems caught both
    old = {f: getattr(current, f) for f in fields} if current.pk else None
    current.name, current.kind, current.description, current.mapping = name.strip(), kind, description, mapping
    if current.pk is None:
        current.created_by = signed_in(acting_user)
    current.save()
    audit.record(acting_user, "import_profile.save", current, old=old, new={f: getattr(current, f) for f in fields})
    return current
