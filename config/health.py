"""Liveness and readiness probes."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import connection, router
from django.db.utils import Error as DatabaseError
from django.http import JsonResponse

from events.broker import is_draining
from meetings import services
from meetings.domain import StoreUnavailable
from meetings.http import RETRY_AFTER


def healthz(request) -> JsonResponse:
    """Answer {"status": "ok"} while the process can serve requests."""
    return JsonResponse({"status": "ok"})


def readyz(request) -> JsonResponse:
    """Answer 200 when the meetings' store (DynamoDB, or memory) and the database
    answer, and the database holds every table the app needs; else 503 naming
    which: {"status": "unavailable", "checks": {"store": "ok", "database":
    "missing tables: meetstream_cache"}}. While the process drains for its
    shutdown, 503 {"status": "draining"} at once.
    """
    if is_draining():
        # Shutting down: out of rotation at once, whatever else holds.
        return JsonResponse(
            {"status": "draining", "checks": {"process": "draining"}},
            status=503,
            headers={"Retry-After": "1"},
        )
    checks = {"store": "ok", "database": "ok"}
    try:
        services.check_store()
    except StoreUnavailable:
        checks["store"] = "unavailable"
    try:
        missing = missing_tables()
    except DatabaseError:
        checks["database"] = "unavailable"
    else:
        if missing:
            checks["database"] = f"missing tables: {', '.join(missing)}"
    if all(value == "ok" for value in checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    return JsonResponse(
        {"status": "unavailable", "checks": checks},
        status=503,
        # When to ask again: as an unreachable store's 503 says.
        headers={"Retry-After": str(RETRY_AFTER[StoreUnavailable])},
    )


def missing_tables() -> list[str]:
    """Return the tables `migrate` makes that the default database lacks, sorted.

    Those are the tables of the installed models and of the database caches in
    settings.CACHES (meetings/migrations/0002_cache_table.py); one query lists
    the database's own.
    """
    introspection = connection.introspection
    needed = {*introspection.django_table_names(), *_cache_tables()}
    existing = set(introspection.table_names())
    return sorted(
        table
        for table in needed
        if introspection.identifier_converter(table) not in existing
    )


def _cache_tables() -> list[str]:
    """Return the tables of the database caches in settings.CACHES."""
    return [
        config["LOCATION"]
        for alias, config in settings.CACHES.items()
        if isinstance(caches[alias], BaseDatabaseCache)
        and router.allow_migrate_model(
            connection.alias, caches[alias].cache_model_class
        )
    ]
