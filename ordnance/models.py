"""The explosive ordnance catalogue: models of mines and other ordnance, their category and origin.

Public reference facts only (a model's name, its category, its country of origin where known), so that
free-text models in finds and minefield records can be matched and counted by category (decision 0049).
Nothing here describes how an item works or is made. Written only by ordnance.catalogue.load_catalogue.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from vocab.choices import DeviceCategory


class OrdnanceModel(models.Model):
    """One model in the catalogue, under its usual name, with the other names it is written as."""

    name = models.CharField(max_length=100, help_text="The model as usually written, e.g. PMN-2")
    key = models.CharField(max_length=100, unique=True, help_text="The name without case, spaces or hyphens")
    category = models.CharField(max_length=20, choices=DeviceCategory.choices)
    country_of_origin = models.CharField(max_length=100, blank=True, help_text="Where known")
    aliases = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    # The aliases' keys: a free-text model matches the name's key or any of these (one query, GIN-indexed).
    alias_keys = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Who provided the entry (seed, authority file)")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            # Matching a batch of free-text models by alias: alias_keys && ARRAY[...].
            GinIndex(fields=["alias_keys"], name="ordnance_alias_keys_idx"),
        ]
        constraints = [models.CheckConstraint(name="ordnance_key_not_empty", condition=~Q(key=""))]

    def __str__(self) -> str:
        return self.name
