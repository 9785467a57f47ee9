"""A field submission enters the report pipeline: nothing lost, nothing twice (decision 0051).

The instanceID is the report's client id. What happens to a submission:

- **new id**: a report of the form's kind, authored by the submitting user in their organisation,
  submitted through `create_report(..., submit=True)`; if its kind refuses it, the same report is kept
  as a draft flagged `problems` with the problems in its note (201: the device must not resend it
  for ever; the clerk corrects it in the workbench).
- **a split submission** (attachments over several POSTs of the same instance, each but the last
  marked `*isIncomplete*=yes`): the first part makes a draft that waits; each part adds its files;
  the last part submits it (or keeps it as a draft flagged `problems`), so the report is complete only
  when the last part arrives (decision 0060).
- **same id, same XML** (a lost answer, or the next part of a split upload): nothing new but the
  attachments not yet received (201 if any, else 202).
- **same id, other XML**: refused (409), and kept for review as a draft flagged `conflict`, once.
- **deprecatedID** (an edited resubmission): a new report flagged `edited`, naming the one it edits,
  and superseding it if that one was approved (the register's correction path).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import Organisation
from core.errors import CleargroundError, Conflict, NotAllowed, NotFoundOrNoAccess, Problem, ValidationFailed
from field.submission import Submission
from hazards.models import HazardousArea
from operations.models import Task
from reports import attachments
from reports.actions import ClientRef, create_report, flag_for_review, submit_report
from reports.kinds import KINDS
from reports.models import Report, ReportStatus, ReviewFlag


@dataclass(frozen=True)
class Outcome:
    """The answer to one POST: 201 (something new was stored), 202 (all of it was here already) or 409
    (another submission holds this instanceID; this one was kept for review)."""

    status: int
    message: str
    report: Report


def _organisation(user: Any, hazard: HazardousArea | None, task: Task | None = None) -> Organisation:
    """The organisation the report is for: the task's, else the hazard's, if the user writes for it, else
    their only one."""
    orgs = access.writable_organisations_for(user)
    if not orgs:
        raise NotAllowed(_("Your role may not create reports."))
    if task is not None and any(o.pk == task.organisation_id for o in orgs):
        return task.organisation
    if hazard is not None and any(o.pk == hazard.organisation_id for o in orgs):
        return hazard.organisation
    own = [o for o in orgs if o.pk in access.scope_of(user).roles_by_org]
    if len(own) != 1:
        raise ValidationFailed(
            [
                Problem(
                    "organisation", _("you report for several organisations: pick the hazard"), "several_organisations"
                )
            ]
        )
    return own[0]


def _attach(report: Report, user: Any, sub: Submission, files: dict[str, bytes]) -> int:
    """Attach the files the instance names that came with this POST; how many were new."""
    new = 0
    for name in sub.files:
        if name in files:
            new += attachments.attach_file(report, acting_user=user, name=name, data=files[name])[1]
    return new


# Problems are worded in the device's language (Accept-Language, decision 0055): the team leader who sent
# the form reads them first, as the clerk who corrects it will. Each keeps its stable code in brackets, so
# that a reviewer reading another language, or a program, knows what it is.
def _problems_note(problems: list[Problem]) -> str:
    return "\n".join(f"{p.field} [{p.code}]: {p.message}" for p in problems)


def waiting(report: Report) -> bool:
    """Is this a split submission whose last part has not arrived yet (decision 0060)?

    Derived, not stored: a field report is created as a plain draft only while parts are still to come
    (a refused one is flagged `problems`, a conflicting one `conflict`, any other is submitted at once).
    """
    return (
        report.client_id is not None
        and report.status == ReportStatus.DRAFT
        and report.review_flag in ("", ReviewFlag.EDITED)
    )


def _complete(user: Any, report: Report) -> Outcome:
    """The last part of a split submission arrived: submit the report now, or keep it as a refused draft."""
    try:
        report = submit_report(report, acting_user=user)
    except ValidationFailed as refused:
        note = "\n".join(x for x in (report.review_note, _problems_note(refused.problems)) if x)
        report = flag_for_review(report, acting_user=user, flag=ReviewFlag.PROBLEMS, note=note)
        return Outcome(201, _kept_message(report), report)
    except Conflict:  # the same last part arrived twice at once: the other request submitted it
        report.refresh_from_db()
        return Outcome(202, _("This submission was already received."), report)
    return Outcome(201, _("Received: report #%(pk)s submitted for approval.") % {"pk": report.pk}, report)


def _kept_message(report: Report) -> str:
    n = sum(1 for line in report.review_note.splitlines() if " [" in line)
    return _("Received and kept as a draft: %(n)s problem(s) to correct in Clearground.") % {"n": n}


def _again(user: Any, existing: Report, sub: Submission, files: dict[str, bytes], *, incomplete: bool) -> Outcome:
    """The same instanceID again: a retry (or the next part of a split upload), or a conflict."""
    if not access.may_write_for(user, existing.organisation_id):
        # Another organisation's report: as the API, a forbidden report is one that does not exist.
        raise NotFoundOrNoAccess(_("No such report."))
    if existing.client_digest == sub.digest:
        added = _attach(existing, user, sub, files)
        if waiting(existing):
            if incomplete:
                return Outcome(201 if added else 202, _("Part received; more parts are expected."), existing)
            return _complete(user, existing)
        if added:
            return Outcome(201, _("Attachments received."), existing)
        return Outcome(202, _("This submission was already received."), existing)
    copy = Report.objects.filter(client_id=sub.instance_id, client_digest=sub.digest).first()
    if copy is None:  # kept once: a resend of the same conflicting XML stores nothing more
        note = f"Same instanceID as report #{existing.pk}, with other content."
        copy = _create(user, sub, files, flag=ReviewFlag.CONFLICT, note=note, incomplete=False)
    message = _("A different submission with this instanceID was already received; this one is kept for review.")
    return Outcome(Conflict.status, message, copy)


def _task(user: Any, sub: Submission) -> tuple[Task | None, list[Problem]]:
    """The task the submission names (from the list or the map), if the user may see it; else why not.

    Whether the report may be filed under it is submission's rule (operations.tasking), as for the web form.
    A task the user may not see is named as they sent it, never said to exist (decision 0060).
    """
    picked = {t for t in (sub.task, sub.task_map) if t}
    if not picked:
        return None, []
    if len(picked) > 1:
        return None, [Problem("task", _("the task picked on the map is not the one picked from the list"),
                              "tasks_differ")]  # fmt: skip
    (pk,) = picked
    try:
        return access.access_task(user, pk), []
    except CleargroundError:
        message = _("task %(task)s is not a task of your organisation") % {"task": pk[:20]}
        return None, [Problem("task", message, "unknown_task")]


def _hazard(user: Any, sub: Submission, task: Task | None) -> HazardousArea | None:
    """The hazard named, else the task's: a task brings its hazard, so the form does not ask for it again."""
    if sub.hazard:
        return access.access_hazard(user, sub.hazard, write=True)
    if task is not None and task.hazard_id is not None:
        try:
            return access.access_hazard(user, task.hazard_id, write=True)
        except CleargroundError:  # the task is another's: submission's rule names the task as the reason
            return None
    return None


