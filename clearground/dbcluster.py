"""The project's own PostGIS clusters: the private one under var/pg, and throwaway ones for tests.

Standard library only: this runs before Django is configured (and before .venv has Django in it).

    python -m clearground.dbcluster ensure            # create if missing, start if stopped (make run)
    python -m clearground.dbcluster stop              # stop the private cluster (make stop-db)
    python -m clearground.dbcluster status
    python -m clearground.dbcluster test -- CMD ARGS  # run CMD against a throwaway socket-only cluster

PostgreSQL refuses to run as root. When this runs as root, every PostgreSQL program runs as the
`postgres` OS user (through `runuser`), the cluster's folders belong to `postgres`, and the checkout's
parent folders get a traverse-only ACL for `postgres` where it could not reach them otherwise.
See docs/decisions/0001-embedded-postgis-cluster.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

DEFAULT_PORT = 54320
DB_NAME = "clearground"
DB_USER = "clearground"
PG_MAJOR = os.environ.get("CLEARGROUND_PG_MAJOR", "15")
# Longest unix socket path the kernel accepts (sizeof(sockaddr_un.sun_path) - 1 on Linux).
MAX_SOCKET_PATH = 107
PREFIX = "[db]"


class ClusterError(RuntimeError):
    """Something about a cluster failed; the message is one line meant for a person."""


def say(message: str) -> None:
    """Print one progress line."""
    print(f"{PREFIX} {message}", flush=True)


# ---------------------------------------------------------------------------------------------------
# Paths, users and binaries


def repo_root() -> Path:
    """The checkout this module belongs to."""
    return Path(__file__).resolve().parent.parent


def default_datadir() -> Path:
    """var/pg/data, honouring CLEARGROUND_VAR_DIR like clearground/settings.py does."""
    var_dir = Path(os.environ.get("CLEARGROUND_VAR_DIR", repo_root() / "var"))
    return (var_dir / "pg" / "data").absolute()


def default_port() -> int:
    """CLEARGROUND_DB_PORT, or 54320."""
    raw = os.environ.get("CLEARGROUND_DB_PORT", str(DEFAULT_PORT))
    try:
        port = int(raw)
    except ValueError:
        raise ClusterError(f"CLEARGROUND_DB_PORT must be a port number, not {raw!r}") from None
    if not 1024 <= port <= 65535:
        raise ClusterError(f"CLEARGROUND_DB_PORT must be between 1024 and 65535, not {port}")
    return port


def is_root() -> bool:
    """True when this process runs as root, so PostgreSQL must run as `postgres`."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def pg_bindir() -> Path:
    """Where initdb, pg_ctl and psql live: CLEARGROUND_PG_BIN, Debian's PostgreSQL 15, or the PATH."""
    explicit = os.environ.get("CLEARGROUND_PG_BIN")
    if explicit:
        return Path(explicit)
    debian = Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin")
    if (debian / "initdb").exists():
        return debian
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise ClusterError(
        f"PostgreSQL {PG_MAJOR} server programs not found (no {debian}/initdb, no initdb on PATH): "
        f"run scripts/bootstrap.sh, or apt-get install postgresql-{PG_MAJOR}-postgis-3"
    )


def pg(program: str) -> str:
    """Full path of one PostgreSQL program."""
    path = pg_bindir() / program
    if not path.exists():
        raise ClusterError(f"{path} is missing: is PostgreSQL {PG_MAJOR} fully installed?")
    return str(path)


def as_pg_user(argv: Sequence[str]) -> list[str]:
    """Prefix a command so it runs as `postgres` when we are root, else as ourselves."""
    if is_root():
        if shutil.which("runuser") is None:
            raise ClusterError("running as root but `runuser` is missing (Debian package util-linux)")
        return ["runuser", "-u", "postgres", "--", *argv]
    return list(argv)


def give_to_pg_user(path: Path) -> None:
    """Make `postgres` own a folder or file we created, when we are root."""
    if is_root():
        try:
            shutil.chown(path, user="postgres", group="postgres")
        except LookupError:
            raise ClusterError(
                "running as root but there is no `postgres` OS user: install postgresql-15 "
                "(scripts/bootstrap.sh does), or run as an ordinary user"
            ) from None


