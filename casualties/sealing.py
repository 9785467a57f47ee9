"""Casualty identities never reach the database in plain text, not even inside a report payload.

Reports are saved by reports.actions (create_report, update_draft), which keep the payload as
entered. For an accident report this pre_save hook (connected in CasualtiesConfig.ready) replaces each
casualty's `identity` object with its sealed form {"fernet": token} before the row is written; the
accident kind reads both forms.
"""

from __future__ import annotations

from typing import Any

from casualties.crypto import is_sealed, seal
from reports.models import Report

ACCIDENT_KIND = "accident"


def sealed_payload(payload: Any) -> Any:
    """The payload with every casualty identity sealed (already sealed ones are kept as they are)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("casualties"), list):
        return payload
    casualties = []
    for row in payload["casualties"]:
        if isinstance(row, dict) and row.get("identity") and not is_sealed(row["identity"]):
            row = {**row, "identity": seal(row["identity"])}
        casualties.append(row)
    return {**payload, "casualties": casualties}


def seal_accident_payload(sender: Any, instance: Report, **kwargs: Any) -> None:
    """Seal identities in an accident report's payload on every save."""
    if instance.kind == ACCIDENT_KIND:
        instance.payload = sealed_payload(instance.payload)
