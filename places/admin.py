"""Admin areas, editable; boundaries as text (EWKT or GeoJSON), never a map widget from a CDN."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.gis.db import models as gis_models

from accounts.admin import short_geometry
from places.models import AdminArea

GEOMETRY_AS_TEXT = {
    "widget": forms.Textarea(attrs={"rows": 6, "cols": 100, "spellcheck": "false"}),
    "help_text": "EWKT (SRID=4326;MULTIPOLYGON(((lon lat, ...)))) or GeoJSON; coordinates in EPSG:4326.",
}


@admin.register(AdminArea)
class AdminAreaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time (Django 5.2)
    list_display = ("pcode", "name", "level", "parent", "country_iso3", "boundary")
    list_filter = ("level", "country_iso3")
    search_fields = ("pcode", "name")
    autocomplete_fields = ["parent"]
    list_select_related = ("parent",)
    formfield_overrides = {gis_models.GeometryField: GEOMETRY_AS_TEXT}  # matched through the field's MRO

    @admin.display(description="Boundary")
    def boundary(self, obj: AdminArea) -> str:
        return short_geometry(obj.geom)
