"""The bell in the shell: the signed-in user's unread task notifications (decision 0053)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from operations.notifications import unread_count


def notifications(request: HttpRequest) -> dict[str, Callable[[], int] | int]:
    """`unread_notifications`: counted only when a template shows it (one query, on pages with the shell)."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": lambda: unread_count(user)}
