"""PostgreSQL restarted under load: 503 with a clear message while it is down, everything well again after, by itself.

Decision 0028. gunicorn (as scripts/run.sh starts it) and a forever `clearground worker` run on the
test database while client threads keep reading and writing through the API, OGC API and a page. The
test then restarts the throwaway cluster itself (pg_ctl stop -m fast, a few seconds down, start) and
checks every answer: never a 500, a 503 with Retry-After and the message only around the outage,
only successes soon after; neither process restarted; a job asked for during the outage runs.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection, connections

from accounts.tokens import issue_token
from clearground import dbcluster
from clearground.middleware import MESSAGE
from clearground.test import DAY0, Cast, square
from interop.imports.service import create_import
from interop.models import Import
from jobs.actions import enqueue
from jobs.models import Job, JobStatus
from reports.models import Report
from tests.helpers import register_hazard
from tests.imports_helpers import SOLE
from tests.processes import Gunicorn, Worker, lock_waiter, wait_for

BOTH = ["default", "progress"]
DOWN_SECONDS = 3.0  # how long the database stays stopped
RECOVERY_SECONDS = 5.0  # every answer is a success again this long after the database is back
OK = {200, 201, 202}


@dataclass
class Answer:
    door: str
    sent: float  # time.monotonic() when the request was sent
    answered: float
    status: int  # 0: no HTTP answer at all (connection refused or reset)
    retry_after: str | None
    body: str


class Load:
    """Client threads, each sending one kind of request in a loop until stopped."""

    def __init__(self, doors: dict[str, Callable[[], requests.Response]]) -> None:
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(door, send), daemon=True)
                         for door, send in doors.items()]  # fmt: skip

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, door: str, send: Callable[[], requests.Response]) -> None:
        while not self._stop.is_set():
            sent = time.monotonic()
            try:
                r = send()
                answer = Answer(door, sent, time.monotonic(), r.status_code, r.headers.get("Retry-After"), r.text[:300])
            except requests.RequestException as exc:
                answer = Answer(door, sent, time.monotonic(), 0, None, repr(exc))
            self.answers.append(answer)
            self._stop.wait(0.02)


def signed_in(base: str, user: Any) -> requests.Session:
    """A browser-like session signed in through the login form."""
    # The server hashes as production does, not with the tests' fast hasher (tests/conftest.py).
    hasher = Argon2PasswordHasher()
    user.password = hasher.encode("a sign-in for this test", hasher.salt())
    user.save(update_fields=["password"])
    browser = requests.Session()
    browser.get(f"{base}/login/", timeout=30)
    token = browser.cookies["csrftoken"]
    form = {"username": user.username, "password": "a sign-in for this test", "csrfmiddlewaretoken": token}
    r = browser.post(f"{base}/login/", data=form, timeout=30, allow_redirects=False)
    assert r.status_code == 302, r.text[:300]
    return browser


def nts_import(cast: Cast, path: Path, rows: int, *, y: float) -> Import:
    """An uploaded GeoJSON of `rows` new hazards for Alpha, ready to run."""
    features = [{"type": "Feature", "properties": {"ref": f"{path.stem}-{i}"},
                 "geometry": square(40, x=(i % 30) * 100, y=y + (i // 30) * 100)} for i in range(rows)]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    mapping = {"id_column": "ref", "fields": {"hazard.devices_suspected": {"value": ["ap_mine"]},
                                              "hazard.land_use": {"value": ["agriculture"]}}}  # fmt: skip
    return create_import(acting_user=cast.clerk, organisation=cast.alpha, path=path, original_name=path.name,
                         kind="nts", mapping=mapping)  # fmt: skip


@pytest.fixture
def close_connections_after() -> Iterator[None]:
    # The restart killed this process's sessions too: drop them so the teardown reconnects.
    yield
    connections.close_all()


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_app_answers_503_while_the_database_restarts_and_recovers_by_itself(
    cast: Cast, tmp_path: Path, settings: Any, close_connections_after: None
) -> None:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    register_hazard(cast, 60)
    api = {"Authorization": f"Token {issue_token(cast.clerk).key}"}
    import_ = nts_import(cast, tmp_path / "three.geojson", 3, y=5000)
    # A job the worker is running (entering and approving row by row) when the database goes away.
    n = 20
    long_import = nts_import(cast, tmp_path / "long.geojson", n, y=8000)
    long_job = enqueue("import.run", {"import_id": long_import.pk, "approve": True, "sole_approval": SOLE},
                       acting_user=cast.imo)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        datadir = Path(cursor.fetchone()[0])
    drafts_before = Report.objects.filter(status="draft").count()

    env = {"MEDIA_ROOT": str(media), "CLEARGROUND_WORKER_POLL_SECONDS": "0.2"}
    server = Gunicorn(tmp_path / "gunicorn.log", env)
    # Held by a session of the test's own until the outage ends it: the job stops at its first
    # imported-record row, mid-transaction, however fast the machine (nothing else writes that table).
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        holder.autocommit = False
        holder.execute("LOCK TABLE interop_importedrecord IN EXCLUSIVE MODE")
        worker = Worker(tmp_path / "worker.log", env)
    except BaseException:
        holder.close()
        server.stop()
        raise
    try:
        base = server.url
        browser = signed_in(base, cast.clerk)
        draft = {"kind": "nts", "organisation": "alpha", "date_of_information": DAY0.isoformat(),
                 "payload": cast.nts_payload(square(30, x=3000))}  # fmt: skip
        doors = {
            "api read": lambda: requests.get(f"{base}/api/v1/hazards/", headers=api, timeout=30),
            "api write": lambda: requests.post(f"{base}/api/v1/reports/", json=draft, headers=api, timeout=30),
            "ogc read": lambda: requests.get(
                f"{base}/ogc/collections/hazardous_areas/items?limit=5", headers=api, timeout=30
            ),  # fmt: skip
            "page read": lambda: browser.get(f"{base}/reports/", timeout=30),
        }
        queued: dict[str, Any] = {}

        def queue_the_import() -> None:
            # A person clicking "run" during the outage, and again after each 503, until it is queued.
            while True:
                r = requests.post(f"{base}/api/v1/imports/{import_.pk}/run/", json={}, headers=api, timeout=30)
                queued.setdefault("answers", []).append(r.status_code)
                if r.status_code != 503:
                    queued["job"] = r.json()["job"]["id"] if r.status_code == 202 else r.text
                    return
                time.sleep(0.3)

        with Load(doors) as load:
            time.sleep(2)  # load before the outage
            wait_for(lambda: lock_waiter("interop_importedrecord"), 60, "the long import to be mid-way")
            down = time.monotonic()
            assert dbcluster.stop(datadir, mode="fast")
            clicker = threading.Thread(target=queue_the_import, daemon=True)
            clicker.start()
            time.sleep(DOWN_SECONDS)
            dbcluster.start(datadir, datadir.parent / "postgresql.log")
            holder.close()  # its session ended with the stop
            up = time.monotonic()
            time.sleep(RECOVERY_SECONDS + 2)  # load after the outage
            clicker.join(30)
        connections.close_all()  # ours died with the restart

        answers = load.answers
        failed = [a for a in answers if a.status not in OK | {503}]
        unavailable = [a for a in answers if a.status == 503]
        assert not failed, failed[:5]  # never a 500, never a refused or reset connection
        assert unavailable, "no request saw the outage"
        for a in unavailable:
            assert a.retry_after and MESSAGE in a.body, a
            assert a.answered >= down and a.sent <= up + RECOVERY_SECONDS, a
            if a.door == "page read":  # people get a page, programs JSON
                assert a.body.startswith("<!doctype html>"), a
            else:
                assert json.loads(a.body)["detail"] == MESSAGE, a
        late = [a for a in answers if a.sent > up + RECOVERY_SECONDS]
        assert late and all(a.status in OK for a in late), late[:5]
        assert {a.door for a in late} == set(doors)
        assert server.alive() and worker.alive(), "gunicorn or the worker did not survive the outage"

        assert queued.get("answers", [])[:1] == [503] and isinstance(queued.get("job"), int), queued
        job = wait_for(lambda: Job.objects.filter(pk=queued["job"], status=JobStatus.DONE).first(), 60,
                       "the job queued around the outage to run")  # fmt: skip
        assert job.result and job.result["counts"], job.error
        assert Report.objects.filter(import_key__import_run=import_).count() == 3
        # Every write answered 201 is there; a 503 may or may not have been committed when the link broke.
        drafts = Report.objects.filter(status="draft").count() - drafts_before
        writes = [a.status for a in answers if a.door == "api write"]
        assert writes.count(201) <= drafts <= writes.count(201) + writes.count(503)
        # The job cut off by the outage ran again from the start, once the database was back: every row once.
        redone = wait_for(lambda: Job.objects.filter(pk=long_job.pk, status=JobStatus.DONE).first(), 60,
                          "the interrupted job to run again")  # fmt: skip
        assert redone.attempts == 2, "the long job was not interrupted by the outage"
        entered = Report.objects.filter(import_key__import_run=long_import)
        assert entered.count() == n and entered.filter(status="approved").count() == n
        worker_log = (tmp_path / "worker.log").read_text()
        assert "the interrupted job is queued again" in worker_log
        assert re.search(r"the database failed; trying again", worker_log), worker_log[-2000:]
    finally:
        holder.close()  # a no-op after the outage; else it would block the teardown's flush
        worker.stop()
        server.stop()

    last_503 = max(a.answered for a in unavailable)
    figures = {
        "requests": len(answers),
        "503": len(unavailable),
        "500": sum(a.status == 500 for a in answers),
        "down_seconds": round(up - down, 2),
        "last_503_after_back_seconds": round(max(0.0, last_503 - up), 2),
        "first_ok_after_back_seconds": round(
            min(a.answered for a in answers if a.sent >= up and a.status in OK) - up, 2
        ),
        "job_click_answers": queued["answers"],
        "interrupted_job_attempts": redone.attempts,
    }
    print("database restart under load:", json.dumps(figures))
