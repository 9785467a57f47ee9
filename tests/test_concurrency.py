"""Optimistic concurrency (decision 0027): every write names the version it read; none is lost.

The first tests pin the API's answers one by one; the last ones run 50 real HTTP clients at once
against a live server and count what was written, what was refused and what was lost.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
import requests

from accounts.tokens import issue_token
from clearground.test import Cast, make_cast, rect
from hazards.models import HazardousArea
from reports.actions import create_report, update_draft
from reports.delegations import grant_approval_delegation
from reports.models import Report, ReportStatus, ReportTransition
from tests.helpers import activity, register_hazard, submitted
from tests.test_casualties_recording import client_for, recorded_and_approved


def draft(cast: Cast, log: list[str] | None = None) -> Report:
    """A draft of Alpha's clerk whose payload keeps a log each writer appends to."""
    return create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts",
                         date_of_information=dt.date(2024, 3, 1), payload={"log": log or []})  # fmt: skip


# --- The answers, one by one ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_report_hazard_casualty_and_accident_name_their_version_in_an_etag(cast: Cast) -> None:
    report = draft(cast)
    hazard = register_hazard(cast)
    accident_report = recorded_and_approved(cast)
    imo = client_for(cast.imo)

    got = imo.get(f"/api/v1/reports/{report.pk}/")
    assert got["ETag"] == '"1"' and got.json()["version"] == 1
    got = imo.get(f"/api/v1/hazards/{hazard.pk}/")
    assert got["ETag"] == f'"{hazard.version}"' and got.json()["properties"]["version"] == hazard.version
    accident = accident_report.accident
    casualty = accident.casualties.first()
    assert casualty is not None
    assert imo.get(f"/api/v1/casualties/{casualty.pk}/")["ETag"] == f'"{accident_report.version}"'
    before = imo.get(f"/api/v1/accidents/{accident.pk}/")["ETag"]
    assert before == f'"{accident_report.version}.{accident.stage_changes.count()}"'
    imo.post(f"/api/v1/accidents/{accident.pk}/stage/", {"to": "investigation"}, format="json")
    assert imo.get(f"/api/v1/accidents/{accident.pk}/")["ETag"] != before


@pytest.mark.django_db
def test_an_edit_that_names_no_version_is_refused_with_428_and_changes_nothing(cast: Cast) -> None:
    report = draft(cast)

    response = client_for(cast.clerk).patch(f"/api/v1/reports/{report.pk}/", {"payload": {"log": ["x"]}},
                                            format="json")  # fmt: skip

    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    report.refresh_from_db()
    assert report.payload == {"log": []} and report.version == 1


@pytest.mark.django_db
def test_a_stale_if_match_answers_412_with_the_report_as_it_is_now(cast: Cast) -> None:
    report = draft(cast)
    clerk = client_for(cast.clerk)
    etag = clerk.get(f"/api/v1/reports/{report.pk}/")["ETag"]
    update_draft(report, acting_user=cast.approver, payload={"log": ["the approver's"]}, expected_version=1)

    response = clerk.patch(f"/api/v1/reports/{report.pk}/", {"payload": {"log": ["mine"]}}, format="json",
                           headers={"If-Match": etag})  # fmt: skip

    assert response.status_code == 412
    body = response.json()
    assert (body["sent_version"], body["current_version"], response["ETag"]) == (1, 2, '"2"')
    assert body["current"]["payload"] == {"log": ["the approver's"]} and body["current"]["version"] == 2
    report.refresh_from_db()
    assert report.payload == {"log": ["the approver's"]}


@pytest.mark.django_db
def test_a_stale_body_version_answers_409_and_a_current_one_saves(cast: Cast) -> None:
    report = draft(cast)
    clerk = client_for(cast.clerk)
    update_draft(report, acting_user=cast.approver, payload={"log": ["first"]})

    stale = clerk.patch(f"/api/v1/reports/{report.pk}/", {"payload": {"log": ["x"]}, "version": 1}, format="json")
    fresh = clerk.patch(f"/api/v1/reports/{report.pk}/", {"payload": {"log": ["first", "x"]}, "version": 2},
                        format="json")  # fmt: skip

    assert stale.status_code == 409 and stale.json()["current"]["payload"] == {"log": ["first"]}
    assert fresh.status_code == 200 and fresh.json()["version"] == 3 and fresh["ETag"] == '"3"'


