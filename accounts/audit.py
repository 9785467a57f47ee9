"""Audit rows: every write of domain state and every read of personal data leaves one.

Rows are append-only and sealed into a hash chain after their transaction commits (accounts/chain.py).
"""

from __future__ import annotations

from typing import Any

from accounts.chain import seal_after_commit
from accounts.models import AuditEntry


def record(actor: Any, action: str, obj: Any, *, old: Any = None, new: Any = None, reason: str = "") -> AuditEntry:
    """Write one audit row for `action` on `obj` (a model instance)."""
    entry = AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        old=old,
        new=new,
        reason=reason,
    )
    seal_after_commit()
    return entry


def record_personal_read(actor: Any, objects: list[Any], *, fields: list[str], why: str) -> None:
    """One row per record whose personal data was shown to `actor`."""
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor,
                action="personal_data.read",
                object_type=o._meta.label_lower,
                object_id=str(o.pk),
                new={"fields": fields},
                reason=why,
            )
            for o in objects
        ]
    )
    if objects:
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
