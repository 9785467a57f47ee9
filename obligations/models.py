"""Frozen Article 7 transparency reports: figures computed once, with the cutoff that reproduces them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Article7Report(models.Model):
    """An Article 7 report for a state and calendar year, frozen as generated.

    `cutoff` is the moment whose approved register the figures describe: regenerating with the same
    cutoff after later approvals gives the same figures (obligations.article7.compute).
    """

    country_iso3 = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField()
    cutoff = models.DateTimeField()
    figures = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        # Serves "the reports of a state", newest first.
        indexes = [models.Index(fields=["country_iso3", "year"], name="article7_state_year_idx")]

    def __str__(self) -> str:
        return f"Article 7 report {self.country_iso3} {self.year} (as of {self.cutoff:%Y-%m-%d %H:%M})"
