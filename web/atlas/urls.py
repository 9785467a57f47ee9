"""Pages of web.atlas: the map (/map/) and the hazard page (/map/hazards/<pk>/)."""

from django.urls import path

from web.atlas import views

app_name = "atlas"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("hazards/<int:pk>/", views.hazard_page, name="hazard"),
    path("print.pdf", views.print_map, name="print"),
]
