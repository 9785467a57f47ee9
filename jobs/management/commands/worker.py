"""`clearground worker`: claim and run queued jobs (imports) until stopped; `make run` starts one."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jobs.actions import new_worker_id, work


class Command(BaseCommand):
    help = "Run queued background jobs: forever, one (--once), or until the queue is empty (--burst)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run at most one job, then exit")
        parser.add_argument("--burst", action="store_true", help="run jobs until none is queued, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = new_worker_id()
        stop = threading.Event()
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            # First TERM/INT: finish the running job, then exit. A second one stops at once; the
            # job's transaction is rolled back and the stale sweep queues it again.
            def on_signal(signum: int, frame: FrameType | None) -> None:
                if stop.is_set():
                    raise SystemExit(1)
                self.stderr.write(f"[worker {worker_id}] stopping after the current job")
                stop.set()

            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, on_signal)
        if options["verbosity"] > 0 and not (options["once"] or options["burst"]):
            self.stdout.write(f"[worker {worker_id}] waiting for jobs")
        try:
            ran = work(worker_id, once=options["once"], burst=options["burst"], stop=stop)
        finally:
            for number, handler in previous.items():  # called in-process (tests): leave the caller's handlers
                signal.signal(number, handler)
        if options["verbosity"] > 0:
            self.stdout.write(f"[worker {worker_id}] ran {ran} job{'s' if ran != 1 else ''}")
