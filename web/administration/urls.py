"""Pages of web.administration: organisations, users and roles (the national authority's admin only)."""

from django.urls import path

from web.administration import views

app_name = "administration"
urlpatterns = [
    path("", views.index, name="index"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<int:pk>/", views.organisation_edit, name="organisation"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/active/", views.user_active, name="user-active"),
    path("memberships/new/", views.membership_create, name="membership-create"),
    path("memberships/<int:pk>/revoke/", views.membership_revoke, name="membership-revoke"),
]
