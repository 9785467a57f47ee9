"""Pages of web.atlas."""

from django.urls import path  # noqa: F401

app_name = "atlas"
urlpatterns: list = []
