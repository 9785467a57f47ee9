"""The application's own processes, started by a test on the test database: gunicorn and the job worker.

Used by the fault tests (decision 0028), which kill them with -9 or pull the database from under
them. Each process runs in a session of its own, so SIGKILL of its process group reaches gunicorn's
master and its workers at once, and nothing else.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def database_url() -> str:
    """DATABASE_URL of the test database (the throwaway cluster listens on a unix socket only)."""
    db = connection.settings_dict
    user, password = quote(db["USER"] or ""), quote(db["PASSWORD"] or "")
    host = db["HOST"] or ""
    if host.startswith("/"):
        return f"postgres://{user}:{password}@/{db['NAME']}?host={quote(host)}"
    return f"postgres://{user}:{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    """One started program (and its children) in a process group of its own."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out: IO[Any] = log.open("ab")
        self.proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url(), **env},
                                     stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL to the whole group: the master and every worker, with no chance to clean up."""
        self._signal_group(signal.SIGKILL)
        self.proc.wait(30)
        self._out.close()

    def stop(self) -> None:
        """TERM to the group, then KILL if it lingers."""
        if self.alive():
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(15)
        self._out.close()

    def _signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.pid, signum)  # the group this Popen made (start_new_session): our processes only
        except ProcessLookupError:
            pass


class Gunicorn(Process):
    """gunicorn as scripts/run.sh starts it (two workers instead of three: the test machine is small)."""

    def __init__(self, log: Path, env: dict[str, str] | None = None, *, workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [str(BIN / "gunicorn"), "clearground.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers",
                str(workers), "--threads", "4", "--timeout", "120", "--no-control-socket"]  # fmt: skip
        super().__init__(argv, env or {}, log)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or not self.alive():
                    self.stop()
                    raise RuntimeError(f"gunicorn did not start; see {log}") from None
                time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        """gunicorn's worker processes (the master's children)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []


def dead(pid: int) -> bool:
    """True once a process is gone or a zombie (killed, waiting only for whoever reaps orphans)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in {"Z", "X"}


class Worker(Process):
    """`clearground worker`, forever (or with extra arguments such as --once)."""

    def __init__(self, log: Path, env: dict[str, str] | None = None, *args: str) -> None:
        super().__init__([str(BIN / "clearground"), "worker", *args], env or {}, log)


def wait_for(predicate: Any, timeout: float, what: str, every: float = 0.05) -> Any:
    """Poll `predicate` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def lock_waiter(table: str) -> tuple[int, bool] | None:
    """(pid, has written) of a session waiting for a lock on `table`, or None.

    "Has written" is PostgreSQL's own record that the session's transaction has an id, which it gets
    only at its first write: proof that the waiting transaction already wrote rows we must not see.
    """
    with connection.cursor() as cursor:
        # Statistics views keep one snapshot per transaction, and the caller reads inside the locking one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            """SELECT a.pid, a.backend_xid IS NOT NULL FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                WHERE NOT l.granted AND l.relation = %s::regclass AND a.pid <> pg_backend_pid() LIMIT 1""",
            [table],
        )
        row = cursor.fetchone()
    return (int(row[0]), bool(row[1])) if row else None


def backend_gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0
