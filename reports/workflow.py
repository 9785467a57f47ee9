"""The report workflow: which step may follow which (IMAS-style submit → validate → approve)."""

from __future__ import annotations

from django.utils import translation

from core.errors import Conflict
from reports.models import ReportStatus as S

ALLOWED: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED},
    S.SUBMITTED: {S.VALIDATED, S.RETURNED},
    S.RETURNED: {S.SUBMITTED},
    S.VALIDATED: {S.APPROVED, S.RETURNED},
    S.APPROVED: {S.SUPERSEDED, S.UNAPPROVED},
    S.UNAPPROVED: {S.SUBMITTED},
    S.SUPERSEDED: set(),
}
EDITABLE = {S.DRAFT, S.RETURNED}


def check_step(current: str, target: str) -> None:
    """Raise Conflict unless `current → target` is a step of the workflow."""
    if target not in ALLOWED.get(current, set()):
        with translation.override("en"):  # the API's problems stay English; the labels translate on pages
            now, then = str(S(current).label).lower(), str(S(target).label).lower()
        raise Conflict(f"A report that is {now} cannot become {then}.")
