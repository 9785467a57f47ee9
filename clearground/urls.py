"""URL map: sign-in, the home page, the admin, the REST API and its schema."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clearground import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("interop.rest.urls")),
    path("ogc/", include("interop.ogc.urls")),
    path("tiles/", include("interop.tiles.urls")),
]
