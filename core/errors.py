"""The one exception hierarchy. Each error states its HTTP status here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (a dotted field path, with row numbers), why in plain words (in
    the reader's language when the request has one), and a stable `code` a program may act on (decision 0055).

    Codes are short snake_case words that never change once published ("required", "not_a_date", ...);
    "invalid" is the catch-all for problems that have no code of their own yet.
    """

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        """The API's shape of a problem."""
        return {"field": self.field, "code": self.code, "message": self.message}


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


class TooLarge(ValidationFailed):
    """An uploaded file (or what its archive unpacks to) is over the size limit; nothing was stored."""

    status = 413


class NotFoundOrNoAccess(CleargroundError):
    """Missing or not visible to this user; the two are deliberately indistinguishable."""

    status = 404


class NotAllowed(CleargroundError):
    """The user can see the object but their role may not do this to it."""

    status = 403


class Conflict(CleargroundError):
    """The action does not fit the object's current state (workflow step, stale version)."""

    status = 409


class Stale(Conflict):
    """The caller read an older version of the record than the one it would overwrite; nothing was changed.

    `current` is the record as it is now (locked and read inside the refusing transaction), `field` says
    which expectation failed ("version" of the report, "hazard_version" of the hazard it would change).
    """

    status = 409

    def __init__(self, current: object, *, field: str, sent: int) -> None:
        now = int(getattr(current, "version", 0))
        super().__init__(
            "This record was changed by someone else since you read it; nothing was changed.",
            [Problem(field, f"you sent version {sent}; it is now version {now}")],
        )
        self.current, self.field, self.sent, self.current_version = current, field, sent, now
