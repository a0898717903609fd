"""The gate of the stream URLs: what Django's middleware asks of every request.

Streams are served outside Django's handler (events/handler.py), so this gate
holds them to the same rules as the rest of the site, with Django's own code
rather than a copy of it: the Host is validated against ALLOWED_HOSTS
(`HttpRequest.get_host`), the request hooks and response headers are those of
the site's header middleware as listed in settings.MIDDLEWARE (security,
clickjacking, CSP), and a stream takes GET (HEAD and OPTIONS as Django's
class-based views answer them) and no body, refused before any of it is read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.module_loading import import_string

from shared.errors import error_response

SECURITY_LOGGER = logging.getLogger("django.security.DisallowedHost")
ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")
# Middleware whose hooks only check a request or add headers to its response:
# a stream passes each of them that the site uses.
HEADER_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)


class Gate:
    """Refuse what the site would refuse, and dress responses as it would.

    Built once per handler, after settings are configured: the middleware
    read their settings when made, as Django's handler makes them once.
    """

    def __init__(self) -> None:
        self.middleware = [
            import_string(path)(_never_called)
            for path in settings.MIDDLEWARE
            if path in HEADER_MIDDLEWARE
        ]

    def refusal(self, request: HttpRequest) -> HttpResponseBase | None:
        """Return the answer that stops request before its view, or None.

        A request that carries a body is answered with `Connection: close`, so
        whatever the refusal, the body is never read.
        """
        response = self._refusal(request)
        if response is not None and _has_body(request):
            response["Connection"] = "close"
        return response

    def _refusal(self, request: HttpRequest) -> HttpResponseBase | None:
        try:
            request.get_host()
        except DisallowedHost as error:
            # Logged where Django's handler logs it, for the same alerts.
            SECURITY_LOGGER.error(
                str(error),
                exc_info=error,
                extra={"status_code": 400, "request": request},
            )
            return error_response(400, "bad_request", "This host is not served here.")
        if request.method not in ALLOWED_METHODS:
            return _allow(
                error_response(
                    405,
                    "method_not_allowed",
                    f"A stream is opened with GET, not {request.method}.",
                )
            )
        if (refused := _body_refusal(request)) is not None:
            return refused
        if request.method == "OPTIONS":
            return _allow(HttpResponse(headers={"Content-Length": "0"}))
        for middleware in self.middleware:
            check = getattr(middleware, "process_request", None)
            if check is not None and (response := check(request)) is not None:
                return response
        return None

    def dress(self, request: HttpRequest, response: HttpResponseBase) -> None:
        """Add the headers the site's middleware adds to every response."""
        for middleware in reversed(self.middleware):
            middleware.process_response(request, response)


def _has_body(request: HttpRequest) -> bool:
    return (
        request.headers.get("Content-Length", "0") not in ("", "0")
        or "Transfer-Encoding" in request.headers
    )


def _body_refusal(request: HttpRequest) -> HttpResponseBase | None:
    """Refuse a request that carries a body, before reading any of it."""
    if not _has_body(request):
        return None
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if limit is not None and length > limit:
        return error_response(
            413, "too_large", f"The request body exceeds {limit} bytes."
        )
    return error_response(400, "bad_request", "A stream request has no body.")


def _allow(response: HttpResponseBase) -> HttpResponseBase:
    response["Allow"] = ", ".join(ALLOWED_METHODS)
    return response


def _never_called(request: HttpRequest) -> Callable:
    raise AssertionError("The gate calls its middleware's hooks, not the chain.")
