"""Pages of web.administration."""

from django.urls import path  # noqa: F401

app_name = "administration"
urlpatterns: list = []
