"""Pages of web.dashboard: the home dashboard at /."""

from django.urls import path

from web.dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
]
