"""Audit rows: every write of domain state and every read of personal data leaves one.

Rows are append-only and sealed into a hash chain after their transaction commits (accounts/chain.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model

from accounts.access import AnyUser, signed_in
from accounts.chain import seal_after_commit
from accounts.models import AuditEntry


def record(
    actor: AnyUser | None, action: str, obj: Model, *, old: Any = None, new: Any = None, reason: str = ""
) -> AuditEntry:
    """Write one audit row for `action` on `obj` (a model instance)."""
    entry = AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        old=old,
        new=new,
        reason=reason,
    )
    seal_after_commit()
    return entry


def record_each(actor: AnyUser | None, action: str, entries: Sequence[tuple[Model, Any]]) -> None:
    """One audit row for `action` per (object, new values), written in one INSERT: record() for a batch."""
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor if actor is not None and actor.is_authenticated else None,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                new=new,
            )
            for obj, new in entries
        ]
    )
    seal_after_commit()


def record_personal_read(actor: AnyUser, objects: Sequence[Model], *, fields: list[str], why: str) -> None:
    """One row per record whose personal data was shown to `actor`."""
    if not objects:
        return
    reader = signed_in(actor)  # personal data is shown to signed-in roles only
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=reader,
                action="personal_data.read",
                object_type=o._meta.label_lower,
                object_id=str(o.pk),
                new={"fields": fields},
                reason=why,
            )
            for o in objects
        ]
    )
    seal_after_commit()


def record_login_failure(username: str, ip: str | None) -> AuditEntry:
    """One row per refused sign-in (wrong password, unknown or inactive user); never the password.

    The login throttle (accounts/throttle.py) counts these rows, by user name and by client address.
    """
    from django.contrib.auth import get_user_model

    user_id = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
    entry = AuditEntry.objects.create(
        actor=None,
        action="auth.login_failed",
        object_type="auth.user",
        object_id=str(user_id or ""),
        new={"username": username[:150], "ip": ip},
    )
    seal_after_commit()
    return entry
