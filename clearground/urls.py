"""URL map: the admin, the REST API and its schema, and the home page."""

from django.contrib import admin
from django.urls import include, path

from clearground import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/", include("interop.rest.urls")),
]
