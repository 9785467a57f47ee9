"""Started as root, command 1 runs the web server and the worker as a system user that alone reads the
secrets; a server beyond loopback refuses the development keys (decision 0038).

These run scripts/run.sh's own steps (clearground.service_user prepare / exec, gunicorn with the
checkout's gunicorn.conf.py) on a var folder of their own. Every process they start is in a session
of its own and is stopped (its whole group) before the test ends; nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
USER = "clearground"
root_only = pytest.mark.skipif(
    os.geteuid() != 0, reason="dropping to the service user needs root (CI and command 1's tests run as root)"
)
# No database is needed to start either program; the worker retries an unreachable one forever (decision 0028).
NO_DATABASE = "postgres://nobody:nothing@127.0.0.1:9/none"


def environment(var: Path, **extra: str) -> dict[str, str]:
    """This process's environment, with the instance's var folder and the development keys (unless given)."""
    env = {k: v for k, v in os.environ.items() if k not in {"MEDIA_ROOT", "SECRET_KEY", "CLEARGROUND_FIELD_KEY"}}
    return {**env, "CLEARGROUND_VAR_DIR": str(var), "DATABASE_URL": NO_DATABASE, "PYTHONPATH": str(ROOT), **extra}


def service(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clearground.service_user", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


@pytest.fixture
def var() -> Iterator[Path]:
    """A var folder as `make run` leaves it: the database password root's (mode 600) in a mode-700 pg/,
    and a file in the media that a root-run command wrote."""
    folder = Path(tempfile.mkdtemp(prefix="cg-lp-"))  # mode 700, as mktemp -d makes it
    (folder / "pg").mkdir(mode=0o700)
    password = folder / "pg" / "password"
    password.write_text("not-the-real-one\n")
    password.chmod(0o600)
    (folder / "media" / "imports").mkdir(parents=True)
    (folder / "media" / "imports" / "left-by-root.csv").write_text("a,b\n")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


class Started:
    """A program in a session of its own, stopped with its whole group."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self._out = log.open("wb")
        self.log = log
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # fmt: skip

    def stop(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, signum)  # the group Popen made: our processes only
            except ProcessLookupError:
                break
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                continue
        self._out.close()


