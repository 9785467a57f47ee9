"""`clearground restore`: check a backup whole, replace the database and MEDIA_ROOT with it, check the result.

Nothing changes until every part of the archive matched its manifest and pg_restore could read the
dump. The database is emptied and loaded in one transaction; the files are unpacked next to
MEDIA_ROOT and swapped in by renaming. Then every table's count and checksum (backup.table_checksums),
the sequences and the files are compared with the manifest. See decision 0029.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import connection, connections, transaction

from clearground.backup import (
    CHUNK,
    DUMP_NAME,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST_NAME,
    MEDIA_PREFIX,
    SEEDED_BY_MIGRATE,
    TABLES,
    BackupError,
    Progress,
    failure,
    file_sha256,
    media_files,
    pg_env,
    program,
    quiet,
    sequence_values,
    table_checksums,
)


@dataclass
class CheckedArchive:
    """An archive whose every part matched its manifest, unpacked into a work folder."""

    manifest: dict[str, Any]
    dump: Path
    media: Path  # the staged MEDIA_ROOT, next to the real one so that swapping it in is a rename
    toc: str  # pg_restore --list


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    differences: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    media_files: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _member_target(name: str) -> str | None:
    """The MEDIA_ROOT-relative path of an archive member under media/, or None for an unsafe name."""
    path = PurePosixPath(name)
    parts = path.parts
    if path.is_absolute() or len(parts) < 2 or parts[0] != MEDIA_PREFIX or any(p in {"", ".", ".."} for p in parts):
        return None
    return PurePosixPath(*parts[1:]).as_posix()


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path, on_read: Callable[[int], None]) -> str:
    source = archive.extractfile(member)
    if source is None:
        raise BackupError(f"{member.name} in the archive cannot be read")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with source, target.open("wb") as out:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
            on_read(len(chunk))
    return digest.hexdigest()


def check_archive(path: Path, work: Path, staged_media: Path, progress: Progress = quiet) -> CheckedArchive:
    """Unpack and check every part of an archive against its manifest; BackupError on the first fault.

    Read in one pass (a truncated or corrupted tar fails here): the dump and each media file must
    have the manifest's sha256, no file may be missing or extra, no name may leave MEDIA_ROOT, and
    pg_restore must be able to read the dump's table of contents.
    """
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    size, done = path.stat().st_size, 0

    def on_read(n: int) -> None:
        nonlocal done
        done += n
        progress("checking", done, size)

    manifest: dict[str, Any] | None = None
    dump_sha: str | None = None
    media_sha: dict[str, str] = {}
    try:
        with tarfile.open(path, "r|") as archive:
            for member in archive:
                if not member.isfile():
                    raise BackupError(f"the archive holds {member.name!r}, which is not a file")
                if member.name == MANIFEST_NAME:
                    source = archive.extractfile(member)
                    assert source is not None
                    raw = source.read()
                    on_read(len(raw))
                    manifest = json.loads(raw.decode("utf-8"))
                elif member.name == DUMP_NAME:
                    dump_sha = _extract(archive, member, work / DUMP_NAME, on_read)
                elif (rel := _member_target(member.name)) is not None:
                    media_sha[rel] = _extract(archive, member, staged_media / rel, on_read)
                else:
                    raise BackupError(f"the archive holds {member.name!r}, which a Clearground backup never does")
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path} is damaged or truncated ({exc}): nothing was changed") from None
    problems = _compare_archive(manifest, dump_sha, media_sha)
    if problems:
        raise BackupError(f"{path} does not match its manifest: " + "; ".join(problems[:10]) + ": nothing was changed")
    assert manifest is not None
    listed = subprocess.run([program("pg_restore"), "--list", str(work / DUMP_NAME)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    if listed.returncode != 0:
        raise failure(f"pg_restore cannot read the dump in {path}; nothing was changed", listed)
    return CheckedArchive(manifest=manifest, dump=work / DUMP_NAME, media=staged_media, toc=listed.stdout)


def _compare_archive(manifest: dict[str, Any] | None, dump_sha: str | None, media_sha: dict[str, str]) -> list[str]:
    if manifest is None:
        return ["it has no manifest.json (a truncated archive ends before it)"]
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        return [f"it is not a {FORMAT} archive of version {FORMAT_VERSION}"]
    problems = []
    if dump_sha is None:
        problems.append(f"{DUMP_NAME} is missing")
    elif dump_sha != manifest["database_dump"]["sha256"]:
        problems.append(f"{DUMP_NAME} has another sha256 than the manifest's")
    listed = {m["path"]: m["sha256"] for m in manifest["media"]}
    problems += [f"media file {p} is missing" for p in sorted(listed.keys() - media_sha.keys())]
    problems += [f"media file {p} is not in the manifest" for p in sorted(media_sha.keys() - listed.keys())]
    problems += [f"media file {p} has another sha256" for p in sorted(listed.keys() & media_sha.keys())
                 if media_sha[p] != listed[p]]  # fmt: skip
    return problems


def _unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    """Migrations the backup has that this code does not: restoring would leave a schema the code cannot use."""
    from django.db.migrations.loader import MigrationLoader

    on_disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [f"{app}.{name}" for app, name in sorted(manifest["migrations"].items()) if (app, name) not in on_disk]


def _pending_migrations(manifest: dict[str, Any]) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    leaves = dict(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())
    return sorted(app for app, name in leaves.items() if manifest["migrations"].get(app) != name)


def existing_data(media_root: Path) -> list[str]:
    """What a restore would overwrite: tables with rows (beyond what migrate writes) and media files."""
    found = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(TABLES)
        for name, _statement in cursor.fetchall():
            if name in SEEDED_BY_MIGRATE:
                continue
            schema, table = name.split(".", 1)
            cursor.execute("SELECT format('SELECT EXISTS (SELECT FROM %%I.%%I)', %s, %s)", [schema, table])
            cursor.execute(cursor.fetchone()[0])
            if cursor.fetchone()[0]:
                found.append(name)
    files = media_files(media_root)
    if files:
        found.append(f"{len(files)} files in {media_root}")
    return found


# Empties the target but keeps PostGIS (it may belong to another role, and a non-superuser could not
# create it again): every schema but public and extensions' own is dropped, and in public every
# table, view, sequence, routine and type that no extension owns. One transaction with the restore.
_EMPTY_TARGET = r"""
CREATE EXTENSION IF NOT EXISTS postgis;
DO $clearground$
DECLARE
    statements text[];
    statement text;
