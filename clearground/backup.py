"""`clearground backup` and `clearground restore`: the database and the uploaded files in one tar file.

The archive holds, in this order: `database.dump` (pg_dump's custom format), `media/<path>` for every
file under MEDIA_ROOT, and `manifest.json` last, so a truncated archive has no manifest. The manifest
states, for the moment of the dump, every table's row count and checksum (table_checksums, the one
definition the commands and the tests use), every sequence, the last migration of each app, and the
sha256 of the dump and of each file. A restore checks all of it before it changes anything, restores
in one transaction, and checks the result against the manifest again (clearground/restore.py).
See decision 0029.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from clearground import dbcluster

FORMAT = "clearground-backup"
FORMAT_VERSION = 1
DUMP_NAME = "database.dump"
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media"
CHUNK = 1 << 20

#: Tables that `clearground migrate` fills by itself: rows there do not make a database "hold data".
SEEDED_BY_MIGRATE = frozenset(
    {"public.django_migrations", "public.django_content_type", "public.auth_permission", "public.hazards_dataversion"}
)

#: (stage, done, total or None): how the commands draw their progress bars.
Progress = Callable[[str, int, "int | None"], None]


class BackupError(Exception):
    """A backup or restore cannot go on; the message is meant for the person at the terminal."""


def quiet(stage: str, done: int, total: int | None) -> None:
    """The Progress that shows nothing."""


# ---------------------------------------------------------------------------------------------------
# What "identical" means: row counts and checksums per table, and the sequences

# Every ordinary table of every schema the app uses (all but PostgreSQL's own), except those an
# extension owns (PostGIS's spatial_ref_sys comes from the extension, not from us). For each one the
# server writes the statement that sums it up, quoting names itself (format's %I): rows in primary-key
# order, text columns of the key compared byte-wise (COLLATE "C") so the order does not depend on the
# cluster's collation; a table without a key is ordered by its rows' text.
TABLES = r"""
WITH app_tables AS (
    SELECT c.oid, n.nspname, c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
), ordering AS (
    SELECT t.oid, string_agg(format('t.%I', a.attname) || CASE WHEN a.attcollation <> 0 THEN ' COLLATE "C"'
                                                                ELSE '' END, ', ' ORDER BY k.ord) AS order_by
    FROM app_tables t
    JOIN pg_index i ON i.indrelid = t.oid AND i.indisprimary
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    GROUP BY t.oid
)
SELECT t.nspname || '.' || t.relname,
       format('SELECT count(*), coalesce(md5(string_agg(md5(t::text), '''' ORDER BY %s)), '''') FROM %I.%I t',
              coalesce(o.order_by, 't::text COLLATE "C"'), t.nspname, t.relname)
