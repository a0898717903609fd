"""The root URLconf: the API, the streams, the pages, the admin and health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts.forms import LoginForm
from accounts.views import LogoutView
from events.metrics import metrics_view
from meetings.api.docs import ApiDocsView

from . import health
from .operator_access import operators_only

handler400 = "config.errors.handler400"
handler403 = "config.errors.handler403"
handler404 = "config.errors.handler404"
handler500 = "config.errors.handler500"

api_v1 = [
    path("auth/", include("accounts.urls")),
    path("", include("meetings.api.urls")),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file, which the CSP allows.
    path("docs", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("", include("meetings.pages.urls")),
    path("", include("events.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("v1/", include(api_v1)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", operators_only(health.readyz), name="readyz"),
    path("metrics", operators_only(metrics_view), name="metrics"),
    path("admin/", admin.site.urls),
]
