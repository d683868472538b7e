from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.health import healthz
from core.api.errors import error_page
from entry.views import home

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include("config.api_urls")),
    path("entry/", include("entry.urls")),
    path("plans/", include("plans.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("reports/", include("reports.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("", home, name="home"),
]

# Under /api/ the API's JSON error body (core.api.errors), Django's pages elsewhere.
handler400 = error_page(400)
handler403 = error_page(403)
handler404 = error_page(404)
handler500 = error_page(500)
