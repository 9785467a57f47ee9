"""Notifications about tasks (decision 0053): issued, accepted, overdue, report returned; in the app and by e-mail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client

from clearground.test import Cast, rect
from jobs.actions import work
from jobs.models import Job
from operations.actions import accept_task, issue_task
from operations.models import Notification, Task
from reports.actions import create_report, return_report
from tests.helpers import activity
from tests.tasks_helpers import ON, accredited_team, bravo_hazard, client_for, running_task

BOTH = {"default", "progress"}
DUE = dt.date(2024, 3, 1)


@pytest.fixture(autouse=True)
def tasking_on(settings: Any) -> None:
    settings.CLEARGROUND_TASKING_REQUIRED = True


@pytest.fixture
def addresses(cast: Cast) -> Cast:
    for user in (cast.clerk, cast.approver, cast.imo, cast.outsider, cast.admin):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.org")
    return cast


def events_of(user: Any) -> list[tuple[str, int]]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("event", "task_id"))


def issued(cast: Cast) -> Task:
    accredited_team(cast)
    made = client_for(cast.imo).post("/api/v1/tasks/", {"organisation": "alpha", "activity_kind": "clearance",
                                                        "hazard": bravo_hazard(cast).pk, "start_on": ON.isoformat(),
                                                        "due_on": DUE.isoformat()}, format="json")  # fmt: skip
    assert made.status_code == 201, made.json()
    return Task.objects.get(pk=made.json()["id"])


@pytest.mark.django_db(databases=BOTH)
def test_an_issued_task_notifies_the_operators_staff_in_the_app_and_by_email(addresses: Cast) -> None:
    cast = addresses
    task = issued(cast)
    assert events_of(cast.clerk) == events_of(cast.approver) == [("issued", task.pk)]
    assert events_of(cast.outsider) == events_of(cast.imo) == []
    assert mail.outbox == []  # the worker sends it, after the step committed
    assert work("w1", burst=True) >= 1
    assert sorted(m.to[0] for m in mail.outbox) == ["approver@example.org", "clerk@example.org"]
    assert f"Task {task.pk} issued to Operator Alpha" in mail.outbox[0].subject
    assert f"/tasks/{task.pk}/" in mail.outbox[0].body
    # Run again: nothing is e-mailed twice.
    Job.objects.create(kind="notifications.email", args={"notifications": list(
        Notification.objects.values_list("pk", flat=True))})  # fmt: skip
    work("w1", burst=True)
    assert len(mail.outbox) == 2


@pytest.mark.django_db(databases=BOTH)
def test_an_accepted_task_notifies_the_authoritys_im_officers(addresses: Cast) -> None:
    cast = addresses
    task = issued(cast)
    accepted = client_for(cast.approver).post(f"/api/v1/tasks/{task.pk}/accept/", {}, format="json")
    assert accepted.status_code == 200
    assert events_of(cast.imo) == [("accepted", task.pk)]
    assert events_of(cast.admin) == []  # the authority's admin is not an IM officer
    work("w1", burst=True)
    assert "imo@example.org" in [m.to[0] for m in mail.outbox]


@pytest.mark.django_db(databases=BOTH)
def test_an_overdue_task_is_notified_once_however_often_the_check_runs(addresses: Cast) -> None:
    cast = addresses
    task = issued(cast)
    on_time = issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance",
                         hazard=task.hazard, start_on=ON, due_on=dt.date(2024, 6, 1))  # fmt: skip
    Notification.objects.all().delete()
    call_command("tasks", "overdue", "--on", "2024-03-02")
    call_command("tasks", "overdue", "--on", "2024-03-03")
    assert events_of(cast.clerk) == events_of(cast.approver) == events_of(cast.imo) == [("overdue", task.pk)]
    assert not Notification.objects.filter(task=on_time).exists()
    # The job does the same, and adds nothing either.
    call_command("tasks", "overdue", "--on", "2024-03-04", "--enqueue")
    work("w1", burst=True)
    assert Notification.objects.filter(event="overdue").count() == 3
    assert sorted(m.to[0] for m in mail.outbox if "overdue" in m.subject) == [
        "approver@example.org", "clerk@example.org", "imo@example.org"]  # fmt: skip


def test_a_completed_or_undated_task_is_never_overdue(cast: Cast) -> None:
    hazard = bravo_hazard(cast)
    running_task(cast, hazard, accredited_team(cast))  # no due date
    call_command("tasks", "overdue", "--on", "2030-01-01")
    assert not Notification.objects.filter(event="overdue").exists()


def test_a_returned_report_on_a_task_notifies_its_author_with_the_reason(cast: Cast) -> None:
    task = running_task(cast, bravo_hazard(cast), accredited_team(cast))
    report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="clearance_progress",
                           date_of_information=dt.date(2024, 2, 10), hazard=task.hazard, task=task, submit=True,
                           payload={"activity": activity(), "cleared": [{"geometry": rect(0, 0, 50, 100),
                                                                         "depth_cm": 20}]})  # fmt: skip
    Notification.objects.all().delete()
    return_report(report, acting_user=cast.imo, reason="The cleared polygon crosses the road")
    note = Notification.objects.get()
    assert (note.recipient, note.event, note.report_id) == (cast.clerk, "returned", report.pk)
    listed = client_for(cast.clerk).get("/api/v1/notifications/").json()["results"]
    assert listed[0]["body"] == "It was returned for correction: The cleared polygon crosses the road"
    assert listed[0]["link"] == f"/reports/{report.pk}/"


def test_each_person_reads_and_marks_only_their_own_notifications(cast: Cast) -> None:
    task = issued(cast)
    mine = Notification.objects.get(recipient=cast.clerk)
    assert [n["id"] for n in client_for(cast.outsider).get("/api/v1/notifications/").json()["results"]] == []
    assert client_for(cast.outsider).get(f"/api/v1/notifications/{mine.pk}/").status_code == 404
    assert client_for(cast.outsider).post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 404
    other = client_for(cast.outsider).post("/api/v1/notifications/read-all/", {"ids": [mine.pk]}, format="json")
    assert other.json() == {"marked": 0, "unread": 0}
    assert Notification.objects.get(pk=mine.pk).read_at is None
    clerk = client_for(cast.clerk)
    assert [n["task"] for n in clerk.get("/api/v1/notifications/?unread=true").json()["results"]] == [task.pk]
    assert clerk.get("/api/v1/notifications/?unread=maybe").status_code == 400
    assert clerk.post(f"/api/v1/notifications/{mine.pk}/read/").json()["read_at"] is not None
    assert clerk.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert Notification.objects.get(recipient=cast.approver).read_at is None


def test_the_bell_counts_unread_notifications_and_the_page_lists_them_in_the_readers_language(cast: Cast) -> None:
    task = issued(cast)
    page = Client()
    page.force_login(cast.clerk)
    shell = page.get("/tasks/").content.decode()
    assert 'href="/notifications/"' in shell and '<span class="count">1</span>' in shell
    listed = page.get("/notifications/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert f"/tasks/{task.pk}/" in listed and f"Завдання {task.pk} видано для Operator Alpha" in listed
    assert page.post("/notifications/read/", {}).status_code == 302
    assert '<span class="count">' not in page.get("/tasks/").content.decode()
    # Another person's id changes nothing.
    theirs = Notification.objects.get(recipient=cast.approver)
    outsider = Client()
    outsider.force_login(cast.outsider)
    outsider.post("/notifications/read/", {"id": str(theirs.pk)})
    assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.django_db(databases=BOTH)
def test_a_mail_server_that_fails_leaves_the_notification_to_be_emailed_again(addresses: Cast, settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.test_notifications.BrokenBackend"
    issued(addresses)
    work("w1", burst=True)
    job = Job.objects.get(kind="notifications.email")
    assert (job.status, job.attempts) == ("queued", 1) and "mail server away" in job.error
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Job.objects.filter(pk=job.pk).update(run_after=None)
    work("w1", burst=True)
    assert len(mail.outbox) == 2 and not Notification.objects.filter(emailed_at__isnull=True).exists()


class BrokenBackend:
    """A mail backend whose server is away."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("mail server away")


def test_accepting_through_the_action_writes_one_notification_per_authority_officer(cast: Cast) -> None:
    task = issued(cast)
    accept_task(task, acting_user=cast.clerk)
    assert Notification.objects.filter(event="accepted").count() == 1
