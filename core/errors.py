"""The one exception hierarchy. Each error states its HTTP status here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (a dotted field path, with row numbers) and why, in plain words."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The API's shape of a problem."""
        return {"field": self.field, "message": self.message}


class CleargroundError(Exception):
    """Base of every error a user may see; `message` is safe to show."""

    status = 400

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class ValidationFailed(CleargroundError):
    """The input has one or more problems; nothing was changed."""

    status = 400

    def __init__(self, problems: list[Problem], message: str = "") -> None:
        n = len(problems)
        super().__init__(message or f"{n} problem{'s' if n != 1 else ''} found; nothing was changed.", problems)


class NotFoundOrNoAccess(CleargroundError):
    """Missing or not visible to this user; the two are deliberately indistinguishable."""

    status = 404


class NotAllowed(CleargroundError):
    """The user can see the object but their role may not do this to it."""

    status = 403


class Conflict(CleargroundError):
    """The action does not fit the object's current state (workflow step, stale version)."""

    status = 409
