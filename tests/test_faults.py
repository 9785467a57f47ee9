"""Kill -9 in the middle of an approval, an export or an approving import: nothing half-written, a retry works.

Decision 0028. The application runs as in production (gunicorn as scripts/run.sh starts it, the job
worker as `clearground worker`) on the test database; the tests are transactional so those processes
see the rows. To stop a request half-way without a hook in the product, the test itself holds a lock
on a table the request touches late, waits until PostgreSQL shows the request's session waiting for
that lock (and, for a write, that its transaction has already written rows), and only then kills.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pytest
import requests
from django.core.management import call_command
from django.db import connection, connections, transaction
from pyogrio import raw

from accounts.models import AuditEntry
from accounts.tokens import issue_token
from clearground.test import Cast, square
from hazards.models import DataVersion, HazardousArea, HazardVersion
from interop.exports import scratch
from interop.models import Import, ImportedRecord
from jobs.actions import enqueue, requeue_stale
from jobs.models import Job, JobStatus
from reports.models import Report, ReportStatus, ReportTransition
from tests.helpers import register_hazard, submitted
from tests.imports_helpers import SOLE, grid_import
from tests.processes import Gunicorn, Worker, backend_gone, dead, lock_waiter, wait_for

BOTH = ["default", "progress"]


@pytest.fixture(autouse=True)
def close_all_connections() -> Iterator[None]:
    # The worker and gunicorn sessions end with their processes; ours (both aliases) must end too, or
    # dropping the test database fails with "being accessed by other users".
    yield
    connections.close_all()


def register_state() -> dict[str, int]:
    """What an approval writes, counted: any change after a killed approval means it was half-written."""
    return {
        "hazards": HazardousArea.objects.count(),
        "hazard_versions": HazardVersion.objects.count(),
        "transitions": ReportTransition.objects.count(),
        "approval_audit": AuditEntry.objects.filter(action="report.approve").count(),
        "audit": AuditEntry.objects.count(),
        # A transactional test empties every table after it, the row a migration made included.
        "data_version": DataVersion.objects.get_or_create(pk=1)[0].value,
    }


def in_background(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    """Run fn() in a thread; its answer or exception lands in the returned dict."""
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["answer"] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects what the client saw
            out["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, out


def held_until_killed(table: str, mode: str, server: Gunicorn, request: Any) -> tuple[dict[str, Any], bool]:
    """Lock `table`, send `request` to the server, kill -9 the server once the request waits for the lock.

    Returns what the client saw and whether the request's transaction had already written rows. The
    lock is released after the kill; the test then waits until PostgreSQL has ended the orphaned session.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN {mode} MODE")  # names from this module, not input
        thread, out = in_background(request)

        def waiting() -> tuple[int, bool] | None:
            assert thread.is_alive(), f"the request ended before it reached the lock: {out}"
            return lock_waiter(table)

        try:
            pid, wrote = wait_for(waiting, 60, f"the request to wait for the lock on {table}")
        except AssertionError:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute("SELECT pid, state, wait_event_type, wait_event, left(query, 200) FROM pg_stat_activity"
                               " WHERE datname = current_database() AND pid <> pg_backend_pid()")  # fmt: skip
                raise AssertionError(f"sessions: {cursor.fetchall()}") from None
        workers = server.worker_pids()
        server.kill9()
        thread.join(30)
        assert not thread.is_alive()
        assert workers, "gunicorn had no workers"
        wait_for(lambda: all(dead(w) for w in workers), 10, "gunicorn's workers to die")
    # Released: the orphaned session gets the lock, finds its client gone and rolls back.
    wait_for(lambda: backend_gone(pid), 30, "PostgreSQL to end the killed request's session")
    return out, wrote


@pytest.mark.django_db(transaction=True)
def test_a_server_killed_mid_approval_leaves_the_report_submitted_and_the_retried_approval_applies_it_once(
    cast: Cast, tmp_path: Path
) -> None:
    report = submitted(cast, "nts", cast.nts_payload(square(80)))
    headers = {"Authorization": f"Token {issue_token(cast.imo).key}"}
    before = register_state()
    url = f"/api/v1/reports/{report.pk}/approve/"

    server = Gunicorn(tmp_path / "gunicorn.log", workers=1)
    try:
        # The audit row is the approval's last write: by then the hazard, its version and both
        # transitions are written in the same (uncommitted) transaction.
        def approve() -> requests.Response:
            return requests.post(server.url + url, json={}, headers=headers, timeout=60)

        out, wrote = held_until_killed("accounts_auditentry", "EXCLUSIVE", server, approve)
    finally:
        server.stop()

    assert wrote, "the approval had not written anything yet when the server was killed"
    assert "answer" not in out and isinstance(out.get("error"), requests.RequestException), out  # no answer
    report.refresh_from_db()
    assert (report.status, report.hazard_id, report.approved_at) == (ReportStatus.SUBMITTED, None, None)
    assert register_state() == before

    server = Gunicorn(tmp_path / "gunicorn-again.log", workers=1)
    try:
        answer = requests.post(server.url + url, json={}, headers=headers, timeout=60)
    finally:
        server.stop()
    assert answer.status_code == 200, answer.text
    report.refresh_from_db()
    after = register_state()
    assert report.status == ReportStatus.APPROVED and report.hazard_id is not None
    assert after["hazards"] == before["hazards"] + 1
    assert after["hazard_versions"] == before["hazard_versions"] + 1
    assert after["transitions"] == before["transitions"] + 2  # submitted → validated → approved
    assert after["approval_audit"] == before["approval_audit"] + 1
    assert after["data_version"] == before["data_version"] + 1


