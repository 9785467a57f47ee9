"""Job kinds: a plain dict from kind to handler (add a line here to add a kind of background work).

A handler is `handler(job, progress) -> dict | None`: it reads its inputs from `job.args`, calls
`progress(done, total)` as it goes, and returns the job's JSON result. It raises to fail the job;
a CleargroundError's message and problems become the job's error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jobs import handlers

if TYPE_CHECKING:
    from jobs.models import Job

Progress = Callable[[int, int], None]
Handler = Callable[["Job", Progress], "dict[str, Any] | None"]

HANDLERS: dict[str, Handler] = {
    "import.run": handlers.run_import,
    "import.preview": handlers.preview_import,
}
