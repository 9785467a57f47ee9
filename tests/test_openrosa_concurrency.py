"""Nothing twice when it matters most: the same submission arriving on several connections at once.

A device whose answer was lost retries while the first POST is still being processed; a proxy may
replay a request. Whatever the interleaving, one report and one copy of each attachment, and every
POST answered as a success (decision 0051). Real HTTP to a live server, real PostGIS, real threads.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from accounts.tokens import issue_token
from clearground.test import make_cast, square
from reports.models import Report, ReportAttachment
from tests.openrosa_helpers import JPEG, instance

CLIENTS = 8


@pytest.mark.django_db(transaction=True)
def test_the_same_submission_posted_on_eight_connections_at_once_makes_one_report(
    live_server: Any, settings: Any, tmp_path: Any
) -> None:
    settings.DEBUG = True  # the live server speaks plain HTTP; outside DEBUG the door wants HTTPS
    settings.MEDIA_ROOT = tmp_path
    cast = make_cast()
    token = issue_token(cast.clerk).key
    xml = instance("nts", cast.nts_payload(square(100)), photos=("1.jpg",))
    barrier = threading.Barrier(CLIENTS)
    answers: list[int] = []
    lock = threading.Lock()

    def device() -> None:
        barrier.wait()
        response = requests.post(
            f"{live_server.url}/openrosa/submission",
            files={"xml_submission_file": ("submission.xml", xml, "text/xml"), "1.jpg": ("1.jpg", JPEG, "image/jpeg")},
            headers={"Authorization": f"Token {token}", "X-OpenRosa-Version": "1.0"},
            timeout=120,
        )
        with lock:
            answers.append(response.status_code)

    threads = [threading.Thread(target=device) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)

    assert len(answers) == CLIENTS
    assert set(answers) <= {201, 202}, answers
    assert answers.count(201) >= 1
    assert Report.objects.count() == 1
    assert ReportAttachment.objects.count() == 1
