"""Pages of web.dashboard: the home dashboard at /."""

from django.urls import path

from clearground import views

urlpatterns = [
    path("", views.home, name="home"),
]