@pytest.mark.django_db(transaction=True)
def test_a_server_killed_mid_export_leaves_no_file_behind_and_the_retried_export_is_complete(
    cast: Cast, tmp_path: Path
) -> None:
    for i in range(3):
        register_hazard(cast, 60, name=f"Field {i}")
    headers = {"Authorization": f"Token {issue_token(cast.clerk).key}"}
    var = tmp_path / "var"
    env = {"CLEARGROUND_VAR_DIR": str(var)}
    folder = var / "tmp" / "exports"
    url = "/api/v1/exports/gpkg/?collections=hazardous_areas"

    server = Gunicorn(tmp_path / "gunicorn.log", env, workers=1)
    try:
        # The export reads the published views over the hazards; the download file is made before.
        out, _ = held_until_killed("hazards_hazardousarea", "ACCESS EXCLUSIVE", server,
                                   lambda: requests.get(server.url + url, headers=headers, timeout=60))  # fmt: skip
    finally:
        server.stop()
    assert "answer" not in out and isinstance(out.get("error"), requests.RequestException), out  # no download
    left = list(folder.iterdir())
    assert [p.name.startswith("clearground-download-") for p in left] == [True]  # what the sweep is for

    # Ten minutes later (the sweep's age), while another export has just started its own file.
    old = time.time() - scratch.LEFTOVER_SECONDS - 60
    os.utime(left[0], (old, old))
    live = folder / "clearground-download-live.gpkg"
    live.write_bytes(b"being written")

    server = Gunicorn(tmp_path / "gunicorn-again.log", env, workers=1)
    try:
        answer = requests.get(server.url + url, headers=headers, timeout=60)
    finally:
        server.stop()
    assert answer.status_code == 200, answer.text
    assert int(answer.headers["Content-Length"]) == len(answer.content)
    assert sorted(p.name for p in folder.iterdir()) == [live.name]  # the leftover swept, the live one kept
    download = tmp_path / "export.gpkg"
    download.write_bytes(answer.content)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM publish.hazardous_areas")
        published = sorted(row[0] for row in cursor.fetchall())
    assert published == ["Field 0", "Field 1", "Field 2"]
    assert [row[0] for row in pyogrio.list_layers(download)] == ["hazardous_areas"]
    meta, _, geometry, values = raw.read(download, layer="hazardous_areas")
    assert sorted(values[list(meta["fields"]).index("name")]) == published and all(g is not None for g in geometry)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_worker_killed_mid_approving_import_leaves_nothing_and_the_retry_enters_and_approves_every_row_once(
    cast: Cast, tmp_path: Path, settings: Any
) -> None:
    # tests/test_jobs.py kills a worker in an import that only enters; this one approves as it goes,
    # so the killed transaction had written reports, hazards, versions and audit rows.
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    n = 80  # row by row (below the set-wise path's threshold): each row is entered and approved
    import_ = grid_import(cast, tmp_path, n, user=cast.approver)
    job = enqueue("import.run", {"import_id": import_.pk, "approve": True, "sole_approval": SOLE}, acting_user=cast.imo)
    before = register_state()

    worker = Worker(tmp_path / "worker.log", {"MEDIA_ROOT": str(media), "CLEARGROUND_JOB_PROGRESS_SECONDS": "0"},
                    "--once")  # fmt: skip
    try:
        seen = wait_for(lambda: Job.objects.get(pk=job.pk).progress_done >= 5 or not worker.alive(), 120,
                        "the import to enter and approve five rows")  # fmt: skip
        assert seen and worker.alive(), f"the import ended before the worker could be killed; see {worker.log}"
        os.kill(worker.pid, signal.SIGKILL)
        worker.proc.wait(30)
    finally:
        worker.stop()

    lost = Job.objects.get(pk=job.pk)
    assert lost.status == JobStatus.RUNNING and 5 <= lost.progress_done < n
    assert Report.objects.count() == 0 and ImportedRecord.objects.count() == 0
    assert register_state() == before  # no hazard, version, transition, audit row, data version bump
    assert Import.objects.get(pk=import_.pk).approved_at is None

    settings.CLEARGROUND_JOB_STALE_SECONDS = 0
    time.sleep(0.01)
    assert requeue_stale() == (1, 0)
    call_command("worker", "--once", verbosity=0)

    done = Job.objects.get(pk=job.pk)
    assert (done.status, done.attempts) == (JobStatus.DONE, 2), done.error
    reports = Report.objects.filter(kind="nts", organisation=cast.alpha)
    assert reports.count() == n and reports.filter(status=ReportStatus.APPROVED).count() == n
    assert ImportedRecord.objects.count() == n
    after = register_state()
    assert after["hazards"] == before["hazards"] + n
    assert after["approval_audit"] == before["approval_audit"] + n
    assert after["data_version"] > before["data_version"]
    assert Import.objects.get(pk=import_.pk).status == Import.Status.APPROVED
