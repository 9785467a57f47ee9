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