FROM app_tables t LEFT JOIN ordering o ON o.oid = t.oid
ORDER BY 1
"""

_SEQUENCES = r"""
SELECT n.nspname || '.' || c.relname, format('SELECT last_value, is_called FROM %I.%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY 1
"""

# A row's text depends on the session (time zone, date and float styles): fix them so that two
# servers, or two sessions, write the same text for the same row. Local to the caller's transaction.
_STABLE_TEXT = [
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'postgres'",
    "SET LOCAL extra_float_digits = 1",
    "SET LOCAL bytea_output = 'hex'",
]


def table_checksums(cursor: Any, progress: Progress = quiet) -> dict[str, dict[str, Any]]:
    """{"schema.table": {"rows": n, "md5": ...}} for every table of the app; call it inside a transaction.

    The checksum is the md5 of the rows' md5s in primary-key order (each row as PostgreSQL's text of
    the whole row, geometry as hex EWKB included), so it changes with any value, row or order key.
    `cursor` is any DB-API cursor on the database: Django's or psycopg's.
    """
    for statement in _STABLE_TEXT:
        cursor.execute(statement)
    cursor.execute(TABLES)
    statements = cursor.fetchall()
    sums: dict[str, dict[str, Any]] = {}
    for done, (name, statement) in enumerate(statements, start=1):
        cursor.execute(statement)
        rows, md5 = cursor.fetchone()
        sums[name] = {"rows": int(rows), "md5": md5}
        progress("checksums", done, len(statements))
    return sums


def sequence_values(cursor: Any) -> dict[str, int]:
    """{"schema.sequence": the value its next nextval() builds on} for every sequence of the app."""
    cursor.execute(_SEQUENCES)
    values: dict[str, int] = {}
    for name, statement in cursor.fetchall():
        cursor.execute(statement)
        last_value, is_called = cursor.fetchone()
        values[name] = int(last_value) if is_called else int(last_value) - 1
    return values


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> dict[str, Path]:
    """{"imports/<sha>/<name>": path} for every regular file under MEDIA_ROOT, in name order."""
    if not root.is_dir():
        return {}
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[path.relative_to(root).as_posix()] = path
    return found


# ---------------------------------------------------------------------------------------------------
# Talking to PostgreSQL's programs with Django's settings


def pg_env() -> dict[str, str]:
    """The environment that points pg_dump, pg_restore and psql at DATABASES["default"].

    The password travels in PGPASSWORD, never on a command line (where `ps` would show it).
    """
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if k not in {"PGSERVICE", "PGSERVICEFILE", "PGOPTIONS"}}
    values = {"PGHOST": db.get("HOST"), "PGPORT": db.get("PORT"), "PGUSER": db.get("USER"),
              "PGPASSWORD": db.get("PASSWORD"), "PGDATABASE": db.get("NAME")}  # fmt: skip
    for key, value in values.items():
        if value:
            env[key] = str(value)
        else:
            env.pop(key, None)
    env["PGCONNECT_TIMEOUT"] = env.get("PGCONNECT_TIMEOUT", "10")
    return env


def program(name: str) -> str:
    """Full path of pg_dump, pg_restore or psql: the same PostgreSQL programs the private cluster uses."""
    try:
        return dbcluster.pg(name)
    except dbcluster.ClusterError as exc:
        raise BackupError(str(exc)) from None


def failure(what: str, result: subprocess.CompletedProcess[Any] | str) -> BackupError:
    """A BackupError saying what failed, with the last lines a PostgreSQL program wrote to stderr."""
    text = result if isinstance(result, str) else (result.stderr or "")
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return BackupError(f"{what}: " + ("\n".join(lines[-8:]) if lines else "no message"))


def _watch_size(path: Path, stage: str, progress: Progress, stop: threading.Event) -> threading.Thread:
    """Report a growing file's size while a program writes it (pg_dump says nothing on its own)."""

    def watch() -> None:
        while not stop.wait(0.2):
            try:
                progress(stage, path.stat().st_size, None)
            except OSError:
                pass

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------------------------------------------
# Backup


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    size: int
    seconds: float


def default_name(now: dt.datetime) -> str:
    """clearground-backup-YYYYMMDD-HHMMSS.tar (UTC)."""
    return f"clearground-backup-{now:%Y%m%d-%H%M%S}.tar"


def _last_migrations(cursor: Any) -> dict[str, str]:
    cursor.execute("SELECT to_regclass('public.django_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        raise BackupError("the database has no Clearground tables (run `clearground migrate` first)")
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return dict(cursor.fetchall())  # later rows win: the last applied migration of each app


def _server(cursor: Any) -> dict[str, str]:
    cursor.execute(
        "SELECT current_setting('server_version'), current_database(),"
        " (SELECT extversion FROM pg_extension WHERE extname = 'postgis')"
    )
    version, name, postgis = cursor.fetchone()
    return {"postgresql": version, "database": name, "postgis": postgis or ""}


def _version() -> str:
    try:
        return metadata.version("clearground")
    except metadata.PackageNotFoundError:
        return "unknown"


class _HashingReader(io.RawIOBase):
    """A file read through once: hashes and counts what tarfile copies into the archive."""

    def __init__(self, fh: IO[bytes], on_read: Callable[[int], None]) -> None:
        self.fh, self.digest, self.on_read = fh, hashlib.sha256(), on_read

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        self.on_read(len(data))
        return data


def _add_file(archive: tarfile.TarFile, name: str, path: Path, on_read: Callable[[int], None]) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    stat = path.stat()
    info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o644
    with path.open("rb") as fh:
        reader = _HashingReader(fh, on_read)
        archive.addfile(info, reader)  # tarfile only calls read()
    return {"size": info.size, "sha256": reader.digest.hexdigest()}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
    archive.addfile(info, io.BytesIO(data))


def _sync_and_rename(partial: Path, final: Path) -> None:
    with partial.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, final)
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)  # the rename itself survives a power cut
    finally:
        os.close(fd)


