"""Personal data inside JSON values (report payloads, audit old/new): where it is and how to withhold it.

Informants (and later casualties) are named only in these keys; everything that shows or stores a
payload for someone without personal-data access passes it through `without_personal_data`.
"""

from __future__ import annotations

from typing import Any

# "identity": a casualty's name, date of birth, contact and address (accident reports).
PERSONAL_KEYS = {"informant", "informant_name", "informant_contact", "identity"}
RESTRICTED = {"restricted": "true"}


def without_personal_data(value: Any) -> Any:
    """A JSON value with every informant replaced by a marker, at any depth."""
    if isinstance(value, dict):
        return {k: (RESTRICTED if k in PERSONAL_KEYS and v else without_personal_data(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [without_personal_data(v) for v in value]
    return value


def has_personal_data(value: Any) -> bool:
    """Does this JSON value name anyone?"""
    return bool(without_personal_data(value) != value)
