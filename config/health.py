"""Liveness and readiness probes."""

from __future__ import annotations

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import JsonResponse

from config.errors import retry_after
from meetings import services
from meetings.domain import StoreUnavailable


def healthz(request) -> JsonResponse:
    """Answer {"status": "ok"} while the process can serve requests."""
    return JsonResponse({"status": "ok"})


def readyz(request) -> JsonResponse:
    """Answer 200 when the meetings' store (DynamoDB, or memory) and the database
    answer, else 503 naming which.
    """
    checks = {"store": "ok", "database": "ok"}
    try:
        services.check_store()
    except StoreUnavailable:
        checks["store"] = "unavailable"
    try:
        connection.ensure_connection()
    except DatabaseError:
        checks["database"] = "unavailable"
    if all(value == "ok" for value in checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    return JsonResponse(
        {"status": "unavailable", "checks": checks},
        status=503,
        # An instance out of rotation is worth asking again as soon as a store is.
        headers={"Retry-After": str(retry_after(StoreUnavailable("")))},
    )
