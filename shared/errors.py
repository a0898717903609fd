"""The HTTP shape of an error, shared by every app.

Every error answers {"error": {code, message, details}}.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

# What a 403 says, whichever handler answers it.
PERMISSION_DENIED = "You may not do this."


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """Return the one error shape as data, for a response to carry."""
    return {"error": {"code": code, "message": message, "details": details}}


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """Return the one error shape as a plain Django response."""
    return JsonResponse(
        error_body(code, message, details), status=status, headers=headers
    )


def bad_request() -> JsonResponse:
    """Return the 400 of a request that could not be understood."""
    return error_response(400, "bad_request", "The request could not be understood.")


def permission_denied() -> JsonResponse:
    """Return the 403 of a request the requester may not make."""
    return error_response(403, "permission_denied", PERMISSION_DENIED)


def not_found(path: str) -> JsonResponse:
    """Return the 404 of a path that leads nowhere."""
    return error_response(404, "not_found", f"Nothing at {path}.")


def server_error() -> JsonResponse:
    """Return the 500 of a request that failed on the server's side."""
    return error_response(500, "server_error", "Something went wrong on our side.")