def create_backup(output: Path | None = None, *, progress: Progress = quiet) -> BackupResult:
    """Write one archive of the database and MEDIA_ROOT; nothing named like a backup until it is whole.

    The checksums and pg_dump read one snapshot (a REPEATABLE READ transaction exported to pg_dump
    with --snapshot), so the manifest describes exactly the rows in the dump even while users write.
    The archive is written as `.<name>.partial` next to the target and renamed when complete.
    """
    started = time.monotonic()
    now = dt.datetime.now(dt.UTC)
    if output is None:
        output = Path.cwd() / default_name(now)
    elif output.is_dir():
        output = output / default_name(now)
    output = output.absolute()
    if not output.parent.is_dir():
        raise BackupError(f"{output.parent} is not a folder")
    if output.exists():
        raise BackupError(f"{output} exists already: choose another --output")
    media_root = Path(settings.MEDIA_ROOT)
    work = Path(tempfile.mkdtemp(prefix=".clearground-backup-", dir=output.parent))
    partial = output.with_name(f".{output.name}.partial")
    try:
        dump = work / DUMP_NAME
        connection.ensure_connection()  # before the transaction: its first statement must set the isolation
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": now.isoformat(),
                "clearground_version": _version(),
                **_server(cursor),
                "media_root": str(media_root),
                "migrations": _last_migrations(cursor),
                "tables": table_checksums(cursor, progress),
                "sequences": sequence_values(cursor),
            }
            _pg_dump(dump, snapshot, progress)
        files = media_files(media_root)
        total = dump.stat().st_size + sum(p.stat().st_size for p in files.values())
        written = 0

        def on_read(n: int) -> None:
            nonlocal written
            written += n
            progress("archive", written, total)

        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            manifest["database_dump"] = {"name": DUMP_NAME, **_add_file(archive, DUMP_NAME, dump, on_read)}
            manifest["media"] = [{"path": rel, **_add_file(archive, f"{MEDIA_PREFIX}/{rel}", path, on_read)}
                                 for rel, path in files.items()]  # fmt: skip
            _add_bytes(archive, MANIFEST_NAME, json.dumps(manifest, indent=1, sort_keys=True).encode())
        _sync_and_rename(partial, output)
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(path=output, manifest=manifest, size=output.stat().st_size,
                        seconds=time.monotonic() - started)  # fmt: skip


def _pg_dump(dump: Path, snapshot: str, progress: Progress) -> None:
    argv = [program("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={dump}"]
    stop = threading.Event()
    watcher = _watch_size(dump, "database dump", progress, stop)
    try:
        result = subprocess.run(argv, env=pg_env(), capture_output=True, text=True, check=False)
    finally:
        stop.set()
        watcher.join()
    if result.returncode != 0:
        raise failure("pg_dump failed", result)
    progress("database dump", dump.stat().st_size, dump.stat().st_size)


class ProgressBars:
    """A tqdm bar per stage on stderr when it is a terminal (a cron job's log gets none)."""

    BYTE_STAGES = frozenset({"database dump", "archive", "checking", "restoring database"})

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled, self.stage, self.bar = enabled, "", None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if stage != self.stage:
            self.close()
            self.stage = stage
            in_bytes = stage in self.BYTE_STAGES
            self.bar = tqdm(desc=stage, total=total, unit="B" if in_bytes else "table", unit_scale=in_bytes,
                            file=sys.stderr, mininterval=0.2, disable=None)  # fmt: skip
        assert self.bar is not None
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@contextmanager
def command_progress(verbosity: int) -> Iterator[ProgressBars]:
    """Progress bars for `clearground backup` / `restore`, and their failures as one CommandError line."""
    bars = ProgressBars(enabled=verbosity > 0)
    try:
        yield bars
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    except DatabaseError as exc:  # e.g. the database named by DATABASE_URL does not exist
        raise CommandError(f"cannot use the database: {str(exc).strip()}") from None
    finally:
        bars.close()
