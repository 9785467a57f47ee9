"""`clearground backup` then `clearground restore` into another database gives the same instance.

A realistic small instance (the cast; reports drafted, submitted and approved into hazards; an
accident with a named casualty, encrypted; an import with its file in MEDIA_ROOT; the audit rows all
of that writes) is backed up by the real command in a subprocess, restored by the real command into
a second database on the same cluster with another MEDIA_ROOT, and compared table by table (row
count and checksum) and file by file (sha256). A truncated archive and a target holding data are
refused without changing anything. Decision 0029.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.db import connection, transaction

from accounts.models import AuditEntry, Organisation
from casualties import crypto
from casualties.models import Casualty
from clearground.backup import table_checksums
from clearground.test import DAY0, Cast, square
from hazards.models import HazardousArea
from interop.imports.service import create_import, run_import
from interop.models import Import
from reports.actions import approve_report, create_report
from reports.attachments import upload_attachment
from reports.models import Report, ReportAttachment
from tests.helpers import register_hazard, submitted
from tests.imports_helpers import SOLE
from tests.test_casualties_recording import accident_payload
from tests.test_report_attachments import photo
from vocab.choices import OrganisationKind

ROOT = Path(__file__).resolve().parents[1]
CLEARGROUND = str(Path(sys.executable).with_name("clearground"))


def build_instance(cast: Cast, tmp_path: Path) -> None:
    """Everything a register holds, entered through the actions, as users would."""
    register_hazard(cast, 100, name="Field by the school")
    register_hazard(cast, 250, name="Orchard east of the river")
    submitted(cast, "nts", cast.nts_payload(square(80, x=1000), name="Submitted, not yet approved"))
    draft = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=DAY0,
                          payload=cast.nts_payload(square(50, x=3000), name="A draft"), submit=False)  # fmt: skip
    # Attached files live under MEDIA_ROOT/attachments/<sha[:2]>/<sha256> (decision 0051): they travel too.
    upload_attachment(draft, acting_user=cast.clerk, name="site.jpg", data=photo())
    upload_attachment(draft, acting_user=cast.clerk, name="handover.pdf", data=b"%PDF-1.4\n%%EOF\n")
    approve_report(submitted(cast, "accident", accident_payload()), acting_user=cast.imo)  # a casualty with a name

    mapping = {"id_column": "ref", "fields": {"hazard.devices_suspected": {"value": ["ap_mine"]},
                                              "hazard.land_use": {"value": ["agriculture"]}}}  # fmt: skip
    for batch in range(2):  # two partners' files, each kept in MEDIA_ROOT/imports/<sha256>/
        features = [{"type": "Feature", "properties": {"ref": f"IMP-{batch}-{i}"},
                     "geometry": square(40, x=5000 + i * 100, y=batch * 1000)} for i in range(5)]  # fmt: skip
        source = tmp_path / f"partner-{batch}.geojson"
        source.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
        import_ = create_import(acting_user=cast.clerk, organisation=cast.alpha, path=source,
                                original_name=source.name, kind="nts", mapping=mapping)  # fmt: skip
        run_import(import_, acting_user=cast.imo, approve=True, sole_approval=SOLE)


def database_url(name: str) -> str:
    """The throwaway cluster's DATABASE_URL (scripts and tests/test_jobs.py), naming database `name`."""
    return urlparse(os.environ["DATABASE_URL"])._replace(path="/" + name).geturl()