BEGIN
    -- Listed first, then run: a list built while dropping would meet objects a CASCADE already took.
    statements := ARRAY(SELECT drop_it FROM (
        SELECT 1 AS step, format('DROP SCHEMA IF EXISTS %I CASCADE', n.nspname) AS drop_it
        FROM pg_namespace n
        WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid
                          AND d.deptype = 'e')
        UNION ALL
        SELECT 2, format('DROP %s IF EXISTS public.%I CASCADE', CASE c.relkind WHEN 'v' THEN 'VIEW'
               WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
               ELSE 'TABLE' END, c.relname)
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          -- neither an extension's (PostGIS's spatial_ref_sys) nor a column's own sequence (it goes with the table)
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
        UNION ALL
        SELECT 3, format('DROP %s IF EXISTS public.%I(%s) CASCADE', CASE p.prokind WHEN 'a' THEN 'AGGREGATE'
               ELSE 'ROUTINE' END, p.proname, pg_get_function_identity_arguments(p.oid))
        FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                          AND d.deptype = 'e')
        UNION ALL
        SELECT 4, format('DROP TYPE IF EXISTS public.%I CASCADE', t.typname)
        FROM pg_type t
        LEFT JOIN pg_class c ON c.oid = t.typrelid
        WHERE t.typnamespace = 'public'::regnamespace
          AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))  -- not a table's row type
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                          AND d.deptype = 'e')
    ) AS objects ORDER BY step, drop_it);
    FOREACH statement IN ARRAY statements LOOP
        EXECUTE statement;
    END LOOP;
