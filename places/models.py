"""Administrative areas: country → admin1 → admin2, keyed by p-code."""

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _


class PopulationSource(models.TextChoices):
    """Where an area's population figure comes from (loaded by `clearground load_population`)."""

    NATURAL_EARTH = "naturalearth_pop_est", _("Natural Earth pop_est (country estimate)")
    # Places below 1,000 inhabitants and rural dispersed settlement are missing: a lower bound.
    GEONAMES_SETTLED = (
        "geonames_cities1000_sum",
        _("Sum of GeoNames places (1,000+ inhabitants) inside the area: a lower bound of settled population"),
    )


class AdminArea(models.Model):
    """A country (level 0), province (1) or district (2) with its boundary."""

    pcode = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    level = models.PositiveSmallIntegerField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    country_iso3 = models.CharField(max_length=3, db_index=True)
    geom = models.MultiPolygonField(srid=4326)
    # Inhabitants, for per-capita rates; null until `clearground load_population` finds a figure.
    population = models.PositiveBigIntegerField(null=True, blank=True)
    population_source = models.CharField(max_length=30, choices=PopulationSource.choices, blank=True)
    # The estimate's year (Natural Earth's is 2019); null for GeoNames sums, whose figures are of mixed vintage.
    population_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["pcode"]

    def __str__(self) -> str:
        return f"{self.name} ({self.pcode})"

    @property
    def population_is_lower_bound(self) -> bool:
        """True when the figure counts only settled places, so a rate over it is an upper bound."""
        return self.population_source == PopulationSource.GEONAMES_SETTLED


def admin_area_at(point: Point | None) -> AdminArea | None:
    """The deepest admin area containing the point (None for no point or outside every area).

    One query, served by the admin-area GiST index; accidents, risk education sessions, hazard
    indications and new hazards (at a point on their surface) are placed by it.
    """
    if point is None:
        return None
    return AdminArea.objects.filter(geom__intersects=point).order_by("-level").first()


class Place(models.Model):
    """A populated place from the GeoNames gazetteer (cities1000), for the map's place search.

    Loaded by `clearground load_places`; the gazetteer is public data, so every signed-in user may search it.
    """

    geonameid = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=200)
    country_iso3 = models.CharField(max_length=3)
    population = models.PositiveBigIntegerField(default=0)
    location = models.PointField(srid=4326)
    # The name and its alternate names (Кабул, كابل, Caboul…), lower case without accents, "|" between:
    # what a search matches. 12,000 places are scanned in a few milliseconds, so no trigram index.
    search_names = models.TextField()

    class Meta:
        ordering = ["-population", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country_iso3})"
