"""/openrosa/: what ODK Collect and KoboCollect ask of a server whose address is https://…/openrosa."""

from django.urls import path

from field import pages, views

urlpatterns = [
    path("formList", views.form_list, name="openrosa-form-list"),
    path("forms/<str:kind>.xml", views.form, name="openrosa-form"),
    path("forms/<str:kind>.xlsx", views.xlsform, name="openrosa-xlsform"),
    path("forms/<str:kind>/manifest", views.manifest, name="openrosa-manifest"),
    path("forms/<str:kind>/media/<str:name>", views.media_file, name="openrosa-media"),
    path("submission", views.submission, name="openrosa-submission"),
    # The same forms filled in the browser (ODK Web Forms, decision 0058).
    path("fill/", pages.fill_list, name="openrosa-fill-list"),
    path("fill/<str:kind>/", pages.fill_form, name="openrosa-fill"),
]
