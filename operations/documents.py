"""Documents attached to a task order (decision 0057): the authority attaches, the task's readers download.

The files go through the checks of every upload (reports.attachments.read_uploads: a plain name, the type
read from the bytes and agreeing with the suffix, the size before a byte is read) and into the same store,
by SHA-256. Attaching is the authority's (who issues tasks); reading follows the task (access_task: the
authority and the tasked operator; others get 404, as for a missing task). Both are audited.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access, audit
from core.errors import NotAllowed, NotFoundOrNoAccess, Problem, ValidationFailed
from operations.models import Task, TaskDocument
from reports import attachments


def attach_documents(task: Task, *, acting_user: Any, uploads: list[Any]) -> list[TaskDocument]:
    """Attach the uploaded files to the task, all or none; a name the task already holds with the same bytes
    adds nothing, with other bytes it is refused (400 naming the file)."""
    if not access.may_issue_task(acting_user):
        raise NotAllowed(_("Only the national authority's IM officers and admin attach documents to a task."))
    files = attachments.read_uploads(uploads)
    stored: list[TaskDocument] = []
    with transaction.atomic():
        Task.objects.select_for_update().filter(pk=task.pk).first()  # one attacher at a time per task
        held = {d.name: d for d in TaskDocument.objects.filter(task=task)}
        changed = [n for n, data, _t in files if n in held and held[n].sha256 != attachments.sha256_of(data)]
        if changed:
            raise ValidationFailed([Problem(f"attachments.{n}", _("was sent before with other content"),
                                            "changed_content") for n in changed])  # fmt: skip
        now = timezone.now()
        for name, data, mime in files:
            if name in held:
                stored.append(held[name])
                continue
            sha256 = attachments.store(data)
            document = TaskDocument.objects.create(task=task, name=name, sha256=sha256, size=len(data),
                                                   content_type=mime, added_by=acting_user, added_at=now)  # fmt: skip
            audit.record(acting_user, "task.attach", task,
                         new={"name": name, "sha256": sha256, "size": len(data), "content_type": mime})  # fmt: skip
            held[name] = document
            stored.append(document)
    return stored


def document_for(user: Any, task_pk: int | str, name: str) -> TaskDocument:
    """One of a task's documents for a reader of the task, its read audited; 404 for anyone else."""
    task = access.access_task(user, task_pk)
    document = TaskDocument.objects.filter(task=task, name=name).first()
    if document is None:
        raise NotFoundOrNoAccess(_("No such document."))
    audit.record(user, "task.document.read", task, new={"name": name, "sha256": document.sha256})
    return document
