"""Administrative areas: country → admin1 → admin2, keyed by p-code."""

from django.contrib.gis.db import models


class AdminArea(models.Model):
    """A country (level 0), province (1) or district (2) with its boundary."""

    pcode = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    level = models.PositiveSmallIntegerField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    country_iso3 = models.CharField(max_length=3, db_index=True)
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["pcode"]

    def __str__(self) -> str:
        return f"{self.name} ({self.pcode})"
