"""Republishing the static public map when the register changes (decision 0056).

The worker asks `republish_if_changed` every CLEARGROUND_PUBLIC_MAP_CHECK_SECONDS (60 s by default): when the
register's data version (hazards.models.DataVersion, bumped on commit of every approval, import and placement)
differs from the one the folder shows (its published.json), it queues one `public_map.publish` job, which the
worker then runs. An approval is thus on the public map within the check interval plus one build (seconds for
a national register), inside the 5 minutes issue 18 asks. A periodic check rather than a hook on each approval:
every path that bumps the version is covered, and a folder deleted or restored from backup is put right too.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from hazards.models import data_version
from interop.public_map.build import published_version

KIND = "public_map.publish"
# Two workers checking at once queue one job: the check holds this transaction-scoped advisory lock.
LOCK_KEY = 0x0056_0001


def folder() -> Path | None:
    """The folder the worker keeps published (settings.CLEARGROUND_PUBLIC_MAP_DIR), or None when it is off."""
    configured = getattr(settings, "CLEARGROUND_PUBLIC_MAP_DIR", "")
    return Path(configured) if configured else None


def republish_if_changed() -> int | None:
    """Queue a republish when the folder shows an older data version than the register's; the job's id or None."""
    from jobs.actions import enqueue
    from jobs.models import Job, JobStatus

    target = folder()
    if target is None or published_version(target) == data_version():
        return None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
            row = cursor.fetchone()
        if not (row and row[0]):
            return None
        if Job.objects.filter(kind=KIND, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists():
            return None
        return enqueue(KIND, {"folder": str(target)}, acting_user=None).pk
