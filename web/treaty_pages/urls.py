"""Pages of web.treaty_pages."""

from django.urls import path  # noqa: F401

app_name = "treaty_pages"
urlpatterns: list = []
