"""Casualties per 100,000 inhabitants by admin area, with the small-cell rule of casualties.statistics.

A casualty counts in the area its accident was placed in at approval (`Accident.admin_area`, the deepest
area containing it) and in that area's ancestors, so a rate by country and a rate by province read the
same rows. The count table of one level is suppressed with `statistics.suppress` (1–4 shown as "<5",
and a complementary cell when one alone would be hidden); a suppressed count has no rate. Populations
come from `clearground load_population`; a GeoNames sum is a lower bound, so its rate is an upper bound.
See docs/decisions/0013-victim-assistance-and-rates.md.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, IntegerField, QuerySet, When
from django.utils import translation

from casualties.models import Casualty
from casualties.statistics import THRESHOLD, Cell, suppress
from places.models import AdminArea, PopulationSource

PER = 100_000


def _area_at(level: int) -> Case:
    # The accident's area or the ancestor of it that sits at `level` (admin areas are at most 3 deep).
    path = "accident__admin_area"
    whens = []
    for _ in range(3):
        whens.append(When(**{f"{path}__level": level}, then=F(f"{path}_id")))
        path += "__parent"
    return Case(*whens, default=None, output_field=IntegerField())


def casualty_counts(level: int, casualties: QuerySet[Casualty] | None = None) -> dict[int, int]:
    """Admin area id → number of casualties whose accident lies in it (one grouped query)."""
    qs = casualties if casualties is not None else Casualty.objects.all()
    rows = qs.annotate(area=_area_at(level)).exclude(area=None).values("area").annotate(n=Count("id")).order_by()
    return {r["area"]: r["n"] for r in rows}


def casualty_rates(level: int = 1, country_iso3: str | None = None) -> dict[str, Any]:
    """Casualties and casualties per 100,000 inhabitants for each admin area of `level`."""
    areas = (
        AdminArea.objects.filter(level=level)
        .order_by("pcode")
        .only("pcode", "name", "level", "country_iso3", "population", "population_source", "population_year")
    )
    if country_iso3:
        areas = areas.filter(country_iso3=country_iso3.upper())
    counts = casualty_counts(level)
    listed = list(areas)
    cells = suppress([(a.pcode, counts.get(a.pk, 0)) for a in listed])
    rows = [_row(area, cell) for area, cell in zip(listed, cells, strict=True)]
    return {
        "threshold": THRESHOLD,
        "per": PER,
        "level": level,
        "population_sources": _english_population_sources(),
        "areas": rows,
    }


def _english_population_sources() -> dict[str, str]:
    """The sources' labels in English whatever the caller's language: API output does not translate."""
    with translation.override("en"):
        return {s.value: str(s.label) for s in PopulationSource}


def _row(area: AdminArea, cell: Cell) -> dict[str, Any]:
    rate: float | None = None
    reason = None
    count = cell["count"]
    if cell["suppressed"] or count is None:  # a count is None only when suppressed
        reason = f"count suppressed ({'small cell' if cell['suppressed'] == 'small' else 'complementary'})"
    elif not area.population:
        reason = "no population figure for this area (run clearground load_population)"
    else:
        rate = round(count / area.population * PER, 2)
    lower_bound = area.population_is_lower_bound
    return {
        "pcode": area.pcode,
        "name": area.name,
        "casualties": cell,
        "population": area.population,
        "population_source": area.population_source or None,
        "population_year": area.population_year,
        # GeoNames sums count only places of 1,000+ inhabitants: the population is at least this.
        "population_is_lower_bound": lower_bound,
        "rate_per_100k": rate,
        "rate_is_upper_bound": rate is not None and lower_bound,
        "rate_reason": reason,
    }
