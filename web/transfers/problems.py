"""Problems (core.errors.Problem) as a page shows them: each one next to the field it names."""

from __future__ import annotations

from collections.abc import Iterable

from core.errors import Problem


def by_field(problems: Iterable[Problem], fields: Iterable[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Split problems into those of the form's own fields ({field: [messages]}) and the rest (shown on top).

    A problem's field may be a dotted path ("hazard.name", "row 3.geometry"); its first part picks the field.
    """
    known = set(fields)
    mine: dict[str, list[str]] = {}
    other: list[str] = []
    for p in problems:
        head = p.field.split(".", 1)[0]
        if head in known:
            mine.setdefault(head, []).append(p.message)
        else:
            other.append(f"{p.field}: {p.message}" if p.field else p.message)
    return mine, other
