"""The list endpoints' query parameters, checked: a value the register does not know is a 400 naming it.

A filter on a value that cannot match ("?status=' OR 1=1--") used to answer an empty page, which reads
as "no such records" and hides a typo; an id that was not a number used to be ignored, which answers
every record. Each helper raises ValidationFailed with the parameter's name instead (decision 0033).
Values reach SQL only through the ORM's bound parameters either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from accounts.models import Organisation
from core.errors import Problem, ValidationFailed

MAX_LEN = 200  # no code, id or list of choices is longer


def _raw(params: Mapping[str, str], name: str) -> str:
    value = params.get(name) or ""
    if len(value) > MAX_LEN or "\0" in value:
        raise ValidationFailed([Problem(name, f"is not a value this list knows (longer than {MAX_LEN} characters "
                                              "or with a NUL character)")])  # fmt: skip
    return value.strip()


def choices(params: Mapping[str, str], name: str, allowed: Iterable[str]) -> list[str]:
    """The comma-separated values of `name`, each one of `allowed`; [] when absent."""
    raw = _raw(params, name)
    if not raw:
        return []
    known = list(allowed)
    values = [v.strip() for v in raw.split(",") if v.strip()]
    bad = [v for v in values if v not in known]
    if bad:
        shown = ", ".join(repr(v[:40]) for v in bad[:5])
        raise ValidationFailed([Problem(name, f"{shown} not one of {', '.join(known)}")])
    return values


def object_id(params: Mapping[str, str], name: str, what: str) -> int | None:
    """The id given as `name` (a positive whole number), or None when absent."""
    raw = _raw(params, name)
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ValidationFailed([Problem(name, f"must be {what} id (a whole number)")])
    return int(raw)


def organisation_code(params: Mapping[str, str], name: str = "organisation") -> str | None:
    """An organisation's code given as `name`, which must be one the register has; None when absent."""
    raw = _raw(params, name)
    if not raw:
        return None
    if not Organisation.objects.filter(code=raw).exists():
        raise ValidationFailed([Problem(name, f"{raw[:40]!r}: no organisation has this code")])
    return raw