def clearground(*args: str, database: str, media_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url(database), "MEDIA_ROOT": str(media_root)}
    return subprocess.run([CLEARGROUND, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture
def second_database() -> Iterator[str]:
    """An empty database next to the test database (the test user is the throwaway cluster's superuser)."""
    name = f"{django_settings.DATABASES['default']['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("the test user may not create databases (run on the throwaway cluster)")
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def open_database(name: str) -> psycopg.Connection[Any]:
    db: dict[str, Any] = django_settings.DATABASES["default"]
    return psycopg.connect(host=db["HOST"], port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"],
                           dbname=name)  # fmt: skip


def checksums_of(name: str) -> dict[str, dict[str, Any]]:
    with open_database(name) as conn, conn.cursor() as cursor:
        return table_checksums(cursor)


def checksums_here() -> dict[str, dict[str, Any]]:
    with transaction.atomic(), connection.cursor() as cursor:
        return table_checksums(cursor)


def media_of(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_restored_instance_is_identical_and_a_damaged_archive_or_a_full_target_is_refused(
    cast: Cast, tmp_path: Path, settings: Any, second_database: str
) -> None:
    settings.CLEARGROUND_FIELD_KEY = Fernet.generate_key().decode()
    settings.MEDIA_ROOT = media = tmp_path / "media"
    build_instance(cast, tmp_path)
    source_db = str(django_settings.DATABASES["default"]["NAME"])
    assert HazardousArea.objects.count() == 2 + 10 and Casualty.objects.exclude(identity_encrypted="").exists()
    assert {r.status for r in Report.objects.all()} >= {"draft", "submitted", "approved"}
    assert Import.objects.count() == 2 and AuditEntry.objects.count() > 10
    source_media = media_of(media)
    assert any(path.startswith("imports/") for path in source_media), source_media
    stored = {f"attachments/{a.sha256[:2]}/{a.sha256}": a.sha256 for a in ReportAttachment.objects.all()}
    assert len(stored) == 2 and {p: source_media.get(p) for p in stored} == stored  # each file is its own hash

    backups = tmp_path / "backups"
    backups.mkdir()
    started = time.monotonic()
    made = clearground("backup", "--output", str(backups), database=source_db, media_root=media)
    backup_seconds = time.monotonic() - started
    assert made.returncode == 0, made.stderr
    [archive] = list(backups.iterdir())  # only the archive: no partial file or work folder left behind
    assert archive.name.startswith("clearground-backup-") and archive.suffix == ".tar"

    restored_media = tmp_path / "restored-media"
    started = time.monotonic()
    restored = clearground("restore", str(archive), database=second_database, media_root=restored_media)
    restore_seconds = time.monotonic() - started
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "identical to the backup" in restored.stdout

    # Compared here, independently of what the command printed: every table and every file.
    here, there = checksums_here(), checksums_of(second_database)
    model_tables = {f"public.{t}" for t in connection.introspection.django_table_names(only_existing=True)}
    assert model_tables <= here.keys() and len(here) >= 40  # the comparison covers every model's table
    assert here == there
    assert media_of(restored_media) == source_media
    for path, sha256 in stored.items():  # every attachment row of the restored database finds its bytes
        assert hashlib.sha256((restored_media / path).read_bytes()).hexdigest() == sha256
    with open_database(second_database) as conn:
        [token] = conn.execute("SELECT identity_encrypted FROM casualties_casualty WHERE identity_encrypted <> ''"
                               " ORDER BY id LIMIT 1").fetchall()[0]  # fmt: skip
        postgis = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'").fetchone()
    assert "Hrytsenko" not in token and crypto.decrypt(token)["name"] == "Mykola Hrytsenko"  # still sealed, same key
    assert postgis is not None

    # A checksum notices one changed value.
    with open_database(second_database) as conn:
        conn.execute("UPDATE hazards_hazardousarea SET name = name || '.' WHERE id = (SELECT min(id) FROM "
                     "hazards_hazardousarea)")  # fmt: skip
    changed = checksums_of(second_database)
    assert [t for t in here if here[t] != changed[t]] == ["public.hazards_hazardousarea"]

    # A truncated archive is refused, even with --yes, and the target stays as it was.
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    refused = clearground("restore", "--yes", str(truncated), database=second_database, media_root=restored_media)
    assert refused.returncode != 0 and "damaged or truncated" in refused.stderr, refused.stderr
    assert checksums_of(second_database) == changed and media_of(restored_media) == source_media

    # So is an archive whose file no longer matches its manifest.
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w") as out:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("media/imports/"):
                data = data.replace(b"IMP-0-1", b"IMP-0-9")
            out.addfile(member, io.BytesIO(data))
    refused = clearground("restore", "--yes", str(tampered), database=second_database, media_root=restored_media)
    assert refused.returncode != 0 and "does not match its manifest" in refused.stderr, refused.stderr
    assert checksums_of(second_database) == changed

    # A database that holds data is replaced only with --yes.
    refused = clearground("restore", str(archive), database=second_database, media_root=restored_media)
    assert refused.returncode != 0 and "holds data" in refused.stderr and "--yes" in refused.stderr
    assert checksums_of(second_database) == changed
    again = clearground("restore", "--yes", str(archive), database=second_database, media_root=restored_media)
    assert again.returncode == 0, again.stdout + again.stderr
    assert checksums_of(second_database) == here and media_of(restored_media) == source_media

    rows = sum(t["rows"] for t in here.values())
    size = archive.stat().st_size
    print(f"\nbackup/restore: {len(here)} tables, {rows} rows, {len(source_media)} media files, archive {size} "
          f"bytes; processes: backup {backup_seconds:.2f} s, restore {restore_seconds:.2f} s\n{made.stdout}"
          f"{restored.stdout}")  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_backup_killed_half_way_leaves_no_file_that_looks_like_a_backup(
    cast: Cast, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = media = tmp_path / "media"
    register_hazard(cast, 100)
    backups = tmp_path / "backups"
    backups.mkdir()
    source_db = str(django_settings.DATABASES["default"]["NAME"])
    env = {**os.environ, "DATABASE_URL": database_url(source_db), "MEDIA_ROOT": str(media)}
    # Another session holds a lock the backup must wait for, so it is surely mid-way when killed.
    with open_database(source_db) as blocker, open_database(source_db) as observer:
        observer.autocommit = True  # pg_stat_activity is read once per transaction: look afresh each time
        blocker.execute("LOCK TABLE hazards_hazardousarea IN ACCESS EXCLUSIVE MODE")
        blocker_pid = blocker.info.backend_pid
        child = subprocess.Popen([CLEARGROUND, "backup", "--output", str(backups)], env=env, cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not waiting_for(observer, blocker_pid) and child.poll() is None:
                time.sleep(0.05)
            assert child.poll() is None and waiting_for(observer, blocker_pid), "no backup waiting at the lock"
            child.kill()
            child.wait(30)
        finally:
            if child.poll() is None:
                child.kill()
        blocker.rollback()
    assert not [p for p in backups.iterdir() if p.name.startswith("clearground-backup-")]  # only dot-named leftovers

    made = subprocess.run([CLEARGROUND, "backup", "--output", str(backups)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert len([p for p in backups.iterdir() if p.name.startswith("clearground-backup-")]) == 1


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_users_write_holds_the_database_of_one_moment(
    cast: Cast, tmp_path: Path, settings: Any, second_database: str
) -> None:
    settings.MEDIA_ROOT = media = tmp_path / "media"
    register_hazard(cast, 100)
    backups = tmp_path / "backups"
    backups.mkdir()
    source_db = str(django_settings.DATABASES["default"]["NAME"])
    env = {**os.environ, "DATABASE_URL": database_url(source_db), "MEDIA_ROOT": str(media)}
    with open_database(source_db) as blocker, open_database(source_db) as observer:
        observer.autocommit = True
        blocker.execute("LOCK TABLE hazards_hazardousarea IN ACCESS EXCLUSIVE MODE")
        child = subprocess.Popen([CLEARGROUND, "backup", "--output", str(backups)], env=env, cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not waiting_for(observer, blocker.info.backend_pid):
            time.sleep(0.05)
        # The backup has begun (it waits at the locked table); a user writes meanwhile, and commits.
        Organisation.objects.create(code="late", name="Registered during the backup", kind=OrganisationKind.NGO,
                                    country_iso3="UKR")  # fmt: skip
        blocker.rollback()
    _out, errors = child.communicate(timeout=300)
    assert child.returncode == 0, errors
    [archive] = list(backups.iterdir())

    restored = clearground("restore", str(archive), database=second_database, media_root=tmp_path / "restored")
    assert restored.returncode == 0 and "identical to the backup" in restored.stdout, restored.stdout + restored.stderr
    # The dump and the manifest saw the same moment: before the late write, in every table.
    here, there = checksums_here(), checksums_of(second_database)
    assert [t for t in here if here[t] != there[t]] == ["public.accounts_organisation"]
    assert here["public.accounts_organisation"]["rows"] == there["public.accounts_organisation"]["rows"] + 1


def waiting_for(observer: psycopg.Connection[Any], pid: int) -> bool:
    """True when some session waits for a lock that session `pid` holds."""
    row = observer.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid])
    return bool(row.fetchone()[0])  # type: ignore[index]
