"""One JSON error shape for the whole API: {"error": {code, message, details}}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from django.http.response import HttpResponseBase
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from meetings.domain import (
    CreateQuotaExceeded,
    DuplicateMeeting,
    InvalidChange,
    InvalidCursor,
    InvalidMeeting,
    InvalidTransition,
    Meeting,
    MeetingError,
    MeetingNotFound,
    PreconditionFailed,
    StoreThrottled,
    StoreUnavailable,
    VersionConflict,
)

from .parsers import RequestTooLarge

logger = logging.getLogger(__name__)

# The HTTP status of each domain error; a subclass not listed takes its
# nearest listed base's, so the order of this table does not matter.
DOMAIN_STATUS: dict[type[MeetingError], int] = {
    MeetingNotFound: 404,
    InvalidMeeting: 400,
    InvalidCursor: 400,
    VersionConflict: 409,
    PreconditionFailed: 412,
    InvalidTransition: 409,
    InvalidChange: 409,
    DuplicateMeeting: 409,
    StoreUnavailable: 503,
    CreateQuotaExceeded: 429,
}
# Seconds a client should wait before retrying, by the same rule.
RETRY_AFTER: dict[type[MeetingError], int] = {
    StoreUnavailable: 5,
    StoreThrottled: 2,
}


def _nearest[T](table: dict[type[MeetingError], T], error: MeetingError) -> T | None:
    for kind in type(error).__mro__:
        if kind in table:
            return table[kind]
    return None


def retry_after(error: MeetingError) -> int | None:
    """Return the Retry-After seconds an error's answer carries, if any: its
    own wait when it knows one, else its kind's.
    """
    if error.wait_seconds is not None:
        return error.wait_seconds
    return _nearest(RETRY_AFTER, error)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """Return the API's error shape as a plain Django response."""
    return JsonResponse(
        error_body(code, message, details), status=status, headers=headers
    )


def etag_for(meeting: Meeting) -> str:
    """Return a meeting's ETag: its version, quoted (If-Match sends it back)."""
    return f'"{meeting.version}"'


def domain_error_response(error: MeetingError) -> JsonResponse:
    """Map a domain error to its HTTP answer."""
    headers = {}
    if (seconds := retry_after(error)) is not None:
        headers["Retry-After"] = str(seconds)
    if isinstance(error, VersionConflict) and error.current is not None:
        headers["ETag"] = etag_for(error.current)
    return error_response(
        _nearest(DOMAIN_STATUS, error) or 500,
        error.code,
        error.message,
        error.details,
        headers,
    )


def api_exception_handler(exc: Exception, context: dict) -> HttpResponseBase | None:
    """Answer every API error, DRF's and the domain's, in the one error shape."""
    if isinstance(exc, MeetingError) and _nearest(DOMAIN_STATUS, exc):
        return domain_error_response(exc)
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code, message, details = _describe(exc, response)
    response.data = error_body(code, message, details)
    return response


def _describe(exc: Exception, response: Response) -> tuple[str, str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid", "The request is not valid; see details.", exc.detail
    if isinstance(exc, Http404):
        return "not_found", "Not found.", None
    if isinstance(exc, PermissionDenied):
        return "permission_denied", "You may not do this.", None
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, dict):  # simplejwt: {"detail": ..., "code": ...}
            code = str(detail.get("code", exc.default_code))
            return code, str(detail.get("detail", exc.default_detail)), None
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        return code, str(detail), None
    return "error", str(exc), response.data


def _wants_json(request) -> bool:
    return request.path.startswith("/v1/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def handler400(request, exception=None):
    if not _wants_json(request):
        return defaults.bad_request(request, exception)
    return error_response(400, "bad_request", "The request could not be understood.")


def handler403(request, exception=None):
    if not _wants_json(request):
        return defaults.permission_denied(request, exception)
    return error_response(403, "permission_denied", "You may not do this.")


def handler404(request, exception=None):
    if not _wants_json(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, "not_found", f"Nothing at {request.path}.")


def handler500(request):
    if not _wants_json(request):
        return defaults.server_error(request)
    return error_response(500, "server_error", "Something went wrong on our side.")
