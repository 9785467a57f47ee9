"""Pages of web.quality_pages: accreditations and non-conformities for quality management (IMAS 07.12, 07.30)."""

from django.urls import path

from web.quality_pages import views

app_name = "quality_pages"
urlpatterns = [
    path("accreditations/", views.accreditations, name="accreditations"),
    path("accreditations/grant/", views.grant, name="grant"),
    path("accreditations/<int:pk>/<str:step>/", views.accreditation_step, name="accreditation_step"),
    path("non-conformities/", views.non_conformities, name="non_conformities"),
    path("non-conformities/<int:pk>/corrective-action/", views.corrective_action, name="corrective_action"),
    path("non-conformities/<int:pk>/verify/", views.verify, name="verify"),
]
