"""Pages of web.treaty_pages, mounted at /treaty/."""

from django.urls import path, re_path

from web.treaty_pages import views

app_name = "treaty_pages"
urlpatterns = [
    path("", views.index, name="index"),
    path("statuses/", views.statuses, name="statuses"),
    path("article7/", views.article7, name="article7"),
    path("article7/<int:pk>/<str:fmt>/", views.article7_file, name="article7_file"),
    # Three letters only, so that the words above never read as a state's code.
    re_path(r"^(?P<iso3>[A-Za-z]{3})/$", views.state, name="state"),
]
