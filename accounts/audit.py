"""Audit rows: every write of domain state and every read of personal data leaves one."""

from __future__ import annotations

from typing import Any

from accounts.models import AuditEntry


def record(actor: Any, action: str, obj: Any, *, old: Any = None, new: Any = None, reason: str = "") -> AuditEntry:
    """Write one audit row for `action` on `obj` (a model instance)."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        old=old,
        new=new,
        reason=reason,
    )


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
