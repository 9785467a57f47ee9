"""Notifications about tasks (decision 0053): in the app and by e-mail through Django's mail backends.

Who hears of what: a task issued → the operator's IM officers and clerks; accepted → the authority's IM
officers; overdue (due date passed, not over) → both; a report on a task returned → its author. The rows
are written in the transaction of the step that caused them, with a `notifications.email` job (an
outbox): the e-mail leaves only if the step committed, and a mail server that is down is tried again by
the worker (jobs/registry.py RETRIES), never by the person who took the step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import AnyUser
from operations.models import Notification, NotificationEvent, Task
from operations.workflow import LIVE
from vocab.choices import OrganisationKind, Role

EMAIL_JOB = "notifications.email"


def operator_staff(task: Task) -> QuerySet[User]:
    """The tasked operator's IM officers and clerks: those who accept and run the task."""
    return User.objects.filter(
        is_active=True,
        memberships__organisation_id=task.organisation_id,
        memberships__role__in=(Role.IM_OFFICER, Role.DATA_CLERK),
    ).distinct()


def authority_officers() -> QuerySet[User]:
    """The national authority's IM officers: those who issue tasks and follow them."""
    return User.objects.filter(
        is_active=True,
        memberships__organisation__kind=OrganisationKind.NATIONAL_AUTHORITY,
        memberships__role=Role.IM_OFFICER,
    ).distinct()


def notify(
    event: str, task: Task, recipients: Iterable[User], *, report: Any = None, reason: str = "",
    at: dt.datetime | None = None,
) -> list[Notification]:  # fmt: skip
    """Write the notifications of one event and queue their e-mail; call it inside the step's transaction.

    An overdue notice is written once per person and task (a unique constraint): a second run adds none.
    """
    from jobs.actions import enqueue

    at = at or timezone.now()
    rows = [Notification(recipient=user, event=event, task=task, report=report, reason=reason, created_at=at)
            for user in {u.pk: u for u in recipients}.values()]  # fmt: skip
    if event == NotificationEvent.OVERDUE:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        made = list(Notification.objects.filter(task=task, event=event, created_at=at, emailed_at__isnull=True))
    else:
        made = Notification.objects.bulk_create(rows)
    if made:
        enqueue(EMAIL_JOB, {"notifications": [n.pk for n in made]}, acting_user=None)
    return made


def message(notification: Notification) -> tuple[str, str]:
    """(subject, body) of a notification in the active language: what the page and the e-mail say."""
    task = notification.task
    names = {"task": task.pk, "report": notification.report_id, "activity": task.get_activity_kind_display(),
             "operator": task.organisation.name, "due": task.due_on.isoformat() if task.due_on else "—"}  # fmt: skip
    if notification.event == NotificationEvent.ISSUED:
        subject = _("Task %(task)s issued to %(operator)s: %(activity)s") % names
        body = _("The national authority has issued task %(task)s (%(activity)s) to %(operator)s. "
                 "Accept or decline it on its page.") % names  # fmt: skip
    elif notification.event == NotificationEvent.ACCEPTED:
        subject = _("Task %(task)s accepted by %(operator)s") % names
        body = _("%(operator)s has accepted task %(task)s (%(activity)s).") % names
    elif notification.event == NotificationEvent.OVERDUE:
        subject = _("Task %(task)s is overdue") % names
        body = _("Task %(task)s (%(activity)s, %(operator)s) was due on %(due)s and is not completed.") % names
    else:
        subject = _("Your report %(report)s on task %(task)s was returned") % {
            **names,
            "report": notification.report_id,
        }
        body = _("It was returned for correction: %(reason)s") % {"reason": notification.reason}
    return subject, body


def link(notification: Notification) -> str:
    """Where the notification leads: the returned report, or the task's page."""
    if notification.event == NotificationEvent.RETURNED and notification.report_id is not None:
        return reverse("workbench:detail", args=[notification.report_id])
    return reverse("tasking:task", args=[notification.task_id])


def notifications_for(user: AnyUser) -> QuerySet[Notification]:
    """A person's own notifications, newest first; nobody reads another's (others get 404)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).select_related("task__organisation")


def unread_count(user: AnyUser) -> int:
    """The bell's number."""
    return notifications_for(user).filter(read_at__isnull=True).count()


def mark_read(user: AnyUser, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when `ids` is None); how many changed."""
    qs = notifications_for(user).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def overdue_pending(today: dt.date | None = None) -> bool:
    """Whether any task is overdue (due before `today`, not over): the worker's schedule asks before queuing."""
    return Task.objects.filter(status__in=LIVE, due_on__lt=today or timezone.localdate()).exists()


def send_overdue(today: dt.date | None = None) -> int:
    """Notify each overdue task (due before `today`, not over) once; how many notifications were written."""
    today = today or timezone.localdate()
    written = 0
    for task in Task.objects.filter(status__in=LIVE, due_on__lt=today).select_related("organisation"):
        with transaction.atomic():
            recipients = [*operator_staff(task), *authority_officers()]
            done = set(Notification.objects.filter(task=task, event=NotificationEvent.OVERDUE)
                       .values_list("recipient_id", flat=True))  # fmt: skip
            fresh = [u for u in recipients if u.pk not in done]
            if fresh:
                written += len(notify(NotificationEvent.OVERDUE, task, fresh))
    return written


def email(ids: list[int]) -> int:
    """E-mail the notifications not yet e-mailed among `ids` (claimed first: one worker each); how many sent.

    A recipient without an address is skipped (the bell still shows it). A failing mail server raises:
    the claim is rolled back with the transaction, and the job is tried again.
    """
    sent = 0
    with transaction.atomic():
        claimed = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, emailed_at__isnull=True)
            .select_related("recipient", "task__organisation")
        )
        now = timezone.now()
        for notification in claimed:
            if notification.recipient.email:
                with translation.override(settings.LANGUAGE_CODE):
                    subject, body = message(notification)
                send_mail(subject, f"{body}\n\n{link(notification)}", None, [notification.recipient.email])
                sent += 1
        Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(emailed_at=now)
    return sent


def email_job(job: Any, progress: Any) -> dict[str, Any]:
    """The `notifications.email` job: e-mail the notifications it names."""
    ids = [int(i) for i in job.args.get("notifications", [])]
    sent = email(ids)
    progress(len(ids), len(ids))
    return {"sent": sent}


def overdue_job(job: Any, progress: Any) -> dict[str, Any]:
    """The `tasks.overdue` job: notify the tasks overdue today (once each)."""
    on = job.args.get("on")
    return {"notifications": send_overdue(dt.date.fromisoformat(on) if on else None)}