@pytest.mark.django_db
@pytest.mark.parametrize("if_match", ["*", 'W/"1"', '"1", "2"', "1"])
def test_an_if_match_that_does_not_name_one_version_is_a_400(cast: Cast, if_match: str) -> None:
    report = draft(cast)

    response = client_for(cast.clerk).patch(f"/api/v1/reports/{report.pk}/", {"payload": {}}, format="json",
                                            headers={"If-Match": if_match})  # fmt: skip

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "If-Match"


@pytest.mark.django_db
def test_a_workflow_step_on_a_stale_version_is_refused_with_the_current_state(cast: Cast) -> None:
    report = submitted(cast, "nts", cast.nts_payload(rect(0, 0, 100, 100)))
    imo = client_for(cast.imo)
    etag = imo.get(f"/api/v1/reports/{report.pk}/")["ETag"]
    imo.post(f"/api/v1/reports/{report.pk}/validate/", {}, format="json", headers={"If-Match": etag})

    response = imo.post(f"/api/v1/reports/{report.pk}/return/", {"reason": "add the village"}, format="json",
                        headers={"If-Match": etag})  # fmt: skip

    assert response.status_code == 412
    assert response.json()["current"]["status"] == "validated"
    assert Report.objects.get(pk=report.pk).status == ReportStatus.VALIDATED


