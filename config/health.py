"""Liveness and readiness probes."""

from __future__ import annotations

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import JsonResponse

from config.errors import RETRY_AFTER
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
        # When to ask again: as an unreachable store's 503 says.
        headers={"Retry-After": str(RETRY_AFTER[StoreUnavailable])},
    )