def _create(
    user: Any, sub: Submission, files: dict[str, bytes], *, flag: str = "", note: str = "", incomplete: bool
) -> Report:
    """A new report of the submission: submitted, or a draft with its problems, or (the first part of a
    split submission) a draft waiting for its last part; never nothing."""
    task, problems = _task(user, sub)
    if sub.kind not in access.kinds_to_submit(user):
        # formList never offered it (decision 0064), but a device may hold an older list or a copied form:
        # kept as a draft saying why, as any refused form, never submitted for an organisation that may not.
        message = _("a %(kind)s is recorded by the national authority: your organisation may not submit one")
        problems.append(Problem("kind", message % {"kind": KINDS[sub.kind].label}, "authority_only"))
    hazard = _hazard(user, sub, task)
    organisation = _organisation(user, hazard, task)
    supersedes = None
    if sub.deprecated_id and flag != ReviewFlag.CONFLICT:
        earlier = access.reports_for(user).filter(client_id=sub.deprecated_id).exclude(review_flag=ReviewFlag.CONFLICT)
        edited = earlier.first()
        flag = ReviewFlag.EDITED
        note = f"Edits field submission {sub.deprecated_id}."
        if edited is not None:
            note = f"Edits report #{edited.pk} (field submission {sub.deprecated_id})."
            if edited.status == ReportStatus.APPROVED and access.may_edit_report(user, edited):
                supersedes = edited
    fields = {"acting_user": user, "organisation": organisation, "kind": sub.kind, "payload": sub.payload,
              "hazard": hazard, "task": task, "supersedes": supersedes}  # fmt: skip
    client = ClientRef(sub.instance_id, sub.digest, flag, note)
    report = None
    if not sub.date_of_information:
        problems.append(Problem("date_of_information", _("is required"), "required"))
    if incomplete and flag != ReviewFlag.CONFLICT and not problems and sub.date_of_information is not None:
        # Checked and submitted when the last part arrives (_complete): until then a draft, as entered.
        report = create_report(**fields, date_of_information=sub.date_of_information, client=client)
    elif flag != ReviewFlag.CONFLICT and not problems and sub.date_of_information is not None:
        try:
            with transaction.atomic():
                report = create_report(**fields, date_of_information=sub.date_of_information, submit=True,
                                       client=client)  # fmt: skip
        except ValidationFailed as refused:
            problems = refused.problems
    elif problems and flag != ReviewFlag.CONFLICT:  # the header refused before submission: list the payload's too
        problems += KINDS[sub.kind].read(sub.payload, on=sub.date_of_information, has_hazard=hazard is not None)[1]
    if report is None:
        on = sub.date_of_information
        if on is None or on > dt.date.today():
            kept = _("kept as %(today)s (was %(sent)s)") % {"today": dt.date.today(), "sent": on or _("empty")}
            problems = [*problems, Problem("date_of_information", kept, "date_replaced")]
            on = dt.date.today()
        if flag != ReviewFlag.CONFLICT:
            flag, note = ReviewFlag.PROBLEMS, "\n".join(x for x in (note, _problems_note(problems)) if x)
        client = ClientRef(sub.instance_id, sub.digest, flag, note)
        report = create_report(**fields, date_of_information=on, client=client)
    attachments.attach_to_new_report(report, acting_user=user, files={n: files[n] for n in sub.files if n in files})
    return report


