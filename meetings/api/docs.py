"""The API's browsable description, /v1/docs, for people in a browser."""

from __future__ import annotations

import json

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

# Swagger UI's configuration, over SWAGGER_UI_SETTINGS: no links inside the
# operations' buttons (deep links nest one in the other); examples in plain
# black on white, where the highlighting themes fall under 4.5:1; and nothing
# fetched from elsewhere (the online validator's badge), which the CSP and an
# offline site refuse anyway.
SWAGGER_UI_OVERRIDES = {
    "deepLinking": False,
    "syntaxHighlight": {"activated": False},
    "validatorUrl": None,
}


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI inside the site's page; who must log in first goes to log in.

    The page is the site's (templates/api/docs.html: its top bar, landmarks,
    headings and themes), with Swagger UI drawing the operations in a light
    panel, in a layout of its own (templates/api/docs.js) and with its colours
    amended to pass axe (static/css/api-docs.css). Who
    may read it is ApiDocsAccess's to say (SERVE_PERMISSIONS); a browser shown
    a bare 401 would not know where to log in.
    """

    template_name = "api/docs.html"
    template_name_js = "api/docs.js"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args, **kwargs) -> Response:
        response = super().get(request, *args, **kwargs)
        if "settings" in response.data:  # the script, not the page
            configured = spectacular_settings.SWAGGER_UI_SETTINGS
            if isinstance(configured, str):
                configured = json.loads(configured)
            response.data["settings"] = json.dumps(
                {**configured, **SWAGGER_UI_OVERRIDES}
            )
        else:
            response.data["description"] = spectacular_settings.DESCRIPTION
            response.data["version"] = spectacular_settings.VERSION
        return response

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
