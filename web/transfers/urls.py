"""Pages of web.transfers."""

from django.urls import path  # noqa: F401

app_name = "transfers"
urlpatterns: list = []
