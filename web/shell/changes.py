"""One way for a page's form to run a change: the rule's refusal is a 403, its problems are messages.

Every page that posts a change to an action (quality, tasking) answers the same three outcomes: the action
refuses the user (NotAllowed: the page should not have offered it, so a 403 like any forbidden door), the
input has problems (each shown at its field, nothing changed, back to the page), or it is done.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from core.errors import CleargroundError, NotAllowed


@dataclass
class Change:
    """What became of the change, for a view that goes elsewhere when it failed."""

    success: str = ""
    failed: bool = False


def show_problems(request: HttpRequest, exc: CleargroundError) -> None:
    """Each problem as an error message naming its field; the error's own message when it has none."""
    for problem in exc.problems or []:
        messages.error(request, f"{problem.field}: {problem.message}")
    if not exc.problems:
        messages.error(request, exc.message)


@contextmanager
def page_change(request: HttpRequest, success: str = "") -> Iterator[Change]:
    """Run the block as the user's change: 403 when refused, problems as messages, `success` when done (the
    block may set `change.success` when the words depend on what it did)."""
    change = Change(success)
    try:
        yield change
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except CleargroundError as exc:
        change.failed = True
        show_problems(request, exc)
    else:
        if change.success:
            messages.success(request, change.success)
