"""Liveness and readiness probes."""

from __future__ import annotations

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import JsonResponse

from meetings.domain import StoreUnavailable
from meetings.repository import get_repository


def healthz(request) -> JsonResponse:
    """Answer {"status": "ok"} while the process can serve requests."""
    return JsonResponse({"status": "ok"})


def readyz(request) -> JsonResponse:
    """Answer 200 when DynamoDB and the database answer, else 503 naming which."""
    checks = {"dynamodb": "ok", "database": "ok"}
    try:
        get_repository().ping()
    except StoreUnavailable:
        checks["dynamodb"] = "unavailable"
    try:
        connection.ensure_connection()
    except DatabaseError:
        checks["database"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    response = JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
    if not ready:
        response["Retry-After"] = "5"
    return response
