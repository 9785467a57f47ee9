"""Flaky field, nothing lost: devices submit through a bad link to a server that is killed (issue 17).

Reduced scale (decision 0055): N devices (threads) send M submissions each, a small JPEG (its own
bytes) attached to each, to gunicorn as scripts/run.sh starts it, through tests/flaky_field.FlakyLink,
which cuts some uploads half way and drops some answers after the server committed; half way through,
the server is killed with -9 and started again. Each device resends an instance until it is answered,
as Collect does. Afterwards: exactly N×M reports, no two with one instanceID, every attachment's bytes
identical to what was sent, and every resend answered as a success (201/202, never 409 or 5xx).
Figures in docs/reliability.md.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from PIL import Image

from accounts.tokens import issue_token
from clearground.test import Cast, square
from reports.models import Report, ReportAttachment
from tests.flaky_field import CUT, DROP, FlakyLink, Sent, send_until_answered
from tests.openrosa_helpers import instance
from tests.processes import Gunicorn

DEVICES, EACH = 6, 20  # 120 submissions: the suite's scale (the issue's 50×200 is the same code, longer)


def jpeg(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 24), (n % 256, (n // 256) % 256, 90)).save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def close_connections_after() -> Iterator[None]:
    yield
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_devices_on_a_flaky_link_to_a_killed_server_lose_nothing_and_duplicate_nothing(
    cast: Cast, tmp_path: Path, settings: Any, close_connections_after: None
) -> None:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    env = {"MEDIA_ROOT": str(media), "CLEARGROUND_BEHIND_PROXY": "1"}
    headers = {"Authorization": f"Token {issue_token(cast.clerk).key}", "X-OpenRosa-Version": "1.0",
               "X-Forwarded-Proto": "https"}  # fmt: skip
    # The XML is written here (the form is read from the test database), before the clock starts.
    work: list[list[tuple[bytes, Sent]]] = []
    for d in range(DEVICES):
        mine = []
        for m in range(EACH):
            n = d * EACH + m
            sent = Sent(f"uuid:{uuid.uuid4()}", f"photo-{n}.jpg", jpeg(n))
            xml = instance("nts", cast.nts_payload(square(30, x=200 * m, y=200 * d), name=f"Field {n}"),
                           instance_id=sent.instance_id, photos=(sent.photo_name,))  # fmt: skip
            mine.append((xml, sent))
        work.append(mine)

    server = Gunicorn(tmp_path / "gunicorn-1.log", env)
    link = FlakyLink(server.port, cut=0.15, drop=0.15)
    url = f"http://127.0.0.1:{link.port}/openrosa/submission"
    done = threading.Semaphore(0)
    errors: list[BaseException] = []

    def device(mine: list[tuple[bytes, Sent]]) -> None:
        try:
            for xml, sent in mine:
                send_until_answered(url, headers, xml, sent)
                done.release()
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread below
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=device, args=(mine,), daemon=True) for mine in work]
    try:
        for t in threads:
            t.start()
        for _ in range(DEVICES * EACH // 2):  # half way: kill -9 the server, start another on the same files
            assert done.acquire(timeout=120), errors
        server.kill9()
        killed_at = time.monotonic() - started
        time.sleep(1.0)  # devices meanwhile find no server, and retry
        server = Gunicorn(tmp_path / "gunicorn-2.log", env)
        link.upstream = server.port
        for t in threads:
            t.join(300)
        elapsed = time.monotonic() - started
    finally:
        link.close()
        server.stop()
    assert not errors, errors

    sent = [s for mine in work for _xml, s in mine]
    reports = Report.objects.filter(client_id__isnull=False)
    assert reports.count() == DEVICES * EACH == len(sent)
    assert len({r.client_id for r in reports}) == DEVICES * EACH  # no duplicates
    assert {r.client_id for r in reports} == {s.instance_id for s in sent}
    assert not reports.exclude(review_flag="").exists()  # no conflict, no problem kept for review
    stored = {a.name: a for a in ReportAttachment.objects.select_related("report")}
    assert len(stored) == DEVICES * EACH
    for s in sent:
        row = stored[s.photo_name]
        assert row.report.client_id == s.instance_id and row.sha256 == hashlib.sha256(s.photo).hexdigest()
        assert hashlib.sha256(row.path.read_bytes()).digest() == hashlib.sha256(s.photo).digest()
    answered = [status for s in sent for status in s.statuses if status]
    assert set(answered) <= {201, 202}, sorted(set(answered))  # every answer, first or resend, a success
    resent = [s for s in sent if len(s.statuses) > 1]
    assert resent and all(s.statuses[-1] in (201, 202) for s in resent)
    assert link.counts[CUT] > 0 and link.counts[DROP] > 0 and any(202 in s.statuses for s in sent)
    print(f"\nflaky field: {DEVICES} devices x {EACH} submissions in {elapsed:.1f} s, server killed at "
          f"{killed_at:.1f} s; link {link.counts}; {len(resent)} instances resent, "
          f"{sum(len(s.statuses) for s in sent)} POSTs, answers {sorted(set(answered))}")  # fmt: skip