def run_pg(
    argv: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None, log: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program as the cluster's OS user; output goes to `log` or is captured."""
    full = as_pg_user(argv)
    if log is None:
        return subprocess.run(full, cwd=cwd, env=env, text=True, capture_output=True, check=False)
    with open(log, "a", encoding="utf-8") as out:
        return subprocess.run(full, cwd=cwd, env=env, text=True, stdout=out, stderr=subprocess.STDOUT, check=False)


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, indented, for an error message."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return f"    (no log at {path})"
    return "\n".join("    " + line for line in text[-lines:])


def grant_traverse(target: Path, user: str = "postgres") -> None:
    """As root, let `user` reach `target` by adding `--x` ACLs on the ancestors that block it.

    Only folders that `user` cannot already traverse are touched, top-down, and each one is
    named in a printed line. A checkout inside a mode-700 `mktemp -d` folder is the usual case.
    The service user of the web server and worker (clearground/service_user.py) is given its way
    to the checkout and to the database password the same way.
    """
    if not is_root():
        return
    probe = ["runuser", "-u", user, "--", "test", "-x"]
    if subprocess.run([*probe, str(target)], check=False).returncode == 0:
        return
    for folder in reversed([target, *target.parents]):
        if not folder.exists():
            break
        if subprocess.run([*probe, str(folder)], check=False).returncode == 0:
            continue
        if shutil.which("setfacl") is None:
            raise ClusterError(
                f"the {user} user cannot enter {folder}, and setfacl is missing to grant it: "
                "apt-get install acl (scripts/bootstrap.sh does)"
            )
        result = subprocess.run(
            ["setfacl", "-m", f"u:{user}:--x", str(folder)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise ClusterError(f"setfacl on {folder} failed: {result.stderr.strip()}")
        say(f"granted the {user} user traverse-only access (ACL u:{user}:--x) to {folder}")


def make_owned_dir(path: Path, mode: int = 0o700) -> None:
    """Create a folder (if missing) that the cluster's OS user owns."""
    path.mkdir(parents=True, exist_ok=True)
    give_to_pg_user(path)
    path.chmod(mode)


def write_secret(path: Path, text: str, *, for_pg_user: bool = False) -> None:
    """Write a mode-600 file; owned by `postgres` when `for_pg_user` and we are root."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    path.chmod(0o600)
    if for_pg_user:
        give_to_pg_user(path)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def postmaster_info(datadir: Path) -> tuple[int, int] | None:
    """(pid, port) from postmaster.pid, or None when there is none."""
    try:
        lines = (datadir / "postmaster.pid").read_text().splitlines()
        return int(lines[0]), int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def is_running(datadir: Path) -> bool:
    """Ask pg_ctl whether a server runs on this data folder."""
    if not (datadir / "PG_VERSION").exists():
        return False
    return run_pg([pg("pg_ctl"), "status", "-D", str(datadir)], cwd=datadir.parent).returncode == 0


# ---------------------------------------------------------------------------------------------------
# Creating, configuring, starting and stopping


def initdb(datadir: Path, password: str, log: Path) -> None:
    """Create a UTF-8 cluster whose superuser is `clearground`, with scram-sha-256 everywhere."""
    pwfile = datadir.parent / ".initdb-password"
    write_secret(pwfile, password + "\n", for_pg_user=True)
    try:
        result = run_pg(
            [
                pg("initdb"),
                "-D",
                str(datadir),
                "--username",
                DB_USER,
                "--pwfile",
                str(pwfile),
                "--auth",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--locale",
                "C.UTF-8",
                "--no-sync",
            ],
            cwd=datadir.parent,
            log=log,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        raise ClusterError(f"initdb failed (exit {result.returncode}); last lines of {log}:\n{tail(log)}")


def write_config(datadir: Path, settings: dict[str, str]) -> None:
    """Put our settings in clearground.conf, included once from postgresql.conf."""
    lines = ["# Written by clearground/dbcluster.py on every start; edits are overwritten."]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    conf = datadir / "clearground.conf"
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    give_to_pg_user(conf)
    main_conf = datadir / "postgresql.conf"
    include = "include_if_exists = 'clearground.conf'"
    text = main_conf.read_text(encoding="utf-8")
    if include not in text:
        main_conf.write_text(text.rstrip("\n") + f"\n\n{include}\n", encoding="utf-8")


def start(datadir: Path, logfile: Path) -> None:
    """Start the server and wait until it accepts connections; on failure show the log's tail."""
    result = run_pg(
        [pg("pg_ctl"), "start", "-w", "-t", "60", "-D", str(datadir), "-l", str(logfile)],
        cwd=datadir.parent,
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        first = detail[-1] if detail else f"exit {result.returncode}"
        raise ClusterError(f"PostgreSQL did not start ({first}); last lines of {logfile}:\n{tail(logfile)}")


def psql(password: str, host: str, port: int, dbname: str, sql: str) -> subprocess.CompletedProcess[str]:
    """Run one SQL statement as `clearground` (psql, as the current user, so no OS user switch)."""
    env = {**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"}
    for name in ("PGSERVICE", "PGSERVICEFILE", "PGOPTIONS", "PGSSLMODE"):
        env.pop(name, None)
    argv = [pg("psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"]
    argv += ["-h", host, "-p", str(port), "-U", DB_USER, "-d", dbname, "-c", sql]
    return subprocess.run(argv, env=env, text=True, capture_output=True, check=False)


def create_database(password: str, host: str, port: int) -> bool:
    """Create database `clearground` with PostGIS in it, unless it exists. True when created."""
    found = psql(password, host, port, "postgres", f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'")
    if found.returncode != 0:
        raise ClusterError(f"cannot connect to the cluster as {DB_USER}: {found.stderr.strip()}")
    created = False
    if found.stdout.strip() != "1":
        made = psql(password, host, port, "postgres", f'CREATE DATABASE "{DB_NAME}"')
        if made.returncode != 0:
            raise ClusterError(f"CREATE DATABASE {DB_NAME} failed: {made.stderr.strip()}")
        created = True
    ext = psql(password, host, port, DB_NAME, "CREATE EXTENSION IF NOT EXISTS postgis")
    if ext.returncode != 0:
        raise ClusterError(
            f"PostGIS is not available to PostgreSQL {PG_MAJOR} ({ext.stderr.strip()}): "
            f"run scripts/bootstrap.sh, or apt-get install postgresql-{PG_MAJOR}-postgis-3"
        )
    return created


def check_version(datadir: Path) -> None:
    """Refuse a data folder made by another PostgreSQL major version than our binaries."""
    made_by = (datadir / "PG_VERSION").read_text().strip()
    result = subprocess.run([pg("postgres"), "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"\(PostgreSQL\) (\d+)", result.stdout)
    ours = match.group(1) if match else ""
    if ours and made_by != ours:
        raise ClusterError(
            f"{datadir} was made by PostgreSQL {made_by} but the server here is {ours}: "
            "dump and reload it, or move the folder away to start afresh"
        )


def ensure(datadir: Path | str | None = None, port: int | None = None) -> str:
    """Create the private cluster if missing, start it if stopped, and make sure the database exists.

    Layout (for datadir var/pg/data): var/pg/password (mode 600), var/pg/run (unix socket),
    var/pg/log (server and initdb logs). Listens on 127.0.0.1:`port` only. Idempotent: an existing
    cluster keeps its data and is only started. Returns the DATABASE_URL that reaches it.
    """
    datadir = Path(datadir).absolute() if datadir is not None else default_datadir()
    port = port if port is not None else default_port()
    pgdir = datadir.parent
    rundir, logdir, pwpath = pgdir / "run", pgdir / "log", pgdir / "password"
    logfile = logdir / "postgresql.log"

    pg_bindir()  # fail early and clearly when PostgreSQL is missing
    pgdir.mkdir(parents=True, exist_ok=True)
    grant_traverse(pgdir.parent)
    make_owned_dir(pgdir, 0o700)
    make_owned_dir(rundir, 0o750)
    make_owned_dir(logdir, 0o750)

    if not (datadir / "PG_VERSION").exists():
        if datadir.exists() and any(datadir.iterdir()):
            raise ClusterError(f"{datadir} is not empty but holds no cluster: move it away and try again")
        password = secrets.token_urlsafe(24)
        write_secret(pwpath, password + "\n")
        say(f"creating the private PostGIS cluster in {datadir}")
        initdb(datadir, password, logdir / "initdb.log")
    else:
        check_version(datadir)
        if not pwpath.exists():
            raise ClusterError(
                f"{datadir} exists but {pwpath} is missing: restore it, or stop the cluster and move "
                f"{pgdir} away to start afresh (that drops the data)"
            )
        password = pwpath.read_text().strip()

    socket_path = rundir / f".s.PGSQL.{port}"
    socket_dirs = str(rundir)
    if len(str(socket_path)) > MAX_SOCKET_PATH:
        say(f"the checkout's path is too long for a unix socket in {rundir}: TCP only")
        socket_dirs = ""
    settings = {
        "listen_addresses": "'127.0.0.1'",
        "port": str(port),
        "unix_socket_directories": f"'{socket_dirs}'",
        "logging_collector": "off",
        "log_min_messages": "warning",
    }

    if is_running(datadir):
        info = postmaster_info(datadir)
        if info and info[1] != port:
            say(f"the cluster runs on port {info[1]}; restarting it on port {port}")
            stop(datadir)
        else:
            say(f"the private PostGIS cluster is already running on 127.0.0.1:{port}")
    if not is_running(datadir):
        if not port_is_free(port):
            raise ClusterError(
                f"port {port} on 127.0.0.1 is in use by another program: stop it, or set "
                "CLEARGROUND_DB_PORT to a free port (or DATABASE_URL to use another PostGIS)"
            )
        write_config(datadir, settings)
        start(datadir, logfile)
        say(f"started the private PostGIS cluster on 127.0.0.1:{port} (log: {logfile})")

    if create_database(password, "127.0.0.1", port):
        say(f"created database {DB_NAME}")
    return f"postgres://{DB_USER}:{quote(password, safe='')}@127.0.0.1:{port}/{DB_NAME}"


def stop(datadir: Path | str | None = None, mode: str = "fast") -> bool:
    """Stop the cluster on `datadir` if it runs. True when it was running."""
    datadir = Path(datadir).absolute() if datadir is not None else default_datadir()
    if not is_running(datadir):
        return False
    result = run_pg([pg("pg_ctl"), "stop", "-w", "-t", "60", "-m", mode, "-D", str(datadir)], cwd=datadir.parent)
    if result.returncode != 0:
        info = postmaster_info(datadir)
        if info is None:
            raise ClusterError(f"pg_ctl stop failed: {(result.stderr or result.stdout).strip()}")
        with contextlib.suppress(ProcessLookupError):
            os.kill(info[0], signal.SIGQUIT)  # immediate shutdown
        for _ in range(50):
            if not (datadir / "postmaster.pid").exists():
                break
            time.sleep(0.1)
    return True


@contextlib.contextmanager
def throwaway(parent: str | None = None) -> Iterator[str]:
    """A temporary cluster for tests; yields its DATABASE_URL and deletes every trace on exit.

    It listens on no TCP port (listen_addresses=''); its unix socket sits in the temporary folder.
    Durability is off (fsync, full_page_writes, synchronous_commit) since nothing outlives it.
    """
    base = Path(parent or tempfile.gettempdir()).absolute()
    grant_traverse(base)
    tmp = Path(tempfile.mkdtemp(prefix="cg-pg-", dir=base))
    datadir = tmp / "data"
    try:
        give_to_pg_user(tmp)
        if len(str(tmp / ".s.PGSQL.5432")) > MAX_SOCKET_PATH:
            raise ClusterError(f"{tmp} is too long a path for a unix socket: set TMPDIR to a shorter one")
        password = secrets.token_urlsafe(24)
        initdb(datadir, password, tmp / "initdb.log")
        write_config(
            datadir,
            {
                "listen_addresses": "''",
                "port": "5432",
                "unix_socket_directories": f"'{tmp}'",
                "fsync": "off",
                "full_page_writes": "off",
                "synchronous_commit": "off",
                "max_connections": "100",
                "logging_collector": "off",
                "log_min_messages": "warning",
            },
        )
        try:
            start(datadir, tmp / "postgresql.log")
            create_database(password, str(tmp), 5432)
            yield f"postgres://{DB_USER}:{quote(password, safe='')}@/{DB_NAME}?host={quote(str(tmp))}"
        finally:
            stop(datadir, mode="immediate")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------
# Command line


class _Stop(Exception):
    """Raised from a signal handler so that clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def run_in_throwaway(cmd: Sequence[str]) -> int:
    """Run `cmd` with DATABASE_URL pointing at a throwaway cluster; return its exit code."""
    if not cmd:
        raise ClusterError("usage: python -m clearground.dbcluster test -- CMD [ARGS...]")

    def on_signal(signum: int, _frame: object) -> None:
        raise _Stop(signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    stopped_by: int | None = None
    code = 1
    try:
        with throwaway() as url:
            say("throwaway PostGIS cluster up (unix socket only); running: " + " ".join(cmd))
            try:
                child = subprocess.Popen(list(cmd), env={**os.environ, "DATABASE_URL": url})
            except OSError as error:
                print(f"{PREFIX} error: cannot run {cmd[0]}: {error.strerror}", file=sys.stderr, flush=True)
                code = 127
            else:
                try:
                    code = child.wait()
                    if code < 0:  # killed by a signal: report it the way a shell does
                        code = 128 - code
                except (KeyboardInterrupt, _Stop) as reason:
                    stopped_by = reason.signum if isinstance(reason, _Stop) else int(signal.SIGINT)
                    _end_child(child, stopped_by)
            # Let nothing interrupt the clean-up that leaving the block does.
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)
    except (KeyboardInterrupt, _Stop) as reason:  # while the cluster was being made
        stopped_by = reason.signum if isinstance(reason, _Stop) else int(signal.SIGINT)
    if stopped_by is not None:
        say("interrupted; throwaway cluster stopped and removed")
        return 128 + stopped_by
    say("throwaway cluster stopped and removed")
    return code


def _end_child(child: subprocess.Popen[bytes], signum: int) -> None:
    """Pass a signal on to the command and wait for it, killing it if it lingers."""
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m clearground.dbcluster", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    for name, text in (
        ("ensure", "create if missing and start the private cluster"),
        ("stop", "stop the private cluster"),
        ("status", "say whether it runs"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--datadir", type=Path, default=None, help="default: var/pg/data")
        if name == "ensure":
            p.add_argument("--port", type=int, default=None, help="default: $CLEARGROUND_DB_PORT or 54320")
    p = sub.add_parser("test", help="run CMD against a throwaway cluster: test -- CMD [ARGS...]")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    try:
        if args.action == "ensure":
            ensure(args.datadir, args.port)
        elif args.action == "stop":
            datadir = args.datadir or default_datadir()
            if not (datadir / "PG_VERSION").exists():
                say(f"no cluster in {datadir}")
            elif stop(datadir):
                say(f"stopped the cluster in {datadir}")
            else:
                say(f"the cluster in {datadir} was not running")
        elif args.action == "status":
            datadir = args.datadir or default_datadir()
            info = postmaster_info(datadir) if is_running(datadir) else None
            say(f"running on port {info[1]} (pid {info[0]})" if info else f"not running ({datadir})")
            return 0 if info else 3
        else:
            cmd = list(args.cmd)
            if cmd and cmd[0] == "--":
                cmd = cmd[1:]
            return run_in_throwaway(cmd)
    except ClusterError as error:
        print(f"{PREFIX} error: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
