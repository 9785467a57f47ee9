"""Treaty routes, mounted at /api/v1/treaty/ by clearground/api/urls.py."""

from django.urls import path

from treaty import views

urlpatterns = [
    path("states/", views.states, name="treaty-states"),
    path("states/<str:iso3>/", views.state_status, name="treaty-state"),
    path("states/<str:iso3>/timeline/", views.state_timeline, name="treaty-state-timeline"),
    path("parties/", views.parties, name="treaty-parties"),
]
