"""Liveness and readiness probes."""

from __future__ import annotations

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import JsonResponse

from meetings import services
from meetings.domain import StoreUnavailable


def healthz(request) -> JsonResponse:
    """Answer {"status": "ok"} while the process can serve requests."""
    return JsonResponse({"status": "ok"})


def readyz(request) -> JsonResponse:
    """Answer 200 when DynamoDB and the database answer, else 503 naming which."""
    checks = {"dynamodb": "ok", "database": "ok"}
    try:
        services.check_store()
    except StoreUnavailable:
        checks["dynamodb"] = "unavailable"
    try:
        connection.ensure_connection()
    except DatabaseError:
        checks["database"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
        headers=None if ready else {"Retry-After": "5"},
    )
