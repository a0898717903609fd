"""Per-user rate limits on the API: one for reads, one for writes.

DRF's scoped throttles, counted in the shared cache (settings.CACHES, the
database table every instance uses) so that the limits hold for the whole
deployment. An authenticated request counts for its user, whichever token or
session it comes with; an anonymous one (the token endpoints, public docs)
for its address. Beyond the rate, DRF raises Throttled, which the API's
exception handler answers 429 in the error shape with Retry-After.

The rates are settings (API_READ_RATE, API_WRITE_RATE; empty turns one off),
read at each request so that a test or an operator's override applies at once.
"""

from __future__ import annotations

import math

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle


class MethodRateThrottle(SimpleRateThrottle):
    """Count the requests of the methods listed, per user or anonymous address."""

    methods: frozenset[str] = frozenset()
    # The setting that holds the rate, in DRF's syntax ("1200/min").
    rate_setting = ""

    def get_rate(self) -> str | None:
        return getattr(settings, self.rate_setting) or None

    def allow_request(self, request, view) -> bool:
        if request.method not in self.methods:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"user:{user.pk}"
        else:
            ident = f"address:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_ident(self, request) -> str:
        # REMOTE_ADDR, which uvicorn and gunicorn take from X-Forwarded-For
        # only when the peer is a trusted proxy (FORWARDED_ALLOW_IPS). DRF's
        # own get_ident would read X-Forwarded-For from any client, which lets
        # one address pose as many.
        return request.META.get("REMOTE_ADDR", "")

    def wait(self) -> float:
        # DRF's answer is None when the history holds more than the rate
        # (parallel requests may add past it); a 429 always says when to retry.
        wait = super().wait()
        return float(math.ceil(wait)) if wait is not None else float(self.duration)


class ReadRateThrottle(MethodRateThrottle):
    """GET, HEAD and OPTIONS: API_READ_RATE per user."""

    scope = "api_read"
    methods = frozenset(SAFE_METHODS)
    rate_setting = "API_READ_RATE"


class WriteRateThrottle(MethodRateThrottle):
    """POST, PUT, PATCH and DELETE: API_WRITE_RATE per user."""

    scope = "api_write"
    methods = frozenset({"POST", "PUT", "PATCH", "DELETE"})
    rate_setting = "API_WRITE_RATE"
