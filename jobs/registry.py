"""Job kinds: a plain dict from kind to handler (add a line here to add a kind of background work).

A handler is `handler(job, progress) -> dict | None`: it reads its inputs from `job.args`, calls
`progress(done, total)` as it goes, and returns the job's JSON result. It raises to fail the job;
a CleargroundError's message and problems become the job's error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jobs import handlers
from operations import notifications

if TYPE_CHECKING:
    from jobs.models import Job

Progress = Callable[[int, int], None]
Handler = Callable[["Job", Progress], "dict[str, Any] | None"]

HANDLERS: dict[str, Handler] = {
    "import.run": handlers.run_import,
    "import.preview": handlers.preview_import,
    "public_map.publish": handlers.publish_public_map,  # decision 0056
    "notifications.email": notifications.email_job,
    "tasks.overdue": notifications.overdue_job,
}


@dataclass(frozen=True)
class Retry:
    """How a kind of job is tried again after its handler raised something other than a CleargroundError.

    A CleargroundError is the input's fault (a bad file, a missing import): the same input fails the
    same way, so it fails the job at once whatever the kind. Anything else (the mail server down, a
    disk full, a network share away) may pass: the job is queued again, not to be claimed before
    `first_wait_seconds` × 2^(attempt − 1), at most `max_wait_seconds`, until `attempts` were used.
    """

    attempts: int = 5
    first_wait_seconds: float = 30.0
    max_wait_seconds: float = 3600.0

    def wait_seconds(self, attempt: int) -> float:
        """The wait after the `attempt`-th attempt failed (1-based): 30, 60, 120, … seconds by default."""
        return min(self.max_wait_seconds, self.first_wait_seconds * 2.0 ** (attempt - 1))


# Kinds that are tried again after an unexpected failure. Imports are not: a failed import is shown to
# the person who ran it, who runs it again (decision 0015). Republishing, overdue notices and scheduled
# backups belong here when they become jobs (decision 0039).
RETRIES: dict[str, Retry] = {
    # A full disk or a folder on a share that is away may pass; the periodic check queues a new one anyway.
    "public_map.publish": Retry(attempts=3, first_wait_seconds=30.0, max_wait_seconds=300.0),
    # The mail server may be away for a while; the notifications wait in the app meanwhile (decision 0053).
    "notifications.email": Retry(),
    "tasks.overdue": Retry(),
}
