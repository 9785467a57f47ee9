"""The shell's quality link: shown to those who use the quality pages (the authority's QA roles, operators' writers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from accounts import access


def quality_nav(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """`show_quality_nav`, evaluated only when the template asks (anonymous pages never compute a scope)."""
    user: Any = request.user

    def show() -> bool:
        return access.may_manage_quality(user) or access.may_write_somewhere(user)

    return {"show_quality_nav": show}