def uids(pid: int) -> set[int]:
    """Real, effective, saved and filesystem uid of a process."""
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("Uid:"))
    return {int(n) for n in line.split()[1:]}


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def wait_until(predicate: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@root_only
def test_prepare_gives_the_service_user_its_folders_and_the_database_password_alone(var: Path) -> None:
    env = environment(var)

    first, again = service(env, "prepare"), service(env, "prepare")

    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert "handed" not in again.stdout  # idempotent: the second run finds everything in place
    user = pwd.getpwnam(USER)
    assert user.pw_shell.endswith(("nologin", "false")) and not Path(user.pw_dir).exists()
    password = (var / "pg" / "password").stat()
    assert (password.st_uid, stat.S_IMODE(password.st_mode)) == (user.pw_uid, 0o600)
    for folder in ("media", "media/imports", "media/imports/left-by-root.csv", "tmp", "static"):
        assert (var / folder).stat().st_uid == user.pw_uid, folder
    assert stat.S_IMODE((var / "media").stat().st_mode) & 0o007 == 0  # nothing for others

    def can_read(who: str, path: Path) -> bool:
        return subprocess.run(["runuser", "-u", who, "--", "cat", str(path)], capture_output=True).returncode == 0

    assert can_read(USER, var / "pg" / "password")
    assert not can_read("nobody", var / "pg" / "password")


@root_only
def test_the_web_server_and_the_worker_run_as_the_service_user(var: Path, tmp_path: Path) -> None:
    env = environment(var)
    assert service(env, "prepare").returncode == 0
    uid = pwd.getpwnam(USER).pw_uid
    port = free_port()
    as_service = [sys.executable, "-m", "clearground.service_user", "exec", "--"]
    web = Started([*as_service, str(BIN / "gunicorn"), "clearground.wsgi", "--bind", f"127.0.0.1:{port}",
                   "--workers", "1", "--no-control-socket"], env, tmp_path / "gunicorn.log")  # fmt: skip
    worker = Started([*as_service, str(BIN / "clearground"), "worker"], env, tmp_path / "worker.log")
    try:
        wait_until(lambda: listening(port) or web.proc.poll() is not None, "gunicorn to listen")
        assert web.proc.poll() is None, web.log.read_text()
        wait_until(lambda: children(web.proc.pid), "gunicorn's worker")
        wait_until(lambda: b"worker" in Path(f"/proc/{worker.proc.pid}/cmdline").read_bytes(), "the job worker")

        # `exec` replaced itself: the pids started are the programs, and none of them can become root again.
        assert uids(web.proc.pid) == {uid}
        assert all(uids(child) == {uid} for child in children(web.proc.pid))
        assert uids(worker.proc.pid) == {uid}
        assert worker.proc.poll() is None, worker.log.read_text()
    finally:
        web.stop()
        worker.stop()


@root_only
def test_run_by_another_user_the_commands_run_as_that_user(var: Path) -> None:
    env = environment(var)
    assert service(env, "prepare").returncode == 0  # lets the service user run this Python at all
    python = [sys.executable, "-m", "clearground.service_user"]
    as_user = ["runuser", "-u", USER, "--"]  # someone not root: the service user will do

    prepared = subprocess.run([*as_user, *python, "prepare"], cwd=ROOT, env=env, capture_output=True, text=True)
    ran = subprocess.run([*as_user, *python, "exec", "--", "id", "-u"], cwd=ROOT, env=env, capture_output=True,
                         text=True)  # fmt: skip

    assert (prepared.returncode, prepared.stdout) == (0, ""), prepared.stderr  # no root to drop, nothing to hand over
    assert (ran.returncode, ran.stdout.strip()) == (0, str(pwd.getpwnam(USER).pw_uid)), ran.stderr


def test_a_server_beyond_loopback_refuses_to_start_with_the_development_keys(tmp_path: Path) -> None:
    env = environment(tmp_path)
    # Port 0: were the refusal broken, nothing would hold a known port; the group is stopped regardless.
    web = Started([str(BIN / "gunicorn"), "clearground.wsgi", "--bind", "0.0.0.0:0", "--workers", "1",
                   "--no-control-socket"], env, tmp_path / "gunicorn.log")  # fmt: skip
    try:
        web.proc.wait(60)
    finally:
        web.stop()
    said = (tmp_path / "gunicorn.log").read_text()

    assert web.proc.returncode == 1
    assert "refusing to listen on 0.0.0.0:0 with the development SECRET_KEY and CLEARGROUND_FIELD_KEY" in said
    assert "Booting worker" not in said and "Listening at" not in said


def check(env: dict[str, str], *addresses: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clearground.serving", "check", *addresses], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip


def test_loopback_may_use_the_development_keys_and_any_other_address_needs_both_keys(tmp_path: Path) -> None:
    development = environment(tmp_path)
    secret_only = environment(tmp_path, SECRET_KEY="a-real-secret-key-for-this-server-only-0123456789")
    both = {**secret_only, "CLEARGROUND_FIELD_KEY": Fernet.generate_key().decode()}

    assert check(development, "127.0.0.1:8000", "localhost:8000", "[::1]:8000", "unix:/run/cg.sock").returncode == 0
    for address in ("0.0.0.0:8000", "[::]:8000", "192.0.2.10:8000", "server.example:8000"):
        assert check(development, address).returncode == 1, address
    refused = check(secret_only, "0.0.0.0:8000")
    assert refused.returncode == 1 and "development CLEARGROUND_FIELD_KEY" in refused.stderr
    assert "SECRET_KEY and" not in refused.stderr
    assert check(both, "0.0.0.0:8000").returncode == 0