@pytest.mark.django_db
def test_an_approval_reviewed_against_an_older_hazard_is_refused_with_the_hazard_as_it_is_now(cast: Cast) -> None:
    hazard = register_hazard(cast)
    reviewed_at = hazard.version
    first, second = (
        submitted(cast, "ts_progress", {"activity": activity(), "reduced": [{"geometry": rect(x, 0, x + 10, 100)}]},
                  hazard=hazard)
        for x in (0, 50)
    )  # fmt: skip
    imo = client_for(cast.imo)
    assert imo.post(f"/api/v1/reports/{first.pk}/approve/", {"hazard_version": reviewed_at},
                    format="json").status_code == 200  # fmt: skip

    response = imo.post(f"/api/v1/reports/{second.pk}/approve/", {"hazard_version": reviewed_at}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["field"] == "hazard_version" and body["sent_version"] == reviewed_at
    assert body["current"]["id"] == hazard.pk and body["current"]["properties"]["version"] == reviewed_at + 1
    assert Report.objects.get(pk=second.pk).status == ReportStatus.SUBMITTED


# --- 50 clients at once over real HTTP ------------------------------------------------------------

CLIENTS, WRITES_EACH, REPORTS = 50, 3, 5


class Tally:
    """What the clients saw, counted under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.attempts = self.ok = self.stale = 0
        self.written: dict[int, list[str]] = {}
        self.bad_stale: list[Any] = []
        self.other: list[tuple[int, str]] = []


def _session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    return session


def _writer(base: str, token: str, report_id: int, client: int, tally: Tally, barrier: threading.Barrier) -> None:
    """Read → append my token → PATCH with If-Match; on 412 start again from the state the answer carries."""
    session = _session(token)
    url = f"{base}/api/v1/reports/{report_id}/"
    barrier.wait()
    got = session.get(url, timeout=60)
    etag, payload = got.headers["ETag"], got.json()["payload"]
    for n in range(WRITES_EACH):
        mine = f"c{client}-w{n}"
        for _attempt in range(200):
            response = session.patch(url, json={"payload": {"log": [*payload["log"], mine]}},
                                     headers={"If-Match": etag}, timeout=60)  # fmt: skip
            with tally.lock:
                tally.attempts += 1
            if response.status_code == 200:
                with tally.lock:
                    tally.ok += 1
                    tally.written.setdefault(report_id, []).append(mine)
                etag, payload = response.headers["ETag"], response.json()["payload"]
                break
            if response.status_code != 412:
                with tally.lock:
                    tally.other.append((response.status_code, response.text[:200]))
                return
            body = response.json()
            current = body["current"]
            with tally.lock:
                tally.stale += 1
                if not (body["current_version"] == current["version"] > body["sent_version"]
                        and response.headers["ETag"] == f'"{current["version"]}"'):  # fmt: skip
                    tally.bad_stale.append(body)
            etag, payload = response.headers["ETag"], current["payload"]


def _in_threads(targets: list[Any]) -> float:
    threads = [threading.Thread(target=t) for t in targets]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    return time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_fifty_clients_editing_the_same_reports_at_once_lose_no_update(live_server: Any) -> None:
    cast = make_cast()
    writers = [cast.clerk, cast.approver, cast.imo, cast.admin]
    tokens = [issue_token(u).key for u in writers]
    reports = [draft(cast).pk for _ in range(REPORTS)]
    tally = Tally()
    barrier = threading.Barrier(CLIENTS)

    duration = _in_threads([
        (lambda c=c: _writer(live_server.url, tokens[c % len(tokens)], reports[c % REPORTS], c, tally, barrier))
        for c in range(CLIENTS)
    ])  # fmt: skip

    print(f"\nconcurrency: {CLIENTS} clients, {REPORTS} reports, {tally.attempts} writes attempted, "
          f"{tally.ok} succeeded, {tally.stale} answered 412, duration {duration:.1f} s")  # fmt: skip
    assert tally.other == []
    assert tally.ok == CLIENTS * WRITES_EACH
    assert tally.bad_stale == []
    assert tally.stale > 0  # the clients did collide: the test proves something
    final = {pk: Report.objects.get(pk=pk) for pk in reports}
    lost = sum(len(set(tally.written.get(pk, [])) - set(r.payload["log"])) for pk, r in final.items())
    print(f"concurrency: lost updates {lost}")
    assert lost == 0
    for pk, report in final.items():
        written = tally.written.get(pk, [])
        assert sorted(report.payload["log"]) == sorted(written)  # each write there once
        assert report.version == 1 + len(written)


@pytest.mark.django_db(transaction=True)
def test_officers_approving_and_returning_one_report_at_once_leave_exactly_one_decision(live_server: Any) -> None:
    cast = make_cast()
    deciders = [cast.imo, cast.admin, cast.approver]
    # Alpha's approver decides too: the authority delegated alpha's NTS reports to it (decision 0036).
    grant_approval_delegation(acting_user=cast.admin, organisation=cast.alpha, kind="nts", reason="a decider more")
    tokens = [issue_token(u).key for u in deciders]
    report = submitted(cast, "nts", cast.nts_payload(rect(0, 0, 100, 100)))
    hazards_before = HazardousArea.objects.count()
    n = 10
    barrier = threading.Barrier(n)
    answers: list[tuple[str, int, dict[str, Any]]] = []
    lock = threading.Lock()

    def decide(i: int) -> None:
        session = _session(tokens[i % len(tokens)])
        url = f"{live_server.url}/api/v1/reports/{report.pk}/"
        etag = session.get(url, timeout=60).headers["ETag"]
        step, body = ("approve/", {}) if i % 2 == 0 else ("return/", {"reason": f"officer {i} wants the village"})
        barrier.wait()
        response = session.post(url + step, json=body, headers={"If-Match": etag}, timeout=120)
        with lock:
            answers.append((step, response.status_code, response.json()))

    duration = _in_threads([lambda i=i: decide(i) for i in range(n)])

    winners = [(step, body) for step, code, body in answers if code == 200]
    refused = [body for _step, code, body in answers if code != 200]
    print(f"\nconcurrency: {n} officers deciding one report, {len(winners)} won, {len(refused)} answered "
          f"{sorted({code for _s, code, _b in answers if code != 200})}, duration {duration:.1f} s")  # fmt: skip
    assert len(winners) == 1
    step, won = winners[0]
    final = Report.objects.get(pk=report.pk)
    assert final.status == won["status"] == ("approved" if step == "approve/" else "returned")
    assert all(code == 412 for _s, code, _b in answers if code != 200)
    assert all(body["current"]["status"] == final.status for body in refused)
    decisions = ReportTransition.objects.filter(report=final, to_status__in=["approved", "returned"]).count()
    assert decisions == 1
    assert HazardousArea.objects.count() == hazards_before + (1 if final.status == "approved" else 0)
