"""Who may see a job: its creator, the authority, and for an import's job whoever may see the import.

Kept beside the jobs app rather than in accounts/access.py because a job's visibility follows the
object it works on (its `args`), which only the jobs app knows how to read.
"""

from __future__ import annotations

from typing import Any

from accounts import access
from accounts.access import AnyUser
from core.errors import NotFoundOrNoAccess
from jobs.models import Job


def access_job(user: AnyUser, pk: Any) -> Job:
    """The job if the user may see it; NotFoundOrNoAccess (404) otherwise, whether or not it exists."""
    try:
        job = Job.objects.get(pk=pk)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrNoAccess("No such job.") from None
    if getattr(user, "is_authenticated", False) and job.created_by_id == user.pk:
        return job
    if access.scope_of(user).everything:
        return job
    # An import's jobs (its run, its preview) are visible to whoever may see the import.
    is_import_job = job.kind.startswith("import.") and isinstance(job.args, dict)
    import_id = job.args.get("import_id") if is_import_job else None
    if import_id is not None and access.imports_for(user).filter(pk=import_id).exists():
        return job
    raise NotFoundOrNoAccess("No such job.")
