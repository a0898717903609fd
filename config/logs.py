"""Logging: to the console; a client's error is one line, a server's a traceback."""

from __future__ import annotations

import logging
from typing import Any


def logging_config(level: str) -> dict[str, Any]:
    """Return the LOGGING setting: the root logger at level, on the console."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "client_errors_without_traceback": {
                "()": "config.logs.ClientErrorsWithoutTraceback"
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.request": {"filters": ["client_errors_without_traceback"]},
            "botocore": {"level": "WARNING"},
            "boto3": {"level": "WARNING"},
            # A warning per failed log-in is enough; axes adds two lines of INFO.
            "axes": {"level": "WARNING"},
        },
    }


class ClientErrorsWithoutTraceback(logging.Filter):
    """Drop the traceback from django.request's records of 4xx answers.

    Django logs a refused request (a PermissionDenied in the admin, say) with
    the exception attached; it is expected, so one line says enough, and a
    traceback in the log then always means a server error.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