def receive(user: Any, sub: Submission, files: dict[str, bytes], *, incomplete: bool = False) -> Outcome:
    """Take one POSTed submission (see the module docstring); a CleargroundError says why not.

    `incomplete`: the POST said `*isIncomplete*=yes`, more parts of the same instance follow.
    """
    for name in sub.files:  # what the instance names: a plain name, never a path
        attachments.check_name(name)
    for name, data in files.items():  # every file checked before anything is stored
        attachments.check_name(name)
        attachments.content_type(name, data)
    if not access.may_write_somewhere(user):
        raise NotAllowed(_("Your role may not create reports."))
    for attempt in range(2):
        existing = Report.objects.filter(client_id=sub.instance_id).exclude(review_flag=ReviewFlag.CONFLICT).first()
        try:
            with transaction.atomic():
                if existing is not None:
                    return _again(user, existing, sub, files, incomplete=incomplete)
                report = _create(user, sub, files, incomplete=incomplete)
        except IntegrityError:
            if attempt:  # the id was taken twice in a row: not a race but a bug
                raise
            continue  # a concurrent POST of the same instanceID created it first: answer as its retry
        if waiting(report):
            return Outcome(201, _("Part received; more parts are expected."), report)
        if report.review_flag == ReviewFlag.PROBLEMS:
            return Outcome(201, _kept_message(report), report)
        return Outcome(201, _("Received: report #%(pk)s submitted for approval.") % {"pk": report.pk}, report)
    raise AssertionError("unreachable")
