"""Pages of web.transfers: imports (upload, preview, progress, report) and exports."""

from django.urls import path

from web.transfers import views

app_name = "transfers"
urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/run/", views.import_run, name="import-run"),
    path("imports/<int:pk>/approve/", views.import_approve, name="import-approve"),
    path("exports/", views.exports, name="exports"),
    path("exports/download/", views.export_download, name="export-download"),
]
