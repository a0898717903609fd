"""The API's browsable description, /v1/docs, for people in a browser."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI; a visitor who must log in first goes to the login page.

    Who may read it is ApiDocsAccess's to say (SERVE_PERMISSIONS); a browser
    shown a bare 401 would not know where to log in.
    """

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