END
$clearground$;
"""


def _restore_list(toc: str) -> str:
    """The dump's table of contents without the extensions: the target keeps its own PostGIS."""
    kept = [line for line in toc.splitlines() if " EXTENSION - " not in line and " COMMENT - EXTENSION " not in line]
    return "\n".join(kept) + "\n"


def _restore_database(checked: CheckedArchive, work: Path, progress: Progress) -> None:
    """Empty the target and load the dump in one transaction: all of it is committed, or none of it.

    pg_restore writes the dump as SQL and psql runs it. The transaction is opened and committed here,
    around the stream: if pg_restore fails part-way, COMMIT is never sent, psql reaches the end of
    its input and disconnects, and the server rolls everything back.
    """
    listing = work / "restore.list"
    listing.write_text(_restore_list(checked.toc), encoding="utf-8")
    connections.close_all()  # our own sessions must not hold locks on what is about to be dropped
    env = pg_env()
    # No NOTICE per dropped object; and a server or worker still in a transaction makes the restore fail
    # after a minute (nothing changed) rather than wait for ever.
    psql_env = {**env, "PGOPTIONS": "-c client_min_messages=warning -c lock_timeout=60s"}
    restore = subprocess.Popen(
        [program("pg_restore"), "--no-owner", "--no-privileges", f"--use-list={listing}", "--file=-",
         str(checked.dump)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    psql = subprocess.Popen(
        [program("psql"), "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", "--file=-"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=psql_env,
    )  # fmt: skip
    assert restore.stdout is not None and psql.stdin is not None
    restore_errors, psql_errors = _drain(restore.stderr), _drain(psql.stderr)
    committed, sent = False, 0
    try:
        psql.stdin.write(b"BEGIN;\n" + _EMPTY_TARGET.encode())
        for chunk in iter(lambda: restore.stdout.read(CHUNK), b""):  # type: ignore[union-attr]
            psql.stdin.write(chunk)
            sent += len(chunk)
            progress("restoring database", sent, None)
        if restore.wait() == 0:
            psql.stdin.write(b"COMMIT;\n")
            committed = True
        psql.stdin.close()
    except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP): its stderr says which
        restore.kill()
    restore.wait()
    psql.wait()
    if psql.returncode != 0:
        raise failure("PostgreSQL refused the restore and rolled it back; the database was left as it was",
                       psql_errors())  # fmt: skip
    if restore.returncode != 0 or not committed:
        raise failure("pg_restore failed; the database was left as it was", restore_errors())


def _drain(stream: IO[bytes] | None) -> Callable[[], str]:
    """Read a program's stderr in a thread (a full pipe would stall it); call the result for the text."""
    chunks: list[bytes] = []
    thread = threading.Thread(target=lambda: chunks.append(stream.read() if stream else b""), daemon=True)
    thread.start()

    def text() -> str:
        thread.join()
        return b"".join(chunks).decode(errors="replace")

    return text


def _swap_media(staged: Path, media_root: Path) -> None:
    """Put the restored files in place with renames (same folder), then remove the old ones."""
    if media_root.exists():
        old = media_root.with_name(f".{media_root.name}-replaced-{os.getpid()}-{time.time_ns()}")
        os.rename(media_root, old)
        os.rename(staged, media_root)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staged, media_root)


def verify_restore(manifest: dict[str, Any], media_root: Path, progress: Progress = quiet) -> RestoreResult:
    """Recompute every table's count and checksum, the sequences and the media files; list what differs."""
    result = RestoreResult(manifest=manifest)
    with transaction.atomic(), connection.cursor() as cursor:
        tables = table_checksums(cursor, progress)
        sequences = sequence_values(cursor)
    expected: dict[str, dict[str, Any]] = manifest["tables"]
    for name in sorted(expected.keys() | tables.keys()):
        want, got = expected.get(name), tables.get(name)
        if want is None:
            result.differences.append(f"table {name} is not in the backup")
        elif got is None:
            result.differences.append(f"table {name} is missing")
        elif want != got:
            result.differences.append(f"table {name}: {got['rows']} rows, checksum {got['md5']}; "
                                      f"the backup has {want['rows']} rows, checksum {want['md5']}")  # fmt: skip
    # pg_dump reads sequences after the manifest did, outside any snapshot: a write during the backup
    # may leave it a little ahead, never behind.
    for name, value in sorted(manifest["sequences"].items()):
        if sequences.get(name, -1) < value:
            result.differences.append(f"sequence {name} is at {sequences.get(name)}, the backup at {value}")
    files = media_files(media_root)
    listed = {m["path"]: m["sha256"] for m in manifest["media"]}
    if set(files) != set(listed):
        result.differences.append(f"media files differ: {sorted(set(files) ^ set(listed))[:10]}")
    for rel in sorted(set(files) & set(listed)):
        if file_sha256(files[rel]) != listed[rel]:
            result.differences.append(f"media file {rel} differs")
    result.tables, result.rows, result.media_files = len(tables), sum(t["rows"] for t in tables.values()), len(files)
    return result


def restore_backup(path: Path, *, overwrite: bool = False, progress: Progress = quiet) -> RestoreResult:
    """Check an archive whole, then replace the database and MEDIA_ROOT with it, then check the result.

    Refuses (BackupError, nothing changed) a damaged archive, a backup made by newer code, and a
    target that holds data unless `overwrite`. The result lists every difference from the manifest.
    """
    started = time.monotonic()
    media_root = Path(settings.MEDIA_ROOT).absolute()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".clearground-restore-", dir=media_root.parent))
    try:
        checked = check_archive(path.absolute(), work, work / "media", progress)
        manifest = checked.manifest
        unknown = _unknown_migrations(manifest)
        if unknown:
            raise BackupError("the backup was made by a newer Clearground (migrations unknown here: "
                              f"{', '.join(unknown)}): install that version first; nothing was changed")  # fmt: skip
        if not overwrite:
            found = existing_data(media_root)
            if found:
                raise BackupError(
                    f"the database {settings.DATABASES['default']['NAME']} or {media_root} holds data "
                    f"({', '.join(found[:5])}{', …' if len(found) > 5 else ''}): add --yes to replace it; "
                    "nothing was changed"
                )
        checked.media.mkdir(exist_ok=True)
        _restore_database(checked, work, progress)
        _swap_media(checked.media, media_root)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = verify_restore(manifest, media_root, progress)
    # Imports find their stored files under this instance's MEDIA_ROOT (interop.imports.service.stored_file),
    # so a backup restored under another MEDIA_ROOT needs no note about them.
    pending = _pending_migrations(manifest)
    if pending:
        result.notes.append(f"this code has newer migrations for {', '.join(pending)}: run `clearground migrate`")
    result.seconds = time.monotonic() - started
    return result


def iter_lines(result: RestoreResult) -> Iterator[str]:
    """What `clearground restore` prints about the restored instance."""
    m = result.manifest
    yield (
        f"restored the backup of {m['created_at']} (Clearground {m['clearground_version']}, database "
        f"{m['database']}) in {result.seconds:.1f} s"
    )
    if result.differences:
        yield f"NOT IDENTICAL: {len(result.differences)} differences from the backup's manifest:"
        yield from (f"  {d}" for d in result.differences)
    else:
        yield (f"identical to the backup: {result.tables} tables ({result.rows} rows) with the same counts and "
               f"checksums, {len(m['sequences'])} sequences, {result.media_files} media files with the same "
               "sha256")  # fmt: skip
    yield from (f"note: {n}" for n in result.notes)
