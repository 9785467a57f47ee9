"""Casualty statistics for the authority and for publication: counts only, small cells suppressed.

A count from 1 to 4 could point at a person in a small community, so such a cell is shown as "<5"
with no number ("small"). When a table would then hide exactly one cell, its total would give that
cell away, so the smallest other shown cell is hidden too ("complementary", shown as "hidden"). Zero is shown: it names
no one. See docs/decisions/0008-casualty-records-and-encryption.md.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from django.db.models import Case, CharField, Count, F, Func, IntegerField, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, ExtractYear

from casualties.choices import DatePrecision
from casualties.models import Casualty

THRESHOLD = 5

# A month- or year-precision accident is stored at 00:00 UTC of its first day (casualties.records), so its
# month and year read the same in UTC whatever the offset it was reported in.
_OCCURRED = "accident__occurred_at"


def _month() -> Func | Case:
    """'YYYY-MM' of an accident known to the day or month; 'YYYY-unknown' when only its year is known."""
    year = Cast(ExtractYear(_OCCURRED), CharField())
    return Case(
        When(accident__date_precision=DatePrecision.YEAR, then=Concat(year, Value("-unknown"))),
        default=Func(F(_OCCURRED), Value("YYYY-MM"), function="to_char", output_field=CharField()),
        output_field=CharField(),
    )


DIMENSIONS: dict[str, Func | F | Case] = {
    # Every accident has at least its year; counting by year is right whatever the precision.
    "year": ExtractYear(_OCCURRED),
    # A year-precision accident is never put in a month (it would all land in January).
    "month": _month(),
    "sex": F("sex"),
    "age_band": F("age_band"),
    "device_category": F("accident__device_category"),
    "category": F("category"),
    "outcome": F("outcome"),
    # The deepest admin area containing the accident (counts only: places holds no population for rates).
    "admin_area": F("accident__admin_area__pcode"),
}


class Cell(TypedDict):
    """One cell of a published table: what it counts, and its count unless suppressed (then why)."""

    value: Any  # the dimension's value (a year, a vocabulary code, a pcode, "total")
    count: int | None  # None when suppressed
    display: str  # the count as shown: "12", "<5", "hidden"
    suppressed: Literal["small", "complementary"] | None


def _cell(value: Any, count: int) -> Cell:
    if 0 < count < THRESHOLD:
        return {"value": value, "count": None, "display": f"<{THRESHOLD}", "suppressed": "small"}
    return {"value": value, "count": count, "display": str(count), "suppressed": None}


def suppress(counts: list[tuple[Any, int]]) -> list[Cell]:
    """Cells of one table with the rule applied: 1–4 hidden, and one more if only one would be hidden."""
    cells = [_cell(value, n) for value, n in counts]
    hidden = [c for c in cells if c["suppressed"]]
    shown = sorted(((n, i) for i, (_, n) in enumerate(counts) if not cells[i]["suppressed"] and n > 0))
    if len(hidden) == 1 and shown:
        i = shown[0][1]
        # Not "<5": the hidden count may well be larger; it is hidden only to protect the small one.
        cells[i] = {"value": cells[i]["value"], "count": None, "display": "hidden", "suppressed": "complementary"}
    return cells


def casualty_statistics(casualties: QuerySet[Casualty] | None = None) -> dict[str, Any]:
    """Casualties by year, month (as precise as known), sex, age band, device category, category, outcome, area."""
    qs = casualties if casualties is not None else Casualty.objects.all()
    total = qs.count()
    tables: dict[str, list[Cell]] = {}
    for name, expr in DIMENSIONS.items():
        rows = qs.annotate(key=expr).values("key").annotate(n=Count("id", output_field=IntegerField())).order_by("key")
        tables[name] = suppress([(r["key"], r["n"]) for r in rows])
    return {"threshold": THRESHOLD, "total": _cell("total", total), "tables": tables}
