"""The one action of this module: generate (and freeze) an Article 7 report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.access import AnyUser, signed_in
from obligations import article7
from obligations.models import Article7Report


def generate_article7(
    *, acting_user: AnyUser, country_iso3: str, year: int, cutoff: dt.datetime | None = None
) -> Article7Report:
    """Compute the report from the register as approved now (or at `cutoff`) and freeze it."""
    cutoff = cutoff or timezone.now()
    with transaction.atomic():
        figures = article7.compute(country_iso3, year, cutoff)
        report = Article7Report.objects.create(
            country_iso3=country_iso3, year=year, cutoff=cutoff, figures=figures, created_by=signed_in(acting_user)
        )
        audit.record(acting_user, "article7.generate", report, new={"country": country_iso3, "year": year})
    return report


def regenerate(report: Article7Report) -> dict[str, Any]:
    """The figures recomputed with the frozen cutoff: equal to `report.figures` whatever was approved since."""
    return article7.compute(report.country_iso3, report.year, report.cutoff)
