"""Logging filters: a client's error is one line, a server's error a traceback."""

from __future__ import annotations

import logging


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
