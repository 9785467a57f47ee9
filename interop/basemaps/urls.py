"""Basemap routes under /basemaps/ (decision 0056)."""

from django.urls import path

from interop.basemaps import views

app_name = "basemaps"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<str:name>.pmtiles", views.archive, name="archive"),
    path("<str:name>/<int:z>/<int:x>/<int:y>.mvt", views.tile, name="tile"),
]
