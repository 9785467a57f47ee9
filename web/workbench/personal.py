"""Personal data in the edit form: shown to whom the API shows it, and never lost by whoever it is withheld from.

Informants and casualty identities are personal data (accounts/personal.py). Their author and the
personal-data roles edit them (sealed identities opened for the form, sealed again on save by
casualties/sealing.py); anyone else edits the report with them withheld, and `keep` puts them back.
"""

from __future__ import annotations

from typing import Any

from accounts import access
from accounts.access import AnyUser
from accounts.personal import PERSONAL_KEYS
from casualties import crypto
from reports.models import Report


def may_see(user: AnyUser, report: Report) -> bool:
    """The API's rule, accounts.access.may_see_report_personal_data: personal-data roles, and the author of a draft."""
    return access.may_see_report_personal_data(user, report)


def unsealed(value: Any) -> Any:
    """The payload with casualties' sealed identities opened, so that their author can edit them."""
    if crypto.is_sealed(value):
        return crypto.decrypt(value[crypto.SEALED])
    if isinstance(value, dict):
        return {k: unsealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unsealed(v) for v in value]
    return value


def keep(original: Any, edited: Any) -> None:
    """Put back the personal data a user was not shown (and so could not post back) into their edit."""
    if isinstance(original, dict) and isinstance(edited, dict):
        for key, value in original.items():
            if key in PERSONAL_KEYS and key not in edited:
                edited[key] = value
            elif key in edited:
                keep(value, edited[key])
    elif isinstance(original, list) and isinstance(edited, list):
        for old, new in zip(original, edited, strict=False):
            keep(old, new)
