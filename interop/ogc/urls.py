"""OGC API – Features routes under /ogc/ (decision 0018)."""

from django.urls import path

from interop.ogc import views

app_name = "ogc"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("api", views.api, name="api"),
    path("conformance", views.conformance, name="conformance"),
    path("collections", views.collections, name="collections"),
    path("collections/<str:cid>", views.collection, name="collection"),
    path("collections/<str:cid>/queryables", views.queryables, name="queryables"),
    path("collections/<str:cid>/items", views.items, name="items"),
    path("collections/<str:cid>/items/<str:fid>", views.feature, name="feature"),
]
