"""URL map: the web application's pages, the admin, the REST API, OGC API and tiles."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from web.atlas import public as atlas_public
from web.shell.views import ThrottledLoginView

urlpatterns = [
    path("", include("web.dashboard.urls")),  # the home dashboard
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switcher posts here
    path("map/", include("web.atlas.urls")),
    # Anyone's door to the parcel status statement (decision 0061); its own rate limit per client.
    path("public/parcel-statement/", atlas_public.parcel_statement, name="parcel-statement"),
    path("reports/", include("web.workbench.urls")),
    path("", include("web.transfers.urls")),  # imports/ and exports/
    path("treaty/", include("web.treaty_pages.urls")),
    path("", include("web.tasking.urls")),  # tasks/ and teams/
    path("quality/", include("web.quality_pages.urls")),
    path("administration/", include("web.administration.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("clearground.api.urls")),
    path("ogc/", include("interop.ogc.urls")),
    path("tiles/", include("interop.tiles.urls")),
    path("basemaps/", include("interop.basemaps.urls")),  # PMTiles by range requests (decision 0056)
    path("openrosa/", include("field.urls")),  # ODK Collect / KoboCollect (decision 0051)
]

# An address no route matches answers JSON under /api/, /ogc/ and /tiles/ (decision 0030).
handler404 = "clearground.api.errors.not_found"
