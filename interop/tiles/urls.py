"""Vector tile routes under /tiles/ (decision 0019)."""

from django.urls import path

from interop.tiles import views

app_name = "tiles"

urlpatterns = [
    path("<str:collection>/tilejson.json", views.tilejson, name="tilejson"),
    path("<str:collection>/<int:z>/<int:x>/<int:y>", views.tile, name="tile"),
]
