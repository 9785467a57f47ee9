"""The handlers that jobs.registry names. Each one is a thin adapter onto an action or service."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core.errors import Problem, ValidationFailed

if TYPE_CHECKING:
    from jobs.models import Job


def run_import(job: Job, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Run an uploaded import (args: import_id, approve, sole_approval) as the user who queued the job.

    The REST API never queues approve=True (the runner would approve what it entered; decision 0036); a
    caller that queues it states sole_approval, the reason, as `clearground import --sole-approver` does."""
    from interop.imports.service import run_import as run
    from interop.models import Import

    try:
        import_ = Import.objects.get(pk=job.args["import_id"])
    except (KeyError, TypeError, ValueError, Import.DoesNotExist):
        raise ValidationFailed([Problem("args.import_id", "names no import")]) from None
    if job.created_by is None:  # its user was deleted since: nobody to act as
        raise ValidationFailed([Problem("created_by", "the user who queued this import no longer exists")])
    done = run(import_, acting_user=job.created_by, approve=bool(job.args.get("approve")),
               sole_approval=str(job.args.get("sole_approval") or ""), progress=progress)  # fmt: skip
    return {"import_id": done.pk, "status": done.status, "counts": done.counts}


def preview_import(job: Job, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Preview an uploaded import in the background (args: import_id, rows); the preview is the job's result.

    A large file's preview runs the whole pipeline and rolls it back: minutes, longer than a web request may.
    """
    from interop.imports.service import preview_import as preview
    from interop.models import Import

    try:
        import_ = Import.objects.get(pk=job.args["import_id"])
    except (KeyError, TypeError, ValueError, Import.DoesNotExist):
        raise ValidationFailed([Problem("args.import_id", "names no import")]) from None
    return preview(import_, rows=int(job.args.get("rows", 20)), progress=progress)


def publish_public_map(job: Job, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Write the static public map into settings.CLEARGROUND_PUBLIC_MAP_DIR (decision 0056).

    The folder comes from the settings only, never from the job's args: no one who can queue a job chooses
    where the worker writes."""
    from interop.public_map.build import publish
    from interop.public_map.schedule import folder

    target = folder()
    if target is None:
        raise ValidationFailed([Problem("CLEARGROUND_PUBLIC_MAP_DIR", "is not set: there is no folder to publish")])
    result = publish(target)  # seconds for a national register: no progress to show
    return {"data_version": result.data_version, "layers": result.layers, "seconds": round(result.seconds, 2)}
